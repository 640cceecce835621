"""Audited reads of referrals (outbox, inbox, one referral with its chain) and the 120 line's counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Count, QuerySet

from itda.accounts.models import Team
from itda.audit.services import record_access
from itda.cases.models import CareTask
from itda.contacts.models import ContactLog
from itda.referrals.models import OPEN_STATUSES, Milestone, Referral, ReferralEvent, ServiceLink
from itda.referrals.permissions import (
    get_helpline_contact_for_worker,
    get_helpline_contacts_for_worker,
    get_referral_for_worker,
    get_referrals_for_worker,
    sides_for,
)
from itda.screenings.queries import helpline_screening_counts

LIST_FIELDS = ("person", "status", "risk", "due_at", "outcome", "to_team", "from_team")
DETAIL_FIELDS = ("person", "reason", "risk", "status", "outcome", "outcome_note", "steps_tried", "events", "chain")
PERSON_FIELDS = ("name", "birth_year", "phone", "district", "dong", "address")


@dataclass(frozen=True)
class ReferralRow:
    referral: Referral
    is_overdue: bool


@dataclass(frozen=True)
class ReferralView:
    referral: Referral
    is_overdue: bool
    events: list[ReferralEvent]
    chain: list[Referral]
    moves: list[str]
    tasks: list[CareTask]


def _rows(referrals: QuerySet[Referral], now: datetime) -> list[ReferralRow]:
    return [ReferralRow(referral=referral, is_overdue=referral.is_overdue(now)) for referral in referrals]


def _team_referrals(*, actor, team_field: str, include_finished: bool) -> QuerySet[Referral]:
    referrals = get_referrals_for_worker(actor)
    if actor.team_id is not None:
        referrals = referrals.filter(**{team_field: actor.team_id})
    elif not actor.is_administrator:
        return referrals.none()
    if not include_finished:
        referrals = referrals.filter(status__in=OPEN_STATUSES)
    return referrals


def _list(*, actor, referrals: QuerySet[Referral], what: str, now: datetime, path: str, limit: int) -> list[ReferralRow]:
    # Open ones first, by deadline; the finished after them, newest first.
    chosen = list(referrals.order_by("due_at", "-sent_at", "-pk")[:limit])
    chosen.sort(key=lambda referral: (not referral.is_open, referral.due_at or now, -referral.sent_at.timestamp()))
    with transaction.atomic():
        record_access(
            actor=actor,
            action="LIST",
            target_type="referrals.referral",
            listed_person_ids=[referral.person_id for referral in chosen],
            fields=LIST_FIELDS,
            reason=f"{what}, {len(chosen)} shown",
            path=path,
            at=now,
        )
    return _rows(chosen, now)


def list_outbox(*, actor, now: datetime, include_finished: bool = True, path: str = "", limit: int = 200) -> list[ReferralRow]:
    """Referrals the actor's team sent, with their state, deadline, overdue flag and outcome; one LIST audit entry."""
    referrals = _team_referrals(actor=actor, team_field="from_team_id", include_finished=include_finished)
    return _list(actor=actor, referrals=referrals, what="outbox", now=now, path=path, limit=limit)


def list_inbox(*, actor, now: datetime, include_finished: bool = False, path: str = "", limit: int = 200) -> list[ReferralRow]:
    """Referrals the actor's team received, open ones by deadline; one LIST audit entry."""
    referrals = _team_referrals(actor=actor, team_field="to_team_id", include_finished=include_finished)
    return _list(actor=actor, referrals=referrals, what="inbox", now=now, path=path, limit=limit)


def chain_of(referral: Referral) -> list[Referral]:
    """Every referral of the chain this one belongs to, from the first link on, in sending order."""
    root = referral
    while root.parent_id is not None:
        root = Referral.objects.select_related("from_team", "to_team", "parent").get(pk=root.parent_id)
    chain = [root]
    frontier = [root.pk]
    while frontier:
        children = list(
            Referral.objects.filter(parent_id__in=frontier).select_related("from_team", "to_team").order_by("sent_at", "pk")
        )
        chain.extend(children)
        frontier = [child.pk for child in children]
    return chain


def view_referral(*, actor, referral_id: int, now: datetime, path: str = "") -> ReferralView:
    """One referral with its events, chain, open tasks and the moves this actor may make, recorded as a READ.

    Raises ReferralNotVisible. Links of the chain the actor could not see on their own
    are shown with teams and status only (the template shows no reason for them).
    """
    referral = get_referral_for_worker(actor, referral_id)
    events = list(referral.events.select_related("actor").order_by("at", "pk"))
    sides = sides_for(actor, referral)
    moves = [status for side in sorted(sides) for status in referral.allowed_moves(side)]
    tasks = list(
        CareTask.objects.filter(source_type="referrals.referral", source_id=str(referral.pk))
        .select_related("team", "assignee")
        .order_by("-created_at", "-pk")
    )
    with transaction.atomic():
        record_access(
            actor=actor,
            action="READ",
            target=referral,
            person_id=referral.person_id,
            fields=(*DETAIL_FIELDS, *PERSON_FIELDS),
            path=path,
            at=now,
        )
    return ReferralView(
        referral=referral,
        is_overdue=referral.is_overdue(now),
        events=events,
        chain=chain_of(referral),
        moves=list(dict.fromkeys(moves)),
        tasks=tasks,
    )


def record_person_shown_for_sending(*, actor, person, now: datetime, path: str = "") -> None:
    """Record the READ of the person's name on the page that sends a referral for them.

    The caller has already loaded the person through an access function (the person
    rules, the referral being continued, or the 120 contact).
    """
    with transaction.atomic():
        record_access(
            actor=actor, action="READ", target=person, person_id=person.pk, fields=["name", "birth_year"], path=path, at=now
        )


# Programme chains as data: the team kinds each link of the chain runs between, in order. The
# life-linking stethoscope (programs.md §17, domain-facts §3.3): the primary clinic screens and
# refers; the public health centre counsels the high-risk; the mental health welfare centre
# registers and follows the suicide high-risk. The clinic is a team of kind Team.Kind.PRIMARY_CLINIC.
CHAINS: dict[str, tuple[tuple[str, str], ...]] = {
    "life-linking-stethoscope": (
        (Team.Kind.PRIMARY_CLINIC, Team.Kind.HEALTH_CENTRE),
        (Team.Kind.HEALTH_CENTRE, Team.Kind.MENTAL_HEALTH_CENTRE),
    ),
}


def suggested_next_team(referral: Referral) -> Team | None:
    """For a referral of a programme chain, the team the next link usually goes to, in the person's district."""
    if referral.program_id is None:
        return None
    links = CHAINS.get(referral.program.slug, ())
    if referral.chain_position >= len(links):
        return None
    next_kind = links[referral.chain_position][1]
    return Team.objects.filter(kind=next_kind, district_id=referral.person.district_id).order_by("pk").first()


def teams_to_refer_to(*, actor) -> list[Team]:
    """Teams a referral can go to: every team but the actor's own, the city office and care groups."""
    teams = Team.objects.exclude(kind__in=[Team.Kind.CITY, Team.Kind.CARE_GROUP]).select_related("district")
    if actor.team_id is not None:
        teams = teams.exclude(pk=actor.team_id)
    return list(teams.order_by("district__name", "kind", "name"))


@dataclass(frozen=True)
class HelplineCounts:
    start: datetime
    end: datetime
    total: int
    anonymous: int
    by_caller_type: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    by_topic: dict[str, int] = field(default_factory=dict)
    programs_linked: dict[str, int] = field(default_factory=dict)
    referrals_sent: int = 0
    follow_ups_scheduled: int = 0
    instruments_run: dict[str, int] = field(default_factory=dict)
    crisis_screenings: int = 0


def helpline_counts(start: datetime, end: datetime) -> HelplineCounts:
    """Contacts logged by the 120 line's teams in [start, end): totals by caller type, channel and topic.

    Aggregates only: no person appears in the result, so reading it is not audited.
    ``by_topic`` counts each topic once per contact; a contact with several topics
    counts under each. Also counts programmes linked during those contacts, referrals
    the line sent, follow-up calls it scheduled and instruments run during its calls
    (stored results of known callers, by instrument code) in the period.
    """
    contacts = ContactLog.objects.filter(team__kind=Team.Kind.HELPLINE, started_at__gte=start, started_at__lt=end)
    by_caller_type = dict(contacts.order_by("caller_type").values_list("caller_type").annotate(n=Count("pk")))
    by_channel = dict(contacts.order_by("channel").values_list("channel").annotate(n=Count("pk")))
    topics: Counter[str] = Counter()
    for contact_topics in contacts.values_list("topics", flat=True).iterator(chunk_size=5000):
        topics.update(set(contact_topics or []))
    links = dict(
        ServiceLink.objects.filter(contact__in=contacts)
        .order_by("program__slug")
        .values_list("program__slug")
        .annotate(n=Count("pk"))
    )
    referrals = Referral.objects.filter(from_team__kind=Team.Kind.HELPLINE, sent_at__gte=start, sent_at__lt=end).count()
    follow_ups = CareTask.objects.filter(
        team__kind=Team.Kind.HELPLINE, kind=CareTask.Kind.FOLLOW_UP_CALL, created_at__gte=start, created_at__lt=end
    ).count()
    screenings = helpline_screening_counts(start, end)
    return HelplineCounts(
        start=start,
        end=end,
        total=contacts.count(),
        anonymous=contacts.filter(person__isnull=True).count(),
        by_caller_type=by_caller_type,
        by_channel=by_channel,
        by_topic=dict(sorted(topics.items())),
        programs_linked=links,
        referrals_sent=referrals,
        follow_ups_scheduled=follow_ups,
        instruments_run=screenings.by_instrument,
        crisis_screenings=screenings.crisis,
    )


@dataclass(frozen=True)
class ContactView:
    contact: ContactLog
    links: list[ServiceLink]
    referrals: list[Referral]
    follow_ups: list[CareTask]


CONTACT_FIELDS = ("caller_type", "channel", "duration_seconds", "topics", "outcome", "note", "person")


def view_helpline_contact(*, actor, contact_id: int, now: datetime, path: str = "") -> ContactView:
    """One 120 line contact with the programmes linked, referrals sent and call-backs scheduled from it; a READ.

    Raises ContactNotVisible.
    """
    contact = get_helpline_contact_for_worker(actor, contact_id)
    links = list(contact.service_links.select_related("program").order_by("linked_at", "pk"))
    referrals = list(
        Referral.objects.filter(source_type="contacts.contactlog", source_id=str(contact.pk))
        .select_related("to_team")
        .order_by("pk")
    )
    follow_ups = list(
        CareTask.objects.filter(source_type="contacts.contactlog", source_id=str(contact.pk))
        .select_related("assignee")
        .order_by("pk")
    )
    with transaction.atomic():
        record_access(
            actor=actor, action="READ", target=contact, person_id=contact.person_id, fields=CONTACT_FIELDS, path=path, at=now
        )
    return ContactView(contact=contact, links=links, referrals=referrals, follow_ups=follow_ups)


def list_recent_helpline_contacts(*, actor, now: datetime, path: str = "", limit: int = 20) -> list[ContactLog]:
    """The latest contacts the actor logged on the line (all lines' for administrators); one LIST audit entry."""
    contacts = get_helpline_contacts_for_worker(actor)
    if not actor.is_administrator:
        contacts = contacts.filter(logged_by=actor)
    chosen = list(contacts.order_by("-started_at", "-pk")[:limit])
    with transaction.atomic():
        record_access(
            actor=actor,
            action="LIST",
            target_type="contacts.contactlog",
            listed_person_ids=[contact.person_id for contact in chosen if contact.person_id is not None],
            fields=("caller_type", "channel", "topics", "outcome", "person"),
            reason=f"helpline, {len(chosen)} shown",
            path=path,
            at=now,
        )
    return chosen


# --- The life-linking stethoscope: how far each referral a clinic sent has come -----------------------------------


@dataclass(frozen=True)
class LoopStep:
    milestone: str
    label: str
    at: datetime
    team_name: str


@dataclass(frozen=True)
class LoopProgress:
    """A referral and the typed steps recorded on it and on the links after it (teams, steps and dates only)."""

    referral: Referral
    is_overdue: bool
    steps: list[LoopStep]
    onward: list[Referral]

    @property
    def counselled(self) -> LoopStep | None:
        return next((step for step in self.steps if step.milestone == Milestone.COUNSELLED), None)

    @property
    def registered(self) -> LoopStep | None:
        return next((step for step in self.steps if step.milestone == Milestone.REGISTERED_HIGH_RISK), None)

    @property
    def is_closed(self) -> bool:
        """The loop is closed for the sender once the person is registered as suicide high-risk, or every link
        of the chain has finished (closed with an outcome, declined or cancelled)."""
        if self.registered is not None:
            return True
        return not self.referral.is_open and all(not link.is_open for link in self.onward)


def milestones_of(referrals: list[Referral]) -> dict[int, list[LoopStep]]:
    """The typed steps (milestones) recorded on each of these referrals, oldest first."""
    steps: dict[int, list[LoopStep]] = {referral.pk: [] for referral in referrals}
    teams = {referral.pk: referral.to_team.name for referral in referrals}
    events = ReferralEvent.objects.filter(referral_id__in=list(steps)).exclude(milestone="").order_by("at", "pk")
    for event in events:
        steps[event.referral_id].append(
            LoopStep(
                milestone=event.milestone,
                label=str(Milestone(event.milestone).label),
                at=event.at,
                team_name=teams[event.referral_id],
            )
        )
    return steps


def loop_progress(referrals: list[Referral], now: datetime) -> list[LoopProgress]:
    """For each referral, the typed steps recorded on it and on the chain's later links (two more links at most)."""
    descendants: dict[int, list[Referral]] = {referral.pk: [] for referral in referrals}
    root_of = {referral.pk: referral.pk for referral in referrals}
    frontier = [referral.pk for referral in referrals]
    for _depth in range(3):
        if not frontier:
            break
        children = list(Referral.objects.filter(parent_id__in=frontier).select_related("to_team").order_by("sent_at", "pk"))
        for child in children:
            root_of[child.pk] = root_of[child.parent_id]
            descendants[root_of[child.pk]].append(child)
        frontier = [child.pk for child in children]
    every = [*referrals, *(child for children in descendants.values() for child in children)]
    steps = milestones_of(every)
    progress = []
    for referral in referrals:
        links = [referral, *descendants[referral.pk]]
        progress.append(
            LoopProgress(
                referral=referral,
                is_overdue=referral.is_overdue(now),
                steps=[step for link in links for step in steps[link.pk]],
                onward=descendants[referral.pk],
            )
        )
    return progress


def list_screening_referrals_sent(*, actor, now: datetime, path: str = "", limit: int = 50) -> list[LoopProgress]:
    """The referrals the actor's team sent with a screening result attached, newest first, with how far the loop
    has come; one LIST audit entry."""
    referrals = get_referrals_for_worker(actor).filter(source_type="screenings.screeningresult")
    if actor.team_id is None:
        return []
    chosen = list(referrals.filter(from_team_id=actor.team_id).order_by("-sent_at", "-pk")[:limit])
    with transaction.atomic():
        record_access(
            actor=actor,
            action="LIST",
            target_type="referrals.referral",
            listed_person_ids=[referral.person_id for referral in chosen],
            fields=(*LIST_FIELDS, "milestones"),
            reason=f"screening referrals sent, {len(chosen)} shown",
            path=path,
            at=now,
        )
    return loop_progress(chosen, now)
