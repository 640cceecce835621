"""manage.py synth_signals --as-of DATE --seed S: demo feeds for the synthetic population, ingested like real ones."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

import analytics
from itda.insights import services
from itda.insights.files import PopulationMissing
from itda.insights.management.commands.ingest_signals import print_report, summary
from itda.insights.management.progress import parse_date, step_bar
from itda.insights.models import IngestBatch


class Command(BaseCommand):
    help = (
        "합성 인구에 맞는 데모 신호 피드를 파일로 쓰고, 실제 피드와 같은 경로로 적재합니다. "
        "Write demo signal feeds for the synthetic population and ingest them through the same path."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", required=True, help="YYYY-MM-DD: every event is dated on or before it")
        parser.add_argument("--seed", type=int, required=True)
        parser.add_argument("--format", dest="file_format", choices=["csv", "parquet"], default="csv")
        parser.add_argument(
            "--bad-rows", type=int, default=0, help="malformed lines added to the telecom feed (CSV), to show the report"
        )

    def handle(self, *args, as_of: str, seed: int, file_format: str, bad_rows: int, **options):
        as_of_date = parse_date(as_of, option="--as-of")
        started = time.perf_counter()
        # One bar step for writing the files, then one per feed ingested.
        steps = {"write": "피드 파일 쓰기", **{feed: f"{feed} 적재" for feed in analytics.FEEDS}}
        rejected = 0
        with step_bar("합성 신호 피드 (synthetic feeds)", steps) as progress:
            try:
                written = services.write_demo_feeds(
                    as_of=as_of_date, seed=seed, file_format=file_format, bad_rows=max(bad_rows, 0)
                )
            except PopulationMissing as error:
                raise CommandError(str(error)) from None
            progress("write")
            for feed, path in written:
                try:
                    result = services.ingest_signal_file(
                        path=path, feed=feed, as_of=as_of_date, now=timezone.now(), source="synth_signals"
                    )
                except services.DuplicateBatch as error:
                    self.stdout.write(f"{feed}: {error}")
                    continue
                finally:
                    progress(feed)
                print_report(self, result, path)
                rejected += result.batch.status == IngestBatch.Status.REJECTED
                self.stdout.write(summary(result.batch))
        self.stdout.write(f"합성 데이터 (synthetic) 피드 {len(written)}개 · {time.perf_counter() - started:.1f}초")
        if rejected:
            raise CommandError(f"피드 {rejected}개를 적재하지 못했습니다 ({rejected} feed(s) rejected)")
