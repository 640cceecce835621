"""The care group's write use-cases: registering volunteers, applying allocations, pins and forbids.

Places: 보라매동 and 청림동 are neighbouring dongs of 관악구 (the home district of the test cast);
households sit at their dong's point, so distances come from the real reference data.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from itda.accounts.models import User
from itda.audit.models import AuditEntry
from itda.cases.models import CareTask, CaseAssignment
from itda.checkins.models import ContactPlan
from itda.households.tests.factories import EARLIER, NOW, dong, home_district, monitored
from itda.people.services import withdraw_consent
from itda.volunteers import allocation as optimiser
from itda.volunteers.models import Allocation, AllocationOverride, Volunteer
from itda.volunteers.permissions import CareGroupRefused
from itda.volunteers.services import (
    AllocationChanged,
    VolunteerDataInvalid,
    apply_allocation,
    end_volunteering,
    forbid_pair,
    pin_pair,
    record_training,
    register_volunteer,
    update_volunteer,
)
from itda.volunteers.tests.factories import care_group_team, volunteer

LATER = NOW + timedelta(days=1)


def _pairs() -> dict[str, str]:
    return {
        a.person.name: a.volunteer.user.username
        for a in Allocation.objects.filter(end_at__isnull=True).select_related("person", "volunteer__user")
    }


def _distance(dong_a: str, dong_b: str) -> float:
    a, b = dong(dong_a), dong(dong_b)
    return optimiser.distance_m(a.centroid_lat, a.centroid_lon, b.centroid_lat, b.centroid_lon)


def _account(username: str) -> User:
    return User.objects.create(username=username, role=User.Role.VOLUNTEER, team=care_group_team())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("birth_date", "registered"),
    [(date(1986, 11, 24), True), (date(1986, 11, 25), False), (date(1959, 11, 25), True), (date(1958, 11, 24), False)],
)
def test_volunteers_are_residents_aged_40_to_67_on_the_day_they_register(cast, birth_date, registered):
    user = _account("age-check")

    try:
        register_volunteer(actor=cast.social_worker, user=user, birth_date=birth_date, dong=dong("보라매동"), capacity=3, now=NOW)
    except VolunteerDataInvalid as error:
        assert error.errors["birth_date"].startswith("돌봄단원은 40–67세 주민이어야 합니다")

    assert Volunteer.objects.filter(user=user).exists() is registered


@pytest.mark.django_db
def test_registering_needs_a_volunteer_account_of_the_care_group_and_a_dong_of_its_district(cast):
    citizen_account = User.objects.create(username="not-a-volunteer", role=User.Role.CITIZEN)
    account = _account("wrong-dong")

    with pytest.raises(VolunteerDataInvalid) as wrong_account:
        register_volunteer(
            actor=cast.social_worker,
            user=citizen_account,
            birth_date=date(1970, 1, 1),
            dong=dong("보라매동"),
            capacity=3,
            now=NOW,
        )
    with pytest.raises(VolunteerDataInvalid) as wrong_dong:
        register_volunteer(
            actor=cast.social_worker,
            user=account,
            birth_date=date(1970, 1, 1),
            dong=dong("서교동", "11440"),
            capacity=31,
            home_lat=126.95,
            home_lon=37.48,
            now=NOW,
        )

    assert wrong_account.value.errors == {
        "user": "돌봄단 팀에 속한 돌봄단원 계정이어야 합니다. (The account must be a volunteer on a care-group team.)"
    }
    assert set(wrong_dong.value.errors) == {"dong", "capacity", "home_lat"}
    assert Volunteer.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["other_worker", "health_staff", "counsellor", "volunteer"])
def test_only_a_social_worker_of_the_district_or_an_administrator_registers_volunteers(cast, persona):
    account = _account("refused")

    with pytest.raises(CareGroupRefused):
        register_volunteer(
            actor=getattr(cast, persona), user=account, birth_date=date(1970, 1, 1), dong=dong("보라매동"), capacity=3, now=NOW
        )

    assert Volunteer.objects.count() == 0


@pytest.mark.django_db
def test_training_and_changes_are_recorded_and_audited(cast):
    carer = volunteer(cast, username="trained")

    record = record_training(
        actor=cast.social_worker,
        volunteer=carer,
        course="고독사 예방 기본교육",
        completed_date=date(2026, 3, 2),
        hours="4.5",
        now=NOW,
    )
    update_volunteer(
        actor=cast.administrator, volunteer=carer, capacity=4, dong=dong("청림동"), home_lat=37.49, home_lon=126.96, now=NOW
    )
    with pytest.raises(VolunteerDataInvalid) as too_long:
        record_training(
            actor=cast.social_worker, volunteer=carer, course="과정", completed_date=date(2026, 3, 2), hours=0, now=NOW
        )

    carer.refresh_from_db()
    assert (record.course, str(record.hours)) == ("고독사 예방 기본교육", "4.5")
    assert (carer.capacity, carer.dong.name, carer.home_lat) == (4, "청림동", 37.49)
    assert too_long.value.errors == {
        "hours": "교육 시간은 0보다 크고 200 이하입니다. (Hours must be more than 0 and at most 200.)"
    }
    assert AuditEntry.objects.get(action="UPDATE", target_type="volunteers.volunteer").fields == [
        "capacity",
        "dong",
        "home_lat",
        "home_lon",
    ]


@pytest.mark.django_db
def test_applying_an_allocation_pairs_every_household_puts_the_volunteer_on_the_case_and_gives_them_the_weekly_plan(cast):
    near = volunteer(cast, username="near", dong_name="보라매동", capacity=1)
    other = volunteer(cast, username="other", dong_name="청림동", capacity=2)
    monitored(cast, name="가상 주민 보라", dong_name="보라매동", level="MEDIUM")
    monitored(cast, name="가상 주민 청림", dong_name="청림동", level="HIGH")
    monitored(cast, name="가상 주민 둘째", dong_name="보라매동", level="HIGH")

    plan = apply_allocation(actor=cast.social_worker, district=home_district(), now=NOW)

    pairs = _pairs()
    # The two 보라매동 households are interchangeable for distance; one of them has to cross to 청림동.
    assert pairs["가상 주민 청림"] == "other"
    assert sorted([pairs["가상 주민 보라"], pairs["가상 주민 둘째"]]) == ["near", "other"]
    assert plan.counts == {"KEPT": 0, "NEW": 3, "MOVED": 0, "RELEASED": 0, "UNALLOCATED": 0}
    assert plan.proposed_total_m == pytest.approx(_distance("보라매동", "청림동"))
    assignments = CaseAssignment.objects.filter(role="VOLUNTEER", end_at__isnull=True)
    assert {a.person.name: a.worker.username for a in assignments} == pairs
    assert {a.team.kind for a in assignments} == {"CARE_GROUP"}
    plans = ContactPlan.objects.filter(kind="CARE_GROUP", end_at__isnull=True)
    assert {p.person.name: p.owner.username for p in plans} == pairs
    assert {p.interval_days for p in plans} == {7}
    run = AuditEntry.objects.get(target_type="volunteers.allocation_run")
    assert run.reason == "keep pairs; KEPT 0, NEW 3, MOVED 0, RELEASED 0, UNALLOCATED 0"
    assert (near.capacity, other.capacity) == (1, 2)


@pytest.mark.django_db
def test_a_second_run_keeps_the_pairs_and_a_reoptimised_run_may_move_them(cast):
    volunteer(cast, username="first", dong_name="청림동", capacity=1)
    someone = monitored(cast, name="가상 주민 유지", dong_name="보라매동")
    apply_allocation(actor=cast.social_worker, district=home_district(), now=EARLIER + timedelta(hours=1))
    volunteer(cast, username="closer", dong_name="보라매동", capacity=1)

    kept = apply_allocation(actor=cast.social_worker, district=home_district(), now=NOW)
    moved = apply_allocation(actor=cast.social_worker, district=home_district(), now=LATER, reoptimise=True)

    assert kept.counts["KEPT"] == 1
    assert moved.counts["MOVED"] == 1
    assert _pairs() == {"가상 주민 유지": "closer"}
    history = list(
        Allocation.objects.filter(person=someone).order_by("start_at").values_list("volunteer__user__username", "end_reason")
    )
    assert history == [("first", "MOVED"), ("closer", "")]
    assert ContactPlan.objects.get(person=someone, kind="CARE_GROUP", end_at__isnull=True).owner.username == "closer"
    assert CaseAssignment.objects.get(person=someone, worker__username="first").end_at == LATER


@pytest.mark.django_db
def test_households_left_over_are_listed_with_a_reason_and_get_an_allocation_task_once(cast):
    volunteer(cast, username="only", capacity=1)
    monitored(cast, name="가상 주민 먼저", level="HIGH")
    waiting = monitored(cast, name="가상 주민 대기", level="MEDIUM")
    unconsented = monitored(cast, name="가상 주민 미동의", level="HIGH", contact_consent=False)

    plan = apply_allocation(actor=cast.social_worker, district=home_district(), now=NOW)
    apply_allocation(actor=cast.social_worker, district=home_district(), now=LATER)

    reasons = {row.name: row.reason for row in plan.rows if row.change == "UNALLOCATED"}
    assert reasons == {"가상 주민 대기": "NO_CAPACITY_IN_REACH", "가상 주민 미동의": "NO_CONTACT_CONSENT"}
    tasks = CareTask.objects.filter(kind="ALLOCATION").order_by("person__name")
    assert [(t.person, t.team, t.status, t.priority) for t in tasks] == [
        (waiting, cast.home_team, "OPEN", CareTask.Priority.NORMAL),
        (unconsented, cast.home_team, "OPEN", CareTask.Priority.HIGH),
    ]


@pytest.mark.django_db
def test_a_withdrawn_consent_ends_the_pair_and_its_plan_at_the_next_run(cast):
    volunteer(cast, username="consent")
    someone = monitored(cast, name="가상 주민 철회")
    apply_allocation(actor=cast.social_worker, district=home_district(), now=NOW)
    withdraw_consent(actor=cast.social_worker, person=someone, purpose="CONTACT", now=NOW + timedelta(hours=1))

    plan = apply_allocation(actor=cast.social_worker, district=home_district(), now=LATER)

    assert plan.counts["RELEASED"] == 1
    assert Allocation.objects.get(person=someone).end_reason == "NO_CONSENT"
    assert ContactPlan.objects.get(person=someone, kind="CARE_GROUP").end_at == LATER


@pytest.mark.django_db
def test_applying_what_was_not_previewed_is_refused_and_changes_nothing(cast):
    volunteer(cast, username="preview")
    monitored(cast, name="가상 주민 미리보기")

    with pytest.raises(AllocationChanged):
        apply_allocation(actor=cast.social_worker, district=home_district(), now=NOW, expected_fingerprint="0" * 20)

    assert Allocation.objects.count() == 0
    assert ContactPlan.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["other_worker", "health_staff", "volunteer", "counsellor"])
def test_only_the_district_or_an_administrator_applies_an_allocation(cast, persona):
    volunteer(cast, username="refused-run")
    monitored(cast, name="가상 주민 거절")

    with pytest.raises(CareGroupRefused):
        apply_allocation(actor=getattr(cast, persona), district=home_district(), now=NOW)

    assert Allocation.objects.count() == 0


@pytest.mark.django_db
def test_a_pin_moves_the_household_at_once_and_later_runs_keep_it(cast):
    volunteer(cast, username="nearby", dong_name="보라매동")
    far = volunteer(cast, username="trusted", dong_name="청림동")
    someone = monitored(cast, name="가상 주민 지정")
    apply_allocation(actor=cast.social_worker, district=home_district(), now=EARLIER + timedelta(hours=2))

    pin_pair(actor=cast.social_worker, person=someone, volunteer=far, reason="오래 알고 지낸 이웃", now=NOW)
    rerun = apply_allocation(actor=cast.social_worker, district=home_district(), now=LATER, reoptimise=True)

    assert _pairs() == {"가상 주민 지정": "trusted"}
    assert Allocation.objects.get(person=someone, end_at__isnull=True).method == "PINNED"
    assert rerun.counts["KEPT"] == 1
    assert ContactPlan.objects.get(person=someone, kind="CARE_GROUP", end_at__isnull=True).owner == far.user


@pytest.mark.django_db
def test_a_pin_to_a_full_volunteer_or_one_of_another_district_is_refused(cast):
    full = volunteer(cast, username="full", capacity=1)
    monitored(cast, name="가상 주민 먼저온")
    someone = monitored(cast, name="가상 주민 나중")
    apply_allocation(actor=cast.social_worker, district=home_district(), now=NOW)

    with pytest.raises(VolunteerDataInvalid) as no_room:
        pin_pair(actor=cast.social_worker, person=someone, volunteer=full, reason="요청", now=LATER)

    assert no_room.value.errors == {"volunteer": "이 돌봄단원은 담당 가구가 가득 찼습니다. (This volunteer has no room.)"}
    assert AllocationOverride.objects.count() == 0


@pytest.mark.django_db
def test_a_forbidden_pair_ends_at_once_opens_a_task_and_is_never_made_again(cast):
    carer = volunteer(cast, username="forbidden")
    someone = monitored(cast, name="가상 주민 금지")
    apply_allocation(actor=cast.social_worker, district=home_district(), now=EARLIER + timedelta(hours=2))

    forbid_pair(actor=cast.social_worker, person=someone, volunteer=carer, reason="가족 관계", now=NOW)
    rerun = apply_allocation(actor=cast.social_worker, district=home_district(), now=LATER, reoptimise=True)

    assert _pairs() == {}
    assert Allocation.objects.get(person=someone).end_reason == "FORBIDDEN"
    assert [row.reason for row in rerun.rows] == ["NO_CAPACITY_IN_REACH"]
    assert CareTask.objects.get(kind="ALLOCATION", person=someone).status == "OPEN"


@pytest.mark.django_db
def test_when_a_volunteer_stops_their_households_wait_with_a_task_and_are_allocated_again(cast):
    leaving = volunteer(cast, username="leaving")
    someone = monitored(cast, name="가상 주민 재배정")
    apply_allocation(actor=cast.social_worker, district=home_district(), now=EARLIER + timedelta(hours=2))

    end_volunteering(actor=cast.social_worker, volunteer=leaving, now=NOW)
    task = CareTask.objects.get(kind="ALLOCATION", person=someone)
    volunteer(cast, username="arriving")
    apply_allocation(actor=cast.social_worker, district=home_district(), now=LATER)

    assert _pairs() == {"가상 주민 재배정": "arriving"}
    assert Allocation.objects.get(person=someone, volunteer=leaving).end_reason == "VOLUNTEER_LEFT"
    task.refresh_from_db()
    assert (task.status, task.outcome) == ("DONE", "ALLOCATED")
