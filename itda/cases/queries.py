"""Audited reads of care tasks for the console's task inbox.

Lists record one LIST entry naming the people shown; a task page records one READ entry. Counts for
the badge name nobody and are not recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from itda.audit.models import AuditEntry
from itda.audit.services import record_access
from itda.cases.models import CareTask
from itda.cases.permissions import (
    can_keep_task_inbox,
    can_see_person_record_on_task,
    get_inbox_task_for_worker,
    get_inbox_tasks_for_worker,
    get_my_tasks_for_worker,
    get_tasks_for_worker,
    get_team_tasks_for_worker,
)

MINE = "mine"
TEAM = "team"
OPEN = "OPEN_OR_IN_PROGRESS"
ALL = "ALL"
PAGE_SIZE = 30
LIST_FIELDS = ("kind", "priority", "due_at", "status", "person.name")
DETAIL_FIELDS = ("kind", "priority", "due_at", "status", "detail", "outcome", "person.name", "person.phone")
RECORD_FIELDS = ("person.birth_year", "person.dong", "person.address")
_OPEN_STATUSES = (CareTask.Status.OPEN, CareTask.Status.IN_PROGRESS)


@dataclass(frozen=True)
class TaskFilters:
    """What the inbox shows: ``status`` is OPEN (open or in progress), ALL, or one status."""

    status: str = OPEN
    kind: str = ""
    priority: int | None = None
    overdue_only: bool = False


@dataclass
class TaskPage:
    tasks: list[CareTask]
    total: int
    number: int
    page_count: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.page_count


@dataclass
class TaskView:
    task: CareTask
    shows_person_record: bool
    history: list[AuditEntry] = field(default_factory=list)
    previous: CareTask | None = None
    follow_ups: list[CareTask] = field(default_factory=list)


def _overdue(now: datetime) -> Q:
    return Q(status__in=_OPEN_STATUSES, due_at__lt=now)


def _needs_attention(now: datetime) -> Q:
    return Q(status__in=_OPEN_STATUSES) & (Q(priority__lte=CareTask.Priority.URGENT) | Q(due_at__lt=now))


def _filtered(tasks: QuerySet[CareTask], filters: TaskFilters, now: datetime) -> QuerySet[CareTask]:
    if filters.status == OPEN:
        tasks = tasks.filter(status__in=_OPEN_STATUSES)
    elif filters.status != ALL:
        tasks = tasks.filter(status=filters.status)
    if filters.kind:
        tasks = tasks.filter(kind=filters.kind)
    if filters.priority is not None:
        tasks = tasks.filter(priority=filters.priority)
    if filters.overdue_only:
        tasks = tasks.filter(_overdue(now))
    return tasks


def _most_pressing_first(tasks: QuerySet[CareTask], now: datetime) -> QuerySet[CareTask]:
    """Open before closed; among open ones, crisis, urgent and overdue tasks first; then priority and due time."""
    return tasks.annotate(
        closed_rank=Case(When(status__in=_OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()),
        attention_rank=Case(When(_needs_attention(now), then=Value(0)), default=Value(1), output_field=IntegerField()),
    ).order_by("closed_rank", "attention_rank", "priority", "due_at", "pk")


def list_tasks(
    *, actor, view: str, filters: TaskFilters, now: datetime, page: int = 1, path: str = "", page_size: int = PAGE_SIZE
) -> TaskPage:
    """One page of the actor's tasks (``MINE``) or their team's (``TEAM``), most pressing first.

    Audited with one LIST entry naming the people on the page. A page number past the end shows the
    last page. Raises ValueError for an unknown view.
    """
    if view == MINE:
        tasks = get_my_tasks_for_worker(actor)
    elif view == TEAM:
        tasks = get_team_tasks_for_worker(actor)
    else:
        raise ValueError(view)
    tasks = _most_pressing_first(_filtered(tasks, filters, now), now)
    total = tasks.count()
    page_count = max(1, -(-total // page_size))
    number = min(max(1, page), page_count)
    shown = list(tasks[(number - 1) * page_size : number * page_size])
    with transaction.atomic():
        record_access(
            actor=actor,
            action="LIST",
            target_type="cases.caretask",
            target_id=view,
            listed_person_ids=sorted({task.person_id for task in shown if task.person_id is not None}),
            fields=LIST_FIELDS,
            reason=f"task inbox, {len(shown)} shown of {total}",
            path=path,
            at=now,
        )
    return TaskPage(tasks=shown, total=total, number=number, page_count=page_count)


def view_task(*, actor, task_id: int, now: datetime, path: str = "") -> TaskView:
    """One task of the actor's inbox with its history and the tasks before and after it, recorded as a READ.

    Raises TaskNotVisible.
    """
    task = get_inbox_task_for_worker(actor, task_id)
    shows_record = can_see_person_record_on_task(actor, task)
    visible = get_inbox_tasks_for_worker(actor)
    previous = None
    if task.source_type == "cases.caretask" and task.source_id.isdigit():
        previous = visible.filter(pk=int(task.source_id)).first()
    follow_ups = list(visible.filter(source_type="cases.caretask", source_id=str(task.pk)).order_by("created_at", "pk"))
    history = list(
        AuditEntry.objects.filter(target_type="cases.caretask", target_id=str(task.pk), action__in=["CREATE", "UPDATE"])
        .select_related("actor")
        .order_by("at", "pk")
    )
    with transaction.atomic():
        record_access(
            actor=actor,
            action="READ",
            target=task,
            person_id=task.person_id,
            fields=DETAIL_FIELDS + (RECORD_FIELDS if shows_record else ()),
            path=path,
            at=now,
        )
    return TaskView(task=task, shows_person_record=shows_record, history=history, previous=previous, follow_ups=follow_ups)


def count_pressing_tasks(*, actor, now: datetime) -> int:
    """Open crisis tasks and overdue tasks waiting for the actor: their own and their team's unassigned ones."""
    if not can_keep_task_inbox(actor):
        return 0
    return (
        get_tasks_for_worker(actor)
        .filter(status__in=_OPEN_STATUSES)
        .filter(Q(priority=CareTask.Priority.CRISIS) | Q(due_at__lt=now))
        .count()
    )
