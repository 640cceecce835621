"""open_crisis_path: once per source, due within the hour, for a named worker chosen by the rules."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from itda.accounts.models import Team, User
from itda.cases.models import CareTask
from itda.cases.services import assign_worker, end_assignment
from itda.people.models import Person
from itda.places.models import District
from itda.screenings.services import NoCrisisResponder, is_out_of_hours, open_crisis_path
from itda.screenings.tests.conftest import SATURDAY_NIGHT, SEOUL, TUESDAY_MORNING


def _open(cast, person, now=TUESDAY_MORNING, source_id="1"):
    return open_crisis_path(
        actor=cast.counsellor, person=person, source_type="test.source", source_id=source_id, now=now, reason="PHQ9 PHQ9_ITEM9"
    )


def test_the_lead_worker_takes_the_crisis(cast, other_person):
    assign_worker(
        actor=cast.administrator,
        person=other_person,
        worker=cast.health_staff,
        team=cast.health_staff.team,
        role="MEMBER",
        now=TUESDAY_MORNING - timedelta(days=60),
    )
    assign_worker(
        actor=cast.administrator,
        person=other_person,
        worker=cast.social_worker,
        team=cast.home_team,
        role="LEAD",
        now=TUESDAY_MORNING - timedelta(days=30),
    )

    task = _open(cast, other_person)

    assert task.assignee == cast.social_worker
    assert task.team == cast.home_team
    assert (task.kind, task.priority) == ("CRISIS_RESPONSE", CareTask.Priority.CRISIS)
    assert task.due_at == TUESDAY_MORNING + timedelta(hours=1)
    assert task.detail == "PHQ9 PHQ9_ITEM9"


def test_without_a_lead_another_worker_on_the_case_takes_it(cast, other_person):
    assign_worker(
        actor=cast.administrator,
        person=other_person,
        worker=cast.health_staff,
        team=cast.health_staff.team,
        role="NURSE",
        now=TUESDAY_MORNING - timedelta(days=60),
    )

    task = _open(cast, other_person)

    assert task.assignee == cast.health_staff


def test_an_ended_assignment_does_not_count(cast, other_person):
    assignment = assign_worker(
        actor=cast.administrator,
        person=other_person,
        worker=cast.health_staff,
        team=cast.health_staff.team,
        role="LEAD",
        now=TUESDAY_MORNING - timedelta(days=60),
    )
    end_assignment(actor=cast.administrator, assignment=assignment, now=TUESDAY_MORNING - timedelta(days=1))

    task = _open(cast, other_person)

    assert task.assignee == cast.social_worker
    assert task.team == cast.home_team


def test_nobody_on_the_case_sends_it_to_the_least_busy_worker_of_the_district_centre(cast, other_person):
    second = User.objects.create(username="persona-worker-2", role="SOCIAL_WORKER", team=cast.home_team, display_name="복지사 비")
    _open(cast, other_person, source_id="earlier")  # the first worker (lowest id) now has one open crisis

    task = _open(cast, other_person, source_id="later")

    assert task.assignee == second


def test_calling_twice_for_the_same_source_opens_one_task(cast, other_person):
    first = _open(cast, other_person)

    again = _open(cast, other_person, now=TUESDAY_MORNING + timedelta(minutes=5))

    assert again == first
    assert CareTask.objects.filter(kind="CRISIS_RESPONSE").count() == 1


def test_at_night_the_control_room_takes_it_when_there_is_one(cast, other_person):
    room = Team.objects.create(name="가상 고립예방 상황실", kind=Team.Kind.CONTROL_ROOM)
    night_worker = User.objects.create(username="persona-night", role="COUNSELLOR", team=room, display_name="상황실 별빛")

    task = _open(cast, other_person, now=SATURDAY_NIGHT)

    assert task.assignee == night_worker
    assert task.team == room


def test_at_night_without_a_control_room_the_district_centre_takes_it(cast, other_person):
    task = _open(cast, other_person, now=SATURDAY_NIGHT)

    assert task.assignee == cast.social_worker


def test_in_office_hours_the_district_centre_comes_before_the_control_room(cast, other_person):
    room = Team.objects.create(name="가상 고립예방 상황실", kind=Team.Kind.CONTROL_ROOM)
    User.objects.create(username="persona-night", role="COUNSELLOR", team=room, display_name="상황실 별빛")

    task = _open(cast, other_person)

    assert task.assignee == cast.social_worker


def test_a_district_without_any_team_is_refused(cast):
    far_away = Person.objects.create(name="가상 주민 구름", district=District.objects.get(code="11110"))

    with pytest.raises(NoCrisisResponder):
        _open(cast, far_away)

    assert CareTask.objects.count() == 0


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 10, 9, 0, tzinfo=SEOUL), False),
        (datetime(2026, 11, 10, 17, 59, tzinfo=SEOUL), False),
        (datetime(2026, 11, 10, 18, 0, tzinfo=SEOUL), True),
        (datetime(2026, 11, 10, 8, 59, tzinfo=SEOUL), True),
        (datetime(2026, 11, 14, 12, 0, tzinfo=SEOUL), True),  # Saturday
        (datetime(2026, 10, 9, 12, 0, tzinfo=SEOUL), True),  # Hangul Day, a Friday
    ],
)
def test_out_of_hours_means_nights_weekends_and_public_holidays(moment, expected):
    assert is_out_of_hours(moment) is expected
