"""manage.py score_population --as-of DATE [--model VERSION] [--open-tasks]: risk scores, tier counts, worklists."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from itda.insights import services
from itda.insights.files import PopulationMissing
from itda.insights.management.progress import parse_date, step_bar
from itda.insights.models import ScoreRun
from itda.insights.queries import run_tiers
from itda.places.models import District

STEPS = {"read": "읽기", "score": "점수 계산", "worklist": "명단", "store": "저장"}


def run_summary(run: ScoreRun, *, created: bool) -> str:
    # The model's tier order, highest first (PostgreSQL's jsonb does not keep the keys' order).
    tiers = " · ".join(f"{tier} {run.tier_totals.get(tier, 0):,}" for tier in run_tiers(run))
    state = "새로 계산" if created else "같은 입력의 기존 결과 (same inputs: existing run)"
    synthetic = " · 합성 데이터 (synthetic)" if run.is_synthetic else ""
    return (
        f"점수 실행 #{run.pk} ({state}): 기준일 {run.as_of_date} · 모델 {run.model.version} · 신호 묶음 {len(run.batch_ids)}개 · "
        f"1인 가구 {run.households_scored:,} (전체 {run.population_households:,}가구 중) · {tiers} · 명단 {run.worklist_size:,} "
        f"(이미 관리 중이거나 열린 사례라 제외 {run.excluded_households:,}){synthetic}"
    )


def send_worklists(command: BaseCommand, run: ScoreRun, codes: list[str]) -> None:
    districts = District.objects.defer("boundary_geojson").order_by("code")
    if codes:
        districts = districts.filter(code__in=codes)
        missing = sorted(set(codes) - set(districts.values_list("code", flat=True)))
        if missing:
            raise CommandError(f"없는 자치구 코드입니다: {', '.join(missing)} (unknown district codes)")
    created = already = 0
    for district in districts:
        try:
            result = services.send_worklist(actor=None, run=run, district=district, now=timezone.now())
        except services.OutreachRefused as error:
            command.stderr.write(f"  {district.name}: {error}")
            continue
        created += result.created
        already += result.already_open
        if result.created or result.already_open or result.without_team:
            command.stdout.write(
                f"  {district.name}: 새 방문·연락 업무 {result.created:,} · 이미 열린 업무 {result.already_open:,}"
                + (f" · 받을 팀 없음 {result.without_team:,}" if result.without_team else "")
            )
    command.stdout.write(f"방문·연락 업무 (outreach tasks): 새로 {created:,} · 이미 있음 {already:,}")


class Command(BaseCommand):
    help = (
        "합성(또는 추출한) 인구의 위기 점수를 기준일로 계산해 등급별 집계와 동·구별 명단을 저장합니다; 같은 입력이면 기존 결과. "
        "Score the population as of a date; store tier counts and ranked worklists (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", required=True, help="YYYY-MM-DD")
        parser.add_argument("--model", default=None, help="risk model version (default: the newest)")
        parser.add_argument("--tiers", default=",".join(services.DEFAULT_LISTED_TIERS), help="tiers put on the worklist")
        parser.add_argument("--open-tasks", action="store_true", help="send the worklists as outreach tasks")
        parser.add_argument(
            "--district", action="append", default=[], help="with --open-tasks: only this district code (repeatable)"
        )

    def handle(self, *args, as_of: str, model: str | None, tiers: str, open_tasks: bool, district: list[str], **options):
        as_of_date = parse_date(as_of, option="--as-of")
        listed = [tier.strip().upper() for tier in tiers.split(",") if tier.strip()]
        started = time.perf_counter()
        try:
            with step_bar("위기 점수 (risk scores)", STEPS) as progress:
                outcome = services.score_population(
                    as_of=as_of_date, now=timezone.now(), model_version=model, tiers=listed, progress=progress, clock=timezone.now
                )
        except (PopulationMissing, services.RiskModelInvalid, services.ScoringFailed) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{run_summary(outcome.run, created=outcome.created)} · {time.perf_counter() - started:.1f}초")
        if open_tasks:
            send_worklists(self, outcome.run, district)
