"""Reads of the care group: a volunteer's own households (minimal fields), loads, previews and the unallocated list."""

from __future__ import annotations

import dataclasses
from datetime import time, timedelta

import pytest

from itda.audit.models import AuditEntry
from itda.households.services import add_contact_channel
from itda.households.tests.factories import NOW, home_district, monitored
from itda.volunteers.models import Allocation
from itda.volunteers.permissions import CareGroupRefused
from itda.volunteers.queries import (
    current_volunteer_for,
    households_for_volunteer,
    households_of_volunteer,
    plan_allocation,
    unallocated_households,
    volunteer_list,
)
from itda.volunteers.services import apply_allocation
from itda.volunteers.tests.factories import volunteer

LATER = NOW + timedelta(hours=1)


@pytest.fixture
def two_volunteers_with_households(cast):
    mine = volunteer(cast, username="persona", user=cast.volunteer, dong_name="보라매동", capacity=1)
    theirs = volunteer(cast, username="someone-else", dong_name="청림동", capacity=1)
    own = monitored(cast, name="가상 주민 내담당", dong_name="보라매동", phone="010-0000-0501")
    other = monitored(cast, name="가상 주민 남담당", dong_name="청림동", phone="010-0000-0502")
    add_contact_channel(
        actor=cast.social_worker,
        person=own,
        kind="PHONE",
        value="010-0000-0511",
        is_preferred=True,
        preferred_weekday=0,
        preferred_time=time(10, 30),
        now=NOW,
    )
    apply_allocation(actor=cast.social_worker, district=home_district(), now=LATER)
    return mine, theirs, own, other


@pytest.mark.django_db
def test_a_volunteer_sees_only_their_own_households_with_name_dong_phone_and_preferred_slot(cast, two_volunteers_with_households):
    _mine, _theirs, own, _other = two_volunteers_with_households

    rows = households_for_volunteer(actor=cast.volunteer, now=LATER, path="/console/care/mine/")

    assert [dataclasses.astuple(row) for row in rows] == [
        (own.pk, "가상 주민 내담당", "보라매동", "010-0000-0511", "월요일 10:30")
    ]
    assert [field.name for field in dataclasses.fields(rows[0])] == ["person_id", "name", "dong_name", "phone", "preferred_slot"]
    entry = AuditEntry.objects.get(action="LIST", target_type="volunteers.households")
    assert (entry.actor, entry.listed_person_ids, entry.fields) == (
        cast.volunteer,
        [own.pk],
        ["dong", "name", "phone", "preferred_slot"],
    )


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["social_worker", "administrator", "citizen", "other_worker"])
def test_nobody_but_a_volunteer_gets_a_volunteers_household_list(cast, two_volunteers_with_households, persona):
    rows = households_for_volunteer(actor=getattr(cast, persona), now=LATER)

    assert rows == []


@pytest.mark.django_db
def test_the_contract_reads_name_the_current_volunteer_and_their_households(cast, two_volunteers_with_households):
    mine, theirs, own, other = two_volunteers_with_households

    assert (current_volunteer_for(own), current_volunteer_for(other)) == (mine.user, theirs.user)
    assert list(households_of_volunteer(cast.volunteer)) == [own]
    assert current_volunteer_for(monitored(cast, name="가상 주민 새로")) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "seen"),
    [("social_worker", 2), ("health_staff", 2), ("administrator", 2), ("other_worker", 0), ("counsellor", 0), ("volunteer", 0)],
)
def test_the_volunteer_list_shows_load_against_capacity_in_the_district(cast, two_volunteers_with_households, persona, seen):
    rows = volunteer_list(actor=getattr(cast, persona), now=LATER)

    assert len(rows) == seen
    if seen:
        assert [(row.volunteer.user.username, row.load, row.volunteer.capacity, row.room) for row in rows] == [
            ("persona-volunteer", 1, 1, 0),
            ("someone-else", 1, 1, 0),
        ]


@pytest.mark.django_db
def test_a_preview_changes_nothing_and_records_who_was_shown(cast):
    volunteer(cast, username="preview-only")
    someone = monitored(cast, name="가상 주민 예정")

    plan = plan_allocation(actor=cast.social_worker, district=home_district(), now=NOW, path="/console/care/allocation/")

    assert [(row.name, row.change, row.to_volunteer) for row in plan.rows] == [("가상 주민 예정", "NEW", "돌봄단 preview-only")]
    assert Allocation.objects.count() == 0
    assert AuditEntry.objects.get(action="LIST", target_type="volunteers.allocation_plan").listed_person_ids == [someone.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["other_worker", "health_staff", "counsellor", "volunteer", "citizen"])
def test_a_preview_is_refused_outside_the_districts_care_group_managers(cast, persona):
    with pytest.raises(CareGroupRefused):
        plan_allocation(actor=getattr(cast, persona), district=home_district(), now=NOW)


@pytest.mark.django_db
def test_the_unallocated_list_names_who_waits_and_why(cast):
    volunteer(cast, username="one-place", capacity=1)
    monitored(cast, name="가상 주민 배정됨", level="HIGH")
    apply_allocation(actor=cast.social_worker, district=home_district(), now=NOW)
    monitored(cast, name="가상 주민 대기중", level="MEDIUM", at=LATER)
    monitored(cast, name="가상 주민 미동의", level="HIGH", contact_consent=False, at=LATER)

    rows = unallocated_households(actor=cast.health_staff, district=home_district(), now=LATER)

    assert [(row.name, row.change, row.reason) for row in rows] == [
        ("가상 주민 미동의", "UNALLOCATED", "NO_CONTACT_CONSENT"),
        ("가상 주민 대기중", "UNALLOCATED", "NO_CAPACITY_IN_REACH"),
    ]
