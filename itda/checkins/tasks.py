"""Background entry points (Django tasks on the django_tasks_db worker: ``python manage.py db_worker``).

Each task takes ids and plain values, loads what it needs and calls one
function; each is idempotent, so a task that runs twice (or after a crash)
changes nothing more. The periodic sweep itself is the ``run_checkin_cycle``
management command (``--loop`` keeps it running); ``run_checkin_cycle_once`` is
the same pass as a task, for a scheduler that enqueues tasks instead.

A task killed mid-run stays RUNNING in django_tasks_db and is not retried by
it; that is safe here because the work lives in the check-in tables, not in
the task: the next sweep finds whatever the killed task left undone.
"""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from itda.checkins import cycle
from itda.checkins.adapters import production_adapters


@task()
def send_checkin_attempts(attempt_ids: list[int]) -> int:
    """Place the calls and send the texts of these attempts, at most once each."""
    return cycle.send_attempts(attempt_ids=[int(pk) for pk in attempt_ids], adapters=production_adapters(), now=timezone.now())


@task()
def run_checkin_cycle_once(worker_id: str = "task", batch_size: int = cycle.DEFAULT_BATCH) -> dict:
    """One pass of the check-in sweep for the current moment."""
    report = cycle.run_cycle(now=timezone.now(), adapters=production_adapters(), worker_id=worker_id, batch_size=batch_size)
    return {
        "scheduled": report.scheduled,
        "dialled": report.dialled,
        "retried": report.retried,
        "expired": report.expired,
        "overdue_alerts": report.overdue_alerts,
        "reconciled": report.reconciled,
    }
