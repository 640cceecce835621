"""Benchmark of the overdue-referral sweep on PostgreSQL: 100,000 open referrals, fresh data for every run.

Not a test. It creates a throwaway database on the local PostgreSQL server, migrates it, and
for each run empties the referral, task and audit tables, bulk-creates the open referrals
(spread over every open status, risk and 50 teams) and times ``sweep_overdue_referrals``:

  all-overdue   every one of the 100,000 referrals is past its deadline: 100,000 claims,
                200,000 REFERRAL_OVERDUE tasks and 100,000 audit entries (the worst case: a
                sweep that never ran for weeks)
  10%-overdue   10,000 of them are past their deadline (a sweep after a long outage)
  1%-overdue    1,000 of them (a sweep every few minutes meets far fewer)
  again         the sweep run straight after all-overdue: nothing left to claim (the steady state)

It prints the median and every run in milliseconds; the goal is ≤ 5 s. The database is dropped
at the end (also on failure).

    .venv/bin/python bench/referral_sweep.py                      # 3 runs of each scenario
    .venv/bin/python bench/referral_sweep.py --runs 5 --referrals 100000
    ITDA_BENCH_POSTGRES=postgres://postgres@127.0.0.1:5432 .venv/bin/python bench/referral_sweep.py
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_SECONDS = 5.0
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _setup_django(server: str, database: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["ITDA_DATABASE_URL"] = f"{server}/{database}"
    os.environ.setdefault("ITDA_SECRET_KEY", "bench-not-a-secret")
    os.environ.pop("ITDA_DEBUG", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "itda.settings"
    import django

    django.setup()


def _admin_connection(server: str):
    import psycopg

    return psycopg.connect(f"{server}/postgres", autocommit=True)


def _create_database(server: str, database: str) -> None:
    with _admin_connection(server) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}"')
        connection.execute(f'CREATE DATABASE "{database}"')


def _drop_database(server: str, database: str) -> None:
    from django.db import connections

    connections.close_all()
    with _admin_connection(server) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _base_rows(people: int):
    """Districts, 50 teams with 4 workers each, and the people the referrals are about."""
    from itda.accounts.models import Team, User
    from itda.people.models import Person
    from itda.places.models import District

    district = District.objects.create(code="11620", name="관악구", name_en="Gwanak-gu")
    kinds = [
        Team.Kind.DISTRICT_CENTRE,
        Team.Kind.DONG_CENTRE,
        Team.Kind.HEALTH_CENTRE,
        Team.Kind.MENTAL_HEALTH_CENTRE,
        Team.Kind.HELPLINE,
    ]
    teams = Team.objects.bulk_create(
        Team(name=f"bench team {index}", kind=kinds[index % len(kinds)], district=district) for index in range(50)
    )
    workers = User.objects.bulk_create(
        # "!" is Django's marker for an unusable password: these accounts cannot sign in.
        User(username=f"bench-worker-{index}", role=User.Role.SOCIAL_WORKER, team=teams[index % len(teams)], password="!")  # noqa: S106
        for index in range(200)
    )
    persons = Person.objects.bulk_create(
        (Person(name=f"가상 {index}", district=district, is_synthetic=True) for index in range(people)), batch_size=5000
    )
    return teams, workers, persons


def _fresh_referrals(count: int, overdue_share: float, teams, workers, persons) -> float:
    """Empty the swept tables and bulk-create ``count`` open referrals; returns the seconds it took."""
    from django.db import connection

    from itda.referrals.models import Referral
    from itda.referrals.services import deadline_for

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE referrals_referralevent, referrals_referral, cases_caretask, audit_auditentry RESTART IDENTITY CASCADE"
        )
    statuses = ["SENT", "RECEIVED", "ACCEPTED", "CONTACTED", "UNREACHABLE", "SERVICE_STARTED"]
    risks = ["CRISIS", "HIGH", "MEDIUM", "LOW"]
    overdue_every = round(1 / overdue_share) if overdue_share else 0
    rows = []
    for index in range(count):
        status, risk = statuses[index % len(statuses)], risks[(index // 7) % len(risks)]
        from_team, to_team = teams[index % len(teams)], teams[(index + 1 + index % 7) % len(teams)]
        is_overdue = overdue_every and index % overdue_every == 0
        # An overdue hop started long ago; the others started just now, so their deadlines lie ahead.
        hop_start = NOW - timedelta(days=120) if is_overdue else NOW - timedelta(minutes=5)
        rows.append(
            Referral(
                person=persons[index % len(persons)],
                from_team=from_team,
                to_team=to_team,
                sent_by=workers[index % len(workers)],
                handled_by=workers[(index + 1) % len(workers)] if status != "SENT" else None,
                reason="bench",
                risk=risk,
                status=status,
                hop=1 + statuses.index(status),
                due_at=deadline_for(status=status, risk=risk, start_at=hop_start),
                sent_at=hop_start,
            )
        )
    Referral.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE referrals_referral")
    return time.perf_counter() - started


def _sweep() -> tuple[float, int, int]:
    from itda.referrals.services import sweep_overdue_referrals

    started = time.perf_counter()
    result = sweep_overdue_referrals(now=NOW)
    return time.perf_counter() - started, result.referrals_alerted, result.tasks_opened


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario, each with fresh data (default 3)")
    parser.add_argument("--referrals", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=20_000)
    arguments = parser.parse_args()
    server = os.environ.get("ITDA_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")
    database = f"itda_bench_referral_sweep_{os.getpid()}"

    _create_database(server, database)
    _setup_django(server, database)
    try:
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        teams, workers, persons = _base_rows(arguments.people)
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server_version = cursor.fetchone()[0]
        timings: dict[str, list[float]] = {"all-overdue": [], "10%-overdue": [], "1%-overdue": [], "again": []}
        counts: dict[str, tuple[int, int]] = {}
        setup_seconds = []
        for run in range(arguments.runs):
            for scenario, share in (("all-overdue", 1.0), ("10%-overdue", 0.1), ("1%-overdue", 0.01)):
                setup_seconds.append(_fresh_referrals(arguments.referrals, share, teams, workers, persons))
                seconds, alerted, opened = _sweep()
                timings[scenario].append(seconds)
                counts[scenario] = (alerted, opened)
                if scenario == "all-overdue":
                    seconds, alerted, opened = _sweep()
                    timings["again"].append(seconds)
                    counts["again"] = (alerted, opened)
            print(f"run {run + 1}/{arguments.runs} done", file=sys.stderr)
    finally:
        _drop_database(server, database)

    print(f"# Overdue referral sweep — {arguments.referrals:,} open referrals, PostgreSQL {server_version}")
    machine = f"{platform.node()} · {platform.processor() or platform.machine()} · {os.cpu_count()} cores"
    print(f"# {machine} · Python {platform.python_version()}")
    print(
        f"# fresh data per run (bulk-created in a median {statistics.median(setup_seconds):.1f} s), goal ≤ {GOAL_SECONDS:.0f} s"
    )
    print(f"# load average when done: {', '.join(f'{value:.2f}' for value in os.getloadavg())}")
    print(f"{'scenario':<14} {'alerted':>9} {'tasks':>9} {'median ms':>10}  runs ms")
    verdict = True
    for scenario, values in timings.items():
        alerted, opened = counts[scenario]
        median = statistics.median(values)
        verdict = verdict and median <= GOAL_SECONDS
        runs = ", ".join(f"{value * 1000:.0f}" for value in values)
        print(f"{scenario:<14} {alerted:>9,} {opened:>9,} {median * 1000:>10.0f}  {runs}")
    print(f"goal {'met' if verdict else 'NOT met'}: every median ≤ {GOAL_SECONDS:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
