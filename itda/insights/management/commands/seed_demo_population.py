"""manage.py seed_demo_population --demo: synthetic Seoul, demo feeds, scores and 관악구's outreach tasks."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from itda.insights import files, services
from itda.insights.management.commands.ingest_signals import summary
from itda.insights.management.commands.score_population import run_summary
from itda.insights.management.progress import parse_date
from itda.insights.models import IngestBatch, ScoreRun
from itda.places.models import District

DEMO_HOUSEHOLDS = 50_000
DEMO_SEED = 2026
DEMO_DISTRICT = "11620"  # 관악구, where the demo's social worker works
DEMO_BAD_ROWS = 4


class Command(BaseCommand):
    help = (
        "데모용 합성 인구(5만 가구, seed 2026)와 신호 피드를 만들고 적재·점수 계산 후 관악구 방문·연락 업무를 엽니다. "
        "다시 실행해도 안전. "
        "Seed the demo's synthetic population, feeds, scores and 관악구 outreach tasks; safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="confirm that this database is a demo")
        parser.add_argument("--households", type=int, default=DEMO_HOUSEHOLDS)
        parser.add_argument("--seed", type=int, default=DEMO_SEED)
        parser.add_argument(
            "--as-of", default=None, help="YYYY-MM-DD (default: today, or the date of the demo feeds already loaded)"
        )
        parser.add_argument("--district", default=DEMO_DISTRICT, help="district code whose worklist becomes outreach tasks")

    def handle(self, *args, demo: bool, households: int, seed: int, as_of: str | None, district: str, **options):
        if not demo:
            raise CommandError("데모 데이터베이스에서만 실행하세요: --demo 를 붙이세요 (demo databases only; pass --demo)")
        target = District.objects.filter(code=district).first()
        if target is None:
            raise CommandError(f"없는 자치구 코드입니다: {district}; 먼저 load_reference를 실행하세요 (unknown district)")
        started = time.perf_counter()
        now = timezone.now()
        try:
            manifest = files.read_manifest()
        except files.PopulationMissing:
            manifest = None
        if manifest is None or manifest.seed != seed or manifest.households != households:
            try:
                manifest = services.synthesize_population(households=households, seed=seed, now=now)
            except ValueError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(
                f"합성 데이터 (synthetic): 가구 {manifest.households:,}개 · seed {seed} → {manifest.households_path}"
            )
        else:
            self.stdout.write(
                f"합성 인구가 이미 있습니다 (population already there): 가구 {manifest.households:,}개 · seed {seed}"
            )

        loaded = services.accepted_batches(manifest)
        if loaded:
            as_of_date = max(batch.as_of_date for batch in loaded)
            self.stdout.write(f"신호 묶음 {len(loaded)}개가 이미 있습니다 (feeds already loaded), 기준일 {as_of_date}")
        else:
            as_of_date = parse_date(as_of, option="--as-of") if as_of else timezone.localdate()
            for feed, path in services.write_demo_feeds(as_of=as_of_date, seed=seed, bad_rows=DEMO_BAD_ROWS):
                try:
                    result = services.ingest_signal_file(
                        path=path, feed=feed, as_of=as_of_date, now=timezone.now(), source="synth_signals"
                    )
                except services.DuplicateBatch as error:
                    self.stdout.write(f"  {feed}: {error}")
                    continue
                self.stdout.write(f"  {summary(result.batch)}")
                if result.batch.status == IngestBatch.Status.REJECTED:
                    raise CommandError(f"데모 피드 {feed}를 적재하지 못했습니다 (demo feed rejected)")

        # Seeding is not operating: a demo that was scored once keeps that run (rescoring after its own
        # outreach tasks would be a new run, since who is in an open case is part of a run's inputs).
        seeded = (
            ScoreRun.objects.filter(population_sha256=manifest.key, as_of_date=as_of_date, status=ScoreRun.Status.DONE)
            .order_by("-finished_at", "-pk")
            .first()
        )
        try:
            outcome = (
                services.ScoreOutcome(seeded, created=False)
                if seeded is not None
                else services.score_population(as_of=as_of_date, now=timezone.now(), clock=timezone.now)
            )
        except (files.PopulationMissing, services.RiskModelInvalid, services.ScoringFailed) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(run_summary(outcome.run, created=outcome.created))
        try:
            sent = services.send_worklist(actor=None, run=outcome.run, district=target, now=timezone.now())
        except services.OutreachRefused as error:
            raise CommandError(f"{error}; 먼저 seed_demo_accounts --demo를 실행하세요 (run seed_demo_accounts first)") from None
        self.stdout.write(
            f"{target.name} 방문·연락 업무 (outreach tasks): 새로 {sent.created:,} · 이미 있음 {sent.already_open:,} · "
            f"{time.perf_counter() - started:.1f}초"
        )
