"""manage.py synth_signals: demo feeds for the synthetic population, written as files and ingested like real ones."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

import analytics
from itda.insights.models import IngestBatch


def _run(command: str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_demo_feeds_are_written_as_csv_files_and_ingested_one_batch_per_feed(population_dir):
    _run("synth", "--households", "10000", "--seed", "5")

    output, errors = _run("synth_signals", "--as-of", "2026-03-01", "--seed", "5", "--bad-rows", "2")

    batches = IngestBatch.objects.order_by("pk")
    assert [batch.feed for batch in batches] == list(analytics.FEEDS)
    assert {batch.source for batch in batches} == {"synth_signals"}
    assert sorted(path.name for path in (population_dir / "feeds" / "2026-03-01").iterdir()) == sorted(
        f"{feed.lower()}.csv" for feed in analytics.FEEDS
    )
    telecom = batches.get(feed="TELECOM_ARREARS")
    assert (telecom.status, telecom.rows_rejected) == ("PARTIAL", 2)
    assert [problem["column"] for problem in telecom.problems] == ["signal_date", "months_in_arrears"]
    assert "telecom_arrears.csv:" in errors
    assert "합성 데이터 (synthetic) 피드 11개" in output


@pytest.mark.django_db
def test_running_it_again_loads_nothing_twice(population_dir):
    _run("synth", "--households", "10000", "--seed", "5")
    _run("synth_signals", "--as-of", "2026-03-01", "--seed", "5", "--format", "parquet")

    output, _errors = _run("synth_signals", "--as-of", "2026-03-01", "--seed", "5", "--format", "parquet")

    assert IngestBatch.objects.count() == len(analytics.FEEDS)
    assert output.count("이미 적재한 파일입니다") == len(analytics.FEEDS)
