"""The background entry points: thin, idempotent, ids in and plain values out."""

from __future__ import annotations

import pytest
from django.utils import timezone

from itda.checkins import cycle, services, tasks
from itda.checkins.models import CheckinAttempt, DueContact
from itda.checkins.tests.conftest import ai_call_due_a_minute_ago, live_adapters


@pytest.mark.django_db
def test_sending_queued_attempts_twice_places_each_call_once(cast, teams, resident, provider):
    now = timezone.now()
    ai_call_due_a_minute_ago(cast=cast, teams=teams, person=resident)
    services.generate_due_contacts(now=now)
    cycle.dispatch_due_contacts(now=now, adapters=live_adapters(), worker_id="worker-a")
    attempt = CheckinAttempt.objects.get()

    first = tasks.send_checkin_attempts.call(attempt_ids=[attempt.pk])
    second = tasks.send_checkin_attempts.call(attempt_ids=[attempt.pk])

    assert (first, second, len(provider)) == (1, 0, 1)


@pytest.mark.django_db
def test_one_cycle_as_a_task_uses_the_simulator_when_it_is_switched_on(cast, teams, resident, monkeypatch):
    monkeypatch.setenv("ITDA_CHECKIN_SIMULATOR", "1")
    monkeypatch.setenv("ITDA_CHECKIN_SIMULATOR_NO_ANSWER", "0")
    monkeypatch.setenv("ITDA_CHECKIN_SIMULATOR_LAPSED", "0")
    ai_call_due_a_minute_ago(cast=cast, teams=teams, person=resident)

    report = tasks.run_checkin_cycle_once.call()

    assert (report["scheduled"], report["dialled"]) == (1, 1)
    assert DueContact.objects.get().status == "DONE"
