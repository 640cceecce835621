"""Audited reads of check-ins: the worklist, the staff board, a person's check-in history, one escalation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from itda.audit.services import record_access
from itda.checkins import links
from itda.checkins.models import CheckinAttempt, ContactPlan, DueContact, Escalation, EscalationStep
from itda.checkins.permissions import get_due_contacts_for_worker, get_escalation_for_worker, get_escalations_for_worker
from itda.checkins.services import policy_for
from itda.people.models import Person
from itda.people.permissions import get_people_for_worker, get_person_for_worker
from itda.programs.hours import SEOUL

WORKLIST_FIELDS = ("name", "phone", "address", "dong")
# How late an automatic check-in may be dispatched before the board calls it overdue.
AUTOMATIC_GRACE = timedelta(hours=1)


def start_of_day(now: datetime) -> datetime:
    local = now.astimezone(SEOUL)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def worklist_for(user, *, now: datetime, path: str = "") -> list[DueContact]:
    """Today's and overdue contacts this volunteer or worker is to make, oldest first, with minimal fields.

    Only the person's name, phone, address and dong are loaded; one LIST audit
    entry names everyone shown.
    """
    end_of_today = start_of_day(now) + timedelta(days=1)
    contacts = list(
        get_due_contacts_for_worker(user)
        .filter(status=DueContact.Status.PENDING, due_at__lt=end_of_today)
        .select_related("person", "person__dong")
        .only("kind", "channel", "due_at", "status", "person__name", "person__phone", "person__address", "person__dong__name")
        .order_by("due_at", "pk")[:200]
    )
    with transaction.atomic():
        record_access(
            actor=user,
            action="LIST",
            target_type="checkins.worklist",
            listed_person_ids=[c.person_id for c in contacts],
            fields=WORKLIST_FIELDS,
            reason=f"{len(contacts)} shown",
            path=path,
            at=now,
        )
    return contacts


@dataclass(frozen=True)
class Board:
    alerts: list[EscalationStep]
    escalations: list[Escalation]
    overdue: list[DueContact]


def board_for(user, *, now: datetime, path: str = "", limit: int = 100) -> Board:
    """Today's alerts (ladder steps fired since midnight), open escalations and overdue contacts in the user's scope."""
    today = start_of_day(now)
    escalations = get_escalations_for_worker(user).filter(resolved_at__isnull=True)
    alerts = list(
        EscalationStep.objects.filter(escalation__in=escalations, fired_at__gte=today, task__isnull=False)
        .select_related("escalation__person", "team", "task")
        .order_by("-fired_at", "-pk")[:limit]
    )
    open_escalations = list(escalations.select_related("person__dong").order_by("opened_at", "pk")[:limit])
    people = get_people_for_worker(user)
    overdue = list(
        DueContact.objects.filter(person__in=people, status=DueContact.Status.PENDING)
        .filter(_overdue(today=today, now=now))
        .select_related("person", "owner")
        .order_by("due_at", "pk")[:limit]
    )
    shown = (
        {step.escalation.person_id for step in alerts} | {e.person_id for e in open_escalations} | {c.person_id for c in overdue}
    )
    with transaction.atomic():
        record_access(
            actor=user,
            action="LIST",
            target_type="checkins.board",
            listed_person_ids=sorted(shown),
            fields=["escalations", "overdue_contacts"],
            reason=f"{len(alerts)} alerts, {len(open_escalations)} open, {len(overdue)} overdue",
            path=path,
            at=now,
        )
    return Board(alerts=alerts, escalations=open_escalations, overdue=overdue)


def _overdue(*, today: datetime, now: datetime) -> Q:
    """Overdue: a human contact due before today, an automatic one not dispatched an hour after it was due."""
    return Q(channel__in=["IN_PERSON", "VOLUNTEER_CALL"], due_at__lt=today) | Q(
        channel__in=["VOICE", "SMS_LINK", "MESSENGER_LINK"], due_at__lt=now - AUTOMATIC_GRACE
    )


@dataclass(frozen=True)
class History:
    person: Person
    plans: list[ContactPlan]
    contacts: list[DueContact]
    attempts: list[CheckinAttempt]
    escalations: list[Escalation]


def checkin_history(*, actor, person_id: int, now: datetime, path: str = "", limit: int = 30) -> History:
    """A person's plans, recent check-ins with their answers, and escalations with every step. Audited as a READ.

    Raises people.permissions.PersonNotVisible.
    """
    person = get_person_for_worker(actor, person_id)
    plans = list(ContactPlan.objects.filter(person=person).select_related("team", "owner").order_by("-start_at", "-pk"))
    contacts = list(DueContact.objects.filter(person=person).select_related("owner").order_by("-due_at", "-pk")[:limit])
    attempts = list(CheckinAttempt.objects.filter(due_contact__person=person).order_by("-started_at", "-pk")[:limit])
    escalations = list(
        Escalation.objects.filter(person=person).prefetch_related("steps__team", "steps__task").order_by("-opened_at", "-pk")[:10]
    )
    with transaction.atomic():
        record_access(
            actor=actor,
            action="READ",
            target_type="checkins.history",
            target_id=person.pk,
            person_id=person.pk,
            fields=["plans", "contacts", "answers", "escalations"],
            path=path,
            at=now,
        )
    return History(person=person, plans=plans, contacts=contacts, attempts=attempts, escalations=escalations)


def view_escalation(*, actor, escalation_id: int, now: datetime, path: str = "") -> tuple[Escalation, list[EscalationStep]]:
    """One escalation and its steps, audited as a READ. Raises permissions.CheckinNotVisible."""
    escalation = get_escalation_for_worker(actor, escalation_id)
    steps = list(escalation.steps.select_related("team", "task", "outcome_by").order_by("fired_at", "pk"))
    with transaction.atomic():
        record_access(
            actor=actor,
            action="READ",
            target=escalation,
            person_id=escalation.person_id,
            fields=["steps", "signals"],
            path=path,
            at=now,
        )
    return escalation, steps


@dataclass(frozen=True)
class SmsCheckin:
    attempt_id: int
    is_answered: bool


def sms_checkin_for(*, token: str, now: datetime) -> SmsCheckin:
    """The check-in behind an SMS link. Raises links.LinkInvalid (not ours, or not an SMS attempt) or links.LinkExpired.

    The page shows no personal data, so reading it is not audited; answering is.
    """

    def max_age(attempt_id: int) -> int:
        district_id = (
            CheckinAttempt.objects.filter(pk=attempt_id).values_list("due_contact__person__district_id", flat=True).first()
        )
        if district_id is None:
            raise links.LinkInvalid(token)
        return policy_for(district_id).sms_link_valid_hours * 3600

    attempt_id = links.read_link_token_for_policy(token, now=now, max_age_for=max_age)
    attempt = (
        CheckinAttempt.objects.filter(
            pk=attempt_id, channel__in=[ContactPlan.Channel.SMS_LINK, ContactPlan.Channel.MESSENGER_LINK]
        )
        .only("pk", "status", "answers")
        .first()
    )
    if attempt is None or attempt.status == CheckinAttempt.Status.FAILED:
        raise links.LinkInvalid(token)
    return SmsCheckin(attempt_id=attempt.pk, is_answered=attempt.status == CheckinAttempt.Status.ANSWERED)
