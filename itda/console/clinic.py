"""Console pages for a primary care clinic: the first link of the life-linking stethoscope, in one flow.

Staff of a PRIMARY_CLINIC team (health staff or social workers; ``referrals.permissions.is_clinic_staff``)
1. find a patient on their own caseload, or register one (their clinic's district; no resident
   registration number; the registering worker is put on the case, so the clinic keeps seeing them);
2. run PHQ-9 (or another instrument in force) with the channel CLINIC through
   ``screenings.services.record_screening`` — a crisis answer shows the crisis lines at once and
   opens the crisis path there, even when the answers cannot be scored;
3. see the triage level and the referral risk it suggests;
4. send the referral to the public health centre of the patient's district with the result attached
   (``referrals.services.send_screening_referral``): the worker may raise the risk, lowers it only
   with a written reason, and never lowers a crisis.
The clinic's home lists what it sent and how far each loop has come: counselled at the health centre,
registered as suicide high-risk at the mental health welfare centre.

The receiving teams record those two typed steps on the referral page (``milestone``, below); the
referral page also shows the attached result to those allowed to read it (``referral_context``).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from itda.cases.models import CareTask
from itda.console.access import allowed
from itda.console.forms import CONSENT_WORDING_VERSION
from itda.lib.privacy import contains_resident_registration_number
from itda.people import queries as people_queries
from itda.people import services as people_services
from itda.people.models import Consent, Person
from itda.people.permissions import PersonNotVisible
from itda.programs.models import Program
from itda.referrals import queries as referral_queries
from itda.referrals import services as referral_services
from itda.referrals.models import Milestone, Referral
from itda.referrals.permissions import (
    ReferralNotVisible,
    can_use_referrals,
    get_referral_for_worker,
    get_referrals_for_worker,
    is_clinic_staff,
    sides_for,
)
from itda.screenings import catalogue
from itda.screenings import queries as screening_queries
from itda.screenings.models import Channel, Level
from itda.screenings.permissions import can_see_sensitive_results
from itda.screenings.scoring import InstrumentDefinition, ScreeningRefused
from itda.screenings.services import record_screening

DEFAULT_INSTRUMENT = "PHQ9"
SHARE_CONSENT_WORDING = "clinic-share-2026-01"
MILESTONE_BUTTONS = {
    Milestone.COUNSELLED: _("Record: counselled"),
    Milestone.REGISTERED_HIGH_RISK: _("Record: registered as suicide high-risk"),
}


_clinic_view = allowed(is_clinic_staff)


def _no_rrn(value: str) -> str:
    if contains_resident_registration_number(value):
        raise forms.ValidationError(_("Resident registration numbers are never stored. Please remove it."))
    return value


class PatientForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    birth_year = forms.IntegerField(label=_("Birth year"), required=False, min_value=1900, max_value=2100)
    sex = forms.ChoiceField(label=_("Sex"), required=False, choices=[("", "—"), *Person.Sex.choices])
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    consent_given = forms.BooleanField(
        label=_("The person agreed, after hearing the case-record notice, that a record is kept"), required=True
    )

    def clean_name(self):
        return _no_rrn(self.cleaned_data["name"])

    def clean_phone(self):
        return _no_rrn(self.cleaned_data["phone"])


class ReferForm(forms.Form):
    risk = forms.ChoiceField(label=_("Risk"), choices=Referral.Risk.choices, widget=forms.RadioSelect)
    lower_reason = forms.CharField(
        label=_("Why the risk is lower than the triage suggests"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(
        label=_("Note for the health centre (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    share_consent = forms.BooleanField(
        label=_("The patient agreed that the result is shared with the public health centre"), required=False
    )


def _language() -> str:
    return get_language() or "ko"


def _level_label(level: str) -> str:
    return str(Level(level).label) if level in Level.values else level


def _instruments(now) -> list[InstrumentDefinition]:
    today = timezone.localtime(now).date()
    current = []
    for code in sorted({definition.code for definition, _sha in catalogue.all_definitions()}):
        try:
            current.append(catalogue.current_definition(code, today))
        except catalogue.UnknownInstrument:
            continue
    return sorted(current, key=lambda definition: (definition.code != DEFAULT_INSTRUMENT, definition.position, definition.code))


def _items(definition: InstrumentDefinition, answers: dict) -> list[dict]:
    language = _language()
    return [
        {
            "code": item.code,
            "text": item.text.in_language(language),
            "options": [
                (option.value, option.label.in_language(language), str(answers.get(item.code) or "") == str(option.value))
                for option in item.options
            ],
        }
        for item in definition.items
    ]


def _result_row(result) -> dict:
    definition = InstrumentDefinition.from_dict(result.instrument.definition)
    band = definition.band(result.band)
    language = _language()
    return {
        "result": result,
        "instrument": definition.short_name.in_language(language),
        "version": result.instrument.version,
        "maximum": definition.maximum,
        "band": band.label.in_language(language) if band is not None else result.band,
        "level": _level_label(result.level),
    }


def _crisis_tasks(result_id) -> list[CareTask]:
    return list(
        CareTask.objects.filter(
            kind=CareTask.Kind.CRISIS_RESPONSE, source_type=referral_services.SCREENING_SOURCE, source_id=str(result_id)
        )
        .select_related("team", "assignee")
        .order_by("pk")
    )


# --- 1. find or register -------------------------------------------------------------------------------------------


def _home_context(request, *, form: PatientForm | None = None) -> dict:
    now = timezone.now()
    query = request.GET.get("q", "")[:60]
    people = people_queries.list_people(actor=request.user, query=query, path=request.path, now=now) if query.strip() else []
    return {
        "query": query,
        "people": people,
        "form": form or PatientForm(),
        "district": request.user.team.district,
        "loops": referral_queries.list_screening_referrals_sent(actor=request.user, now=now, path=request.path),
    }


@_clinic_view
def home(request):
    return render(request, "console/clinic/home.html", _home_context(request))


@_clinic_view
@require_POST
def register(request):
    user = request.user
    form = PatientForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        details = people_services.PersonDetails(
            name=data["name"], district=user.team.district, birth_year=data["birth_year"], sex=data["sex"], phone=data["phone"]
        )
        try:
            person = people_services.register_person(
                actor=user, details=details, consent_wording_version=CONSENT_WORDING_VERSION, now=timezone.now()
            )
        except people_services.PersonDataInvalid as error:
            for field, message in error.errors.items():
                form.add_error(field if field in form.fields else None, message)
        except people_services.PersonChangeRefused:
            form.add_error(None, _("Your clinic can register patients of its own district only."))
        else:
            return redirect("console:clinic_screen", person_id=person.pk)
    return render(request, "console/clinic/home.html", _home_context(request, form=form), status=400)


# --- 2. screen -----------------------------------------------------------------------------------------------------


def _screen_context(request, person: Person, *, code: str, answers: dict | None = None, **extra) -> dict:
    instruments = _instruments(timezone.now())
    chosen = next((definition for definition in instruments if definition.code == code), None)
    language = _language()
    context = {
        "person": person,
        "instruments": [(definition.code, definition.name.in_language(language)) for definition in instruments],
        "instrument": chosen,
        "items": _items(chosen, answers or {}) if chosen is not None else [],
        "error": "",
        "crisis": False,
        "crisis_tasks": [],
    }
    context.update(extra)
    return context


@_clinic_view
@require_http_methods(["GET", "POST"])
def screen(request, person_id: int):
    user = request.user
    now = timezone.now()
    try:
        person = people_queries.view_person(actor=user, person_id=person_id, path=request.path, now=now)
    except PersonNotVisible:
        raise Http404 from None
    if request.method == "GET":
        code = request.GET.get("instrument", DEFAULT_INSTRUMENT)
        return render(request, "console/clinic/screen.html", _screen_context(request, person, code=code))
    code = request.POST.get("instrument", "")
    definition = next((d for d in _instruments(now) if d.code == code), None)
    if definition is None:
        context = _screen_context(request, person, code=DEFAULT_INSTRUMENT, error=_("Choose an instrument."))
        return render(request, "console/clinic/screen.html", context, status=400)
    answers = {item.code: request.POST.get(f"item-{item.code}") for item in definition.items}
    try:
        outcome = record_screening(
            actor=user, instrument_code=code, answers=answers, channel=Channel.CLINIC, now=now, person=person
        )
    except ScreeningRefused as refused:
        # A crisis answer among answers that cannot be scored still shows the crisis lines and the task opened.
        context = _screen_context(
            request,
            person,
            code=code,
            answers=answers,
            error=refused.message,
            crisis=refused.is_crisis,
            crisis_tasks=[refused.crisis_task] if refused.crisis_task is not None else [],
        )
        return render(request, "console/clinic/screen.html", context, status=400)
    return redirect("console:clinic_refer", person_id=person.pk, result_id=outcome.result.pk)


# --- 3 and 4. triage and refer -------------------------------------------------------------------------------------


def _refer_context(request, result, *, form: ReferForm | None = None, error: str = "") -> dict:
    suggested = referral_services.risk_for_level(result.level)
    existing = (
        get_referrals_for_worker(request.user)
        .filter(source_type=referral_services.SCREENING_SOURCE, source_id=str(result.pk))
        .select_related("to_team")
        .order_by("pk")
        .first()
    )
    has_share_consent = Consent.objects.filter(
        person=result.person, purpose=Consent.Purpose.SHARE_WITH_SERVICES, withdrawn_at__isnull=True
    ).exists()
    return {
        "person": result.person,
        "row": _result_row(result),
        "suggested": suggested,
        "suggested_label": Referral.Risk(suggested).label,
        "programs": list(Program.objects.filter(slug__in=result.recommended_programs).order_by("name")),
        "health_centre": referral_services.health_centre_for(result.person),
        "existing": existing,
        "form": form or ReferForm(initial={"risk": suggested}),
        "has_share_consent": has_share_consent,
        "crisis": result.is_crisis,
        "crisis_tasks": _crisis_tasks(result.pk) if result.is_crisis else [],
        "error": error,
    }


@_clinic_view
@require_http_methods(["GET", "POST"])
def refer(request, person_id: int, result_id: int):
    user = request.user
    now = timezone.now()
    try:
        result = screening_queries.result_for_person(user, person_id, result_id, now, path=request.path)
    except screening_queries.ResultsNotVisible:
        raise Http404 from None
    if request.method == "GET":
        return render(request, "console/clinic/refer.html", _refer_context(request, result))
    form = ReferForm(request.POST)
    if not form.is_valid():
        context = _refer_context(request, result, form=form, error=_("Choose a risk."))
        return render(request, "console/clinic/refer.html", context, status=400)
    data = form.cleaned_data
    try:
        if data["share_consent"]:
            people_services.record_consent(
                actor=user,
                person=result.person,
                purpose=Consent.Purpose.SHARE_WITH_SERVICES,
                wording_version=SHARE_CONSENT_WORDING,
                now=now,
            )
        referral = referral_services.send_screening_referral(
            actor=user, result=result, now=now, risk=data["risk"], note=data["note"], lower_reason=data["lower_reason"]
        )
    except (referral_services.NotYourMove, people_services.PersonChangeRefused):
        raise PermissionDenied from None
    except referral_services.ReferralRefused as refused:
        context = _refer_context(request, result, form=form, error=refused.message)
        return render(request, "console/clinic/refer.html", context, status=400)
    return redirect("console:referral_detail", referral_id=referral.pk)


# --- The receiving teams' typed steps, on the referral page --------------------------------------------------------


@require_POST
@allowed(can_use_referrals)
def milestone(request, referral_id: int):
    """The health centre records "counselled", the mental health welfare centre "registered as suicide high-risk"."""
    from itda.console.referrals import _detail_context

    user = request.user
    try:
        referral = get_referral_for_worker(user, referral_id)
    except ReferralNotVisible:
        raise Http404 from None
    chosen = request.POST.get("milestone", "")
    note = request.POST.get("note", "")[:2000]
    try:
        referral_services.record_milestone(actor=user, referral=referral, milestone=chosen, note=note, now=timezone.now())
    except referral_services.NotYourMove:
        raise PermissionDenied from None
    except referral_services.ReferralRefused as refused:
        context = _detail_context(request, referral.pk, error=refused.message)
        return render(request, "console/referrals/detail.html", context, status=400)
    return redirect("console:referral_detail", referral_id=referral.pk)


def referral_context(request, view, moves: list) -> dict:
    """What the referral page adds for a screening result attached and for the stethoscope's typed steps.

    The attached result is read through ``screenings.queries`` (audited) only by those who may read it
    (the receiving team of an open referral, the workers on the case, administrators); others see that
    one is attached. A receiving team with a typed step to record gets it in place of "service started".
    """
    referral = view.referral
    user = request.user
    attached = None
    attached_hidden = False
    if referral.source_type == referral_services.SCREENING_SOURCE:
        if can_see_sensitive_results(user, referral.person):
            try:
                result = screening_queries.result_for_person(
                    user, referral.person_id, int(referral.source_id), timezone.now(), path=request.path
                )
            except (screening_queries.ResultsNotVisible, ValueError):
                attached_hidden = True
            else:
                attached = _result_row(result)
        else:
            attached_hidden = True
    to_record = ""
    recorded = referral_services.recorded_milestone(referral)
    if Referral.Side.RECEIVER in sides_for(user, referral) and recorded is None:
        kind = referral_services.milestone_for(referral)
        if kind and referral.status in (
            Referral.Status.SENT,
            Referral.Status.RECEIVED,
            Referral.Status.ACCEPTED,
            Referral.Status.CONTACTED,
            Referral.Status.UNREACHABLE,
        ):
            to_record = kind
    if to_record:
        moves = [(status, label) for status, label in moves if status != Referral.Status.SERVICE_STARTED]
    steps = referral_queries.milestones_of(view.chain)
    return {
        "moves": moves,
        "attached": attached,
        "attached_hidden": attached_hidden,
        "milestone_to_record": to_record,
        "milestone_button": MILESTONE_BUTTONS.get(to_record, ""),
        "chain_links": [(link, steps[link.pk]) for link in view.chain],
    }
