"""A human ladder step nobody works is raised once: an urgent alert for the team on duty, the stalled task's priority up.

Frozen moments (Seoul): the ladder reaches STAFF_CALL:1 at 11:00 on Tuesday 15 September 2026 (the first call at 10:00
and both retries unanswered); each later step is reached by recording "not reached" on the one before.
"""

from __future__ import annotations

import io
import threading
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections

from itda.accounts.models import Team
from itda.cases.models import CareTask
from itda.cases.services import outcomes_for, start_task
from itda.checkins import cycle, ladder, services
from itda.checkins.models import Escalation, EscalationStep
from itda.checkins.services.escalations import Opening, open_escalations
from itda.checkins.tests.conftest import HOME_DONG, SATURDAY_NIGHT, TUESDAY_MORNING, run, scripted
from itda.people.models import Person
from itda.places.models import District, Dong
from itda.programs.hours import SEOUL
from tests.personas import HOME_DISTRICT

MINUTES = timedelta(minutes=1)
HOURS = timedelta(hours=1)

# step -> (the "not reached" outcomes recorded after STAFF_CALL:1, with their moments; when the step stalls, by day)
LADDER = {
    "STAFF_CALL:1": ([], datetime(2026, 9, 15, 12, 0, tzinfo=SEOUL)),  # due 11:00 + 1 h grace
    "VISIT:1": (
        [datetime(2026, 9, 15, 11, 1, tzinfo=SEOUL), datetime(2026, 9, 15, 11, 11, tzinfo=SEOUL)],
        datetime(2026, 9, 16, 11, 11, tzinfo=SEOUL),  # its own 24 h deadline
    ),
    "DOOR_OPENING:1": (
        [
            datetime(2026, 9, 15, 11, 1, tzinfo=SEOUL),
            datetime(2026, 9, 15, 11, 11, tzinfo=SEOUL),
            datetime(2026, 9, 15, 13, 0, tzinfo=SEOUL),
        ],
        datetime(2026, 9, 15, 15, 0, tzinfo=SEOUL),  # its own 2 h deadline
    ),
    "TRACE:1": (
        [
            datetime(2026, 9, 15, 11, 1, tzinfo=SEOUL),
            datetime(2026, 9, 15, 11, 11, tzinfo=SEOUL),
            datetime(2026, 9, 15, 13, 0, tzinfo=SEOUL),
            datetime(2026, 9, 15, 14, 0, tzinfo=SEOUL),
        ],
        datetime(2026, 9, 18, 14, 0, tzinfo=SEOUL),  # its 72 h deadline, a Friday afternoon
    ),
}


def _climb_to(cast, ai_plan, step_key: str) -> Escalation:
    adapters, _adapter = scripted()
    for minutes in (0, 30, 60):
        run(TUESDAY_MORNING + minutes * MINUTES, adapters)
    escalation = Escalation.objects.get(person=ai_plan.person)
    for moment in LADDER[step_key][0]:
        escalation.refresh_from_db()
        services.record_escalation_outcome(
            actor=cast.social_worker, escalation=escalation, step_key=escalation.step_key, outcome="NOT_REACHED", now=moment
        )
    escalation.refresh_from_db()
    assert escalation.step_key == step_key
    return escalation


def _alerts(person):
    return CareTask.objects.filter(person=person, dedupe_key__endswith=":stalled")


def _ladder_state(escalation):
    escalation.refresh_from_db()
    return (escalation.state, escalation.step, escalation.current_task_id, escalation.version)


@pytest.mark.django_db
@pytest.mark.parametrize("step_key", list(LADDER))
@pytest.mark.parametrize("shift", ["day", "night"])
def test_an_unworked_human_step_raises_one_alert_for_the_team_on_duty(cast, teams, ai_plan, step_key, shift):
    escalation = _climb_to(cast, ai_plan, step_key)
    stalled_task = escalation.current_task
    stalls_at = LADDER[step_key][1]
    moment = stalls_at if shift == "day" else SATURDAY_NIGHT
    before = _ladder_state(escalation)
    tasks_before = CareTask.objects.count()

    too_early = cycle.alert_stalled_steps(now=stalls_at - MINUTES)
    first = cycle.alert_stalled_steps(now=moment)
    second = cycle.alert_stalled_steps(now=moment + 5 * MINUTES)
    later = cycle.alert_stalled_steps(now=moment + 48 * HOURS)

    assert (too_early.stall_alerts, first.stall_alerts, second.stall_alerts, later.stall_alerts) == (0, 1, 0, 0)
    alert = _alerts(ai_plan.person).get()
    door = step_key.startswith("DOOR_OPENING")
    assert (alert.kind, alert.status, alert.team, alert.assignee, alert.due_at, alert.priority) == (
        "STALLED_STEP",
        "OPEN",
        teams.dong_centre if shift == "day" else teams.control_room,
        None,
        moment,
        CareTask.Priority.CRISIS if door else CareTask.Priority.URGENT,
    )
    assert alert.dedupe_key == f"checkins:escalation:{escalation.pk}:{step_key}:stalled"
    assert outcomes_for(alert.kind) == ("DONE",)  # the alert is closed as handled; the stalled task keeps its own outcomes
    assert alert.title.split(" (")[0] and "(" in alert.title  # Korean first, English in brackets
    stalled_task.refresh_from_db()
    # One level up, once: a staff call, visit or trace (HIGH) becomes URGENT; a door opening is already CRISIS.
    assert stalled_task.priority == (CareTask.Priority.CRISIS if door else CareTask.Priority.URGENT)
    assert stalled_task.status == "OPEN"
    # The alert is the action: the ladder does not move and nothing else opens (no police or fire call by itself).
    assert _ladder_state(escalation) == before
    assert CareTask.objects.count() == tasks_before + 1
    step = EscalationStep.objects.get(escalation=escalation, key=step_key)
    assert step.stall_alerted_at == moment


@pytest.mark.django_db
def test_a_door_opening_alert_leaves_calling_police_or_fire_to_a_person(cast, teams, ai_plan):
    _climb_to(cast, ai_plan, "DOOR_OPENING:1")

    cycle.alert_stalled_steps(now=LADDER["DOOR_OPENING:1"][1])

    alert = _alerts(ai_plan.person).get()
    assert "a person decides" in alert.title and "a person decides" in alert.detail
    assert CareTask.objects.filter(person=ai_plan.person, kind="DOOR_OPENING").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("outcome", ["REACHED", "NOT_REACHED"])
def test_a_worked_step_raises_nothing(cast, teams, ai_plan, outcome):
    escalation = _climb_to(cast, ai_plan, "STAFF_CALL:1")

    services.record_escalation_outcome(
        actor=cast.social_worker, escalation=escalation, step_key="STAFF_CALL:1", outcome=outcome, now=TUESDAY_MORNING + HOURS
    )
    # STAFF_CALL:1 was worked; after NOT_REACHED the next call is due 11:10 and stalls only at 12:10.
    report = cycle.alert_stalled_steps(now=datetime(2026, 9, 15, 12, 9, tzinfo=SEOUL))

    assert report.stall_alerts == 0
    assert not _alerts(ai_plan.person).exists()


@pytest.mark.django_db
def test_a_task_closed_in_the_general_queue_is_not_raised_but_moved_on(cast, teams, ai_plan):
    escalation = _climb_to(cast, ai_plan, "STAFF_CALL:1")
    CareTask.objects.filter(pk=escalation.current_task_id).update(status="DONE", outcome="연락됨")

    report = run(LADDER["STAFF_CALL:1"][1], scripted()[0])

    escalation.refresh_from_db()
    assert (report.reconciled, report.stall_alerts, escalation.state) == (1, 0, "RESOLVED")
    assert not _alerts(ai_plan.person).exists()


@pytest.mark.django_db
def test_a_task_someone_started_but_left_without_an_outcome_is_still_raised(cast, teams, ai_plan):
    escalation = _climb_to(cast, ai_plan, "STAFF_CALL:1")
    start_task(actor=cast.social_worker, task=escalation.current_task, now=TUESDAY_MORNING + 61 * MINUTES)

    report = cycle.alert_stalled_steps(now=LADDER["STAFF_CALL:1"][1])

    assert report.stall_alerts == 1


@pytest.mark.django_db
def test_the_check_in_cycle_runs_the_sweep_and_a_second_cycle_adds_nothing(cast, teams, ai_plan):
    _climb_to(cast, ai_plan, "STAFF_CALL:1")
    adapters, _adapter = scripted()

    first = run(LADDER["STAFF_CALL:1"][1], adapters)
    second = run(LADDER["STAFF_CALL:1"][1] + MINUTES, adapters)

    assert (first.stall_alerts, second.stall_alerts) == (1, 0)
    assert _alerts(ai_plan.person).count() == 1


@pytest.mark.django_db
def test_the_next_step_is_raised_on_its_own_once_the_ladder_climbs(cast, teams, ai_plan):
    escalation = _climb_to(cast, ai_plan, "STAFF_CALL:1")
    cycle.alert_stalled_steps(now=LADDER["STAFF_CALL:1"][1])

    escalation.refresh_from_db()
    services.record_escalation_outcome(
        actor=cast.social_worker,
        escalation=escalation,
        step_key="STAFF_CALL:1",
        outcome="NOT_REACHED",
        now=datetime(2026, 9, 15, 12, 5, tzinfo=SEOUL),
    )
    report = cycle.alert_stalled_steps(now=datetime(2026, 9, 15, 13, 15, tzinfo=SEOUL))  # STAFF_CALL:2 due 12:15

    assert report.stall_alerts == 1
    assert sorted(task.dedupe_key.split(":")[3] for task in _alerts(ai_plan.person)) == ["STAFF_CALL", "STAFF_CALL"]
    assert sorted(task.dedupe_key.split(":")[4] for task in _alerts(ai_plan.person)) == ["1", "2"]


@pytest.mark.django_db
def test_a_district_sets_its_own_grace_and_keeps_the_others(cast, teams, ai_plan):
    district = District.objects.get(code=HOME_DISTRICT)
    services.set_escalation_policy(
        actor=cast.administrator,
        district=district,
        overrides={"stalled_step_grace_minutes": {"STAFF_CALL": 15}},
        now=TUESDAY_MORNING,
    )
    assert services.policy_for(district.pk).stalled_step_grace_minutes["VISIT"] == 0
    _climb_to(cast, ai_plan, "STAFF_CALL:1")

    early = cycle.alert_stalled_steps(now=datetime(2026, 9, 15, 11, 14, tzinfo=SEOUL))
    on_time = cycle.alert_stalled_steps(now=datetime(2026, 9, 15, 11, 15, tzinfo=SEOUL))

    assert (early.stall_alerts, on_time.stall_alerts) == (0, 1)


@pytest.mark.django_db
def test_a_state_a_district_sets_to_null_is_never_raised(cast, teams, ai_plan):
    services.set_escalation_policy(
        actor=cast.administrator,
        district=District.objects.get(code=HOME_DISTRICT),
        overrides={"stalled_step_grace_minutes": {"STAFF_CALL": None}},
        now=TUESDAY_MORNING,
    )
    _climb_to(cast, ai_plan, "STAFF_CALL:1")

    report = cycle.alert_stalled_steps(now=LADDER["STAFF_CALL:1"][1] + 24 * HOURS)

    assert report.stall_alerts == 0


# --- two workers at once, on PostgreSQL ----------------------------------------------------------------------------

on_postgresql = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="concurrent writers need a server database; SQLite serialises every writer anyway",
)


def _at_once(work, count: int = 2) -> list:
    start = threading.Barrier(count)
    results: list = []

    def go():
        try:
            start.wait()
            results.append(work())
        except Exception as error:  # reported by the assertion on the results
            results.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _load_reference_data():
    call_command("load_reference", verbosity=0, stdout=io.StringIO())
    call_command("load_directory", verbosity=0, stdout=io.StringIO())


@pytest.fixture
def reference_data_after_flush(django_db_blocker):
    """A transactional test empties every table when it ends: have the reference data before, and put it back after."""
    with django_db_blocker.unblock():
        if not District.objects.exists():
            _load_reference_data()
    yield
    with django_db_blocker.unblock():
        _load_reference_data()


@on_postgresql
def test_two_workers_at_the_same_moment_raise_each_stalled_step_once(reference_data_after_flush, transactional_db):
    district = District.objects.get(code=HOME_DISTRICT)
    dong = Dong.objects.get(code=HOME_DONG)
    dong_centre = Team.objects.create(name="가상 보라매동 주민센터", kind=Team.Kind.DONG_CENTRE, district=district, dong=dong)
    Team.objects.create(name="가상 서울시 고립예방센터 관제실", kind=Team.Kind.CONTROL_ROOM)
    people = [
        Person.objects.create(name=f"가상 주민 {index}", birth_year=1950, district=district, dong=dong) for index in range(30)
    ]
    with services.batch_memo():
        open_escalations(
            [Opening(person=person, reason="NOT_REACHED", due_contact_id=None, source="test") for person in people],
            now=TUESDAY_MORNING,
            actor=None,
        )
    assert EscalationStep.objects.filter(key="STAFF_CALL:1").count() == 30

    results = _at_once(lambda: cycle.alert_stalled_steps(now=TUESDAY_MORNING + 2 * HOURS, batch_size=7))

    assert all(isinstance(result, cycle.CycleReport) for result in results), results
    assert sum(result.stall_alerts for result in results) == 30
    assert CareTask.objects.filter(dedupe_key__endswith=":stalled", team=dong_centre).count() == 30
    assert set(CareTask.objects.filter(kind="FOLLOW_UP_CALL").values_list("priority", flat=True)) == {CareTask.Priority.URGENT}


def test_the_sweeps_partial_index_covers_exactly_the_human_states():
    """The index condition lists the human states by name (models cannot import the ladder): keep them equal."""
    from itda.checkins.models import EscalationStep

    (index,) = [index for index in EscalationStep._meta.indexes if index.name == "step_awaiting_stall_check_idx"]
    states = dict(index.condition.children)["state__in"]
    assert sorted(states) == sorted(str(state) for state in ladder.HUMAN_STATES)
