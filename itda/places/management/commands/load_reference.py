"""Validate and load districts, dongs, boundaries, district indicators and median income."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from itda.places.services import ReferenceDataError, load_reference_data


class Command(BaseCommand):
    help = "기준정보(자치구·행정동 경계, 지표, 기준 중위소득)를 검증하고 한 번에 적재합니다. Load the reference data."

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir", type=Path, default=None, help="folder holding boundaries/, reference/ and district_indicators/"
        )

    def handle(self, *args, data_dir: Path | None, **options):
        data_dir = data_dir or settings.ITDA_DATA_DIR
        try:
            report = load_reference_data(data_dir=data_dir)
        except ReferenceDataError as error:
            for problem in error.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(
                f"기준정보를 적재하지 않았습니다: 문제 {len(error.problems)}건 (nothing loaded: {len(error.problems)} problem(s))"
            ) from None
        self.stdout.write(
            f"자치구 {report.districts} · 행정동 {report.dongs} (경계 {report.dongs_with_boundary}) · "
            f"지표 {report.indicators} · 기준 중위소득 {report.median_incomes}"
        )
        for line in report.mismatches:
            self.stdout.write(f"  불일치 (mismatch): {line}")
