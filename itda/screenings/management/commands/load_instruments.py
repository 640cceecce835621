"""Check the instrument and triage files and keep a frozen copy of every instrument version."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from itda.screenings.scoring import InstrumentDefinitionError
from itda.screenings.services import InstrumentChanged, load_instruments


class Command(BaseCommand):
    help = "검사 도구와 분류 규칙 파일을 확인하고 버전별 사본을 저장합니다. Load screening instruments."

    def handle(self, *args, **options):
        try:
            report = load_instruments(now=timezone.now())
        except InstrumentDefinitionError as error:
            raise CommandError(f"검사 정의 파일이 잘못되었습니다 (malformed definition): {error}") from None
        except InstrumentChanged as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"검사 버전 {report.instruments} (새로 저장 {report.created}) · 분류 규칙 {report.rule_sets}")
        if report.unknown_programs:
            raise CommandError(
                f"목록에 없는 프로그램 (programmes missing from the directory): {', '.join(report.unknown_programs)}"
            )
