"""Console pages for the 120 loneliness line: log a contact, run an instrument, link services, schedule a call-back.

Counsellors of a line team (role COUNSELLOR, team kind HELPLINE) do everything here;
administrators may read the contacts and act on them, but log no calls (they answer
no line). Callers may stay anonymous: a contact without a person keeps no personal
fields, and only a known person can be referred or called back.

A crisis overrides everything: a call logged with the outcome CRISIS or the topic
"thoughts of suicide or self-harm", or a crisis answer to an instrument (even among
answers that cannot be scored), shows the crisis lines (109, 112, 119) at once and, for a
known caller, opens the urgent crisis task for a named worker (screenings.services, once
per person and hour). An instrument run on a call is linked to the contact, so the
contact page keeps it. SGDS-K (65 and over) is refused for a caller whose age is known
to be below it.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from itda.cases.models import CareTask
from itda.console.access import allowed
from itda.contacts.models import ContactLog
from itda.contacts.services import ContactRefused, log_contact
from itda.people import queries as people_queries
from itda.people.permissions import PersonNotVisible
from itda.programs.models import Program
from itda.referrals import queries, services
from itda.referrals.models import HelplineTopic
from itda.referrals.permissions import ContactNotVisible, get_helpline_contact_for_worker, is_helpline_counsellor

SCREENING_CHANNEL = "HELPLINE_120"
CALLER_TYPES = [
    choice
    for choice in ContactLog.CallerType.choices
    if choice[0]
    in (ContactLog.CallerType.SELF, ContactLog.CallerType.FAMILY, ContactLog.CallerType.NEIGHBOUR, ContactLog.CallerType.OTHER)
]
CHANNELS = [
    choice
    for choice in ContactLog.Channel.choices
    if choice[0] in (ContactLog.Channel.PHONE, ContactLog.Channel.MESSENGER, ContactLog.Channel.VIDEO, ContactLog.Channel.WALK_IN)
]


def _counsellor_or_administrator(user) -> bool:
    return is_helpline_counsellor(user) or user.is_administrator


_helpline_view = allowed(_counsellor_or_administrator)


class ContactForm(forms.Form):
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    caller_type = forms.ChoiceField(label=_("Who called"), choices=CALLER_TYPES, initial="SELF", widget=forms.RadioSelect)
    channel = forms.ChoiceField(label=_("Channel"), choices=CHANNELS, initial="PHONE")
    direction = forms.ChoiceField(label=_("Direction"), choices=ContactLog.Direction.choices, initial="INBOUND")
    started_at = forms.DateTimeField(
        label=_("Started at (empty: now)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration in minutes"),
        required=False,
        min_value=0,
        max_value=1440,
        error_messages={"min_value": _("Duration must be 0–1440 minutes."), "max_value": _("Duration must be 0–1440 minutes.")},
    )
    topics = forms.MultipleChoiceField(
        label=_("Topics"), required=False, choices=HelplineTopic.choices, widget=forms.CheckboxSelectMultiple
    )
    outcome = forms.ChoiceField(
        label=_("How it ended"),
        choices=[c for c in ContactLog.Outcome.choices if c[0] in ("REACHED", "CONCERN", "CRISIS")],
        initial="REACHED",
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_started_at(self):
        started_at = self.cleaned_data["started_at"]
        if started_at is not None and started_at > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("A contact cannot start in the future."))
        return started_at


class FollowUpForm(forms.Form):
    due_at = forms.DateTimeField(
        label=_("Call back at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    note = forms.CharField(label=_("Note for the call"), required=False, max_length=1000)


class LinkForm(forms.Form):
    program = forms.ChoiceField(label=_("Programme"), choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", "—"), *Program.objects.order_by("name").values_list("slug", "name")]


def _instruments(now) -> list:
    """The instruments in force today, from the screenings app (empty while it is not installed)."""
    try:
        from itda.screenings import catalogue
    except ImportError:
        return []
    today = timezone.localtime(now).date()
    codes = sorted({definition.code for definition, _sha in catalogue.all_definitions()})
    current = []
    for code in codes:
        try:
            current.append(catalogue.current_definition(code, today))
        except catalogue.UnknownInstrument:
            continue
    return sorted(current, key=lambda definition: (definition.position, definition.code))


@_helpline_view
@require_http_methods(["GET", "POST"])
def home(request):
    user = request.user
    now = timezone.now()
    can_log = is_helpline_counsellor(user)
    if request.method == "POST" and not can_log:
        raise PermissionDenied
    form = ContactForm(request.POST or None, initial={"person": request.GET.get("person")})
    person = None
    person_id = request.POST.get("person") or request.GET.get("person")
    if person_id:
        try:
            person = people_queries.view_person(actor=user, person_id=person_id, path=request.path, now=now)
        except PersonNotVisible:
            raise Http404 from None
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        minutes = data["duration_minutes"]
        try:
            with transaction.atomic():
                contact = log_contact(
                    actor=user,
                    team=user.team,
                    channel=data["channel"],
                    direction=data["direction"],
                    outcome=data["outcome"],
                    started_at=data["started_at"] or now,
                    person=person,
                    caller_type=data["caller_type"],
                    duration_seconds=minutes * 60 if minutes is not None else None,
                    topics=data["topics"],
                    note=data["note"],
                )
                _open_crisis_path_for(user, contact, now)
        except ContactRefused as refused:
            error = str(refused)
        else:
            return redirect("console:helpline_contact", contact_id=contact.pk)
    query = request.GET.get("q", "")[:60]
    people = people_queries.list_people(actor=user, query=query, path=request.path, now=now) if query.strip() and can_log else []
    recent = queries.list_recent_helpline_contacts(actor=user, now=now, path=request.path)
    context = {
        "form": form,
        "person": person,
        "error": error,
        "query": query,
        "people": people,
        "recent": recent,
        "can_log": can_log,
    }
    return render(request, "console/helpline/home.html", context, status=400 if request.method == "POST" else 200)


def _open_crisis_path_for(user, contact, now):
    """The urgent crisis task for a known caller when the call ended in crisis or was about suicidal thoughts."""
    try:
        from itda.screenings.services import open_crisis_path_for_contact
    except ImportError:
        return None
    return open_crisis_path_for_contact(actor=user, contact=contact, now=now)


def _contact_is_crisis(contact) -> bool:
    try:
        from itda.screenings.services import contact_is_crisis
    except ImportError:
        return contact.outcome == ContactLog.Outcome.CRISIS
    return contact_is_crisis(contact)


def _age_refusal(definition, person, now):
    try:
        from itda.screenings.services import age_refusal
    except ImportError:
        return None
    age = person.age_on(timezone.localtime(now).date()) if person is not None else None
    return age_refusal(definition, age)


def _screening_rows(request, contact, now) -> list[dict]:
    """The instruments run during this call, from the stored results (audited read); scores only, no answers."""
    try:
        from itda.screenings.queries import results_for_contact
        from itda.screenings.scoring import InstrumentDefinition
    except ImportError:
        return []
    rows = []
    for result in results_for_contact(request.user, contact, now, path=request.path):
        definition = InstrumentDefinition.from_dict(result.instrument.definition)
        band = definition.band(result.band)
        rows.append(
            {
                "result": result,
                "instrument": _in_language(definition.short_name, request),
                "version": result.instrument.version,
                "band": _in_language(band.label, request) if band is not None else result.band,
                "level": _level_label(result.level),
            }
        )
    return rows


def _can_see_person_results(user, person) -> bool:
    if person is None:
        return False
    try:
        from itda.screenings.permissions import can_see_sensitive_results
    except ImportError:
        return False
    return can_see_sensitive_results(user, person)


def _contact_context(request, contact_id: int, **extra) -> dict:
    now = timezone.now()
    view = queries.view_helpline_contact(actor=request.user, contact_id=contact_id, now=now, path=request.path)
    contact = view.contact
    instruments = _instruments(now)
    chosen_code = request.GET.get("instrument", "") if request.method == "GET" else request.POST.get("instrument", "")
    chosen = next((definition for definition in instruments if definition.code == chosen_code), None)
    labels = dict(HelplineTopic.choices)
    answers = extra.pop("answers", {})
    age_refused = _age_refusal(chosen, contact.person, now) if chosen is not None else None
    crisis_tasks = [task for task in view.follow_ups if task.kind == CareTask.Kind.CRISIS_RESPONSE]
    screenings = _screening_rows(request, contact, now)
    if screenings:
        crisis_tasks += list(
            CareTask.objects.filter(
                kind=CareTask.Kind.CRISIS_RESPONSE,
                source_type="screenings.screeningresult",
                source_id__in=[str(row["result"].pk) for row in screenings],
            )
            .select_related("team", "assignee")
            .order_by("pk")
        )
    context = {
        "view": view,
        "contact": contact,
        "topics": [labels.get(code, code) for code in contact.topics],
        "instruments": [(definition.code, _in_language(definition.name, request)) for definition in instruments],
        "instrument": chosen,
        "items": _items(chosen, answers, request) if chosen is not None and age_refused is None else [],
        "age_refused": age_refused.message if age_refused is not None else "",
        "link_form": LinkForm(),
        "follow_up_form": FollowUpForm(),
        "follow_ups": [task for task in view.follow_ups if task.kind != CareTask.Kind.CRISIS_RESPONSE],
        "crisis": _contact_is_crisis(contact),
        "crisis_tasks": crisis_tasks,
        "screenings": screenings,
        "can_see_person_results": _can_see_person_results(request.user, contact.person),
        "error": "",
    }
    crisis_task = extra.pop("crisis_task", None)
    if extra.pop("crisis", False):
        context["crisis"] = True
    if crisis_task is not None and crisis_task.pk not in {task.pk for task in crisis_tasks}:
        context["crisis_tasks"] = [*crisis_tasks, crisis_task]
    context.update(extra)
    return context


def _level_label(level: str) -> str:
    from itda.screenings.models import Level

    return str(Level(level).label) if level in Level.values else level


def _in_language(text, request) -> str:
    return text.in_language(request.LANGUAGE_CODE)


def _items(definition, answers: dict, request) -> list[dict]:
    """The instrument's items as the form shows them, with any answers already given kept checked."""
    return [
        {
            "code": item.code,
            "text": _in_language(item.text, request),
            "options": [
                (option.value, _in_language(option.label, request), str(answers.get(item.code) or "") == str(option.value))
                for option in item.options
            ],
        }
        for item in definition.items
    ]


@_helpline_view
def contact_detail(request, contact_id: int):
    try:
        context = _contact_context(request, contact_id)
    except ContactNotVisible:
        raise Http404 from None
    return render(request, "console/helpline/contact.html", context)


def _load_contact(request, contact_id: int) -> ContactLog:
    try:
        return get_helpline_contact_for_worker(request.user, contact_id)
    except ContactNotVisible:
        raise Http404 from None


@_helpline_view
@require_POST
def run_screening(request, contact_id: int):
    """Score an instrument given during the call; stored only for a known person (an anonymous caller's answers are not kept)."""
    contact = _load_contact(request, contact_id)
    try:
        from itda.screenings.scoring import ScreeningRefused
        from itda.screenings.services import record_screening
    except ImportError:
        raise Http404 from None
    code = request.POST.get("instrument", "")
    definition = next((definition for definition in _instruments(timezone.now()) if definition.code == code), None)
    if definition is None:
        context = _contact_context(request, contact.pk, error=_("Choose an instrument."))
        return render(request, "console/helpline/contact.html", context, status=400)
    answers = {item.code: request.POST.get(f"item-{item.code}") for item in definition.items}
    try:
        outcome = record_screening(
            actor=request.user,
            instrument_code=code,
            answers=answers,
            channel=SCREENING_CHANNEL,
            now=timezone.now(),
            person=contact.person,
            store=contact.person is not None,
            contact=contact if contact.person is not None else None,
        )
    except ScreeningRefused as refused:
        # A crisis answer among refused answers still shows the crisis lines and names the task opened.
        context = _contact_context(
            request,
            contact.pk,
            error=refused.message,
            answers=answers,
            crisis=refused.is_crisis,
            crisis_task=refused.crisis_task,
        )
        return render(request, "console/helpline/contact.html", context, status=400)
    programs = list(Program.objects.filter(slug__in=outcome.recommended_programs).order_by("name"))
    band = definition.band(outcome.band)
    summary = {
        "instrument": _in_language(definition.name, request),
        "total": outcome.total,
        "band": _in_language(band.label, request) if band is not None else outcome.band,
        "level": _level_label(outcome.level),
    }
    context = _contact_context(
        request,
        contact.pk,
        outcome=outcome,
        summary=summary,
        recommended=programs,
        answers=answers,
        crisis=outcome.is_crisis,
        crisis_task=outcome.crisis_task,
    )
    return render(request, "console/helpline/contact.html", context)


@_helpline_view
@require_POST
def link_program(request, contact_id: int):
    contact = _load_contact(request, contact_id)
    form = LinkForm(request.POST)
    if not form.is_valid():
        context = _contact_context(request, contact.pk, error=_("Choose a programme from the directory."))
        return render(request, "console/helpline/contact.html", context, status=400)
    try:
        services.link_program(actor=request.user, contact=contact, program_slug=form.cleaned_data["program"], now=timezone.now())
    except services.NotYourMove:
        raise PermissionDenied from None
    except services.ReferralRefused as refused:
        return render(
            request, "console/helpline/contact.html", _contact_context(request, contact.pk, error=refused.message), status=400
        )
    return redirect("console:helpline_contact", contact_id=contact.pk)


@_helpline_view
@require_POST
def schedule_follow_up(request, contact_id: int):
    contact = _load_contact(request, contact_id)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        context = _contact_context(request, contact.pk, error=_("Give the date and time of the call-back."), follow_up_form=form)
        return render(request, "console/helpline/contact.html", context, status=400)
    try:
        services.schedule_follow_up_call(
            actor=request.user,
            contact=contact,
            due_at=form.cleaned_data["due_at"],
            now=timezone.now(),
            note=form.cleaned_data["note"],
        )
    except services.NotYourMove:
        raise PermissionDenied from None
    except services.ReferralRefused as refused:
        context = _contact_context(request, contact.pk, error=refused.message, follow_up_form=form)
        return render(request, "console/helpline/contact.html", context, status=400)
    return redirect("console:helpline_contact", contact_id=contact.pk)
