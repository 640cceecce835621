"""Case assignments and care tasks. Every write runs in one transaction with its audit entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from itda.accounts.models import Team
from itda.audit.services import record_access
from itda.cases.models import CareTask, CaseAssignment

UNREACHABLE = "UNREACHABLE"


class TaskError(Exception):
    """A task change that is not allowed (already closed, or unreachable without a next step)."""


class UnreachableNeedsNextStep(TaskError):
    """'Unreachable' never closes a task on its own: it must name the next step (another channel, a visit)."""


@dataclass(frozen=True)
class NextStep:
    kind: str
    title: str
    due_at: datetime
    team: Team
    assignee: object = None
    priority: int = CareTask.Priority.URGENT


def assign_worker(*, actor, person, worker, team: Team, role: str, now: datetime) -> CaseAssignment:
    """Put a worker on a person's case. Idempotent: an active assignment of the same worker is returned as is."""
    with transaction.atomic():
        existing = CaseAssignment.objects.filter(person=person, worker=worker, end_at__isnull=True).first()
        if existing is not None:
            return existing
        assignment = CaseAssignment.objects.create(
            person=person, worker=worker, team=team, role=role, start_at=now, assigned_by=actor if getattr(actor, "pk", None) else None
        )
        record_access(actor=actor, action="CREATE", target=assignment, person_id=person.pk, fields=["worker", "role"], at=now)
    return assignment


def end_assignment(*, actor, assignment: CaseAssignment, now: datetime) -> CaseAssignment:
    """End an assignment now; ending one already ended changes nothing."""
    with transaction.atomic():
        updated = CaseAssignment.objects.filter(pk=assignment.pk, end_at__isnull=True).update(end_at=now)
        if updated:
            record_access(actor=actor, action="UPDATE", target=assignment, person_id=assignment.person_id, fields=["end_at"], at=now)
    assignment.refresh_from_db()
    return assignment


def open_task(
    *,
    actor,
    team: Team,
    kind: str,
    title: str,
    due_at: datetime,
    now: datetime,
    person=None,
    household_ref: str = "",
    assignee=None,
    priority: int = CareTask.Priority.NORMAL,
    detail: str = "",
    source_type: str = "",
    source_id: str | int = "",
    dedupe_key: str = "",
) -> tuple[CareTask, bool]:
    """Open a care task, once: a task with the same ``dedupe_key`` is returned instead of a second one.

    Returns (task, created). Safe to call from two workers at the same time: the
    unique dedupe key decides which one creates it.
    """
    if dedupe_key:
        existing = CareTask.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            task = CareTask.objects.create(
                person=person,
                household_ref=household_ref,
                team=team,
                assignee=assignee,
                kind=kind,
                priority=priority,
                title=title,
                detail=detail,
                due_at=due_at,
                source_type=source_type,
                source_id=str(source_id),
                dedupe_key=dedupe_key,
                created_at=now,
            )
            record_access(
                actor=actor, action="CREATE", target=task, person_id=person.pk if person else None, fields=["kind", "assignee"], at=now
            )
    except IntegrityError:
        if not dedupe_key:
            raise
        return CareTask.objects.get(dedupe_key=dedupe_key), False
    return task, True


def start_task(*, actor, task: CareTask, now: datetime) -> CareTask:
    """Mark a task as being worked on, taking it if nobody is assigned."""
    with transaction.atomic():
        claimed = CareTask.objects.filter(pk=task.pk, status=CareTask.Status.OPEN).update(
            status=CareTask.Status.IN_PROGRESS, assignee=task.assignee or actor
        )
        if not claimed:
            raise TaskError("이미 처리 중이거나 끝난 일입니다 (the task is not open)")
        record_access(actor=actor, action="UPDATE", target=task, person_id=task.person_id, fields=["status", "assignee"], at=now)
    task.refresh_from_db()
    return task


def complete_task(*, actor, task: CareTask, outcome: str, now: datetime, next_step: NextStep | None = None) -> tuple[CareTask, CareTask | None]:
    """Close a task with its outcome; returns (task, the next-step task or None).

    An UNREACHABLE outcome must come with a next step, which is opened in the same
    transaction, so nobody unanswered drops out of sight. Raises
    UnreachableNeedsNextStep, or TaskError when the task is already closed.
    """
    if outcome == UNREACHABLE and next_step is None:
        raise UnreachableNeedsNextStep("연락이 닿지 않으면 다음 조치(다른 연락 수단, 방문)를 정해야 합니다 (unreachable needs a next step)")
    with transaction.atomic():
        closed = CareTask.objects.filter(pk=task.pk, status__in=[CareTask.Status.OPEN, CareTask.Status.IN_PROGRESS]).update(
            status=CareTask.Status.DONE, outcome=outcome[:200], completed_at=now, completed_by=actor if getattr(actor, "pk", None) else None
        )
        if not closed:
            raise TaskError("이미 끝난 일입니다 (the task is already closed)")
        record_access(actor=actor, action="UPDATE", target=task, person_id=task.person_id, fields=["status", "outcome"], at=now)
        follow_up = None
        if next_step is not None:
            follow_up, _created = open_task(
                actor=actor,
                team=next_step.team,
                kind=next_step.kind,
                title=next_step.title,
                due_at=next_step.due_at,
                now=now,
                person=task.person,
                household_ref=task.household_ref,
                assignee=next_step.assignee,
                priority=next_step.priority,
                source_type="cases.caretask",
                source_id=task.pk,
                dedupe_key=f"caretask:{task.pk}:next",
            )
    task.refresh_from_db()
    return task, follow_up
