"""Every periodic sweep of itda in one process: the check-in cycle, then the referral deadlines and the self-check purge.

``run_sweeps --loop`` is what bin/demo (and a small installation) runs instead of
cron: each pass runs, for the same moment ``now``, the check-in cycle (see
``run_checkin_cycle``, whose options it takes), ``referrals.sweep_overdue_referrals``
and ``screenings.purge_withdrawn_self_checks`` (the ``purge_screening_answers``
command), once each. Every sweep is idempotent and claims its work with
conditional updates, so running it every minute, or on two machines, alerts and
deletes nothing twice. One sweep failing is logged and does not stop the others
or the loop; without ``--loop`` the command then exits with an error.
"""

from __future__ import annotations

import logging
from datetime import datetime

from itda.checkins.management.commands.run_checkin_cycle import Command as CheckinCycleCommand
from itda.referrals.services import sweep_overdue_referrals
from itda.screenings.services import purge_withdrawn_self_checks

logger = logging.getLogger(__name__)


class Command(CheckinCycleCommand):
    help = (
        "주기 작업 전체(안부확인, 의뢰 기한, 자가진단 삭제)를 한 번(또는 --loop 로 계속) 실행합니다. "
        "Run every periodic sweep once, or every --interval seconds with --loop: check-ins, referral deadlines, "
        "the self-check purge. Safe on several machines at once."
    )

    def other_sweeps(self, now: datetime) -> bool:
        ok = True
        try:
            result = sweep_overdue_referrals(now=now)
            self.stdout.write(
                f"{now.isoformat()} referrals_alerted={result.referrals_alerted} referral_tasks={result.tasks_opened}"
            )
        except Exception:
            logger.exception("the overdue-referral sweep failed")
            ok = False
        try:
            report = purge_withdrawn_self_checks(now=now)
            self.stdout.write(f"{now.isoformat()} self_checks_purged={report.results_deleted} self_check_people={report.people}")
        except Exception:
            logger.exception("the self-check purge failed")
            ok = False
        return ok
