"""The overdue sweep: one alert per hop for each team, never twice, reset by the next hop; and its command."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from itda.audit.models import AuditEntry
from itda.cases.models import CareTask
from itda.referrals.models import Referral
from itda.referrals.services import SweepResult, sweep_overdue_referrals, transition
from itda.referrals.tests.factories import make_person, send

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
Status = Referral.Status


def _overdue_tasks():
    return list(
        CareTask.objects.filter(kind=CareTask.Kind.REFERRAL_OVERDUE)
        .order_by("dedupe_key")
        .values_list("dedupe_key", "team_id", "assignee_id")
    )


@pytest.fixture
def person(db):
    return make_person()


@pytest.mark.django_db
def test_an_overdue_hop_opens_one_task_for_the_receiving_team_and_one_for_the_sender(cast, person):
    referral = send(cast, person, now=NOW, risk=Referral.Risk.CRISIS)
    after_deadline = NOW + timedelta(hours=25)

    result = sweep_overdue_referrals(now=after_deadline)

    assert result == SweepResult(referrals_alerted=1, tasks_opened=2)
    assert _overdue_tasks() == [
        (f"referral:{referral.pk}:hop:1:overdue:from", cast.home_team.pk, None),
        (f"referral:{referral.pk}:hop:1:overdue:to", cast.health_staff.team.pk, None),
    ]
    task = CareTask.objects.get(dedupe_key=f"referral:{referral.pk}:hop:1:overdue:to")
    assert (task.priority, task.due_at, task.person, task.source_type, task.source_id, task.created_at) == (
        CareTask.Priority.CRISIS,
        after_deadline + timedelta(hours=1),
        person,
        "referrals.referral",
        str(referral.pk),
        after_deadline,
    )
    entry = AuditEntry.objects.get(target_type="referrals.referral", action="UPDATE")
    assert (entry.target_id, entry.person_id, entry.actor, entry.fields, entry.reason, entry.at) == (
        str(referral.pk),
        person.pk,
        None,
        ["overdue_alerted_hop"],
        "overdue alert for hop 1",
        after_deadline,
    )


@pytest.mark.django_db
def test_a_referral_not_yet_due_or_exactly_at_its_deadline_is_left_alone(cast, person):
    referral = send(cast, person, now=NOW, risk=Referral.Risk.CRISIS)

    result = sweep_overdue_referrals(now=referral.due_at)

    assert result == SweepResult(referrals_alerted=0, tasks_opened=0)
    assert _overdue_tasks() == []


@pytest.mark.django_db
def test_running_the_sweep_twice_alerts_once(cast, person):
    send(cast, person, now=NOW, risk=Referral.Risk.CRISIS)

    first = sweep_overdue_referrals(now=NOW + timedelta(hours=25))
    second = sweep_overdue_referrals(now=NOW + timedelta(hours=26))

    assert (first.tasks_opened, second.tasks_opened) == (2, 0)
    assert len(_overdue_tasks()) == 2


@pytest.mark.django_db
def test_the_next_hop_resets_the_deadline_and_can_be_alerted_once_more(cast, person):
    referral = send(cast, person, now=NOW, risk=Referral.Risk.CRISIS)
    sweep_overdue_referrals(now=NOW + timedelta(hours=25))
    accepted_at = NOW + timedelta(hours=26)
    transition(actor=cast.health_staff, referral=referral, to_status=Status.ACCEPTED, now=accepted_at)

    before_new_deadline = sweep_overdue_referrals(now=accepted_at + timedelta(hours=23))
    after_new_deadline = sweep_overdue_referrals(now=accepted_at + timedelta(hours=25))

    assert (before_new_deadline.tasks_opened, after_new_deadline.tasks_opened) == (0, 2)
    assert [key for key, _team, _assignee in _overdue_tasks()] == [
        f"referral:{referral.pk}:hop:1:overdue:from",
        f"referral:{referral.pk}:hop:1:overdue:to",
        f"referral:{referral.pk}:hop:2:overdue:from",
        f"referral:{referral.pk}:hop:2:overdue:to",
    ]
    hop_two = CareTask.objects.get(dedupe_key=f"referral:{referral.pk}:hop:2:overdue:to")
    assert (hop_two.team, hop_two.assignee) == (cast.health_staff.team, None)


@pytest.mark.django_db
def test_finished_referrals_are_never_alerted(cast, person):
    referral = send(cast, person, now=NOW, risk=Referral.Risk.CRISIS)
    transition(actor=cast.health_staff, referral=referral, to_status=Status.DECLINED, now=NOW, outcome="WRONG_SERVICE")

    result = sweep_overdue_referrals(now=NOW + timedelta(days=365))

    assert result.tasks_opened == 0


@pytest.mark.django_db
def test_an_unreachable_referral_stays_in_the_sweep(cast, person):
    referral = send(cast, person, now=NOW, risk=Referral.Risk.HIGH)
    referral = transition(actor=cast.health_staff, referral=referral, to_status=Status.ACCEPTED, now=NOW)
    transition(actor=cast.health_staff, referral=referral, to_status=Status.UNREACHABLE, now=NOW, steps_tried=["PHONE"])

    result = sweep_overdue_referrals(now=NOW + timedelta(hours=73))

    assert result == SweepResult(referrals_alerted=1, tasks_opened=2)
    assert CareTask.objects.filter(dedupe_key=f"referral:{referral.pk}:hop:3:overdue:to").exists()


@pytest.mark.django_db
def test_the_command_sweeps_as_of_the_time_given(cast, person):
    send(cast, person, now=NOW, risk=Referral.Risk.LOW)
    out = io.StringIO()

    call_command("sweep_overdue_referrals", "--now", "2026-12-09T09:00:00+09:00", stdout=out)

    assert out.getvalue().strip() == "1 overdue referrals alerted, 2 care tasks opened"


@pytest.mark.django_db
def test_the_command_refuses_a_time_without_a_timezone():
    with pytest.raises(CommandError):
        call_command("sweep_overdue_referrals", "--now", "2026-12-09T09:00:00", stdout=io.StringIO())
