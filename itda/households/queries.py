"""Reads of the registry of monitored people.

Two kinds: plain reads for other apps' services (``monitored_people``, ``current_risk_level``,
``visiting_care_group``, ``preferred_contact``: no access check, no audit, the caller is a service that
already decided), and audited reads for people (``list_monitored_people``, ``view_registry``), which go
through the access functions in ``permissions.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import lru_cache
from pathlib import Path

from django.db import transaction
from django.db.models import Case, Exists, OuterRef, QuerySet, Subquery, Value, When
from django.utils.translation import gettext as _

from itda.audit.services import record_access
from itda.households.models import ContactChannel, Guardian, MonitoringEnrolment, RiskLevel, VisitingCareEnrolment
from itda.households.permissions import get_registry_people_for_worker, get_registry_person_for_worker
from itda.people.models import Consent, Person

MONITORED_LEVELS = ("HIGH", "MEDIUM")
LIST_FIELDS = ("name", "birth_year", "dong", "risk_level", "visiting_care_group", "volunteer")
REGISTRY_FIELDS = (
    "name",
    "birth_year",
    "phone",
    "district",
    "dong",
    "risk_level",
    "risk_reason",
    "visiting_care_group",
    "contact_channels",
    "guardians",
    "consents",
    "volunteer",
    "allocation_overrides",
)


def monitored_people(*, district_id: int | None = None, levels=MONITORED_LEVELS) -> QuerySet[Person]:
    """People with an active monitoring enrolment at one of ``levels`` (for services; not audited)."""
    people = Person.objects.filter(
        monitoring_enrolments__end_at__isnull=True, monitoring_enrolments__risk_level__in=list(levels)
    ).select_related("district", "dong")
    if district_id is not None:
        people = people.filter(district_id=district_id)
    return people


def current_risk_level(person: Person) -> str | None:
    """ "HIGH", "MEDIUM", "LOW", or None when the person is not monitored."""
    return MonitoringEnrolment.objects.filter(person=person, end_at__isnull=True).values_list("risk_level", flat=True).first()


def visiting_care_group(person: Person) -> str | None:
    """ "INTENSIVE", "REGULAR", "HEALTHY", or None when the person is not in visiting health care."""
    return VisitingCareEnrolment.objects.filter(person=person, end_at__isnull=True).values_list("group", flat=True).first()


@dataclass(frozen=True)
class PreferredContact:
    kind: str
    value: str
    weekday: int | None
    time: time | None


def preferred_contact(person: Person) -> PreferredContact | None:
    """The preferred channel and the slot the person chose (for AI calls and volunteers), or None."""
    channel = ContactChannel.objects.filter(person=person, end_at__isnull=True, is_preferred=True).first()
    if channel is None:
        return None
    return PreferredContact(channel.kind, channel.value, channel.preferred_weekday, channel.preferred_time)


@lru_cache(maxsize=1)
def _screening_risk_levels() -> dict[str, str]:
    from django.conf import settings

    path = Path(settings.ITDA_DATA_DIR) / "households" / "screening_risk_levels.json"
    mapping = json.loads(path.read_text(encoding="utf-8"))["by_triage_level"]
    unknown = {level for level in mapping.values() if level not in RiskLevel.values}
    if unknown:
        raise ValueError(f"{path}: unknown risk levels {sorted(unknown)}")
    return dict(mapping)


def suggested_risk_level(triage_level: str) -> str | None:
    """The lonely-death risk level a screening's triage level suggests (data/households/screening_risk_levels.json).

    Only a suggestion to prefill the worker's form; None for a triage level the file does not name.
    """
    return _screening_risk_levels().get(triage_level)


def has_contact_consent(person: Person) -> bool:
    """True while the person's consent to be contacted by the care team (which includes the care group) is active."""
    return Consent.objects.filter(person=person, purpose=Consent.Purpose.CONTACT, withdrawn_at__isnull=True).exists()


@dataclass(frozen=True)
class MonitoredRow:
    person: Person
    risk_level: str
    since_at: datetime
    visiting_care_group: str | None
    volunteer_name: str | None
    has_contact_consent: bool

    @property
    def is_unallocated(self) -> bool:
        return self.risk_level in MONITORED_LEVELS and self.volunteer_name is None

    @property
    def risk_level_label(self) -> str:
        return RiskLevel(self.risk_level).label

    @property
    def visiting_care_label(self) -> str:
        return VisitingCareEnrolment.Group(self.visiting_care_group).label if self.visiting_care_group else ""


def list_monitored_people(
    *,
    actor,
    now: datetime,
    path: str = "",
    district_id: int | None = None,
    level: str = "",
    dong_id: int | None = None,
    unallocated_only: bool = False,
    limit: int = 300,
) -> list[MonitoredRow]:
    """Monitored people this user may see, high risk first, with one LIST audit entry naming everyone shown."""
    from itda.volunteers.models import Allocation

    active = MonitoringEnrolment.objects.filter(person=OuterRef("pk"), end_at__isnull=True)
    people = (
        get_registry_people_for_worker(actor)
        .annotate(
            current_level=Subquery(active.values("risk_level")[:1]), current_since_at=Subquery(active.values("start_at")[:1])
        )
        .filter(current_level__isnull=False)
    )
    if district_id is not None:
        people = people.filter(district_id=district_id)
    if level in RiskLevel.values:
        people = people.filter(current_level=level)
    if dong_id is not None:
        people = people.filter(dong_id=dong_id)
    if unallocated_only:
        allocated = Allocation.objects.filter(person=OuterRef("pk"), end_at__isnull=True)
        people = people.filter(current_level__in=MONITORED_LEVELS).exclude(Exists(allocated))
    rank = Case(When(current_level="HIGH", then=Value(0)), When(current_level="MEDIUM", then=Value(1)), default=Value(2))
    chosen = list(people.annotate(rank=rank).order_by("rank", "dong__name", "name", "pk")[:limit])
    ids = [p.pk for p in chosen]
    groups = dict(VisitingCareEnrolment.objects.filter(person_id__in=ids, end_at__isnull=True).values_list("person_id", "group"))
    volunteers = {
        a.person_id: a.volunteer.name
        for a in Allocation.objects.filter(person_id__in=ids, end_at__isnull=True).select_related("volunteer__user")
    }
    consented = set(
        Consent.objects.filter(person_id__in=ids, purpose=Consent.Purpose.CONTACT, withdrawn_at__isnull=True).values_list(
            "person_id", flat=True
        )
    )
    rows = [
        MonitoredRow(
            person=p,
            risk_level=p.current_level,
            since_at=p.current_since_at,
            visiting_care_group=groups.get(p.pk),
            volunteer_name=volunteers.get(p.pk),
            has_contact_consent=p.pk in consented,
        )
        for p in chosen
    ]
    with transaction.atomic():
        record_access(
            actor=actor,
            action="LIST",
            target_type="households.monitored",
            listed_person_ids=ids,
            fields=LIST_FIELDS,
            reason=f"{len(rows)} shown",
            path=path,
            at=now,
        )
    return rows


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    kind: str  # "contact" or "registry"
    title: str
    detail: str = ""
    by: str = ""


@dataclass
class Registry:
    person: Person
    enrolments: list[MonitoringEnrolment]
    visiting_care: list[VisitingCareEnrolment]
    channels: list[ContactChannel]
    guardians: list[Guardian]
    consents: list[Consent]
    timeline: list[TimelineEvent]
    allocation: object | None = None  # the active volunteers.Allocation
    allocations: list = field(default_factory=list)
    overrides: list = field(default_factory=list)

    @property
    def current_enrolment(self) -> MonitoringEnrolment | None:
        return next((e for e in self.enrolments if e.end_at is None), None)

    @property
    def current_visiting_care(self) -> VisitingCareEnrolment | None:
        return next((e for e in self.visiting_care if e.end_at is None), None)

    @property
    def active_channels(self) -> list[ContactChannel]:
        return [c for c in self.channels if c.end_at is None]

    @property
    def active_guardians(self) -> list[Guardian]:
        return [g for g in self.guardians if g.end_at is None]

    @property
    def has_contact_consent(self) -> bool:
        return any(c.purpose == Consent.Purpose.CONTACT and c.withdrawn_at is None for c in self.consents)


def _by(user) -> str:
    if user is None:
        return ""
    return user.display_name or user.username


def registry_events(person: Person) -> list[TimelineEvent]:
    """Changes to the person's registry as timeline events: risk levels, visiting care, volunteers, guardians."""
    from itda.volunteers.models import Allocation

    events: list[TimelineEvent] = []
    for e in MonitoringEnrolment.objects.filter(person=person).select_related("decided_by", "ended_by"):
        events.append(
            TimelineEvent(
                e.start_at,
                "registry",
                _("Risk level: %(level)s") % {"level": e.get_risk_level_display()},
                e.get_basis_display(),
                _by(e.decided_by),
            )
        )
        if e.end_at is not None and e.end_reason != MonitoringEnrolment.SUPERSEDED:
            events.append(TimelineEvent(e.end_at, "registry", _("Monitoring ended"), e.end_reason, _by(e.ended_by)))
    for v in VisitingCareEnrolment.objects.filter(person=person).select_related("decided_by", "ended_by"):
        events.append(
            TimelineEvent(
                v.start_at,
                "registry",
                _("Visiting health care: %(group)s") % {"group": v.get_group_display()},
                "",
                _by(v.decided_by),
            )
        )
    for a in Allocation.objects.filter(person=person).select_related("volunteer__user", "allocated_by", "ended_by"):
        events.append(
            TimelineEvent(
                a.start_at,
                "registry",
                _("Volunteer: %(name)s") % {"name": a.volunteer.name},
                a.get_method_display(),
                _by(a.allocated_by),
            )
        )
        if a.end_at is not None:
            events.append(
                TimelineEvent(
                    a.end_at,
                    "registry",
                    _("Volunteer ended: %(name)s") % {"name": a.volunteer.name},
                    a.get_end_reason_display(),
                    _by(a.ended_by),
                )
            )
    for g in Guardian.objects.filter(person=person).select_related("added_by"):
        events.append(
            TimelineEvent(
                g.start_at,
                "registry",
                _("Guardian added: %(relation)s") % {"relation": g.get_relation_display()},
                "",
                _by(g.added_by),
            )
        )
    return events


def view_registry(*, actor, person_id: int, now: datetime, path: str = "") -> Registry:
    """Everything the registry holds on one person, with the merged timeline (contacts + registry events),
    recorded as one READ of the registry and one READ of the timeline. Raises PersonNotVisible."""
    from itda.contacts.queries import person_timeline
    from itda.volunteers.models import Allocation, AllocationOverride

    person = get_registry_person_for_worker(actor, person_id)
    contacts = person_timeline(actor=actor, person_id=person.pk, now=now)
    timeline = [
        TimelineEvent(c.started_at, "contact", f"{c.get_channel_display()} · {c.get_outcome_display()}", c.note, _by(c.logged_by))
        for c in contacts
    ]
    timeline.extend(registry_events(person))
    timeline.sort(key=lambda event: event.at, reverse=True)
    allocations = list(
        Allocation.objects.filter(person=person).select_related("volunteer__user", "volunteer__dong").order_by("-start_at", "-pk")
    )
    registry = Registry(
        person=person,
        enrolments=list(
            MonitoringEnrolment.objects.filter(person=person).select_related("decided_by").order_by("-start_at", "-pk")
        ),
        visiting_care=list(
            VisitingCareEnrolment.objects.filter(person=person).select_related("nurse", "team").order_by("-start_at", "-pk")
        ),
        channels=list(ContactChannel.objects.filter(person=person).order_by("end_at", "-is_preferred", "-start_at")),
        guardians=list(Guardian.objects.filter(person=person).order_by("end_at", "-start_at")),
        consents=list(person.consents.order_by("-given_at")),
        timeline=timeline,
        allocation=next((a for a in allocations if a.end_at is None), None),
        allocations=allocations,
        overrides=list(
            AllocationOverride.objects.filter(person=person, end_at__isnull=True)
            .select_related("volunteer__user")
            .order_by("kind", "pk")
        ),
    )
    with transaction.atomic():
        record_access(
            actor=actor,
            action="READ",
            target_type="households.registry",
            target_id=person.pk,
            person_id=person.pk,
            fields=REGISTRY_FIELDS,
            path=path,
            at=now,
        )
    return registry
