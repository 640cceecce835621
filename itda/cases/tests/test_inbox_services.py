"""Taking a task and closing it from the inbox: one winner when two take it, outcomes the other flows read,
and "unreachable" always with a next step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from itda.audit.models import AuditEntry
from itda.cases.models import CareTask
from itda.cases.services import (
    TaskError,
    TaskOutcomeInvalid,
    UnreachableNeedsNextStep,
    open_task,
    outcomes_for,
    record_task_outcome,
    take_task,
)
from itda.people.models import Person
from itda.places.models import District
from tests.personas import HOME_DISTRICT

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


@pytest.fixture
def task(cast):
    person = Person.objects.create(name="가상 주민 이슬", district=District.objects.get(code=HOME_DISTRICT))
    task, _created = open_task(
        actor=None,
        team=cast.home_team,
        kind=CareTask.Kind.FOLLOW_UP_CALL,
        title="안부 전화",
        due_at=NOW + timedelta(hours=4),
        now=NOW,
        person=person,
    )
    return task


@pytest.mark.django_db
def test_taking_an_unassigned_task_makes_it_the_workers_and_is_audited(cast, task):
    taken = take_task(actor=cast.social_worker, task=task, now=NOW)

    assert (taken.assignee, taken.status) == (cast.social_worker, CareTask.Status.OPEN)
    entry = AuditEntry.objects.get(action="UPDATE", target_type="cases.caretask")
    assert (entry.actor, entry.fields, entry.reason) == (cast.social_worker, ["assignee"], "taken")
    assert entry.person_id == task.person_id


@pytest.mark.django_db
def test_when_two_workers_take_the_same_task_the_second_is_told_and_nothing_changes(cast, task):
    seen_by_second = CareTask.objects.get(pk=task.pk)
    take_task(actor=cast.social_worker, task=task, now=NOW)

    with pytest.raises(TaskError):
        take_task(actor=cast.administrator, task=seen_by_second, now=NOW)

    task.refresh_from_db()
    assert task.assignee == cast.social_worker


@pytest.mark.django_db
def test_a_closed_task_cannot_be_taken(cast, task):
    record_task_outcome(actor=cast.social_worker, task=task, outcome="REACHED", now=NOW)

    with pytest.raises(TaskError):
        take_task(actor=cast.social_worker, task=task, now=NOW)


@pytest.mark.django_db
def test_outcomes_depend_on_the_kind_of_task():
    assert outcomes_for(CareTask.Kind.OUTREACH) == ("REACHED", "NO_NEED", "UNREACHABLE")
    assert outcomes_for(CareTask.Kind.CRISIS_RESPONSE) == ("REACHED", "UNREACHABLE")
    assert outcomes_for(CareTask.Kind.REFERRAL_OVERDUE) == ("DONE",)


@pytest.mark.django_db
def test_an_outcome_the_kind_does_not_take_is_refused_and_the_task_stays_open(cast, task):
    with pytest.raises(TaskOutcomeInvalid):
        record_task_outcome(actor=cast.social_worker, task=task, outcome="DONE", now=NOW)

    task.refresh_from_db()
    assert task.status == CareTask.Status.OPEN


@pytest.mark.django_db
def test_unreachable_without_a_next_step_or_with_one_in_the_past_leaves_the_task_open(cast, task):
    with pytest.raises(UnreachableNeedsNextStep):
        record_task_outcome(actor=cast.social_worker, task=task, outcome="UNREACHABLE", now=NOW)
    with pytest.raises(TaskOutcomeInvalid):
        record_task_outcome(
            actor=cast.social_worker,
            task=task,
            outcome="UNREACHABLE",
            now=NOW,
            next_step_kind="VISIT",
            next_step_due_at=NOW - timedelta(hours=1),
        )

    task.refresh_from_db()
    assert (task.status, CareTask.objects.count()) == (CareTask.Status.OPEN, 1)


@pytest.mark.django_db
def test_unreachable_opens_the_next_step_for_the_worker_under_the_key_the_check_in_ladder_adopts(cast, task):
    closed, follow_up = record_task_outcome(
        actor=cast.social_worker,
        task=task,
        outcome="UNREACHABLE",
        now=NOW,
        next_step_kind="VISIT",
        next_step_due_at=NOW + timedelta(days=1),
    )

    assert (closed.status, closed.outcome, closed.completed_by) == (CareTask.Status.DONE, "UNREACHABLE", cast.social_worker)
    assert (follow_up.kind, follow_up.team, follow_up.assignee, follow_up.person, follow_up.priority) == (
        CareTask.Kind.VISIT,
        cast.home_team,
        cast.social_worker,
        task.person,
        CareTask.Priority.URGENT,
    )
    assert (follow_up.dedupe_key, follow_up.source_type, follow_up.source_id) == (
        f"caretask:{task.pk}:next",
        "cases.caretask",
        str(task.pk),
    )
