"""The check-in sweep: make contacts due, dial them, retry, expire, alert on overdue ones. Run by cron or with --loop."""

from __future__ import annotations

import os
import signal
import socket
import time
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection
from django.utils import timezone

from itda.checkins import cycle, nlp
from itda.checkins.adapters import AdapterSet, production_adapters
from itda.checkins.simulator import SimulatorAdapter, SyntheticPopulation
from itda.lib.process import freeze_startup_objects


class Command(BaseCommand):
    help = (
        "안부확인 주기 작업을 한 번(또는 --loop 로 계속) 실행합니다. "
        "Run the check-in sweep once, or every --interval seconds with --loop. Safe on several machines at once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--now", help="the moment to run for, ISO 8601 with a time zone (tests and replays); default: the clock"
        )
        parser.add_argument("--loop", action="store_true", help="keep running, one pass every --interval seconds")
        parser.add_argument("--interval", type=float, default=60.0)
        parser.add_argument(
            "--iterations", type=int, help="with --loop: stop after this many passes (tests and replays); default: until stopped"
        )
        parser.add_argument("--batch-size", type=int, default=cycle.DEFAULT_BATCH)
        parser.add_argument("--worker-id", default=f"{socket.gethostname()}:{os.getpid()}")
        parser.add_argument(
            "--simulate", action="store_true", help="answer voice and SMS check-ins with the synthetic population"
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--no-answer-rate", type=float, default=0.10)
        parser.add_argument("--concern-rate", type=float, default=0.04)
        parser.add_argument("--self-harm-rate", type=float, default=0.002)
        parser.add_argument("--lapsed-rate", type=float, default=0.01)
        parser.add_argument(
            "--kill-after", type=int, help="simulator: SIGKILL this process when asked for one call more than this"
        )
        parser.add_argument(
            "--pace-ms", type=int, default=0, help="pause after every batch (tests use it to stop a worker mid-cycle)"
        )

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size 는 1 이상이어야 합니다 (--batch-size must be at least 1)")
        if options["iterations"] is not None and options["iterations"] < 1:
            raise CommandError("--iterations 는 1 이상이어야 합니다 (--iterations must be at least 1)")
        fixed_now = self._parse_now(options["now"])
        adapters = self._adapters(options)
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        if not options["loop"]:
            self._passes(fixed_now, adapters, options, lambda: False)
            return
        previous = signal.signal(signal.SIGTERM, stop), signal.signal(signal.SIGINT, stop)
        # A loop lives for days: load the speech-analysis model before the first call, not inside its batch.
        nlp.warm_up()
        freeze_startup_objects()
        try:
            self._passes(fixed_now, adapters, options, lambda: stopping)
        finally:  # the handlers belong to this loop only (call_command runs it inside another program)
            signal.signal(signal.SIGTERM, previous[0])
            signal.signal(signal.SIGINT, previous[1])

    def _passes(self, fixed_now, adapters, options, stopping) -> None:
        passes = 0
        failed = False
        while True:
            # A loop lives for days on one connection: like a web request, each pass starts by dropping a
            # connection that failed or is older than CONN_MAX_AGE, so a database restart heals by itself and
            # the plans a connection keeps (its foreign-key checks' among them) follow the tables as they grow.
            # Not inside a caller's transaction (call_command from a test or another program).
            if not connection.in_atomic_block:
                close_old_connections()
            now = fixed_now or timezone.now()
            report = cycle.run_cycle(
                now=now,
                adapters=adapters,
                worker_id=options["worker_id"],
                batch_size=options["batch_size"],
                pace_seconds=options["pace_ms"] / 1000,
            )
            self.stdout.write(
                f"{now.isoformat()} scheduled={report.scheduled} dialled={report.dialled} retried={report.retried} "
                f"expired={report.expired} queued_to_send={len(report.to_send)} overdue_alerts={report.overdue_alerts} "
                f"reconciled={report.reconciled} stall_alerts={report.stall_alerts} purged={report.purged}"
            )
            failed |= not self.other_sweeps(now)
            passes += 1
            if not options["loop"] or stopping() or passes == options["iterations"]:
                if failed and not options["loop"]:
                    raise CommandError("주기 작업 하나가 실패했습니다: 로그를 보세요 (a sweep failed: see the log)")
                return
            deadline = time.monotonic() + options["interval"]
            while not stopping() and time.monotonic() < deadline:
                time.sleep(min(1.0, options["interval"]))
            if stopping():
                return

    def other_sweeps(self, now: datetime) -> bool:
        """Sweeps run after the check-in cycle in every pass; False when one of them failed. None here (see run_sweeps)."""
        return True

    def _parse_now(self, raw: str | None) -> datetime | None:
        if not raw:
            return None
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            raise CommandError(f"--now 는 ISO 8601 시각이어야 합니다: {raw} (--now must be an ISO 8601 moment)") from None
        if moment.tzinfo is None:
            raise CommandError("--now 에 시간대를 붙이세요, 예: 2026-09-15T10:00+09:00 (--now needs a time zone)")
        return moment

    def _adapters(self, options) -> AdapterSet:
        if not options["simulate"]:
            return production_adapters()
        rates = {name: options[name] for name in ("no_answer_rate", "concern_rate", "self_harm_rate", "lapsed_rate")}
        if not all(0 <= value <= 1 for value in rates.values()):
            raise CommandError("비율은 0–1 사이여야 합니다 (rates must be between 0 and 1)")
        population = SyntheticPopulation(seed=options["seed"], **rates)
        simulator = SimulatorAdapter(population, kill_after=options["kill_after"])
        return AdapterSet({"VOICE": simulator, "SMS_LINK": simulator})
