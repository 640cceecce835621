"""manage.py purge_score_runs: runs past retention go with their worklists; the newest run and outreach tasks stay."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from itda.cases.models import CareTask
from itda.insights.models import ScoreRun, TierCount, WorklistEntry
from itda.insights.services import send_worklist
from itda.insights.tests.factories import NOW, scored_world
from itda.places.models import District


@pytest.mark.django_db
def test_runs_past_retention_are_purged_but_the_newest_run_and_the_tasks_stay(population_dir, cast):
    old = scored_world(population_dir)
    send_worklist(actor=cast.social_worker, run=old, district=District.objects.get(code="11620"), now=NOW)
    ScoreRun.objects.filter(pk=old.pk).update(finished_at=NOW - dt.timedelta(days=800))
    newest = ScoreRun.objects.create(
        input_key="newer",
        population_sha256="x",
        population_households=5,
        as_of_date=NOW.date(),
        model=old.model,
        status="DONE",
        started_at=NOW,
        finished_at=NOW,
    )
    output = io.StringIO()

    call_command("purge_score_runs", stdout=output)

    assert list(ScoreRun.objects.values_list("pk", flat=True)) == [newest.pk]
    assert (WorklistEntry.objects.count(), TierCount.objects.count()) == (0, 0)
    assert CareTask.objects.count() == 3
    assert "점수 실행 1개를 지웠습니다" in output.getvalue()
