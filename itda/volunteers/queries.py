"""Reads of the care group: who looks after whom, volunteers' loads, and allocation plans.

Plain reads for other apps' services (``current_volunteer_for``, ``households_of_volunteer``) are not
audited; reads shown to people (``volunteer_list``, ``volunteer_detail``, ``households_for_volunteer``,
``plan_allocation``) go through the access functions and write one audit entry each.
``allocation_problem`` turns the database into the optimiser's plain input; the allocation services use
the same function, so a preview and the applied run see the same problem (compared by fingerprint).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from itda.accounts.models import User
from itda.audit.services import record_access
from itda.households.models import ContactChannel
from itda.households.queries import MONITORED_LEVELS, monitored_people
from itda.people.models import Consent, Person
from itda.places.models import District
from itda.volunteers import allocation as optimiser
from itda.volunteers.models import Allocation, AllocationOverride, AllocationPolicy, Volunteer
from itda.volunteers.permissions import (
    CareGroupRefused,
    can_manage_care_group,
    get_households_for_volunteer,
    get_volunteer_for_worker,
    get_volunteers_for_worker,
)

NO_CONTACT_CONSENT = "NO_CONTACT_CONSENT"
REASON_LABELS = {
    "NO_VOLUNTEER_IN_DISTRICT": gettext_lazy("No volunteer in the district"),
    "NO_VOLUNTEER_IN_DONG": gettext_lazy("No volunteer in the dong"),
    "NO_CAPACITY_IN_REACH": gettext_lazy("No volunteer in reach has room"),
    "PIN_CANNOT_BE_HONOURED": gettext_lazy("The pinned volunteer has no room or has stopped"),
    NO_CONTACT_CONSENT: gettext_lazy("No consent to be contacted by the care team"),
    **{choice.value: choice.label for choice in Allocation.EndReason},
}
WEEKDAY_LABELS = dict(ContactChannel.Weekday.choices)


def current_volunteer_for(person: Person) -> User | None:
    """The named volunteer allocated to the person now, or None (for services; not audited)."""
    allocation = Allocation.objects.filter(person=person, end_at__isnull=True).select_related("volunteer__user").first()
    return allocation.volunteer.user if allocation else None


def households_of_volunteer(user) -> QuerySet[Person]:
    """The people allocated to this volunteer now (for services; not audited)."""
    return get_households_for_volunteer(user)


# --- what a volunteer sees --------------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerHousehold:
    """The minimal fields a volunteer needs: never risk reasons, levels or health data."""

    person_id: int
    name: str
    dong_name: str
    phone: str
    preferred_slot: str


def _slot_text(channel: ContactChannel | None) -> str:
    if channel is None or (channel.preferred_weekday is None and channel.preferred_time is None):
        return ""
    parts = []
    if channel.preferred_weekday is not None:
        parts.append(str(WEEKDAY_LABELS[channel.preferred_weekday]))
    if channel.preferred_time is not None:
        parts.append(channel.preferred_time.strftime("%H:%M"))
    return " ".join(parts)


def households_for_volunteer(*, actor, now: datetime, path: str = "") -> list[VolunteerHousehold]:
    """The signed-in volunteer's own households, minimal fields only, with one LIST audit entry."""
    people = list(get_households_for_volunteer(actor).select_related("dong").order_by("dong__name", "name", "pk"))
    preferred = {
        channel.person_id: channel
        for channel in ContactChannel.objects.filter(person__in=people, end_at__isnull=True, is_preferred=True)
    }
    rows = []
    for person in people:
        channel = preferred.get(person.pk)
        phone = channel.value if channel is not None and channel.kind in {"PHONE", "SMS", "LANDLINE"} else person.phone
        rows.append(
            VolunteerHousehold(person.pk, person.name, person.dong.name if person.dong else "", phone, _slot_text(channel))
        )
    with transaction.atomic():
        record_access(
            actor=actor,
            action="LIST",
            target_type="volunteers.households",
            listed_person_ids=[r.person_id for r in rows],
            fields=["name", "dong", "phone", "preferred_slot"],
            reason=f"{len(rows)} shown",
            path=path,
            at=now,
        )
    return rows


# --- what staff see ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerRow:
    volunteer: Volunteer
    load: int
    training_hours: Decimal

    @property
    def is_over_capacity(self) -> bool:
        return self.load > self.volunteer.capacity

    @property
    def room(self) -> int:
        return max(0, self.volunteer.capacity - self.load)


def volunteer_list(
    *, actor, now: datetime, path: str = "", district_id: int | None = None, include_ended: bool = False
) -> list[VolunteerRow]:
    """Volunteers this user may see with their load against capacity, with one LIST audit entry."""
    volunteers = get_volunteers_for_worker(actor)
    if district_id is not None:
        volunteers = volunteers.filter(district_id=district_id)
    if not include_ended:
        volunteers = volunteers.filter(end_at__isnull=True)
    volunteers = volunteers.annotate(
        load=Count("allocations", filter=Q(allocations__end_at__isnull=True), distinct=True),
    ).order_by("district__name", "dong__name", "user__display_name", "pk")
    hours = dict(
        Volunteer.objects.filter(pk__in=[v.pk for v in volunteers])
        .annotate(total=Sum("training_records__hours"))
        .values_list("pk", "total")
    )
    rows = [VolunteerRow(v, v.load, hours.get(v.pk) or Decimal("0")) for v in volunteers]
    with transaction.atomic():
        record_access(
            actor=actor,
            action="LIST",
            target_type="volunteers.volunteer",
            fields=["name", "dong", "capacity", "load"],
            reason=f"{len(rows)} shown",
            path=path,
            at=now,
        )
    return rows


@dataclass
class VolunteerDetail:
    volunteer: Volunteer
    training_records: list
    households: list[tuple[Person, str]]  # (person, risk level)
    training_hours: Decimal = Decimal("0")

    @property
    def load(self) -> int:
        return len(self.households)


def volunteer_detail(*, actor, volunteer_id: int, now: datetime, path: str = "") -> VolunteerDetail:
    """One volunteer with training and current households, recorded as a READ. Raises VolunteerNotVisible."""
    from itda.households.models import MonitoringEnrolment

    volunteer = get_volunteer_for_worker(actor, volunteer_id)
    allocations = list(
        Allocation.objects.filter(volunteer=volunteer, end_at__isnull=True)
        .select_related("person__dong")
        .order_by("person__name")
    )
    levels = dict(
        MonitoringEnrolment.objects.filter(person_id__in=[a.person_id for a in allocations], end_at__isnull=True).values_list(
            "person_id", "risk_level"
        )
    )
    records = list(volunteer.training_records.order_by("-completed_date", "-pk"))
    detail = VolunteerDetail(
        volunteer=volunteer,
        training_records=records,
        households=[(a.person, levels.get(a.person_id, "")) for a in allocations],
        training_hours=sum((r.hours for r in records), Decimal("0")),
    )
    with transaction.atomic():
        record_access(
            actor=actor,
            action="READ",
            target=volunteer,
            listed_person_ids=[a.person_id for a in allocations],
            fields=["name", "birth_date", "dong", "capacity", "training", "households"],
            path=path,
            at=now,
        )
    return detail


# --- allocation ---------------------------------------------------------------------------------------


def policy_for(district: District, *, reoptimise: bool = False, dong_rule: str | None = None) -> optimiser.Policy:
    """The district's rules (or the defaults: same district required, same dong strongly preferred)."""
    saved = AllocationPolicy.objects.filter(district=district).first()
    rule = dong_rule or (saved.dong_rule if saved else AllocationPolicy.DongRule.PREFERRED)
    return optimiser.Policy(
        district_required=True,
        dong_rule=optimiser.DongRule(rule),
        other_dong_penalty_m=saved.other_dong_penalty_m if saved else 3000,
        max_distance_m=saved.max_distance_m if saved else None,
        reoptimise=reoptimise,
    )


@dataclass
class AllocationProblem:
    """The optimiser's plain input for one district, plus what is needed to apply and explain the result."""

    district: District
    policy: optimiser.Policy
    households: list[optimiser.Household]
    volunteers: list[optimiser.Volunteer]
    people: dict[int, Person]
    levels: dict[int, str]
    profiles: dict[int, Volunteer]
    current: dict[int, Allocation]  # person id → active allocation touching this district
    excluded: dict[int, str] = field(default_factory=dict)  # person id → reason they cannot be allocated
    stale: dict[int, str] = field(default_factory=dict)  # person id → why their allocation must end
    fingerprint: str = ""


def household_point(person: Person) -> tuple[float, float]:
    """Where a household is placed for distances: its dong's point, else its district's (no geocoding)."""
    for place in (person.dong, person.district):
        if place is not None and place.centroid_lat is not None and place.centroid_lon is not None:
            return place.centroid_lat, place.centroid_lon
    raise ValueError(f"district {person.district_id} has no point")  # every district has one (load_reference)


def allocation_problem(district: District, *, reoptimise: bool = False, dong_rule: str | None = None) -> AllocationProblem:
    """Read the district's monitored high- and medium-risk households, active volunteers, current pairs and
    overrides into plain optimiser input. Households are placed at their dong's point (no geocoding)."""
    from itda.households.models import MonitoringEnrolment

    policy = policy_for(district, reoptimise=reoptimise, dong_rule=dong_rule)
    candidates = {p.pk: p for p in monitored_people(district_id=district.pk, levels=MONITORED_LEVELS)}
    levels = dict(
        MonitoringEnrolment.objects.filter(person_id__in=list(candidates), end_at__isnull=True).values_list(
            "person_id", "risk_level"
        )
    )
    consented = set(
        Consent.objects.filter(
            person_id__in=list(candidates), purpose=Consent.Purpose.CONTACT, withdrawn_at__isnull=True
        ).values_list("person_id", flat=True)
    )
    profiles = {
        v.pk: v
        for v in Volunteer.objects.filter(district=district, end_at__isnull=True).select_related("user__team", "dong", "district")
    }
    current = {
        a.person_id: a
        for a in Allocation.objects.filter(end_at__isnull=True)
        .filter(Q(person__district=district) | Q(volunteer__district=district))
        .select_related("volunteer__user__team", "person__dong", "person__district")
    }
    overrides: dict[int, list[AllocationOverride]] = {}
    for override in AllocationOverride.objects.filter(person_id__in=list(candidates), end_at__isnull=True):
        overrides.setdefault(override.person_id, []).append(override)

    excluded = {pid: NO_CONTACT_CONSENT for pid in candidates if pid not in consented}
    stale: dict[int, str] = {}
    for person_id, allocation in current.items():
        if person_id in excluded:
            stale[person_id] = Allocation.EndReason.NO_CONSENT
        elif person_id not in candidates:
            if allocation.person.district_id != district.pk:
                stale[person_id] = Allocation.EndReason.RULES_CHANGED
            else:
                from itda.households.queries import current_risk_level

                level = current_risk_level(allocation.person)
                stale[person_id] = Allocation.EndReason.MONITORING_ENDED if level is None else Allocation.EndReason.RISK_LOWERED
    households = []
    for person_id in sorted(candidates):
        if person_id in excluded:
            continue
        person = candidates[person_id]
        lat, lon = household_point(person)
        mine = overrides.get(person_id, [])
        allocation = current.get(person_id)
        households.append(
            optimiser.Household(
                id=person_id,
                district=person.district_id,
                dong=person.dong_id,
                lat=lat,
                lon=lon,
                priority=1 if levels[person_id] == "HIGH" else 2,
                current_volunteer=allocation.volunteer_id if allocation is not None else None,
                pinned_volunteer=next((o.volunteer_id for o in mine if o.kind == AllocationOverride.Kind.PIN), None),
                forbidden_volunteers=frozenset(o.volunteer_id for o in mine if o.kind == AllocationOverride.Kind.FORBID),
            )
        )
    volunteers = []
    for volunteer_id in sorted(profiles):
        profile = profiles[volunteer_id]
        lat, lon = profile.location()
        volunteers.append(optimiser.Volunteer(volunteer_id, profile.district_id, profile.dong_id, lat, lon, profile.capacity))
    problem = AllocationProblem(
        district=district,
        policy=policy,
        households=households,
        volunteers=volunteers,
        people=candidates,
        levels=levels,
        profiles=profiles,
        current=current,
        excluded=excluded,
        stale=stale,
    )
    digest = repr(
        (
            policy,
            households,
            volunteers,
            sorted(excluded.items()),
            sorted(stale.items()),
            sorted((pid, a.volunteer_id) for pid, a in current.items()),
        )
    )
    problem.fingerprint = hashlib.sha256(digest.encode()).hexdigest()[:20]
    return problem


@dataclass(frozen=True)
class PlanRow:
    person_id: int
    name: str
    dong_name: str
    risk_level: str
    change: str  # KEPT, NEW, MOVED, RELEASED, UNALLOCATED
    from_volunteer: str = ""
    to_volunteer: str = ""
    distance_m: int | None = None
    reason: str = ""

    @property
    def reason_label(self) -> str:
        return str(REASON_LABELS.get(self.reason, self.reason))


@dataclass(frozen=True)
class LoadRow:
    volunteer: Volunteer
    before: int
    after: int


@dataclass
class AllocationPlan:
    problem: AllocationProblem
    result: optimiser.Result
    rows: list[PlanRow]
    loads: list[LoadRow]
    current_total_m: float
    proposed_total_m: float

    @property
    def fingerprint(self) -> str:
        return self.problem.fingerprint

    def count(self, change: str) -> int:
        return sum(1 for row in self.rows if row.change == change)

    @property
    def counts(self) -> dict[str, int]:
        return {change: self.count(change) for change in ("KEPT", "NEW", "MOVED", "RELEASED", "UNALLOCATED")}

    @property
    def changed_loads(self) -> list[LoadRow]:
        return [row for row in self.loads if row.before != row.after]

    @property
    def changes(self) -> list[PlanRow]:
        return [row for row in self.rows if row.change != "KEPT"]

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)


def solve(problem: AllocationProblem) -> AllocationPlan:
    """Run the optimiser on a problem and describe the outcome row by row (no database writes)."""
    result = optimiser.allocate(problem.households, problem.volunteers, problem.policy)
    people = problem.people
    rows: list[PlanRow] = []

    def name_of(volunteer_id: int | None) -> str:
        if volunteer_id is None:
            return ""
        profile = problem.profiles.get(volunteer_id)
        if profile is not None:
            return profile.name
        allocation = next((a for a in problem.current.values() if a.volunteer_id == volunteer_id), None)
        return allocation.volunteer.name if allocation is not None else str(volunteer_id)

    for household in problem.households:
        person = people[household.id]
        base = {
            "person_id": person.pk,
            "name": person.name,
            "dong_name": person.dong.name if person.dong else "",
            "risk_level": problem.levels[person.pk],
        }
        assignment = result.assignments.get(household.id)
        previous = name_of(household.current_volunteer)
        if assignment is not None:
            rows.append(
                PlanRow(
                    **base,
                    change=assignment.change.value,
                    from_volunteer=previous if assignment.change == "MOVED" else "",
                    to_volunteer=name_of(assignment.volunteer_id),
                    distance_m=round(assignment.distance_m),
                )
            )
        else:
            change = "RELEASED" if household.current_volunteer is not None else "UNALLOCATED"
            rows.append(PlanRow(**base, change=change, from_volunteer=previous, reason=result.unallocated[household.id].value))
    for person_id, reason in problem.excluded.items():
        person = people[person_id]
        allocation = problem.current.get(person_id)
        rows.append(
            PlanRow(
                person_id=person_id,
                name=person.name,
                dong_name=person.dong.name if person.dong else "",
                risk_level=problem.levels[person_id],
                change="RELEASED" if allocation else "UNALLOCATED",
                from_volunteer=allocation.volunteer.name if allocation else "",
                reason=reason,
            )
        )
    for person_id, reason in problem.stale.items():
        if person_id in problem.excluded:
            continue
        allocation = problem.current[person_id]
        rows.append(
            PlanRow(
                person_id=person_id,
                name=allocation.person.name,
                dong_name=allocation.person.dong.name if allocation.person.dong else "",
                risk_level="",
                change="RELEASED",
                from_volunteer=allocation.volunteer.name,
                reason=reason,
            )
        )
    order = {"UNALLOCATED": 0, "RELEASED": 1, "MOVED": 2, "NEW": 3, "KEPT": 4}
    rows.sort(key=lambda row: (order[row.change], row.risk_level != "HIGH", row.dong_name, row.name, row.person_id))
    before: dict[int, int] = {}
    for allocation in problem.current.values():
        before[allocation.volunteer_id] = before.get(allocation.volunteer_id, 0) + 1
    loads = [
        LoadRow(profile, before.get(vid, 0), result.load.get(vid, 0))
        for vid, profile in sorted(problem.profiles.items(), key=lambda item: (item[1].dong.name, item[1].name, item[0]))
    ]
    current_total = 0.0
    by_id = {h.id: h for h in problem.households}
    for person_id, allocation in problem.current.items():
        household = by_id.get(person_id)
        point = allocation.volunteer.location()
        if household is not None and point is not None:
            current_total += optimiser.distance_m(household.lat, household.lon, *point)
    return AllocationPlan(
        problem=problem,
        result=result,
        rows=rows,
        loads=loads,
        current_total_m=current_total,
        proposed_total_m=result.total_distance_m,
    )


def plan_allocation(
    *, actor, district: District, now: datetime, reoptimise: bool = False, dong_rule: str | None = None, path: str = ""
) -> AllocationPlan:
    """Preview an allocation run for a district without changing anything, recorded as one LIST of the
    people shown. Raises CareGroupRefused when the user may not allocate in this district."""
    if not can_manage_care_group(actor, district.pk):
        raise CareGroupRefused(district.pk)
    plan = solve(allocation_problem(district, reoptimise=reoptimise, dong_rule=dong_rule))
    with transaction.atomic():
        record_access(
            actor=actor,
            action="LIST",
            target_type="volunteers.allocation_plan",
            target_id=district.pk,
            listed_person_ids=[row.person_id for row in plan.rows],
            fields=["name", "dong", "risk_level", "volunteer"],
            reason=_("allocation preview") + f" {plan.fingerprint}",
            path=path,
            at=now,
        )
    return plan


def unallocated_households(*, actor, district: District, now: datetime, path: str = "") -> list[PlanRow]:
    """High- and medium-risk households of a district without a volunteer, each with the reason a run in
    keep-existing-pairs mode gives (or "room available" when the next run would allocate them).
    Recorded as one LIST. Raises CareGroupRefused for users who may not see the district's care group."""
    from itda.households.permissions import can_use_care_registry

    if not can_use_care_registry(actor) or not (actor.is_administrator or actor.district_id_scope == district.pk):
        raise CareGroupRefused(district.pk)
    plan = solve(allocation_problem(district))
    # NEW: no volunteer now, and the next run would find one; UNALLOCATED: no volunteer, with the reason.
    rows = [row for row in plan.rows if row.change in ("NEW", "UNALLOCATED")]
    with transaction.atomic():
        record_access(
            actor=actor,
            action="LIST",
            target_type="volunteers.unallocated",
            target_id=district.pk,
            listed_person_ids=[row.person_id for row in rows],
            fields=["name", "dong", "risk_level"],
            reason=f"{len(rows)} shown",
            path=path,
            at=now,
        )
    return rows
