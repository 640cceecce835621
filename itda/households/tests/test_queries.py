"""Reads of the registry: the contract other apps use, and audited, district-scoped reads for people."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import translation

from itda.audit.models import AuditEntry
from itda.contacts.services import log_contact
from itda.households.queries import (
    current_risk_level,
    list_monitored_people,
    monitored_people,
    preferred_contact,
    view_registry,
    visiting_care_group,
)
from itda.households.services import add_contact_channel, enrol_in_visiting_care
from itda.households.tests.factories import EARLIER, NOW, home_district, monitored, person
from itda.people.permissions import PersonNotVisible
from itda.volunteers.services import apply_allocation
from itda.volunteers.tests.factories import volunteer


@pytest.mark.django_db
def test_monitored_people_are_those_with_an_active_period_at_the_asked_levels(cast):
    high = monitored(cast, name="가상 주민 높음", level="HIGH")
    medium = monitored(cast, name="가상 주민 중간", level="MEDIUM")
    low = monitored(cast, name="가상 주민 낮음", level="LOW")
    monitored(cast, name="가상 주민 마포", level="HIGH", district_code="11440", dong_name="서교동")
    person(name="가상 주민 없음")

    default = set(monitored_people(district_id=home_district().pk))
    every_level = set(monitored_people(district_id=home_district().pk, levels=("HIGH", "MEDIUM", "LOW")))

    assert default == {high, medium}
    assert every_level == {high, medium, low}
    assert monitored_people().count() == 3
    assert (current_risk_level(high), current_risk_level(low), current_risk_level(person(name="가상 주민 새로"))) == (
        "HIGH",
        "LOW",
        None,
    )


@pytest.mark.django_db
def test_the_visiting_care_group_and_the_preferred_slot_are_read_for_other_apps(cast):
    someone = person(name="가상 주민 방문", birth_year=1941)
    enrol_in_visiting_care(actor=cast.health_staff, person=someone, group="INTENSIVE", now=NOW)
    add_contact_channel(
        actor=cast.social_worker,
        person=someone,
        kind="PHONE",
        value="010-0000-0401",
        is_preferred=True,
        preferred_weekday=2,
        preferred_time=time(14, 0),
        now=NOW,
    )

    slot = preferred_contact(someone)

    assert visiting_care_group(someone) == "INTENSIVE"
    assert (slot.kind, slot.value, slot.weekday, slot.time) == ("PHONE", "010-0000-0401", 2, time(14, 0))
    assert visiting_care_group(person(name="가상 주민 미등록")) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "seen"),
    [("social_worker", 2), ("health_staff", 2), ("administrator", 3), ("other_worker", 1), ("counsellor", 0), ("volunteer", 0)],
)
def test_the_monitored_list_is_scoped_to_the_district_and_audited_with_everyone_shown(cast, persona, seen):
    monitored(cast, name="가상 주민 가", level="MEDIUM")
    monitored(cast, name="가상 주민 나", level="HIGH")
    monitored(cast, name="가상 주민 마포", level="HIGH", district_code="11440", dong_name="서교동")

    rows = list_monitored_people(actor=getattr(cast, persona), now=NOW, path="/console/care/people/")

    assert len(rows) == seen
    entry = AuditEntry.objects.get(action="LIST", target_type="households.monitored")
    assert sorted(entry.listed_person_ids) == sorted(row.person.pk for row in rows)


@pytest.mark.django_db
def test_the_list_puts_high_risk_first_and_filters_by_level_and_households_without_a_volunteer(cast):
    volunteer(cast, username="list-carer", capacity=1)
    monitored(cast, name="가상 주민 다", level="MEDIUM")
    first = monitored(cast, name="가상 주민 라", level="HIGH")
    monitored(cast, name="가상 주민 마", level="LOW")
    apply_allocation(actor=cast.social_worker, district=home_district(), now=NOW)

    everyone = list_monitored_people(actor=cast.social_worker, now=NOW)
    medium = list_monitored_people(actor=cast.social_worker, now=NOW, level="MEDIUM")
    waiting = list_monitored_people(actor=cast.social_worker, now=NOW, unallocated_only=True)

    assert [(r.person.name, r.risk_level, r.volunteer_name, r.is_unallocated) for r in everyone] == [
        ("가상 주민 라", "HIGH", "돌봄단 list-carer", False),
        ("가상 주민 다", "MEDIUM", None, True),
        ("가상 주민 마", "LOW", None, False),
    ]
    assert [r.person.name for r in medium] == ["가상 주민 다"]
    assert [r.person.name for r in waiting] == ["가상 주민 다"]
    assert everyone[0].person == first


@pytest.mark.django_db
def test_the_registry_page_merges_contacts_and_registry_events_newest_first_and_records_two_reads(cast):
    someone = monitored(cast, name="가상 주민 기록", level="MEDIUM", at=EARLIER)
    log_contact(
        actor=cast.social_worker,
        team=cast.home_team,
        channel="PHONE",
        direction="OUTBOUND",
        outcome="REACHED",
        started_at=EARLIER + timedelta(hours=2),
        person=someone,
        note="식사 잘 하심",
    )

    with translation.override("en"):
        registry = view_registry(actor=cast.social_worker, person_id=someone.pk, now=NOW, path="/console/care/people/1/")

    assert [(event.kind, event.title) for event in registry.timeline] == [
        ("contact", "Phone · Reached"),
        ("registry", "Risk level: Medium risk"),
    ]
    assert registry.current_enrolment.risk_level == "MEDIUM"
    reads = AuditEntry.objects.filter(action="READ", person_id=someone.pk).values_list("target_type", flat=True)
    assert sorted(reads) == ["contacts.timeline", "households.registry"]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["other_worker", "counsellor", "volunteer", "citizen", "city_staff"])
def test_the_registry_is_not_visible_outside_the_district_and_a_refusal_is_not_audited_as_a_read(cast, persona):
    someone = monitored(cast, name="가상 주민 비공개")

    with pytest.raises(PersonNotVisible):
        view_registry(actor=getattr(cast, persona), person_id=someone.pk, now=NOW)

    assert not AuditEntry.objects.filter(action="READ", person_id=someone.pk).exists()
