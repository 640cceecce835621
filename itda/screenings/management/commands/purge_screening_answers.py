"""Scheduled sweep: delete self-check results whose save consent was withdrawn (see screenings.models)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from itda.screenings.services import purge_withdrawn_self_checks


class Command(BaseCommand):
    help = "저장 동의를 철회한 자가진단 결과를 보존 기한이 지나면 지웁니다. Purge withdrawn self-check results."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None, help="retention after withdrawal (default ITDA_SCREENING_PURGE_DAYS or 30)"
        )

    def handle(self, *args, days: int | None, **options):
        report = purge_withdrawn_self_checks(now=timezone.now(), retention_days=days)
        deleted, people = report.results_deleted, report.people
        self.stdout.write(f"지운 결과 {deleted}건 · {people}명 (deleted {deleted} results of {people} people)")
