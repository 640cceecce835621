"""Console pages for referrals: the sending team's outbox, the receiving team's inbox, one referral, sending one."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from itda.console import clinic
from itda.console.access import allowed
from itda.people import queries as people_queries
from itda.people.permissions import PersonNotVisible, get_person_for_worker
from itda.programs.models import Program
from itda.referrals import queries, services
from itda.referrals.models import CLOSING_OUTCOMES, DECLINE_REASONS, Milestone, Referral
from itda.referrals.permissions import (
    ContactNotVisible,
    ReferralNotVisible,
    can_send_referrals,
    can_use_referrals,
    get_helpline_contact_for_worker,
    get_referral_for_worker,
    sides_for,
)

Status = Referral.Status
# Steps that need no detail: shown as plain buttons on the inbox rows.
SIMPLE_MOVES = (Status.RECEIVED, Status.ACCEPTED, Status.CONTACTED, Status.SERVICE_STARTED)
MOVE_LABELS = {
    Status.RECEIVED: _("Mark as received"),
    Status.ACCEPTED: _("Accept"),
    Status.CONTACTED: _("Reached the person"),
    Status.SERVICE_STARTED: _("Service started"),
    Status.UNREACHABLE: _("Could not reach the person"),
    Status.CLOSED: _("Close with an outcome"),
    Status.DECLINED: _("Decline"),
    Status.CANCELLED: _("Cancel the referral"),
}


_referral_view = allowed(can_use_referrals)


class MoveForm(forms.Form):
    to_status = forms.ChoiceField(choices=Status.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    outcome = forms.ChoiceField(label=_("Outcome"), required=False, choices=[("", "—"), *Referral.Outcome.choices])
    steps_tried = forms.MultipleChoiceField(
        label=_("Steps tried"), required=False, choices=Referral.Step.choices, widget=forms.CheckboxSelectMultiple
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class SendForm(forms.Form):
    to_team = forms.TypedChoiceField(label=_("Send to"), coerce=int, choices=())
    risk = forms.ChoiceField(label=_("Risk"), choices=Referral.Risk.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason for the referral"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    program = forms.ChoiceField(label=_("Programme (optional)"), required=False, choices=())

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.teams = {team.pk: team for team in teams}
        self.fields["to_team"].choices = [("", "—"), *((team.pk, str(team)) for team in teams)]
        programs = Program.objects.order_by("name").values_list("slug", "name")
        self.fields["program"].choices = [("", "—"), *programs]


def _outcome_choices(allowed) -> list[tuple[str, str]]:
    return [(value, label) for value, label in Referral.Outcome.choices if value in allowed]


@_referral_view
def outbox(request):
    show_all = request.GET.get("show") != "open"
    rows = queries.list_outbox(actor=request.user, now=timezone.now(), include_finished=show_all, path=request.path)
    return render(
        request,
        "console/referrals/outbox.html",
        {"rows": rows, "show_all": show_all, "can_send": can_send_referrals(request.user)},
    )


@_referral_view
def inbox(request):
    show_all = request.GET.get("show") == "all"
    rows = queries.list_inbox(actor=request.user, now=timezone.now(), include_finished=show_all, path=request.path)
    items = []
    for row in rows:
        moves = [status for side in sorted(sides_for(request.user, row.referral)) for status in row.referral.allowed_moves(side)]
        # On a stethoscope referral, "service started" is the receiving team's typed step (counselled, registered).
        milestone = services.milestone_for(row.referral) if Status.SERVICE_STARTED in moves else ""
        labels = {**MOVE_LABELS, Status.SERVICE_STARTED: Milestone(milestone).label} if milestone else MOVE_LABELS
        items.append((row, [(status, labels[status]) for status in dict.fromkeys(moves) if status in SIMPLE_MOVES]))
    return render(request, "console/referrals/inbox.html", {"items": items, "show_all": show_all})


def _detail_context(request, referral_id: int, *, error: str = "") -> dict:
    view = queries.view_referral(actor=request.user, referral_id=referral_id, now=timezone.now(), path=request.path)
    context = {
        "view": view,
        "referral": view.referral,
        "error": error,
        "moves": [(status, MOVE_LABELS[status]) for status in view.moves],
        "decline_reasons": _outcome_choices(DECLINE_REASONS),
        "closing_outcomes": _outcome_choices(CLOSING_OUTCOMES),
        "steps": Referral.Step.choices,
        "steps_tried": [dict(Referral.Step.choices).get(code, code) for code in view.referral.steps_tried],
        "can_refer_onward": Referral.Side.RECEIVER in sides_for(request.user, view.referral) and view.referral.is_open,
    }
    # The attached screening result and the stethoscope's typed steps (console/clinic.py).
    context.update(clinic.referral_context(request, view, context["moves"]))
    return context


@_referral_view
def detail(request, referral_id: int):
    try:
        context = _detail_context(request, referral_id)
    except ReferralNotVisible:
        raise Http404 from None
    return render(request, "console/referrals/detail.html", context)


@_referral_view
@require_POST
def move(request, referral_id: int):
    try:
        referral = get_referral_for_worker(request.user, referral_id)
    except ReferralNotVisible:
        raise Http404 from None
    form = MoveForm(request.POST)
    if not form.is_valid():
        return render(
            request, "console/referrals/detail.html", _detail_context(request, referral.pk, error=_("Choose a step.")), status=400
        )
    data = form.cleaned_data
    milestone = services.milestone_for(referral) if data["to_status"] == Status.SERVICE_STARTED else ""
    try:
        if milestone and Referral.Side.RECEIVER in sides_for(request.user, referral):
            # The typed step of the chain, not a bare "service started" that would leave it unrecordable.
            services.record_milestone(
                actor=request.user, referral=referral, milestone=milestone, note=data["note"], now=timezone.now()
            )
        else:
            services.transition(
                actor=request.user,
                referral=referral,
                to_status=data["to_status"],
                now=timezone.now(),
                note=data["note"],
                outcome=data["outcome"],
                steps_tried=data["steps_tried"],
            )
    except services.NotYourMove:
        raise PermissionDenied from None
    except services.ReferralRefused as refused:
        return render(
            request, "console/referrals/detail.html", _detail_context(request, referral.pk, error=refused.message), status=400
        )
    target = data["next"]
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("console:referral_detail", referral_id=referral.pk)


def _parse_id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@_referral_view
@require_http_methods(["GET", "POST"])
def send(request):
    """Send a referral for a person in scope; ``parent`` continues a chain, ``contact`` ties it to a 120 call."""
    user = request.user
    if not can_send_referrals(user) or user.team_id is None:
        raise PermissionDenied
    params = request.POST if request.method == "POST" else request.GET
    parent = None
    if params.get("parent"):
        try:
            parent = get_referral_for_worker(user, _parse_id(params.get("parent")))
        except ReferralNotVisible:
            raise Http404 from None
    contact = None
    if params.get("contact"):
        try:
            contact = get_helpline_contact_for_worker(user, _parse_id(params.get("contact")))
        except ContactNotVisible:
            raise Http404 from None
    person = None
    if parent is not None:
        person = parent.person
    elif contact is not None and contact.person_id is not None:
        person = contact.person
    elif params.get("person"):
        try:
            person = get_person_for_worker(user, _parse_id(params.get("person")))
        except PersonNotVisible:
            raise Http404 from None
    if person is None:
        query = request.GET.get("q", "")[:60]
        people = (
            people_queries.list_people(actor=user, query=query, path=request.path, now=timezone.now()) if query.strip() else []
        )
        return render(request, "console/referrals/choose_person.html", {"people": people, "query": query})

    queries.record_person_shown_for_sending(actor=user, person=person, now=timezone.now(), path=request.path)
    initial = {}
    if parent is not None:
        suggested = queries.suggested_next_team(parent)
        initial = {"risk": parent.risk, "program": parent.program.slug if parent.program_id else ""}
        if suggested is not None:
            initial["to_team"] = suggested.pk
    form = SendForm(request.POST or None, teams=queries.teams_to_refer_to(actor=user), initial=initial)
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.send_referral(
                actor=user,
                person=person,
                from_team=user.team,
                to_team=form.teams[data["to_team"]],
                reason=data["reason"],
                risk=data["risk"],
                now=timezone.now(),
                program_slug=data["program"],
                parent=parent,
                source_type="contacts.contactlog" if contact is not None else "",
                source_id=contact.pk if contact is not None else "",
            )
        except services.NotYourMove:
            raise PermissionDenied from None
        except services.ReferralRefused as refused:
            error = refused.message
        else:
            return redirect("console:referral_detail", referral_id=referral.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "person": person, "parent": parent, "contact": contact, "error": error}
    return render(request, "console/referrals/send.html", context, status=status)
