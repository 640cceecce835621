"""Case assignments and care tasks. Every write runs in one transaction with its audit entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from itda.accounts.models import Team
from itda.audit.services import record_access
from itda.cases.models import CareTask, CaseAssignment

UNREACHABLE = "UNREACHABLE"


class TaskError(Exception):
    """A task change that is not allowed (already closed, or unreachable without a next step)."""


class UnreachableNeedsNextStep(TaskError):
    """'Unreachable' never closes a task on its own: it must name the next step (another channel, a visit)."""


class TaskOutcomeInvalid(TaskError):
    """An outcome this kind of task does not take, or a next step with an unknown kind or an impossible time."""


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
            person=person,
            worker=worker,
            team=team,
            role=role,
            start_at=now,
            assigned_by=actor if getattr(actor, "pk", None) else None,
        )
        record_access(actor=actor, action="CREATE", target=assignment, person_id=person.pk, fields=["worker", "role"], at=now)
    return assignment


def end_assignment(*, actor, assignment: CaseAssignment, now: datetime) -> CaseAssignment:
    """End an assignment now; ending one already ended changes nothing."""
    with transaction.atomic():
        updated = CaseAssignment.objects.filter(pk=assignment.pk, end_at__isnull=True).update(end_at=now)
        if updated:
            record_access(
                actor=actor, action="UPDATE", target=assignment, person_id=assignment.person_id, fields=["end_at"], at=now
            )
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
                actor=actor,
                action="CREATE",
                target=task,
                person_id=person.pk if person else None,
                fields=["kind", "assignee"],
                at=now,
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


def complete_task(
    *, actor, task: CareTask, outcome: str, now: datetime, next_step: NextStep | None = None
) -> tuple[CareTask, CareTask | None]:
    """Close a task with its outcome; returns (task, the next-step task or None).

    An UNREACHABLE outcome must come with a next step, which is opened in the same
    transaction, so nobody unanswered drops out of sight. Raises
    UnreachableNeedsNextStep, or TaskError when the task is already closed.
    """
    if outcome == UNREACHABLE and next_step is None:
        raise UnreachableNeedsNextStep(
            "연락이 닿지 않으면 다음 조치(다른 연락 수단, 방문)를 정해야 합니다 (unreachable needs a next step)"
        )
    with transaction.atomic():
        closed = CareTask.objects.filter(pk=task.pk, status__in=[CareTask.Status.OPEN, CareTask.Status.IN_PROGRESS]).update(
            status=CareTask.Status.DONE,
            outcome=outcome[:200],
            completed_at=now,
            completed_by=actor if getattr(actor, "pk", None) else None,
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


# The outcomes a worker records in the task inbox. Codes, not words: the check-in ladder reads
# UNREACHABLE as "not reached" and anything else as "reached" (checkins.cycle.reconcile_closed_steps),
# and the discovery worklist reads UNREACHABLE, REACHED and NO_NEED on outreach tasks.
REACHED = "REACHED"
NO_NEED = "NO_NEED"
HANDLED = "DONE"
_CONTACT_KINDS = {
    CareTask.Kind.CRISIS_RESPONSE,
    CareTask.Kind.URGENT_CONTACT,
    CareTask.Kind.FOLLOW_UP_CALL,
    CareTask.Kind.VISIT,
    CareTask.Kind.DOOR_OPENING,
    CareTask.Kind.REVIEW,
}
NEXT_STEP_KINDS = (CareTask.Kind.FOLLOW_UP_CALL, CareTask.Kind.VISIT, CareTask.Kind.DOOR_OPENING)
NEXT_STEP_WITHIN = timedelta(days=90)
_NEXT_STEP_TITLES = {
    CareTask.Kind.FOLLOW_UP_CALL: "연락 안 됨: 다른 방법으로 다시 연락 (Unreachable: try again another way)",
    CareTask.Kind.VISIT: "연락 안 됨: 가정 방문 (Unreachable: visit at home)",
    CareTask.Kind.DOOR_OPENING: (
        "방문에도 응답 없음: 경찰·소방과 문 개방 (No answer at the door: open it with police or fire service)"
    ),
}


def outcomes_for(kind: str) -> tuple[str, ...]:
    """The outcomes a task of this kind may be closed with in the inbox, the usual one first."""
    if kind == CareTask.Kind.OUTREACH:
        return (REACHED, NO_NEED, UNREACHABLE)
    if kind in _CONTACT_KINDS:
        return (REACHED, UNREACHABLE)
    return (HANDLED,)


def take_task(*, actor, task: CareTask, now: datetime) -> CareTask:
    """Assign an open task to the actor, from nobody or from a colleague; taking one's own task changes nothing.

    The update is conditional on the assignee the actor saw, so when two workers take the same task
    at once one of them wins and the other gets TaskError. Raises TaskError when the task is closed
    or was taken by someone else meanwhile.
    """
    if task.assignee_id == actor.pk and task.is_open:
        return task
    with transaction.atomic():
        taken = CareTask.objects.filter(
            pk=task.pk, status__in=[CareTask.Status.OPEN, CareTask.Status.IN_PROGRESS], assignee_id=task.assignee_id
        ).update(assignee=actor)
        if not taken:
            raise TaskError("이미 끝났거나 방금 다른 사람이 맡은 일입니다 (the task is closed or was just taken by someone else)")
        record_access(
            actor=actor,
            action="UPDATE",
            target=task,
            person_id=task.person_id,
            fields=["assignee"],
            reason="taken" if task.assignee_id is None else f"taken over from user {task.assignee_id}",
            at=now,
        )
    task.refresh_from_db()
    return task


def record_task_outcome(
    *,
    actor,
    task: CareTask,
    outcome: str,
    now: datetime,
    next_step_kind: str = "",
    next_step_due_at: datetime | None = None,
) -> tuple[CareTask, CareTask | None]:
    """Close a task from the inbox with one of ``outcomes_for(task.kind)``; returns (task, next-step task or None).

    UNREACHABLE needs a next step (a call another way, a home visit, or a door opening) due after
    ``now`` and within 90 days; it opens for the task's team, for the actor when they are on that team
    (else for the task's assignee), in the same transaction. A door opening keeps crisis priority.
    Raises TaskOutcomeInvalid, UnreachableNeedsNextStep, or TaskError when the task is already closed.
    """
    if outcome not in outcomes_for(task.kind):
        raise TaskOutcomeInvalid("이 일에 맞는 결과를 고르세요 (choose an outcome this task takes)")
    next_step = None
    if outcome == UNREACHABLE:
        if not next_step_kind or next_step_due_at is None:
            raise UnreachableNeedsNextStep(
                "연락이 닿지 않으면 다음 조치와 날짜를 정해야 합니다 (unreachable needs a next step and its time)"
            )
        if next_step_kind not in NEXT_STEP_KINDS:
            raise TaskOutcomeInvalid("다음 조치는 다시 연락, 방문, 문 개방 중에서 고르세요 (choose a known next step)")
        if not now < next_step_due_at <= now + NEXT_STEP_WITHIN:
            raise TaskOutcomeInvalid(
                "다음 조치 시간은 지금부터 90일 안이어야 합니다 (the next step must be due within the next 90 days)"
            )
        on_team = getattr(actor, "team_id", None) == task.team_id
        priority = CareTask.Priority.URGENT
        if next_step_kind == CareTask.Kind.DOOR_OPENING or task.priority == CareTask.Priority.CRISIS:
            priority = CareTask.Priority.CRISIS
        next_step = NextStep(
            kind=next_step_kind,
            title=_NEXT_STEP_TITLES[next_step_kind],
            due_at=next_step_due_at,
            team=task.team,
            assignee=actor if on_team else task.assignee,
            priority=priority,
        )
    return complete_task(actor=actor, task=task, outcome=outcome, now=now, next_step=next_step)


@dataclass(frozen=True)
class NewTask:
    """One task for :func:`open_tasks_in_bulk`; the dedupe key is required there.

    ``source_type`` and ``source_id`` name what the task came from (the inbox links to it); left
    empty, the batch's own source is used.
    """

    team: Team
    kind: str
    title: str
    due_at: datetime
    dedupe_key: str
    person: object = None
    household_ref: str = ""
    assignee: object = None
    priority: int = CareTask.Priority.NORMAL
    detail: str = ""
    source_type: str = ""
    source_id: str | int = ""


def _id_runs(ids: list[int]) -> list[tuple[str, list[int]]]:
    """Sorted ids as runs, each written out ("5001-5400", "5402") with its ids: a bulk insert gives
    consecutive ids, so the words stay short."""
    runs: list[list[int]] = []
    for value in sorted(ids):
        if runs and value == runs[-1][-1] + 1:
            runs[-1].append(value)
        else:
            runs.append([value])
    return [(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]), run) for run in runs]


def _audit_bulk_creation(*, actor, tasks: list[CareTask], source_type: str, source_id: str, now: datetime) -> None:
    """One audit entry per batch naming every task id (as runs) and the people the tasks are about; a batch
    whose runs do not fit one reason is split, each entry listing the people of its own tasks."""
    prefix = f"{len(tasks)} tasks, ids "
    by_id = {task.pk: task for task in tasks}
    chunk: list[str] = []
    people: set[int] = set()

    def write() -> None:
        record_access(
            actor=actor,
            action="CREATE",
            target_type="cases.caretask",
            target_id=f"{source_type}:{source_id}"[:40],
            listed_person_ids=sorted(people),
            fields=["kind", "household_ref", "team"],
            reason=prefix + ",".join(chunk),
            at=now,
        )

    for part, ids in _id_runs(sorted(by_id)):
        if chunk and len(prefix) + len(",".join([*chunk, part])) > 200:
            write()
            chunk, people = [], set()
        chunk.append(part)
        people.update(by_id[pk].person_id for pk in ids if by_id[pk].person_id is not None)
    if chunk:
        write()


def open_tasks_in_bulk(
    *, actor, tasks: list[NewTask], now: datetime, source_type: str = "", source_id: str | int = ""
) -> tuple[list[CareTask], list[CareTask]]:
    """Open many care tasks in one transaction, each once; returns (created, already existing by dedupe key).

    For worklists of thousands, where one ``open_task`` per row would take a query round trip and an
    audit entry each. Every task must carry a dedupe key. The batch is audited by one entry naming the
    created task ids (more entries only if the ids do not fit one). If another process creates one of
    the keys at the same moment, the whole batch is retried once against the keys then present.
    Raises TaskError for a task without a dedupe key.
    """
    if any(not task.dedupe_key for task in tasks):
        raise TaskError("일괄 생성에는 중복 방지 키가 필요합니다 (bulk tasks need a dedupe key)")
    try:
        return _create_tasks_once(actor=actor, tasks=tasks, now=now, source_type=source_type, source_id=str(source_id))
    except IntegrityError:
        return _create_tasks_once(actor=actor, tasks=tasks, now=now, source_type=source_type, source_id=str(source_id))


def _create_tasks_once(
    *, actor, tasks: list[NewTask], now: datetime, source_type: str, source_id: str
) -> tuple[list[CareTask], list[CareTask]]:
    with transaction.atomic():
        existing = list(CareTask.objects.filter(dedupe_key__in=[task.dedupe_key for task in tasks]))
        present = {task.dedupe_key for task in existing}
        created = CareTask.objects.bulk_create(
            [
                CareTask(
                    person=task.person,
                    household_ref=task.household_ref,
                    team=task.team,
                    assignee=task.assignee,
                    kind=task.kind,
                    priority=task.priority,
                    title=task.title,
                    detail=task.detail,
                    due_at=task.due_at,
                    source_type=task.source_type or source_type,
                    source_id=str(task.source_id) if task.source_type else source_id,
                    dedupe_key=task.dedupe_key,
                    created_at=now,
                )
                for task in tasks
                if task.dedupe_key not in present
            ],
            batch_size=1000,
        )
        if created:
            _audit_bulk_creation(actor=actor, tasks=created, source_type=source_type, source_id=source_id, now=now)
    return created, existing
