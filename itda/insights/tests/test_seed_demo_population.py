"""manage.py seed_demo_population --demo: the demo's synthetic population, feeds, scores and 관악구 outreach, safe to rerun."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

import analytics
from itda.cases.models import CareTask
from itda.insights.models import IngestBatch, ScoreRun


def _seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo_population", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_the_demo_is_seeded_once_and_a_second_run_changes_nothing(population_dir, cast):
    first = _seed("--demo", "--households", "10000", "--as-of", "2026-03-01")
    tasks = CareTask.objects.count()

    second = _seed("--demo", "--households", "10000")

    run = ScoreRun.objects.get()
    assert IngestBatch.objects.count() == len(analytics.FEEDS)
    assert IngestBatch.objects.get(feed="TELECOM_ARREARS").rows_rejected == 4
    # Only the people living alone are scored.
    assert (run.as_of_date.isoformat(), run.population_households, run.is_synthetic) == ("2026-03-01", 10_000, True)
    assert 3_000 < run.households_scored < 5_000
    assert tasks == run.entries.filter(district__code="11620").count()
    assert set(CareTask.objects.values_list("team", flat=True)) == {cast.home_team.pk}
    assert CareTask.objects.count() == tasks
    assert "합성 데이터 (synthetic): 가구 10,000개" in first
    assert f"관악구 방문·연락 업무 (outreach tasks): 새로 {tasks}" in first
    assert "합성 인구가 이미 있습니다" in second
    assert "관악구 방문·연락 업무 (outreach tasks): 새로 0" in second


@pytest.mark.django_db
def test_the_demo_refuses_to_run_without_demo_or_without_a_welfare_centre_team(population_dir):
    with pytest.raises(CommandError) as not_demo:
        _seed()
    with pytest.raises(CommandError) as no_team:
        _seed("--demo", "--households", "10000", "--as-of", "2026-03-01")

    assert str(not_demo.value).startswith("데모 데이터베이스에서만 실행하세요")
    assert "seed_demo_accounts --demo" in str(no_team.value)
