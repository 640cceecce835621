"""Access functions for case assignments and care tasks.

The task inbox of the console (``get_inbox_tasks_for_worker`` and friends):
- only roles that open person records have one (social workers, health-centre staff, counsellors,
  administrators); volunteers keep their own worklist, city staff see no tasks;
- a worker sees the tasks assigned to them by name, and every task of their own team (assigned to a
  colleague or to nobody). A team belongs to one district (or is city-wide, like the 120 line), so the
  team is the district scope: a task is routed to the team that must act on it;
- an administrator sees every task;
- the person on a task: their name and phone are shown to whoever sees the task (the work was routed
  to them, as a check-in ladder's step is shown to the team it was routed to); the rest of the record
  (birth year, dong, address, the person page) only when ``people.permissions`` lets the worker see it.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from itda.cases.models import CareTask, CaseAssignment
from itda.people.permissions import can_work_with_people, get_people_for_worker


class TaskNotVisible(Exception):
    """The task does not exist or this user may not see it; the two are not told apart."""


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


def can_keep_task_inbox(user) -> bool:
    """True for the roles with a task inbox in the console: the roles that open person records."""
    return can_work_with_people(user)


def get_my_tasks_for_worker(user) -> QuerySet[CareTask]:
    """Tasks assigned to the user by name; empty for roles without a task inbox."""
    tasks = CareTask.objects.select_related("person", "team", "assignee")
    if not can_keep_task_inbox(user):
        return tasks.none()
    return tasks.filter(assignee=user)


def get_team_tasks_for_worker(user) -> QuerySet[CareTask]:
    """Tasks of the user's team held by a colleague or by nobody; every such task for an administrator.

    The user's own tasks are in ``get_my_tasks_for_worker``, not here. Empty for roles without a task
    inbox and for workers without a team.
    """
    tasks = CareTask.objects.select_related("person", "team", "assignee")
    if not can_keep_task_inbox(user):
        return tasks.none()
    if user.is_administrator:
        return tasks.exclude(assignee=user)
    if user.team_id is None:
        return tasks.none()
    return tasks.filter(team_id=user.team_id).exclude(assignee=user)


def get_inbox_tasks_for_worker(user) -> QuerySet[CareTask]:
    """Every task the user may open in the inbox: their own and their team's (all for an administrator)."""
    tasks = CareTask.objects.select_related("person", "team", "assignee", "completed_by")
    if not can_keep_task_inbox(user):
        return tasks.none()
    if user.is_administrator:
        return tasks
    visible = Q(assignee=user)
    if user.team_id is not None:
        visible |= Q(team_id=user.team_id)
    return tasks.filter(visible)


def get_inbox_task_for_worker(user, task_id: int) -> CareTask:
    """One task in the user's inbox. Raises TaskNotVisible otherwise (never says which)."""
    try:
        return get_inbox_tasks_for_worker(user).get(pk=task_id)
    except (CareTask.DoesNotExist, ValueError, TypeError):
        raise TaskNotVisible(task_id) from None


def can_act_on_task(user, task: CareTask) -> bool:
    """Taking, starting and closing a task: its assignee, a member of its team, or an administrator."""
    if not can_keep_task_inbox(user):
        return False
    if user.is_administrator:
        return True
    if task.assignee_id == user.pk:
        return True
    return user.team_id is not None and task.team_id == user.team_id


def can_see_person_record_on_task(user, task: CareTask) -> bool:
    """True when the task's person is in the user's person scope: the full record and its page may be shown."""
    if task.person_id is None:
        return False
    return get_people_for_worker(user).filter(pk=task.person_id).exists()
