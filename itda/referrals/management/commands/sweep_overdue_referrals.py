"""Alert both teams of every referral whose current hop is past its deadline. Run it every few minutes (cron, systemd timer).

Idempotent and safe to run from two machines at once: each overdue hop is claimed by one
conditional update, so it alerts once however often the sweep runs.
"""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from itda.referrals.services import sweep_overdue_referrals


class Command(BaseCommand):
    help = "Open REFERRAL_OVERDUE care tasks, once per hop, for the receiving and the sending team of every overdue referral."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Sweep as of this ISO 8601 time with a timezone (default: the clock).")

    def handle(self, *args, **options):
        now = self._now(options.get("now"))
        result = sweep_overdue_referrals(now=now)
        self.stdout.write(f"{result.referrals_alerted} overdue referrals alerted, {result.tasks_opened} care tasks opened")

    @staticmethod
    def _now(text: str | None) -> datetime:
        if not text:
            return timezone.now()
        parsed = parse_datetime(text)
        if parsed is None or timezone.is_naive(parsed):
            raise CommandError("--now needs an ISO 8601 time with a timezone, e.g. 2026-11-24T09:00:00+09:00")
        return parsed
