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


@pytest.mark.django_db(transaction=True)
def test_a_loop_starts_each_pass_on_a_connection_younger_than_conn_max_age(cast):
    """With CONN_MAX_AGE 0 every pass reconnects: a dead or old connection never outlives a pass."""
    from django.db import connection
    from django.db.backends.signals import connection_created

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("Django never closes an in-memory SQLite database: closing it would drop it")
    opened = []

    def count(sender, connection, **kwargs):
        opened.append(connection.alias)

    connection_created.connect(count)
    max_age = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = 0
    connection.close()  # the next connection is opened under CONN_MAX_AGE 0
    try:
        call_command("run_checkin_cycle", "--loop", "--iterations", "3", "--interval", "0.01", "--simulate", stdout=io.StringIO())
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = max_age
        connection_created.disconnect(count)
    assert opened.count("default") >= 3  # one per pass
