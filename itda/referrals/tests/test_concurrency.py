"""Two sweepers, two workers at the same moment, on PostgreSQL: each hop alerts once, each step is taken once.

These tests commit for real (threads need their own connections), so they run on a server
database only; SQLite serialises every writer anyway.
"""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections

from itda.cases.models import CareTask
from itda.referrals.models import Referral, ReferralEvent
from itda.referrals.services import ReferralRefused, SweepResult, sweep_overdue_referrals, transition
from itda.referrals.tests.factories import make_person, send
from tests.personas import make_cast

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="concurrent writers need a server database; SQLite serialises every writer anyway",
)


def _at_once(work, count: int = 2) -> list:
    """Run ``work`` in ``count`` threads released together; returns what each returned or raised."""
    start = threading.Barrier(count)
    results: list = []

    def run():
        try:
            start.wait()
            results.append(work())
        except ReferralRefused as refused:
            results.append(refused)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _load_reference_data():
    call_command("load_reference", verbosity=0, stdout=io.StringIO())
    call_command("load_directory", verbosity=0, stdout=io.StringIO())


@pytest.fixture
def reference_data_after_flush(django_db_blocker):
    """A transactional test empties every table when it ends: have the reference data before, and put it back after.

    Requested before ``transactional_db`` so that its teardown runs after the flush.
    """
    from itda.places.models import District

    with django_db_blocker.unblock():
        if not District.objects.exists():
            _load_reference_data()
    yield
    with django_db_blocker.unblock():
        _load_reference_data()


def test_two_sweepers_at_the_same_moment_alert_each_hop_once(reference_data_after_flush, transactional_db):
    cast = make_cast()
    referrals = [send(cast, make_person(f"가상 주민 {index}"), now=NOW, risk=Referral.Risk.CRISIS) for index in range(40)]

    results: list[SweepResult] = _at_once(lambda: sweep_overdue_referrals(now=NOW + timedelta(hours=25)))

    assert sum(result.referrals_alerted for result in results) == 40
    assert sum(result.tasks_opened for result in results) == 80
    assert CareTask.objects.filter(kind=CareTask.Kind.REFERRAL_OVERDUE).count() == 2 * len(referrals)


def test_two_workers_accepting_the_same_referral_at_once_move_it_once(reference_data_after_flush, transactional_db):
    cast = make_cast()
    referral = send(cast, make_person(), now=NOW)

    results = _at_once(lambda: transition(actor=cast.health_staff, referral=referral, to_status="ACCEPTED", now=NOW))

    moved = [result for result in results if isinstance(result, Referral)]
    refused = [result for result in results if isinstance(result, ReferralRefused)]
    assert (len(moved), len(refused)) == (1, 1)
    assert list(ReferralEvent.objects.filter(referral=referral).order_by("pk").values_list("to_status", flat=True)) == [
        "SENT",
        "ACCEPTED",
    ]
    assert Referral.objects.get(pk=referral.pk).hop == 2
