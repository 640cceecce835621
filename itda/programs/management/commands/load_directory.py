"""Load the programme directory (programmes, sites, hours, rules, fees) from a JSON file."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from itda.programs.services import DirectoryFileError, load_directory


class Command(BaseCommand):
    help = "프로그램 목록을 JSON 파일에서 적재합니다. Load the programme directory."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", type=Path, default=None)

    def handle(self, *args, path: Path | None, **options):
        path = path or settings.ITDA_DATA_DIR / "programs" / "seoul.json"
        try:
            report = load_directory(path=path)
        except DirectoryFileError as error:
            for problem in error.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(f"프로그램 목록을 적재하지 않았습니다: 문제 {len(error.problems)}건 (nothing loaded)") from None
        self.stdout.write(
            f"분야 {report.needs} · 운영기관 {report.providers} · 프로그램 {report.programs} · "
            f"장소 {report.sites} · 규칙 {report.rules} · 요금 {report.fees}"
        )
