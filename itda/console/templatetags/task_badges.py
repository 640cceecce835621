"""The count of pressing tasks (open crisis tasks and overdue ones) shown next to the task inbox links."""

from django import template
from django.utils import timezone

from itda.cases.queries import count_pressing_tasks

register = template.Library()


@register.simple_tag
def pressing_task_count(user) -> int:
    """Open crisis and overdue tasks waiting for ``user`` (their own and their team's unassigned ones); 0 for others."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return count_pressing_tasks(actor=user, now=timezone.now())
