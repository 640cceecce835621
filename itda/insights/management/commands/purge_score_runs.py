"""manage.py purge_score_runs: the retention job for worklists (runs finished more than two years ago)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from itda.insights import services


class Command(BaseCommand):
    help = (
        "2년이 지난 점수 실행과 그 명단·집계를 지웁니다 (가장 최근 실행은 남김). "
        "Purge score runs, their worklists and counts, older than the retention period."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=services.RUN_RETENTION_DAYS, help="retention in days (default 730)")

    def handle(self, *args, days: int, **options):
        deleted = services.purge_score_runs(now=timezone.now(), retention_days=max(days, 1))
        self.stdout.write(f"점수 실행 {deleted}개를 지웠습니다 (score runs purged: {deleted})")
