"""manage.py ingest_signals FILE --feed FEED [--as-of DATE]: validate a feed, keep the good rows, report the bad."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

import analytics
from itda.insights import services
from itda.insights.files import PopulationMissing
from itda.insights.management.progress import parse_date, step_bar
from itda.insights.models import IngestBatch

STEPS = {
    "checksum": "검사합",
    "read": "읽기",
    "validate": "형식 검사",
    "households": "가구 대조",
    "write": "Parquet 쓰기",
}
SHOWN_PROBLEMS = 50
DUPLICATE_EXIT = 3


def print_report(command: BaseCommand, result: services.IngestResult, path: Path) -> None:
    """The validation report: file, line, column, reason (Korean first), then what was kept."""
    batch = result.batch
    for problem in result.problems[:SHOWN_PROBLEMS]:
        where = f"{path.name}:{problem.line}" if problem.line is not None else path.name
        column = f" [{problem.column}]" if problem.column else ""
        value = f" (값 value: {problem.value!r})" if problem.value is not None else ""
        command.stderr.write(f"  {where}{column} {problem.reason}{value}")
    if len(result.problems) > SHOWN_PROBLEMS:
        command.stderr.write(
            f"  … 외 {len(result.problems) - SHOWN_PROBLEMS:,}건 (and {len(result.problems) - SHOWN_PROBLEMS:,} more; "
            f"the first {IngestBatch.STORED_PROBLEMS:,} are stored in batch #{batch.pk})"
        )


STATUS_WORDS = {
    IngestBatch.Status.LOADED: "적재 완료 (loaded)",
    IngestBatch.Status.PARTIAL: "일부 적재 (good rows loaded, bad rows reported)",
    IngestBatch.Status.REJECTED: "거부 (rejected)",
}


def summary(batch: IngestBatch) -> str:
    return (
        f"{batch.feed} 묶음 #{batch.pk} {STATUS_WORDS[batch.status]}: 읽음 {batch.rows_read:,} · 적재 {batch.rows_kept:,} · "
        f"거부 {batch.rows_rejected:,} · 문제 {batch.problem_count:,} (read/kept/rejected/problems) · 기준일 {batch.as_of_date}"
    )


class Command(BaseCommand):
    help = (
        "행정 신호 피드(CSV·Parquet)를 검증해 올바른 행만 적재하고 문제(파일·줄·열·이유)를 보고합니다. "
        "Ingest a signal feed: good rows kept, bad rows reported, nothing half-loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--feed", required=True, help=", ".join(analytics.FEEDS))
        parser.add_argument("--as-of", default=None, help="the feed's extraction date, YYYY-MM-DD (default: today)")

    def handle(self, *args, file: Path, feed: str, as_of: str | None, **options):
        if feed not in analytics.FEEDS:
            raise CommandError(f"알 수 없는 피드입니다: {feed} (unknown feed; expected one of {', '.join(analytics.FEEDS)})")
        if not file.is_file():
            raise CommandError(f"파일이 없습니다: {file} (no such file)")
        as_of_date = parse_date(as_of, option="--as-of") if as_of else timezone.localdate()
        started = time.perf_counter()
        try:
            with step_bar(f"{feed} 적재 (ingest)", STEPS) as progress:
                result = services.ingest_signal_file(
                    path=file, feed=feed, as_of=as_of_date, now=timezone.now(), progress=progress
                )
        except services.DuplicateBatch as error:
            raise CommandError(str(error), returncode=DUPLICATE_EXIT) from None
        except PopulationMissing as error:
            raise CommandError(str(error)) from None
        print_report(self, result, file)
        batch = result.batch
        if batch.status == IngestBatch.Status.REJECTED:
            raise CommandError(f"아무것도 적재하지 않았습니다 (nothing loaded): {summary(batch)}")
        self.stdout.write(f"{summary(batch)} · {time.perf_counter() - started:.1f}초")
