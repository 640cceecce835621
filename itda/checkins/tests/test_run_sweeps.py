"""The run_sweeps command: every periodic sweep once per pass, for the same moment, idempotent across passes."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from itda.cases.models import CareTask
from itda.checkins import cycle
from itda.checkins.management.commands import run_sweeps
from itda.referrals.models import Referral
from itda.referrals.tests.factories import make_person, send

SENT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LATER = SENT + timedelta(hours=25)  # past the first hop's deadline of a crisis referral


def _count_calls(monkeypatch, module, name: str) -> list:
    """Wrap the real function so each call is counted with its moment (the sweep still runs on the real database)."""
    calls: list = []
    real = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(kwargs["now"])
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def _sweeps(*extra: str) -> str:
    output = io.StringIO()
    call_command("run_sweeps", "--now", LATER.isoformat(), "--simulate", *extra, stdout=output)
    return output.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(("arguments", "passes"), [((), 1), (("--loop", "--iterations", "3", "--interval", "0"), 3)])
def test_every_sweep_runs_once_per_pass_for_the_same_moment(cast, monkeypatch, arguments, passes):
    checkins = _count_calls(monkeypatch, cycle, "run_cycle")
    referrals = _count_calls(monkeypatch, run_sweeps, "sweep_overdue_referrals")
    purges = _count_calls(monkeypatch, run_sweeps, "purge_withdrawn_self_checks")

    output = _sweeps(*arguments)

    assert checkins == referrals == purges == [LATER] * passes
    assert output.count("referrals_alerted=") == output.count("self_checks_purged=") == passes


@pytest.mark.django_db
def test_an_overdue_referral_is_alerted_once_however_many_passes_run(cast):
    send(cast, make_person(), now=SENT, risk=Referral.Risk.CRISIS)

    output = _sweeps("--loop", "--iterations", "2", "--interval", "0")

    assert CareTask.objects.filter(kind=CareTask.Kind.REFERRAL_OVERDUE).count() == 2  # the receiving and sending team
    assert "referrals_alerted=1 referral_tasks=2" in output
    assert "referrals_alerted=0 referral_tasks=0" in output


@pytest.mark.django_db
def test_one_failing_sweep_does_not_stop_the_others_and_a_single_pass_reports_it(cast, monkeypatch):
    def broken(*, now):
        raise RuntimeError("the referral tables are locked")

    monkeypatch.setattr(run_sweeps, "sweep_overdue_referrals", broken)
    purges = _count_calls(monkeypatch, run_sweeps, "purge_withdrawn_self_checks")

    with pytest.raises(CommandError, match="a sweep failed"):
        _sweeps()
    looping = _sweeps("--loop", "--iterations", "2", "--interval", "0")

    assert purges == [LATER] * 3
    assert looping.count("self_checks_purged=") == 2


@pytest.mark.django_db
def test_the_check_in_command_runs_only_the_check_in_cycle(ai_plan, monkeypatch):
    referrals = _count_calls(monkeypatch, run_sweeps, "sweep_overdue_referrals")
    output = io.StringIO()

    call_command("run_checkin_cycle", "--now", "2026-09-15T10:00:00+09:00", "--simulate", stdout=output)

    assert referrals == []
    assert "stall_alerts=0" in output.getvalue()


@pytest.mark.django_db
def test_zero_iterations_is_refused():
    with pytest.raises(CommandError, match="--iterations must be at least 1"):
        _sweeps("--loop", "--iterations", "0")
