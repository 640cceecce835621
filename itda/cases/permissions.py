"""Access functions for case assignments and care tasks."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from itda.cases.models import CareTask, CaseAssignment


def is_on_case(user, person) -> bool:
    """True when the user has an active assignment on this person's case."""
    if not user.is_authenticated:
        return False
    return CaseAssignment.objects.filter(person=person, worker=user, end_at__isnull=True).exists()


def get_tasks_for_worker(user) -> QuerySet[CareTask]:
    """Tasks assigned to the user, plus the unassigned ones of their team. Administrators see all."""
    tasks = CareTask.objects.select_related("person", "team", "assignee")
    if not user.is_authenticated:
        return tasks.none()
    if user.is_administrator:
        return tasks
    if user.team_id is None:
        return tasks.filter(assignee=user)
    return tasks.filter(Q(assignee=user) | Q(team_id=user.team_id, assignee__isnull=True))


def get_task_for_worker(user, task_id: int) -> CareTask:
    """One task in the user's queue; raises CareTask.DoesNotExist otherwise."""
    return get_tasks_for_worker(user).get(pk=task_id)
