"""Care tasks open once, close with an outcome, and 'unreachable' always opens the next step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from itda.audit.models import AuditEntry
from itda.cases.models import CareTask, CaseAssignment
from itda.cases.permissions import get_tasks_for_worker, is_on_case
from itda.cases.services import (
    NextStep,
    TaskError,
    UnreachableNeedsNextStep,
    assign_worker,
    complete_task,
    end_assignment,
    open_task,
    start_task,
)
from itda.people.models import Person
from itda.places.models import District
from tests.personas import HOME_DISTRICT

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def person(db):
    return Person.objects.create(name="가상 주민 이슬", district=District.objects.get(code=HOME_DISTRICT))


def _follow_up(cast, person, **extra):
    return open_task(
        actor=cast.social_worker,
        team=cast.home_team,
        kind=CareTask.Kind.FOLLOW_UP_CALL,
        title="안부 전화",
        due_at=NOW + timedelta(hours=24),
        now=NOW,
        person=person,
        **extra,
    )


@pytest.mark.django_db
def test_a_task_with_a_dedupe_key_is_opened_once(cast, person):
    first, created_first = _follow_up(cast, person, dedupe_key="referral:1:overdue:1")
    second, created_second = _follow_up(cast, person, dedupe_key="referral:1:overdue:1")

    assert (created_first, created_second) == (True, False)
    assert first.pk == second.pk
    assert CareTask.objects.count() == 1


@pytest.mark.django_db
def test_unreachable_without_a_next_step_is_refused_and_the_task_stays_open(cast, person):
    task, _ = _follow_up(cast, person)

    with pytest.raises(UnreachableNeedsNextStep):
        complete_task(actor=cast.social_worker, task=task, outcome="UNREACHABLE", now=NOW)

    task.refresh_from_db()
    assert task.status == CareTask.Status.OPEN


@pytest.mark.django_db
def test_unreachable_with_a_visit_closes_the_call_and_opens_the_visit(cast, person):
    task, _ = _follow_up(cast, person)
    visit = NextStep(kind=CareTask.Kind.VISIT, title="방문 확인", due_at=NOW + timedelta(hours=24), team=cast.home_team)

    closed, follow_up = complete_task(actor=cast.social_worker, task=task, outcome="UNREACHABLE", now=NOW, next_step=visit)

    assert (closed.status, closed.outcome, closed.completed_by) == ("DONE", "UNREACHABLE", cast.social_worker)
    assert (follow_up.kind, follow_up.person, follow_up.priority, follow_up.source_id) == ("VISIT", person, 2, str(task.pk))


@pytest.mark.django_db
def test_a_closed_task_cannot_be_closed_or_started_again(cast, person):
    task, _ = _follow_up(cast, person)
    complete_task(actor=cast.social_worker, task=task, outcome="REACHED", now=NOW)

    with pytest.raises(TaskError):
        complete_task(actor=cast.social_worker, task=task, outcome="REACHED", now=NOW)
    with pytest.raises(TaskError):
        start_task(actor=cast.social_worker, task=task, now=NOW)


@pytest.mark.django_db
def test_starting_an_unassigned_task_takes_it(cast, person):
    task, _ = _follow_up(cast, person)

    started = start_task(actor=cast.social_worker, task=task, now=NOW)

    assert (started.status, started.assignee) == ("IN_PROGRESS", cast.social_worker)


@pytest.mark.django_db
def test_a_worker_sees_their_own_tasks_and_their_teams_unassigned_ones_only(cast, person):
    mine, _ = _follow_up(cast, person, assignee=cast.social_worker)
    team_queue, _ = _follow_up(cast, person)
    other_team, _ = open_task(
        actor=cast.other_worker, team=cast.other_team, kind=CareTask.Kind.VISIT, title="방문", due_at=NOW, now=NOW, person=person
    )

    assert set(get_tasks_for_worker(cast.social_worker)) == {mine, team_queue}
    assert set(get_tasks_for_worker(cast.other_worker)) == {other_team}
    assert set(get_tasks_for_worker(cast.administrator)) == {mine, team_queue, other_team}
    assert not get_tasks_for_worker(cast.citizen).exists()


@pytest.mark.django_db
def test_assignments_are_idempotent_and_end_once(cast, person):
    first = assign_worker(
        actor=cast.social_worker, person=person, worker=cast.social_worker, team=cast.home_team, role="LEAD", now=NOW
    )
    again = assign_worker(
        actor=cast.social_worker, person=person, worker=cast.social_worker, team=cast.home_team, role="LEAD", now=NOW
    )

    assert first.pk == again.pk
    assert is_on_case(cast.social_worker, person)
    end_assignment(actor=cast.social_worker, assignment=first, now=NOW + timedelta(days=1))
    end_assignment(actor=cast.social_worker, assignment=first, now=NOW + timedelta(days=2))
    first.refresh_from_db()
    assert first.end_at == NOW + timedelta(days=1)
    assert not is_on_case(cast.social_worker, person)
    assert AuditEntry.objects.filter(target_type="cases.caseassignment").count() == 2
    assert CaseAssignment.objects.count() == 1
