"""Write use-cases of the care group. Each runs in one transaction and writes its audit entries.

Exceptions: ``CareGroupRefused`` (from ``permissions``: the actor may not manage this district's care
group), ``VolunteerDataInvalid`` (``errors`` maps field names to Korean-first messages) and
``AllocationChanged`` (the data changed between the preview and the apply). Each leaves nothing changed.

Every allocation that starts, moves or ends keeps two other apps in step through their services: the
volunteer joins or leaves the person's case (``cases.services.assign_worker`` / ``end_assignment``, role
VOLUNTEER) and the care-group contact plan follows (``checkins.services.ensure_contact_plan`` with the
volunteer as owner, kind CARE_GROUP; ``end_contact_plan`` when the pair ends). A household still at high or
medium risk that is left without a volunteer gets an ALLOCATION care task for the district team
(``cases.services.open_task``, once per monitoring period), closed when a volunteer is found, so it never
drops out of sight between allocation runs.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from itda.accounts.models import Team, User
from itda.audit.services import record_access
from itda.lib.privacy import contains_resident_registration_number
from itda.people.models import Person
from itda.places.models import District, Dong
from itda.volunteers import allocation as optimiser
from itda.volunteers.models import (
    MAXIMUM_AGE,
    MAXIMUM_CAPACITY,
    MINIMUM_AGE,
    Allocation,
    AllocationOverride,
    TrainingRecord,
    Volunteer,
)
from itda.volunteers.permissions import CareGroupRefused, can_manage_care_group
from itda.volunteers.queries import REASON_LABELS, AllocationPlan, allocation_problem, household_point, solve

# Seoul's bounding box, loosely: a home point outside it is a typing error (latitude and longitude swapped).
_SEOUL_LAT = (37.40, 37.72)
_SEOUL_LON = (126.76, 127.19)


class VolunteerDataInvalid(Exception):
    """The data cannot be stored; ``errors`` maps field names to Korean-first messages."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


class AllocationChanged(Exception):
    """Households, volunteers or pairs changed after the preview; preview again before applying."""


def _age_on(birth_date: date, on_date: date) -> int:
    return on_date.year - birth_date.year - ((on_date.month, on_date.day) < (birth_date.month, birth_date.day))


def _check_home_point(errors: dict[str, str], home_lat: float | None, home_lon: float | None) -> None:
    if (home_lat is None) != (home_lon is None):
        errors["home_lat"] = "위도와 경도를 함께 입력하거나 둘 다 비워 두세요. (Enter both latitude and longitude, or neither.)"
    elif home_lat is not None and not (_SEOUL_LAT[0] <= home_lat <= _SEOUL_LAT[1] and _SEOUL_LON[0] <= home_lon <= _SEOUL_LON[1]):
        errors["home_lat"] = "서울 안의 좌표가 아닙니다 (예: 37.48, 126.95). (Not a point in Seoul, e.g. 37.48, 126.95.)"


def _check_capacity(errors: dict[str, str], capacity: int) -> None:
    if not 0 <= capacity <= MAXIMUM_CAPACITY:
        errors["capacity"] = f"담당 가구 수는 0–{MAXIMUM_CAPACITY} 사이입니다. (Capacity must be 0–{MAXIMUM_CAPACITY}.)"


def register_volunteer(
    *,
    actor,
    user: User,
    birth_date: date,
    dong: Dong,
    capacity: int,
    now: datetime,
    home_lat: float | None = None,
    home_lon: float | None = None,
) -> Volunteer:
    """Register a resident aged 40–67 as a care-group volunteer of their team's district.

    The account must have the VOLUNTEER role and a CARE_GROUP team; the dong must be in that team's
    district. Without a home point the dong's point stands in for distances. Raises CareGroupRefused or
    VolunteerDataInvalid.
    """
    team = user.team
    district_id = team.district_id if team is not None else None
    if not can_manage_care_group(actor, district_id if district_id is not None else dong.district_id):
        raise CareGroupRefused(district_id)
    errors: dict[str, str] = {}
    if user.role != User.Role.VOLUNTEER or team is None or team.kind != Team.Kind.CARE_GROUP or district_id is None:
        errors["user"] = "돌봄단 팀에 속한 돌봄단원 계정이어야 합니다. (The account must be a volunteer on a care-group team.)"
    elif Volunteer.objects.filter(user=user).exists():
        errors["user"] = "이미 등록된 돌봄단원입니다. (Already registered as a volunteer.)"
    elif dong.district_id != district_id:
        errors["dong"] = "돌봄단 팀의 자치구에 있는 행정동을 고르세요. (Choose a dong in the care group's district.)"
    age = _age_on(birth_date, timezone.localdate(now))
    if not MINIMUM_AGE <= age <= MAXIMUM_AGE:
        errors["birth_date"] = (
            f"돌봄단원은 {MINIMUM_AGE}–{MAXIMUM_AGE}세 주민이어야 합니다 (지금 {age}세). "
            f"(Volunteers must be residents aged {MINIMUM_AGE}–{MAXIMUM_AGE}; this one is {age}.)"
        )
    _check_capacity(errors, capacity)
    _check_home_point(errors, home_lat, home_lon)
    if errors:
        raise VolunteerDataInvalid(errors)
    with transaction.atomic():
        volunteer = Volunteer.objects.create(
            user=user,
            birth_date=birth_date,
            district_id=district_id,
            dong=dong,
            capacity=capacity,
            home_lat=home_lat,
            home_lon=home_lon,
            start_at=now,
            registered_by=actor,
        )
        record_access(
            actor=actor,
            action="CREATE",
            target=volunteer,
            fields=["user", "birth_date", "dong", "capacity", "home_point"],
            at=now,
        )
    return volunteer


def update_volunteer(
    *,
    actor,
    volunteer: Volunteer,
    capacity: int,
    dong: Dong,
    now: datetime,
    home_lat: float | None = None,
    home_lon: float | None = None,
) -> Volunteer:
    """Change a volunteer's capacity, dong or home point. Existing pairs stay until the next allocation run,
    which frees the furthest ones if capacity went down. Raises CareGroupRefused or VolunteerDataInvalid."""
    if not can_manage_care_group(actor, volunteer.district_id):
        raise CareGroupRefused(volunteer.district_id)
    errors: dict[str, str] = {}
    _check_capacity(errors, capacity)
    _check_home_point(errors, home_lat, home_lon)
    if dong.district_id != volunteer.district_id:
        errors["dong"] = "돌봄단 팀의 자치구에 있는 행정동을 고르세요. (Choose a dong in the care group's district.)"
    if errors:
        raise VolunteerDataInvalid(errors)
    new = {"capacity": capacity, "dong_id": dong.pk, "home_lat": home_lat, "home_lon": home_lon}
    changed = [name for name, value in new.items() if getattr(volunteer, name) != value]
    if not changed:
        return volunteer
    with transaction.atomic():
        for name in changed:
            setattr(volunteer, name, new[name])
        volunteer.save(update_fields=changed)
        record_access(actor=actor, action="UPDATE", target=volunteer, fields=[n.removesuffix("_id") for n in changed], at=now)
    return volunteer


def record_training(*, actor, volunteer: Volunteer, course: str, completed_date: date, hours, now: datetime) -> TrainingRecord:
    """Record a course a volunteer completed. Raises CareGroupRefused or VolunteerDataInvalid."""
    if not can_manage_care_group(actor, volunteer.district_id):
        raise CareGroupRefused(volunteer.district_id)
    errors: dict[str, str] = {}
    if not course.strip():
        errors["course"] = "교육 과정명을 입력하세요. (Enter the course.)"
    elif contains_resident_registration_number(course) or len(course) > 120:
        errors["course"] = "과정명은 120자 이내로, 개인정보 없이 입력하세요. (At most 120 characters, no personal numbers.)"
    if completed_date > timezone.localdate(now):
        errors["completed_date"] = "이수일은 오늘 이전이어야 합니다. (The date cannot be in the future.)"
    try:
        hours = Decimal(str(hours))
    except InvalidOperation:
        hours = Decimal("-1")
    if not Decimal("0") < hours <= Decimal("200"):
        errors["hours"] = "교육 시간은 0보다 크고 200 이하입니다. (Hours must be more than 0 and at most 200.)"
    if errors:
        raise VolunteerDataInvalid(errors)
    with transaction.atomic():
        record = TrainingRecord.objects.create(
            volunteer=volunteer,
            course=course.strip(),
            completed_date=completed_date,
            hours=hours.quantize(Decimal("0.1")),
            recorded_by=actor,
        )
        record_access(actor=actor, action="CREATE", target=record, fields=["course", "completed_date", "hours"], at=now)
    return record


# --- allocations ------------------------------------------------------------------------------------


def _care_group_team(volunteer: Volunteer) -> Team:
    return volunteer.user.team


def _start(*, actor, person: Person, volunteer: Volunteer, method: str, distance_m: float | None, now: datetime) -> Allocation:
    from itda.cases.models import CaseAssignment
    from itda.cases.services import assign_worker
    from itda.checkins.services import ensure_contact_plan
    from itda.households.queries import preferred_contact

    allocation = Allocation.objects.create(
        person=person,
        volunteer=volunteer,
        method=method,
        distance_m=round(distance_m) if distance_m is not None else None,
        allocated_by=actor,
        start_at=now,
    )
    record_access(actor=actor, action="CREATE", target=allocation, person_id=person.pk, fields=["volunteer", "method"], at=now)
    team = _care_group_team(volunteer)
    assign_worker(actor=actor, person=person, worker=volunteer.user, team=team, role=CaseAssignment.Role.VOLUNTEER, now=now)
    _close_allocation_tasks(actor=actor, person=person, now=now)
    slot = preferred_contact(person)
    ensure_contact_plan(
        actor=actor,
        person=person,
        kind="CARE_GROUP",
        team=team,
        now=now,
        owner=volunteer.user,
        preferred_weekday=slot.weekday if slot else None,
        preferred_time=slot.time if slot else None,
    )
    return allocation


def _end(*, actor, allocation: Allocation, end_reason: str, now: datetime, keep_plan: bool = False) -> Allocation:
    """End an allocation and take the volunteer off the case. The care-group plan ends too, unless the
    household is moving to another volunteer (``keep_plan``: the next start gives the plan its new owner)."""
    from itda.cases.models import CaseAssignment
    from itda.cases.services import end_assignment
    from itda.checkins.services import end_contact_plan

    updated = Allocation.objects.filter(pk=allocation.pk, end_at__isnull=True).update(
        end_at=now, ended_by=actor, end_reason=end_reason
    )
    if not updated:
        return allocation
    allocation.refresh_from_db()
    record_access(
        actor=actor, action="UPDATE", target=allocation, person_id=allocation.person_id, fields=["end_at", "end_reason"], at=now
    )
    volunteer = allocation.volunteer
    for assignment in CaseAssignment.objects.filter(
        person_id=allocation.person_id, worker_id=volunteer.user_id, role=CaseAssignment.Role.VOLUNTEER, end_at__isnull=True
    ):
        end_assignment(actor=actor, assignment=assignment, now=now)
    if not keep_plan:
        end_contact_plan(actor=actor, person=allocation.person, kind="CARE_GROUP", now=now)
    return allocation


def _allocation_team(person: Person) -> Team | None:
    """Who finds a volunteer: the district centre, else the district's care-group team."""
    for kind in (Team.Kind.DISTRICT_CENTRE, Team.Kind.CARE_GROUP):
        team = Team.objects.filter(kind=kind, district_id=person.district_id).order_by("pk").first()
        if team is not None:
            return team
    return None


def _open_allocation_task(*, actor, person: Person, reason: str, now: datetime) -> None:
    """A household at high or medium risk without a volunteer becomes a care task, once per monitoring period."""
    from itda.cases.models import CareTask
    from itda.cases.services import open_task
    from itda.households.models import MonitoringEnrolment

    if CareTask.objects.filter(person=person, kind=CareTask.Kind.ALLOCATION, status__in=["OPEN", "IN_PROGRESS"]).exists():
        return
    enrolment = MonitoringEnrolment.objects.filter(person=person, end_at__isnull=True).first()
    team = _allocation_team(person)
    if enrolment is None or team is None:
        return
    high = enrolment.risk_level == "HIGH"
    open_task(
        actor=actor,
        team=team,
        kind=CareTask.Kind.ALLOCATION,
        person=person,
        now=now,
        title="돌봄단원 배정 필요 (a volunteer is needed)",
        detail=str(REASON_LABELS.get(reason, reason)),
        due_at=now + timedelta(days=1 if high else 3),
        priority=CareTask.Priority.HIGH if high else CareTask.Priority.NORMAL,
        source_type="households.monitoringenrolment",
        source_id=enrolment.pk,
        dedupe_key=f"allocation:{person.pk}:{enrolment.pk}",
    )


def _close_allocation_tasks(*, actor, person: Person, now: datetime) -> None:
    from itda.cases.models import CareTask
    from itda.cases.services import complete_task

    for task in CareTask.objects.filter(person=person, kind=CareTask.Kind.ALLOCATION, status__in=["OPEN", "IN_PROGRESS"]):
        complete_task(actor=actor, task=task, outcome="ALLOCATED", now=now)


def release_allocation(*, actor, person: Person, end_reason: str, now: datetime) -> Allocation | None:
    """End the person's allocation because they left the care group's scope (risk lowered, monitoring ended,
    consent withdrawn); their care-group contact plan ends too. Returns the ended allocation or None.
    Raises CareGroupRefused when the actor may change neither the person's registry nor the care group."""
    from itda.households.permissions import can_change_registry

    if not (can_change_registry(actor, person) or can_manage_care_group(actor, person.district_id)):
        raise CareGroupRefused(person.district_id)
    with transaction.atomic():
        allocation = (
            Allocation.objects.select_for_update()
            .filter(person=person, end_at__isnull=True)
            .select_related("volunteer__user")
            .first()
        )
        if allocation is None:
            return None
        return _end(actor=actor, allocation=allocation, end_reason=end_reason, now=now)


def end_volunteering(*, actor, volunteer: Volunteer, now: datetime) -> Volunteer:
    """A volunteer stops: their period ends, their pairs end, and each of their households gets an allocation
    task and shows as unallocated until the next run. Raises CareGroupRefused."""
    if not can_manage_care_group(actor, volunteer.district_id):
        raise CareGroupRefused(volunteer.district_id)
    with transaction.atomic():
        if not Volunteer.objects.filter(pk=volunteer.pk, end_at__isnull=True).update(end_at=now):
            volunteer.refresh_from_db()
            return volunteer
        record_access(actor=actor, action="UPDATE", target=volunteer, fields=["end_at"], at=now)
        for allocation in Allocation.objects.filter(volunteer=volunteer, end_at__isnull=True).select_related(
            "volunteer__user", "person"
        ):
            _end(actor=actor, allocation=allocation, end_reason=Allocation.EndReason.VOLUNTEER_LEFT, now=now)
            _open_allocation_task(actor=actor, person=allocation.person, reason=Allocation.EndReason.VOLUNTEER_LEFT, now=now)
        for override in AllocationOverride.objects.filter(volunteer=volunteer, end_at__isnull=True):
            _lift(actor=actor, override=override, now=now)
    volunteer.refresh_from_db()
    return volunteer


def _check_pair(*, actor, person: Person, volunteer: Volunteer, reason: str) -> None:
    from itda.households.permissions import get_registry_people_for_worker

    if (
        not can_manage_care_group(actor, person.district_id)
        or not get_registry_people_for_worker(actor).filter(pk=person.pk).exists()
    ):
        raise CareGroupRefused(person.district_id)
    errors: dict[str, str] = {}
    if volunteer.district_id != person.district_id or not volunteer.is_active:
        errors["volunteer"] = "같은 자치구에서 활동 중인 돌봄단원을 고르세요. (Choose an active volunteer of the same district.)"
    if not reason.strip():
        errors["reason"] = "이유를 적어 주세요. (Say why.)"
    elif contains_resident_registration_number(reason) or len(reason) > 200:
        errors["reason"] = "이유는 200자 이내로, 개인정보 없이 적어 주세요. (At most 200 characters, no personal numbers.)"
    if errors:
        raise VolunteerDataInvalid(errors)


def _lift(*, actor, override: AllocationOverride, now: datetime) -> None:
    if AllocationOverride.objects.filter(pk=override.pk, end_at__isnull=True).update(end_at=now, ended_by=actor):
        record_access(actor=actor, action="UPDATE", target=override, person_id=override.person_id, fields=["end_at"], at=now)


def pin_pair(*, actor, person: Person, volunteer: Volunteer, reason: str, now: datetime) -> AllocationOverride:
    """Staff decide this household stays with this volunteer: the pin is recorded and applied at once (the
    household moves to the volunteer if needed), and every later run honours it. Raises CareGroupRefused
    or VolunteerDataInvalid (volunteer of another district, stopped or full; no consent; not high/medium)."""
    from itda.households.queries import MONITORED_LEVELS, current_risk_level, has_contact_consent

    _check_pair(actor=actor, person=person, volunteer=volunteer, reason=reason)
    errors: dict[str, str] = {}
    if current_risk_level(person) not in MONITORED_LEVELS:
        errors["volunteer"] = "고위험·중위험 가구만 돌봄단원을 정합니다. (Only high- and medium-risk households get a volunteer.)"
    elif not has_contact_consent(person):
        errors["volunteer"] = "돌봄단 연락 동의가 없습니다. 먼저 동의를 받으세요. (No consent to be contacted; record it first.)"
    if errors:
        raise VolunteerDataInvalid(errors)
    with transaction.atomic():
        Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
        current = (
            Allocation.objects.select_for_update()
            .filter(person=person, end_at__isnull=True)
            .select_related("volunteer__user")
            .first()
        )
        load = Allocation.objects.filter(volunteer=volunteer, end_at__isnull=True).exclude(person=person).count()
        if load >= volunteer.capacity:
            raise VolunteerDataInvalid({"volunteer": "이 돌봄단원은 담당 가구가 가득 찼습니다. (This volunteer has no room.)"})
        replaced = Q(kind=AllocationOverride.Kind.PIN) | Q(volunteer=volunteer)
        for old in AllocationOverride.objects.filter(person=person, end_at__isnull=True).filter(replaced):
            _lift(actor=actor, override=old, now=now)
        override = AllocationOverride.objects.create(
            person=person,
            volunteer=volunteer,
            kind=AllocationOverride.Kind.PIN,
            reason=reason.strip(),
            created_by=actor,
            start_at=now,
        )
        record_access(
            actor=actor, action="CREATE", target=override, person_id=person.pk, fields=["kind", "volunteer", "reason"], at=now
        )
        if current is None or current.volunteer_id != volunteer.pk:
            if current is not None:
                _end(actor=actor, allocation=current, end_reason=Allocation.EndReason.MOVED, now=now, keep_plan=True)
            point = volunteer.location()
            distance = optimiser.distance_m(*household_point(person), *point) if point else None
            _start(actor=actor, person=person, volunteer=volunteer, method=Allocation.Method.PINNED, distance_m=distance, now=now)
    return override


def forbid_pair(*, actor, person: Person, volunteer: Volunteer, reason: str, now: datetime) -> AllocationOverride:
    """Staff decide this household must never have this volunteer (a conflict, a relative, a complaint). A
    current pair ends at once; the household gets an allocation task and waits for the next run.
    Raises CareGroupRefused or VolunteerDataInvalid."""
    _check_pair(actor=actor, person=person, volunteer=volunteer, reason=reason)
    with transaction.atomic():
        for old in AllocationOverride.objects.filter(person=person, volunteer=volunteer, end_at__isnull=True):
            _lift(actor=actor, override=old, now=now)
        override = AllocationOverride.objects.create(
            person=person,
            volunteer=volunteer,
            kind=AllocationOverride.Kind.FORBID,
            reason=reason.strip(),
            created_by=actor,
            start_at=now,
        )
        record_access(
            actor=actor, action="CREATE", target=override, person_id=person.pk, fields=["kind", "volunteer", "reason"], at=now
        )
        current = Allocation.objects.select_for_update().filter(person=person, volunteer=volunteer, end_at__isnull=True).first()
        if current is not None:
            _end(actor=actor, allocation=current, end_reason=Allocation.EndReason.FORBIDDEN, now=now)
            _open_allocation_task(actor=actor, person=person, reason=Allocation.EndReason.FORBIDDEN, now=now)
    return override


def lift_override(*, actor, override: AllocationOverride, now: datetime) -> AllocationOverride:
    """End a pin or a forbid; the current pair is left as it is. Raises CareGroupRefused."""
    if not can_manage_care_group(actor, override.person.district_id):
        raise CareGroupRefused(override.person.district_id)
    with transaction.atomic():
        _lift(actor=actor, override=override, now=now)
    override.refresh_from_db()
    return override


def apply_allocation(
    *,
    actor,
    district: District,
    now: datetime,
    reoptimise: bool = False,
    dong_rule: str | None = None,
    expected_fingerprint: str | None = None,
) -> AllocationPlan:
    """Run the optimiser for a district and apply the result in one transaction.

    Existing pairs are kept unless ``reoptimise``; pins and forbids are honoured. New and moved pairs
    start (case assignment, contact plan owner); pairs that no longer fit end; allocations of people no
    longer at high or medium risk, or without consent, end with their plan; every household left without
    a volunteer gets an allocation task. ``expected_fingerprint`` (from the preview) makes sure what is applied is what
    was shown. Returns the applied plan. Raises CareGroupRefused or AllocationChanged.
    """
    if not can_manage_care_group(actor, district.pk):
        raise CareGroupRefused(district.pk)
    with transaction.atomic():
        # Two staff applying at once for the same district queue here (row locks on PostgreSQL; SQLite
        # takes the write lock at BEGIN IMMEDIATE).
        list(
            Volunteer.objects.select_for_update().filter(district=district, end_at__isnull=True).order_by("pk").values_list("pk")
        )
        problem = allocation_problem(district, reoptimise=reoptimise, dong_rule=dong_rule)
        if expected_fingerprint is not None and problem.fingerprint != expected_fingerprint:
            raise AllocationChanged(problem.fingerprint)
        plan = solve(problem)
        for person_id, end_reason in problem.stale.items():
            _end(actor=actor, allocation=problem.current[person_id], end_reason=end_reason, now=now)
        changed = list(problem.stale)
        for household in problem.households:
            person = problem.people[household.id]
            assignment = plan.result.assignments.get(household.id)
            current = problem.current.get(household.id)
            if assignment is not None and assignment.change == "KEPT":
                continue
            if assignment is not None:
                if current is not None:
                    _end(actor=actor, allocation=current, end_reason=Allocation.EndReason.MOVED, now=now, keep_plan=True)
                method = Allocation.Method.PINNED if assignment.pinned else Allocation.Method.OPTIMISER
                _start(
                    actor=actor,
                    person=person,
                    volunteer=problem.profiles[assignment.volunteer_id],
                    method=method,
                    distance_m=assignment.distance_m,
                    now=now,
                )
                changed.append(household.id)
            elif current is not None:
                left = not current.volunteer.is_active
                end_reason = Allocation.EndReason.VOLUNTEER_LEFT if left else Allocation.EndReason.RULES_CHANGED
                _end(actor=actor, allocation=current, end_reason=end_reason, now=now)
                changed.append(household.id)
            if assignment is None:
                _open_allocation_task(actor=actor, person=person, reason=plan.result.unallocated[household.id], now=now)
        for person_id, reason in problem.excluded.items():
            _open_allocation_task(actor=actor, person=problem.people[person_id], reason=reason, now=now)
        summary = ", ".join(f"{change} {plan.count(change)}" for change in ("KEPT", "NEW", "MOVED", "RELEASED", "UNALLOCATED"))
        record_access(
            actor=actor,
            action="UPDATE",
            target_type="volunteers.allocation_run",
            target_id=district.pk,
            listed_person_ids=changed,
            fields=["volunteer"],
            reason=f"{'reoptimise' if reoptimise else 'keep pairs'}; {summary}",
            at=now,
        )
    return plan
