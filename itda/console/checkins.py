"""Console pages for check-ins: the mobile worklist, the staff board, a person's check-in history, escalations."""

from __future__ import annotations

from datetime import time

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from itda.checkins import campaign, nlp, queries, services
from itda.checkins.models import ContactPlan, DueContact
from itda.checkins.permissions import (
    CheckinNotVisible,
    can_keep_worklist,
    can_watch_checkins,
    get_due_contact_for_worker,
    get_escalation_for_worker,
)
from itda.console.access import allowed
from itda.people.permissions import PersonNotVisible, can_change_person, can_work_with_people, get_person_for_worker

WORKLIST_OUTCOMES = [
    (DueContact.Outcome.REACHED_BY_PHONE, gettext_lazy("Reached by phone")),
    (DueContact.Outcome.VISITED, gettext_lazy("Visited")),
    (DueContact.Outcome.NOT_REACHED, gettext_lazy("Not reached")),
    (DueContact.Outcome.CONCERN, gettext_lazy("Concern (write a note)")),
]
STEP_OUTCOMES = [
    ("REACHED", gettext_lazy("Reached, all right")),
    ("NOT_REACHED", gettext_lazy("Not reached")),
    ("CONCERN", gettext_lazy("Reached, with a concern")),
    ("SELF_HARM", gettext_lazy("Self-harm risk")),
]
WEEKDAYS = [
    (0, gettext_lazy("Monday")),
    (1, gettext_lazy("Tuesday")),
    (2, gettext_lazy("Wednesday")),
    (3, gettext_lazy("Thursday")),
    (4, gettext_lazy("Friday")),
    (5, gettext_lazy("Saturday")),
    (6, gettext_lazy("Sunday")),
]


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(choices=WORKLIST_OUTCOMES)
    note = forms.CharField(required=False, max_length=services.MAX_NOTE_CHARS, widget=forms.Textarea(attrs={"rows": 2}))


class StepOutcomeForm(forms.Form):
    step_key = forms.CharField(max_length=30)
    outcome = forms.ChoiceField(choices=STEP_OUTCOMES)
    note = forms.CharField(required=False, max_length=services.MAX_NOTE_CHARS, widget=forms.Textarea(attrs={"rows": 3}))


class AiCallForm(forms.Form):
    weekday = forms.TypedChoiceField(choices=WEEKDAYS, coerce=int, label=gettext_lazy("Day of the week"))
    at = forms.TimeField(label=gettext_lazy("Time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    channel = forms.ChoiceField(
        label=gettext_lazy("How to reach them"),
        choices=[(c, label) for c, label in ContactPlan.Channel.choices if c != ContactPlan.Channel.IN_PERSON],
    )

    def clean_at(self):
        value = self.cleaned_data["at"]
        if not time(7, 0) <= value <= time(21, 0):
            raise forms.ValidationError(_("Calls are made between 07:00 and 21:00."))
        return value


def _makes_or_watches(user) -> bool:
    return can_keep_worklist(user) or can_work_with_people(user)


def _worklist_response(request, *, form=None, failed_id=None, status=200):
    now = timezone.now()
    contacts = queries.worklist_for(request.user, now=now, path=request.path)
    context = {
        "contacts": contacts,
        "start_of_today": queries.start_of_day(now),
        "outcomes": WORKLIST_OUTCOMES,
        "form": form,
        "failed_id": failed_id,
    }
    return render(request, "console/checkins/worklist.html", context, status=status)


@allowed(can_keep_worklist)
def worklist(request):
    return _worklist_response(request)


@allowed(_makes_or_watches)
@require_POST
def log_outcome(request, due_contact_id: int):
    try:
        due_contact = get_due_contact_for_worker(request.user, due_contact_id)
    except CheckinNotVisible:
        raise Http404 from None
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.log_due_contact_outcome(
                actor=request.user,
                due_contact=due_contact,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                now=timezone.now(),
            )
        except services.OutcomeRefused as error:
            form.add_error("note", str(error))
        except services.DueContactClosed as error:
            messages.info(request, str(error))
            return _back(request)
        else:
            messages.success(request, _("Saved. Thank you."))
            return _back(request)
    if can_keep_worklist(request.user):
        return _worklist_response(request, form=form, failed_id=due_contact.pk, status=400)
    return render(request, "console/checkins/outcome_error.html", {"form": form}, status=400)


def _back(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    if can_keep_worklist(request.user):
        return redirect("console:checkin_worklist")
    return redirect("console:checkin_board")


@allowed(can_watch_checkins)
def board(request):
    board_data = queries.board_for(request.user, now=timezone.now(), path=request.path)
    return render(request, "console/checkins/board.html", {"board": board_data, "now": timezone.now()})


QUESTION_LABELS = {
    "HEALTH": gettext_lazy("Health"),
    "MEALS": gettext_lazy("Meals"),
    "MEDICATION": gettext_lazy("Medication"),
    "EXERCISE": gettext_lazy("Exercise"),
    "OPEN": gettext_lazy("In their words"),
}


def _label_history(history: queries.History) -> None:
    """Signal names and readable answers for the page, in the page's language."""
    language = get_language()
    check_in = campaign.load_campaign()
    for contact in history.contacts:
        contact.signal_labels = [nlp.signal_label(signal, language) for signal in contact.signals]
    for attempt in history.attempts:
        attempt.signal_labels = [nlp.signal_label(signal, language) for signal in attempt.signals]
        lines = []
        for code, answer in attempt.answers.items():
            question = check_in.question(code)
            choice = question.choice(answer.get("digits", "")) if question else None
            said = [choice.label_en if language == "en" else choice.label] if choice else []
            if answer.get("speech"):
                said.append(f"“{answer['speech']}”")
            if said:
                lines.append(f"{QUESTION_LABELS.get(code, code)}: {' · '.join(said)}")
        attempt.answer_lines = lines


_CALL_CHANNEL_BY_KIND = {"PHONE": "VOICE", "LANDLINE": "VOICE", "SMS": "SMS_LINK", "MESSENGER": "MESSENGER_LINK"}


def _initial_from_preferred_channel(person) -> dict:
    """A new weekly call starts from the person's preferred channel and slot (the registry), else Tuesday 10:00 by voice."""
    from itda.households.queries import preferred_contact

    initial = {"weekday": 1, "at": time(10, 0), "channel": ContactPlan.Channel.VOICE}
    slot = preferred_contact(person)
    if slot is None:
        return initial
    if slot.weekday is not None:
        initial["weekday"] = slot.weekday
    if slot.time is not None and time(7, 0) <= slot.time <= time(21, 0):
        initial["at"] = slot.time
    initial["channel"] = _CALL_CHANNEL_BY_KIND.get(slot.kind, ContactPlan.Channel.VOICE)
    return initial


@allowed(can_watch_checkins)
def person_history(request, person_id: int):
    try:
        history = queries.checkin_history(actor=request.user, person_id=person_id, now=timezone.now(), path=request.path)
    except PersonNotVisible:
        raise Http404 from None
    _label_history(history)
    ai_plan = next((plan for plan in history.plans if plan.kind == ContactPlan.Kind.AI_CALL and plan.is_active), None)
    initial = (
        {"weekday": ai_plan.preferred_weekday, "at": ai_plan.preferred_time, "channel": ai_plan.channel}
        if ai_plan
        else _initial_from_preferred_channel(history.person)
    )
    context = {
        "history": history,
        "person": history.person,
        "ai_plan": ai_plan,
        "ai_form": AiCallForm(initial=initial),
        "can_change": can_change_person(request.user, history.person),
        "outcomes": WORKLIST_OUTCOMES,
    }
    return render(request, "console/checkins/person.html", context)


@allowed(can_work_with_people)
@require_POST
def set_ai_call(request, person_id: int):
    try:
        person = get_person_for_worker(request.user, person_id)
    except PersonNotVisible:
        raise Http404 from None
    if not can_change_person(request.user, person):
        raise PermissionDenied
    form = AiCallForm(request.POST)
    if form.is_valid():
        try:
            services.set_checkin_call(
                actor=request.user,
                person=person,
                preferred_weekday=form.cleaned_data["weekday"],
                preferred_time=form.cleaned_data["at"],
                channel=form.cleaned_data["channel"],
                now=timezone.now(),
            )
        except (services.ContactPlanInvalid, services.NoTeamToRoute) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The weekly check-in call is set."))
            return redirect("console:checkin_person", person_id=person.pk)
    history = queries.checkin_history(actor=request.user, person_id=person.pk, now=timezone.now(), path=request.path)
    _label_history(history)
    context = {
        "history": history,
        "person": person,
        "ai_plan": None,
        "ai_form": form,
        "can_change": True,
        "outcomes": WORKLIST_OUTCOMES,
    }
    return render(request, "console/checkins/person.html", context, status=400)


@allowed(can_watch_checkins)
@require_http_methods(["GET"])
def escalation_detail(request, escalation_id: int):
    try:
        escalation, steps = queries.view_escalation(
            actor=request.user, escalation_id=escalation_id, now=timezone.now(), path=request.path
        )
    except CheckinNotVisible:
        raise Http404 from None
    form = StepOutcomeForm(initial={"step_key": escalation.step_key})
    return render(request, "console/checkins/escalation.html", {"escalation": escalation, "steps": steps, "form": form})


@allowed(can_watch_checkins)
@require_POST
def escalation_outcome(request, escalation_id: int):
    try:
        escalation = get_escalation_for_worker(request.user, escalation_id)
    except CheckinNotVisible:
        raise Http404 from None
    form = StepOutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.record_escalation_outcome(
                actor=request.user,
                escalation=escalation,
                step_key=form.cleaned_data["step_key"],
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                now=timezone.now(),
            )
        except services.OutcomeRefused as error:
            form.add_error("note", str(error))
        except services.EscalationStepStale as error:
            messages.info(request, str(error))
            return redirect("console:checkin_escalation", escalation_id=escalation.pk)
        else:
            messages.success(request, _("Saved. The next step is open."))
            return redirect("console:checkin_escalation", escalation_id=escalation.pk)
    escalation, steps = queries.view_escalation(
        actor=request.user, escalation_id=escalation.pk, now=timezone.now(), path=request.path
    )
    return render(
        request, "console/checkins/escalation.html", {"escalation": escalation, "steps": steps, "form": form}, status=400
    )
