"""manage.py synth --households N --seed S [--out DIR]: write synthetic Seoul as Parquet."""

from __future__ import annotations

import time
from pathlib import Path

import polars as pl
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

import analytics
from itda.insights import files, services
from itda.insights.management.progress import megabytes, step_bar

GENERATOR_LABELS = {
    "districts": "자치구별 가구 수",
    "dongs": "행정동",
    "sizes": "가구원 수",
    "ages": "나이",
    "sex": "성별",
    "disability": "장애",
    "recipients": "기초생활보장 수급",
    "income": "소득",
    "housing": "주거 형태",
    "tenure": "점유 형태",
    "frame": "표 만들기",
}
# One bar step per generator step, so the long generation moves the bar too (a call per step, never per row).
STEPS = {
    "calibrate": "보정값 읽기",
    **{f"generate:{step}": f"가구 생성: {GENERATOR_LABELS[step]}" for step in analytics.GENERATOR_STEPS},
    "write": "Parquet 쓰기",
    "manifest": "목록 쓰기",
}


class Command(BaseCommand):
    help = (
        "합성 서울 가구(1만–1천만)를 만들어 households.parquet와 manifest.json으로 씁니다. 같은 seed면 같은 결과. "
        "Generate synthetic Seoul households (reproducible for a seed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, required=True, help="10,000–10,000,000 (Seoul ≈ 4.1 M general households)")
        parser.add_argument("--seed", type=int, required=True)
        parser.add_argument("--out", type=Path, default=None, help="folder (default: var/population/)")
        parser.add_argument("--income-year", type=int, default=None, help="median-income year (default: the latest loaded)")

    def handle(self, *args, households: int, seed: int, out: Path | None, income_year: int | None, **options):
        folder = out or files.population_dir()
        started = time.perf_counter()
        try:
            with step_bar("합성 서울 (synthetic Seoul)", STEPS) as progress:
                manifest = services.synthesize_population(
                    households=households,
                    seed=seed,
                    now=timezone.now(),
                    folder=folder,
                    income_year=income_year,
                    progress=progress,
                )
        except (ValueError, analytics.CalibrationError) as error:
            raise CommandError(f"합성 가구를 만들지 못했습니다 (synth failed): {error}") from None
        seconds = time.perf_counter() - started
        one_person = (
            pl.scan_parquet(manifest.households_path).filter(pl.col("household_size") == 1).select(pl.len()).collect().item()
        )
        self.stdout.write(
            f"합성 데이터 (synthetic): 가구 {manifest.households:,}개, 1인가구 {one_person:,}개 "
            f"({100 * one_person / manifest.households:.1f} %) · seed {seed} · 기준 중위소득 {manifest.income_year}년 · "
            f"지표 {manifest.indicator_year}년\n"
            f"  {manifest.households_path} ({megabytes(manifest.households_bytes)}), "
            f"{folder / files.MANIFEST_FILE} · {seconds:.1f}초"
        )
        if out is not None and Path(out).resolve() != files.population_dir().resolve():
            self.stdout.write(
                f"  참고: 다른 명령은 {files.population_dir()}을(를) 읽습니다 (ITDA_POPULATION_DIR) "
                "(note: the other commands read the configured population folder)"
            )
