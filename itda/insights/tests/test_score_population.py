"""manage.py score_population: exact scores, tier counts per district and dong, ranked worklists, idempotent reruns,
de-duplication against people the care team already knows, and outreach tasks opened once."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from itda.accounts.models import Team
from itda.cases.models import CareTask, CaseAssignment
from itda.cases.services import open_task
from itda.households.tests.factories import monitored
from itda.insights.models import ScoreRun, TierCount, WorklistEntry
from itda.insights.tests.factories import AS_OF, BORAMAE, NOW, SILLIM, load_feeds, write_population
from itda.people.models import Person
from itda.places.models import District, Dong
from itda.referrals.tests.factories import send


def _score(*args: str) -> str:
    out = io.StringIO()
    call_command("score_population", "--as-of", AS_OF.isoformat(), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def world(population_dir):
    write_population(population_dir)
    load_feeds(population_dir)
    return population_dir


def _worklist(run=None):
    run = run or ScoreRun.objects.get(status="DONE")
    return [
        (entry.household_id, entry.rank_in_district, entry.rank_in_dong, entry.score, entry.tier, entry.was_unreachable)
        for entry in WorklistEntry.objects.filter(run=run).order_by("district__code", "rank_in_district")
    ]


def _counts(run, *, district: str, dong: str | None = None) -> dict[str, int]:
    rows = TierCount.objects.filter(run=run, district__code=district)
    rows = rows.filter(dong__code=dong) if dong else rows.filter(dong__isnull=True)
    return dict(rows.values_list("tier", "households"))


@pytest.mark.django_db
def test_scoring_stores_exact_scores_tiers_top_signals_and_counts(world):
    output = _score()

    run = ScoreRun.objects.get()
    assert (run.status, run.households_scored, run.worklist_size, run.excluded_households) == ("DONE", 4, 3, 0)
    # Household 4 lives with two others: discovery scores people living alone only.
    assert (run.population_households, run.tier_totals) == (5, {"HIGH": 2, "MEDIUM": 1, "LOW": 1, "NONE": 0})
    assert _worklist(run) == [
        (3, 1, 1, Decimal("46.00"), "HIGH", False),
        (1, 2, 1, Decimal("44.00"), "HIGH", False),
        (2, 3, 2, Decimal("26.00"), "MEDIUM", False),
    ]
    assert WorklistEntry.objects.get(household_id=1).signals == [
        {"code": "NO_PHONE_ACTIVITY", "points": 30.0},
        {"code": "AGED_65_LIVING_ALONE", "points": 10.0},
        {"code": "LIVING_ALONE", "points": 4.0},
    ]
    assert _counts(run, district="11620") == {"HIGH": 2, "MEDIUM": 1, "LOW": 0, "NONE": 0}
    assert _counts(run, district="11440") == {"HIGH": 0, "MEDIUM": 0, "LOW": 1, "NONE": 0}
    assert _counts(run, district="11620", dong=BORAMAE) == {"HIGH": 1, "MEDIUM": 1, "LOW": 0, "NONE": 0}
    assert _counts(run, district="11620", dong=SILLIM) == {"HIGH": 1, "MEDIUM": 0, "LOW": 0, "NONE": 0}
    assert (
        f"점수 실행 #{run.pk} (새로 계산): 기준일 2026-03-01 · 모델 2026.1-default · 신호 묶음 6개 · 1인 가구 4 (전체 5가구 중)"
        in output
    )
    assert "HIGH 2 · MEDIUM 1 · LOW 1 · NONE 0 · 명단 3" in output


@pytest.mark.django_db
def test_rerunning_the_same_inputs_returns_the_same_run_and_writes_nothing(world):
    _score()
    first = ScoreRun.objects.get()

    output = _score()

    assert list(ScoreRun.objects.values_list("pk", flat=True)) == [first.pk]
    assert WorklistEntry.objects.count() == 3
    assert TierCount.objects.count() == 4 * (2 + 3)  # four tiers × (two districts + three dongs)
    assert f"점수 실행 #{first.pk} (같은 입력의 기존 결과 (same inputs: existing run))" in output


@pytest.mark.django_db
def test_a_new_batch_gives_a_new_run(world):
    _score()

    load_feeds(world, {"HOSPITAL_STAY": "household_id,signal_date,days\n5,2026-02-20,20\n"})
    _score()

    runs = list(ScoreRun.objects.order_by("pk"))
    assert [run.status for run in runs] == ["DONE", "DONE"]
    assert len(runs[1].batch_ids) == len(runs[0].batch_ids) + 1
    # Household 5 (마포구, sorted first): 20 + a 20-day hospital stay 9 days ago, (8 + 4) × 0.5^(9/90) = 11.2 → MEDIUM.
    assert _worklist(runs[1])[0] == (5, 1, 1, Decimal("31.20"), "MEDIUM", False)


@pytest.mark.django_db
def test_the_listed_tiers_can_include_low(world):
    _score("--tiers", "HIGH,MEDIUM,LOW")

    assert [row[0] for row in _worklist()] == [5, 3, 1, 2]


@pytest.mark.django_db
def test_an_unknown_tier_or_model_version_is_refused_in_korean_first(world):
    with pytest.raises(CommandError) as tier:
        _score("--tiers", "URGENT")
    with pytest.raises(CommandError) as model:
        _score("--model", "1999.1")

    assert str(tier.value).startswith("모델 2026.1-default에 없는 등급입니다: URGENT")
    assert str(model.value).startswith("위험 모델 버전 1999.1이(가) 없습니다")
    assert ScoreRun.objects.filter(status="DONE").count() == 0


def _known_by_monitoring(cast):
    person = monitored(cast, name="가상 주민 노을", dong_name="신림동")
    person.household_ref = "3"
    person.save()


def _known_by_open_outreach(cast):
    open_task(
        actor=cast.social_worker,
        team=cast.home_team,
        kind="OUTREACH",
        title="가구 3 확인",
        due_at=NOW,
        now=NOW,
        household_ref="3",
    )


def _known_by_assignment(cast):
    person = Person.objects.create(name="가상 주민 아침", district=District.objects.get(code="11620"), household_ref="3")
    CaseAssignment.objects.create(person=person, worker=cast.social_worker, team=cast.home_team, role="LEAD", start_at=NOW)


def _known_by_referral(cast):
    person = Person.objects.create(name="가상 주민 저녁", district=District.objects.get(code="11620"), household_ref="3")
    send(cast, person, now=NOW)


@pytest.mark.django_db
@pytest.mark.parametrize("known_by", [_known_by_monitoring, _known_by_open_outreach, _known_by_assignment, _known_by_referral])
def test_a_household_already_monitored_or_in_an_open_case_is_left_off_the_worklist(world, cast, known_by):
    known_by(cast)

    _score()

    run = ScoreRun.objects.get()
    assert [row[0] for row in _worklist(run)] == [1, 2]
    assert run.excluded_households == 1


@pytest.mark.django_db
def test_open_tasks_opens_one_outreach_task_per_household_for_the_welfare_centre_once(world, cast):
    dong_team = Team.objects.create(
        name="가상 신림동 주민센터",
        kind=Team.Kind.DONG_CENTRE,
        district=cast.home_team.district,
        dong=Dong.objects.get(code=SILLIM),
    )

    first = io.StringIO()
    call_command("score_population", "--as-of", AS_OF.isoformat(), "--open-tasks", stdout=first, stderr=io.StringIO())
    again = io.StringIO()
    call_command("score_population", "--as-of", AS_OF.isoformat(), "--open-tasks", stdout=again, stderr=io.StringIO())

    tasks = list(CareTask.objects.order_by("household_ref"))
    assert [(t.household_ref, t.kind, t.team, t.priority, t.dedupe_key) for t in tasks] == [
        ("1", "OUTREACH", cast.home_team, CareTask.Priority.HIGH, "outreach:2026-03-01:1"),
        ("2", "OUTREACH", cast.home_team, CareTask.Priority.NORMAL, "outreach:2026-03-01:2"),
        ("3", "OUTREACH", dong_team, CareTask.Priority.HIGH, "outreach:2026-03-01:3"),
    ]
    assert tasks[0].due_at == tasks[0].created_at + dt.timedelta(days=7)
    assert "합성 데이터 (synthetic data)" in tasks[0].detail
    assert "휴대전화 사용 없음 30점" in tasks[0].detail
    assert set(WorklistEntry.objects.values_list("task__household_ref", flat=True)) == {"1", "2", "3"}
    assert "방문·연락 업무 (outreach tasks): 새로 3 · 이미 있음 0" in first.getvalue()
    assert "방문·연락 업무 (outreach tasks): 새로 0 · 이미 있음 0" in again.getvalue()


@pytest.mark.django_db
def test_a_district_without_a_welfare_centre_team_is_reported_not_failed(world):
    output = io.StringIO()
    errors = io.StringIO()

    call_command("score_population", "--as-of", AS_OF.isoformat(), "--open-tasks", stdout=output, stderr=errors)

    assert CareTask.objects.count() == 0
    assert "관악구: 관악구에 명단을 받을 복지센터 팀이 없습니다" in errors.getvalue()


@pytest.mark.django_db
def test_no_population_is_refused_with_the_command_to_run_first(population_dir):
    with pytest.raises(CommandError) as refused:
        _score()

    assert "먼저 'manage.py synth --households 50000 --seed 2026'을 실행하세요" in str(refused.value)


@pytest.mark.django_db
def test_a_missing_batch_file_fails_the_run_with_the_reason_and_keeps_no_result(world):
    from itda.insights.models import IngestBatch

    batch = IngestBatch.objects.get(feed="JOB_LOSS")
    (world / batch.path).unlink()

    with pytest.raises(CommandError) as failed:
        _score()

    run = ScoreRun.objects.get()
    assert run.status == "FAILED"
    assert run.error.startswith(f"묶음 #{batch.pk}의 파일")
    assert str(failed.value) == run.error
    assert (WorklistEntry.objects.count(), TierCount.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_a_rerun_after_a_household_is_enrolled_in_monitoring_is_a_new_run_without_it(world, cast):
    _score()
    first = ScoreRun.objects.get()
    _known_by_monitoring(cast)

    output = _score()

    second = ScoreRun.objects.exclude(pk=first.pk).get()
    assert [row[0] for row in _worklist(first)] == [3, 1, 2]
    assert [row[0] for row in _worklist(second)] == [1, 2]
    assert second.excluded_households == 1
    assert "(새로 계산)" in output


@pytest.mark.django_db
def test_a_rerun_after_the_known_households_change_back_is_not_the_older_stale_run(world, cast):
    from itda.insights.services import record_outreach_outcome

    _score()
    task, _created = open_task(
        actor=cast.social_worker,
        team=cast.home_team,
        kind="OUTREACH",
        title="가구 3 확인",
        due_at=NOW,
        now=NOW,
        household_ref="3",
    )
    _score()
    record_outreach_outcome(actor=cast.social_worker, task=task, outcome="REACHED", now=NOW)

    _score()
    _score()

    # Open case for 3 (run 2 leaves it off), closed again: the same sets as run 1, but run 1 is older than
    # run 2, so a third run lists 3 again and the fourth call returns that third run.
    runs = list(ScoreRun.objects.order_by("pk"))
    assert [[row[0] for row in _worklist(run)] for run in runs] == [[3, 1, 2], [1, 2], [3, 1, 2]]
    assert len({run.input_key for run in runs}) == 3
