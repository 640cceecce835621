"""any_due: the every-minute "is there anything to do" read of the sweeps."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import connection

from itda.contacts.models import ContactLog
from itda.lib.sweeps import any_due
from itda.programs.hours import SEOUL

MOMENT = datetime(2026, 9, 15, 10, 0, tzinfo=SEOUL)


@pytest.mark.django_db
def test_any_due_tells_whether_the_filtered_rows_exist_whatever_their_order(cast):
    for minutes in (30, 10, 20):
        ContactLog.objects.create(
            team=cast.home_team,
            channel="AI_CALL",
            direction="OUTBOUND",
            outcome="REACHED",
            started_at=MOMENT + timedelta(minutes=minutes),
        )
    rows = ContactLog.objects.filter(channel="AI_CALL")

    assert any_due(rows.filter(started_at__lte=MOMENT + timedelta(minutes=10)), by="started_at")
    assert any_due(rows.filter(started_at__gt=MOMENT + timedelta(minutes=29)), by="started_at")
    assert not any_due(rows.filter(started_at__lt=MOMENT + timedelta(minutes=10)), by="started_at")
    assert not any_due(ContactLog.objects.filter(channel="SMS"), by="started_at")


@pytest.mark.django_db
def test_any_due_reads_one_row_in_the_order_of_the_given_column(cast, django_assert_num_queries):
    rows = ContactLog.objects.filter(channel="AI_CALL", started_at__lte=MOMENT)

    with django_assert_num_queries(1) as captured:
        any_due(rows, by="started_at")

    sql = captured.captured_queries[0]["sql"]
    started_at = connection.ops.quote_name("started_at")
    assert "ORDER BY" in sql and started_at in sql.split("ORDER BY")[1] and "LIMIT 1" in sql
