"""Human steps fired for a whole batch at once leave the same ladders, tasks and audit trail as one at a time."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from itda.audit.models import AuditEntry
from itda.cases.models import CareTask, CaseAssignment
from itda.checkins import ladder as ladder_specs
from itda.checkins import services
from itda.checkins.models import Escalation, EscalationStep
from itda.checkins.tests.conftest import IN_PAIN, TUESDAY_MORNING, TUESDAY_NIGHT, residents_called_at, run, scripted
from itda.people.models import Person

MINUTES = timedelta(minutes=1)
PEOPLE_IN_A_BATCH = [1, 5]  # 1 goes through the single-step path, 5 through the batch


def _residents(count: int, *, cast, teams, start: datetime) -> list[Person]:
    people = residents_called_at(count, cast=cast, teams=teams, start=start)
    # The first resident has a lead worker at the dong centre: a daytime task is assigned to them.
    CaseAssignment.objects.create(
        person=people[0], worker=cast.social_worker, team=teams.dong_centre, role=CaseAssignment.Role.LEAD, start_at=start
    )
    return people


def _ladder(person) -> dict:
    """What a person's ladder looks like after its human step fired, with ids replaced by what they point at."""
    escalation = Escalation.objects.get(person=person)
    step = EscalationStep.objects.get(escalation=escalation, state=escalation.state, number=escalation.step)
    task = escalation.current_task
    return {
        "escalation": (escalation.state, escalation.step, escalation.next_action_at, escalation.version),
        "step": (step.key, step.fired_at, step.team_id, step.task_id == task.pk, step.is_night_route),
        "task": (
            task.kind,
            task.team_id,
            task.assignee_id,
            task.priority,
            task.title,
            task.detail,
            task.due_at,
            task.person_id,
            task.status,
            task.source_type,
            task.source_id == str(escalation.pk),
            task.dedupe_key == f"checkins:escalation:{escalation.pk}:{step.key}",
        ),
    }


def _audited(person, *, target_type: str) -> bool:
    return any(
        entry.person_id == person.pk or person.pk in entry.listed_person_ids
        for entry in AuditEntry.objects.filter(target_type=target_type, action__in=["CREATE", "UPDATE"])
    )


@pytest.mark.django_db
@pytest.mark.parametrize("count", PEOPLE_IN_A_BATCH)
@pytest.mark.parametrize("start", [TUESDAY_MORNING, TUESDAY_NIGHT], ids=["day", "night"])
def test_unanswered_retries_fire_each_staff_call_the_same_alone_or_in_a_batch(cast, teams, count, start):
    people = _residents(count, cast=cast, teams=teams, start=start)
    adapters, _adapter = scripted()  # nobody answers

    for minutes in (0, 30, 60):
        run(start + minutes * MINUTES, adapters)

    fired_at = start + 60 * MINUTES
    daytime = start == TUESDAY_MORNING
    team = teams.dong_centre if daytime else teams.control_room
    for index, person in enumerate(people):
        ladder = _ladder(person)
        assert ladder["escalation"] == ("STAFF_CALL", 1, None, ladder["escalation"][3])
        assert ladder["step"] == ("STAFF_CALL:1", fired_at, team.pk, True, not daytime)
        kind, team_id, assignee_id, priority, *_rest, person_id, status, source_type, source_ok, dedupe_ok = ladder["task"]
        assert (kind, team_id, person_id, status, source_type, source_ok, dedupe_ok) == (
            "FOLLOW_UP_CALL",
            team.pk,
            person.pk,
            "OPEN",
            "checkins.escalation",
            True,
            True,
        )
        assert assignee_id == (cast.social_worker.pk if daytime and index == 0 else None)
        assert priority == ladder_specs.TASK_SPECS[ladder_specs.State.STAFF_CALL].priority
        assert _audited(person, target_type="checkins.escalation")
        assert _audited(person, target_type="cases.caretask")
    assert CareTask.objects.count() == count
    assert EscalationStep.objects.filter(key="STAFF_CALL:1").count() == count


@pytest.mark.django_db
def test_a_ladder_fired_in_a_batch_matches_one_fired_alone(cast, teams):
    """The same resident's ladder, once alone and once among four others, ends in the same place."""
    alone = _residents(1, cast=cast, teams=teams, start=TUESDAY_MORNING)
    adapters, _adapter = scripted()
    for minutes in (0, 30, 60):
        run(TUESDAY_MORNING + minutes * MINUTES, adapters)
    expected = _ladder(alone[0])
    Escalation.objects.all().delete()
    CareTask.objects.all().delete()
    Person.objects.all().delete()

    batch = _residents(5, cast=cast, teams=teams, start=TUESDAY_MORNING + timedelta(days=7))
    for minutes in (0, 30, 60):
        run(TUESDAY_MORNING + timedelta(days=7) + minutes * MINUTES, adapters)

    found = _ladder(batch[0])
    week = timedelta(days=7)
    shifted = {
        "escalation": (*expected["escalation"][:2], None, expected["escalation"][3]),
        "step": (expected["step"][0], expected["step"][1] + week, *expected["step"][2:]),
        "task": (*expected["task"][:6], expected["task"][6] + week, batch[0].pk, *expected["task"][8:]),
    }
    assert found == shifted


@pytest.mark.django_db
@pytest.mark.parametrize("count", PEOPLE_IN_A_BATCH)
def test_worrying_answers_in_one_batch_each_open_a_counsellor_task_now(cast, teams, count):
    people = _residents(count, cast=cast, teams=teams, start=TUESDAY_MORNING)
    adapters, _adapter = scripted(*[IN_PAIN] * count)

    run(TUESDAY_MORNING, adapters)

    for person in people:
        ladder = _ladder(person)
        assert ladder["escalation"][:3] == ("URGENT_CONTACT", 1, None)
        kind, team_id, _assignee, _priority, _title, detail, due_at, *_rest = ladder["task"]
        assert (kind, team_id, due_at) == ("URGENT_CONTACT", teams.mental_health.pk, TUESDAY_MORNING)
        assert "허리" not in detail and "통증" in detail  # the signal's label, never the words
        assert _audited(person, target_type="checkins.escalation")
    assert CareTask.objects.filter(kind="URGENT_CONTACT").count() == count


@pytest.mark.django_db
def test_the_next_step_of_a_batch_fired_ladder_climbs_as_usual(cast, teams):
    people = _residents(3, cast=cast, teams=teams, start=TUESDAY_MORNING)
    adapters, _adapter = scripted()
    for minutes in (0, 30, 60):
        run(TUESDAY_MORNING + minutes * MINUTES, adapters)
    escalation = Escalation.objects.get(person=people[1])

    services.record_escalation_outcome(
        actor=cast.social_worker, escalation=escalation, step_key="STAFF_CALL:1", outcome="NOT_REACHED", now=TUESDAY_MORNING
    )

    escalation.refresh_from_db()
    assert escalation.step_key == "STAFF_CALL:2"
    first_task = EscalationStep.objects.get(escalation=escalation, key="STAFF_CALL:1").task
    assert (first_task.status, first_task.outcome) == ("DONE", "UNREACHABLE")
    assert escalation.current_task.is_open
