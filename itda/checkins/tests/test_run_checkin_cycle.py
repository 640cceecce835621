"""The run_checkin_cycle command: one pass for a given moment, clear errors for bad options."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from itda.checkins.models import DueContact


@pytest.mark.django_db
def test_one_pass_with_the_simulator_calls_everyone_due_and_reports_the_counts(ai_plan):
    output = io.StringIO()

    call_command(
        "run_checkin_cycle",
        "--now",
        "2026-09-15T10:00:00+09:00",
        "--simulate",
        "--no-answer-rate",
        "0",
        "--lapsed-rate",
        "0",
        "--concern-rate",
        "0",
        "--self-harm-rate",
        "0",
        stdout=output,
    )

    assert output.getvalue().startswith("2026-09-15T10:00:00+09:00 scheduled=1 dialled=1 retried=0 expired=0")
    assert DueContact.objects.get().outcome == "ANSWERED"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--now", "2026-09-15T10:00"], "--now needs a time zone"),
        (["--now", "next tuesday"], "--now must be an ISO 8601 moment"),
        (["--simulate", "--no-answer-rate", "1.5"], "rates must be between 0 and 1"),
        (["--batch-size", "0"], "--batch-size must be at least 1"),
    ],
)
def test_bad_options_are_refused_with_a_message(arguments, message):
    with pytest.raises(CommandError) as error:
        call_command("run_checkin_cycle", *arguments, stdout=io.StringIO())

    assert message in str(error.value)
