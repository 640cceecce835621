"""Benchmark of one weekly check-in cycle for 100,000 monitored people on PostgreSQL, with the simulator.

Not a test. It creates a throwaway database on the local PostgreSQL server, migrates it, and
bulk-creates 25 districts (one dong each, with a dong centre, a district centre and a mental
health centre, each with a worker), the city's control room and 100,000 synthetic people, each
with a weekly AI check-in call at a slot spread over Monday–Friday 09:00–17:30 on the half hour.

For 1 and then 2 worker processes it empties the check-in, contact, task and audit tables, puts
every plan back to the start of the week and runs the week: every worker runs the whole cycle
(schedule the next 24 h, dial what is due, expire, retry, alert, reconcile) for every half hour
from Monday 00:00 to Sunday 23:30, the workers meeting at a barrier after each half hour. At each
barrier the cycle's tables are analysed by autovacuum's own rule (``_autoanalyze``): a real week gives
autovacuum a pass a minute, which the squeezed week would otherwise never get. The analyses run
while the workers wait, as autovacuum works in a real half hour's idle minutes: the week's time
is the workers' half hours, and the analyses' time is printed beside it. The
simulator answers at rates taken from the field, rounded up: 10 % miss a given call (CareCall
reports a 96 % answer rate), 1 % never answer, 1 % say something worrying (SKT passed 4,063
risk utterances to counsellors out of ≈1.76 M calls, 0.23 %) and 0.1 % something that means
self-harm (domain-facts §4.2–4.3, peers §13–14). So the week holds the first calls, the
retries 30 and 60 minutes later, the counsellor tasks, the crisis paths and the staff calls.
``--stress`` uses the simulator's own defaults instead (4 % worrying, 0.2 % self-harm: four
times the counsellor tasks).

It prints, per run: wall time for the week, calls made, calls per second, escalations and care
tasks opened; and the outcome-to-alert latency: for every worrying answer, the wall time from
the moment the simulator gave the answer to the commit that made its alert task exist (alerts
are opened in the same transaction as the outcome, so this is the batch's remaining work). It
then times the webhook path on its own: 500 worrying answers recorded one at a time.

Goal: the week in ≤ 60 s with one worker, near-linear gain with two; p99 latency ≤ 2 s.

    .venv/bin/python bench/checkin_cycle.py
    .venv/bin/python bench/checkin_cycle.py --people 10000 --workers 1
    .venv/bin/python bench/checkin_cycle.py --stress
    ITDA_BENCH_PROFILE=/tmp/cycle.prof .venv/bin/python bench/checkin_cycle.py --workers 1  # /tmp/cycle.prof.<n>
    ITDA_BENCH_SQL=1 .venv/bin/python bench/checkin_cycle.py --workers 1  # time per SQL statement kind and table
    ITDA_BENCH_POSTGRES=postgres://postgres@127.0.0.1:5432 .venv/bin/python bench/checkin_cycle.py
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import re
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
SEOUL = ZoneInfo("Asia/Seoul")
WEEK_START = datetime(2026, 9, 14, 0, 0, tzinfo=SEOUL)  # a Monday with no public holiday in the week
GOAL_SECONDS = 60.0
GOAL_P99_SECONDS = 2.0


def _setup_django(server: str, database: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["ITDA_DATABASE_URL"] = f"{server}/{database}"
    os.environ.setdefault("ITDA_SECRET_KEY", "bench-not-a-secret")
    os.environ.pop("ITDA_DEBUG", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "itda.settings"
    import django

    django.setup()


def _admin(server: str):
    import psycopg

    return psycopg.connect(f"{server}/postgres", autocommit=True)


def _create_database(server: str, database: str) -> None:
    with _admin(server) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{database}"')


def _drop_database(server: str, database: str) -> None:
    from django.db import connections

    connections.close_all()
    with _admin(server) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _slots() -> list[datetime]:
    return [WEEK_START + timedelta(days=day, hours=9, minutes=30 * half) for day in range(5) for half in range(18)]


def _base_rows(people: int) -> None:
    """Districts, dongs, teams with one worker each, the people and their weekly AI call plans."""
    from itda.accounts.models import Team, User
    from itda.checkins.models import ContactPlan
    from itda.people.models import Person
    from itda.places.models import District, Dong

    districts = District.objects.bulk_create(
        [District(code=f"11{number:03d}", name=f"가상구{number}", name_en=f"District {number}") for number in range(25)]
    )
    dongs = Dong.objects.bulk_create(
        [Dong(code=f"{district.code}00001", district=district, name=f"{district.name} 가상동") for district in districts]
    )
    teams = [Team(name="가상 관제실", kind=Team.Kind.CONTROL_ROOM)]
    for district, dong in zip(districts, dongs, strict=True):
        teams += [
            Team(name=f"{dong.name} 주민센터", kind=Team.Kind.DONG_CENTRE, district=district, dong=dong),
            Team(name=f"{district.name} 복지센터", kind=Team.Kind.DISTRICT_CENTRE, district=district),
            Team(name=f"{district.name} 정신건강복지센터", kind=Team.Kind.MENTAL_HEALTH_CENTRE, district=district),
        ]
    teams = Team.objects.bulk_create(teams)
    User.objects.bulk_create(
        [User(username=f"bench-worker-{team.pk}", role=User.Role.SOCIAL_WORKER, team=team) for team in teams]
    )
    dong_centre = {team.dong_id: team for team in teams if team.kind == Team.Kind.DONG_CENTRE}
    slots = _slots()
    batch = 10_000
    for start in range(0, people, batch):
        persons = Person.objects.bulk_create(
            [
                Person(
                    name=f"가상 주민 {number}",
                    district=districts[number % 25],
                    dong=dongs[number % 25],
                    phone=f"010-0000-{number % 10_000:04d}",
                    is_synthetic=True,
                )
                for number in range(start, min(people, start + batch))
            ]
        )
        plans = []
        for person in persons:
            slot = slots[person.pk % len(slots)]
            plans.append(
                ContactPlan(
                    person=person,
                    kind="AI_CALL",
                    team=dong_centre[person.dong_id],
                    interval_days=7,
                    preferred_weekday=slot.weekday(),
                    preferred_time=slot.time(),
                    channel="VOICE",
                    start_at=WEEK_START - timedelta(days=1),
                    next_due_at=slot,
                )
            )
        ContactPlan.objects.bulk_create(plans)


def _reset() -> None:
    """Empty what a cycle writes and put every plan back to its slot in the bench week."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE checkins_escalationstep, checkins_checkinattempt, checkins_escalation, checkins_duecontact, "
            "contacts_contactlog, cases_caretask, audit_auditentry, django_tasks_database_dbtaskresult RESTART IDENTITY CASCADE"
        )
        slots = _slots()
        cursor.execute("UPDATE checkins_contactplan SET channel = 'VOICE', missed_in_row = 0, owner_id = NULL")
        for index, slot in enumerate(slots):
            cursor.execute(
                "UPDATE checkins_contactplan SET next_due_at = %s WHERE person_id %% %s = %s", [slot, len(slots), index]
            )
        cursor.execute("VACUUM ANALYZE")


class TimedSimulator:
    """The simulator, noting when each worrying answer was given and when the batch holding it committed."""

    name = "timed-simulator"
    is_synchronous = True

    def __init__(self, simulator, latencies):
        self.simulator = simulator
        self.latencies = latencies

    def start(self, requests, *, now):
        from django.db import transaction

        from itda.checkins import campaign

        results = self.simulator.start(requests, now=now)
        given = time.perf_counter()
        # The simulator's answers are clean by construction: the bench need not clean them a second time.
        worrying = sum(1 for r in results if r.answered and campaign.signals_in(r.answers))
        if worrying:
            transaction.on_commit(lambda: self.latencies.extend([time.perf_counter() - given] * worrying))
        return results

    def send(self, request, *, now):
        raise NotImplementedError


FIELD_RATES = {"no_answer_rate": 0.10, "lapsed_rate": 0.01, "concern_rate": 0.01, "self_harm_rate": 0.001}


_CURRENT_PHASE = [""]  # the cycle step running now, for ITDA_BENCH_SQL's commit times


def _time_phases() -> dict[str, float]:
    """Wrap the cycle's steps (in this worker process only) to add up the wall time each one takes."""
    from itda.checkins import cycle, services

    phases: dict[str, float] = {}

    def timed(module, name, label):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            _CURRENT_PHASE[0] = label
            try:
                return original(*args, **kwargs)
            finally:
                phases[label] = phases.get(label, 0.0) + time.perf_counter() - started

        setattr(module, name, wrapper)

    timed(services, "generate_due_contacts", "schedule")
    for name, label in (
        ("dispatch_due_contacts", "dispatch"),
        ("fire_due_retries", "retries"),
        ("expire_attempts", "expire"),
        ("alert_overdue_contacts", "overdue"),
        ("reconcile_closed_steps", "reconcile"),
        ("alert_stalled_steps", "stalled"),
    ):
        timed(cycle, name, label)
    return phases


_SQL_TABLE = re.compile(r'(?:FROM|INTO|UPDATE|COPY)\s+"?([a-z_]+)"?', re.IGNORECASE)


def _time_sql() -> dict[str, list[float]]:
    """ITDA_BENCH_SQL=1: add up, per statement kind and table, the time spent in the database driver
    (sending, the server's work, reading back), and the time of commits. Printed at the end of the week."""
    from django.db import connection

    times: dict[str, list[float]] = {}

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            match = _SQL_TABLE.search(sql)
            key = f"{sql.split(None, 1)[0].upper()} {match.group(1) if match else '?'} ({_CURRENT_PHASE[0]})"
            entry = times.setdefault(key, [0.0, 0])
            entry[0] += time.perf_counter() - started
            entry[1] += 1

    connection.ensure_connection()
    connection.execute_wrappers.append(wrapper)
    original_commit = connection.connection.commit

    def commit():
        started = time.perf_counter()
        try:
            return original_commit()
        finally:
            entry = times.setdefault(f"COMMIT ({_CURRENT_PHASE[0]})", [0.0, 0])
            entry[0] += time.perf_counter() - started
            entry[1] += 1

    connection.connection.commit = commit
    return times


def _print_sql_times(number: int, times: dict[str, list[float]], seconds: float) -> None:
    spent = sum(total for total, _count in times.values())
    print(f"  worker {number}: {spent:.1f} s of {seconds:.1f} s in the database driver; by statement:", flush=True)
    for key, (total, count) in sorted(times.items(), key=lambda item: -item[1][0])[:30]:
        print(f"    {total:7.2f} s {count:8,d}×  {key}", flush=True)


def _backend_cpu() -> float | None:
    """CPU seconds the database server process of this worker's connection has used (a local server only)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _worker(number: int, ticks: list[datetime], barrier, results, *, batch_size: int, stress: bool) -> None:
    from django.db import connections

    from itda.checkins import cycle
    from itda.checkins.adapters import AdapterSet
    from itda.checkins.simulator import SimulatorAdapter, SyntheticPopulation

    connections.close_all()
    # A worker process lives for days: it loads the speech-analysis model once when it starts, not inside
    # the first batch it answers, and keeps what it loaded out of later garbage collections (as
    # run_checkin_cycle --loop does).
    from itda.checkins import nlp

    nlp.warm_up()
    try:
        from itda.lib.process import freeze_startup_objects
    except ImportError:  # code older than stop 10, run with this bench file for an interleaved comparison
        pass
    else:
        freeze_startup_objects()
    phases = _time_phases()
    latencies: list[float] = []
    population = SyntheticPopulation(seed=2026) if stress else SyntheticPopulation(seed=2026, **FIELD_RATES)
    adapter = TimedSimulator(SimulatorAdapter(population), latencies)
    adapters = AdapterSet({"VOICE": adapter, "SMS_LINK": adapter})
    totals = {"dialled": 0, "retried": 0, "scheduled": 0}
    profile_to = os.environ.get("ITDA_BENCH_PROFILE")  # a path: write this worker's cProfile there
    sql_times = _time_sql() if os.environ.get("ITDA_BENCH_SQL") else None
    profiler = None
    if profile_to:
        import cProfile

        profiler = cProfile.Profile()
    barrier.wait()
    started = time.perf_counter()
    cpu_started, server_started = time.process_time(), _backend_cpu()
    if profiler:
        profiler.enable()
    for tick in ticks:
        barrier.wait()  # the half hour starts (the tables analysed between half hours)
        report = cycle.run_cycle(now=tick, adapters=adapters, worker_id=f"bench-{number}", batch_size=batch_size, purge=False)
        totals["dialled"] += report.dialled
        totals["retried"] += report.retried
        totals["scheduled"] += report.scheduled
        barrier.wait()  # every worker has done this half hour
    if profiler:
        profiler.disable()
        profiler.dump_stats(f"{profile_to}.{number}")
    if sql_times is not None:
        _print_sql_times(number, sql_times, time.perf_counter() - started)
    results.put(
        {
            "worker": number,
            "seconds": time.perf_counter() - started,
            "cpu": time.process_time() - cpu_started,
            "server_cpu": None if server_started is None else _backend_cpu() - server_started,
            "latencies": latencies,
            "phases": phases,
            **totals,
        }
    )
    connections.close_all()


def _run_week(workers: int, batch_size: int, stress: bool) -> dict:
    from django.db import connections

    from itda.cases.models import CareTask
    from itda.checkins.models import CheckinAttempt, DueContact, Escalation

    ticks = [WEEK_START + timedelta(minutes=30 * half) for half in range(7 * 48)]
    connections.close_all()
    context = multiprocessing.get_context("fork")
    # A worker that dies (an import error, an exception in a pass) breaks the barrier within ten minutes
    # instead of leaving the others waiting for ever.
    barrier = context.Barrier(workers + 1, timeout=600)
    results = context.Queue()
    processes = [
        context.Process(target=_worker, args=(n, ticks, barrier, results), kwargs={"batch_size": batch_size, "stress": stress})
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    barrier.wait()
    started = time.perf_counter()
    analysed, analysing, seconds = 0, 0.0, 0.0
    for _tick in ticks:
        # Between two half hours, with the workers waiting: a real week has 30 idle minutes here.
        analysis_started = time.perf_counter()
        analysed += _autoanalyze()
        analysing += time.perf_counter() - analysis_started
        barrier.wait()
        half_hour_started = time.perf_counter()
        barrier.wait()
        seconds += time.perf_counter() - half_hour_started
    wall = time.perf_counter() - started
    reports = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join()
    latencies = sorted(latency for report in reports for latency in report["latencies"])
    return {
        "workers": workers,
        "analyses": analysed,
        "analysing": analysing,
        "wall": wall,
        "seconds": seconds,
        "due_contacts": DueContact.objects.count(),
        "calls": CheckinAttempt.objects.count(),
        "first_calls": sum(r["dialled"] for r in reports),
        "retries": sum(r["retried"] for r in reports),
        "escalations": Escalation.objects.count(),
        "tasks": CareTask.objects.count(),
        "crisis_tasks": CareTask.objects.filter(kind="CRISIS_RESPONSE").count(),
        "pending": DueContact.objects.filter(due_at__lt=ticks[-1]).exclude(status="DONE").count(),
        "alerts": len(latencies),
        "cpu": sum(r["cpu"] for r in reports),
        "server_cpu": None if None in [r["server_cpu"] for r in reports] else sum(r["server_cpu"] for r in reports),
        "phases": {name: round(sum(r["phases"].get(name, 0.0) for r in reports), 1) for name in reports[0]["phases"]},
        "p50": statistics.median(latencies) if latencies else 0.0,
        "p99": latencies[int(0.99 * (len(latencies) - 1))] if latencies else 0.0,
        "max": latencies[-1] if latencies else 0.0,
    }


# The tables the cycle writes: the ones autovacuum keeps analysing through a real week.
_CYCLE_TABLES = [
    "checkins_contactplan",
    "checkins_duecontact",
    "checkins_checkinattempt",
    "checkins_escalation",
    "checkins_escalationstep",
    "contacts_contactlog",
    "cases_caretask",
    "audit_auditentry",
]


def _autoanalyze() -> int:
    """Between two half hours, ANALYZE the cycle's tables that autovacuum would have analysed by now.

    A real half hour gives autovacuum about 30 passes (one a minute); the bench squeezes it into a
    third of a second, so autovacuum never catches up, the tables that start empty (due contacts,
    attempts, ladders) keep the statistics of an empty table, and every plan made from them stays a
    plan for an empty table: the foreign-key checks run at each commit among them, which then scan
    whole tables. This applies autovacuum's own rule (a table changed by more than 50 rows + 10 %
    since its last analysis) at every half hour. It runs while the workers wait between two half hours,
    as autovacuum does its work in the idle minutes of a real half hour; its time is printed apart and
    not counted in the week (until stop 8 it ran beside the workers' next half hour and slowed it on
    two cores). Returns how many tables it analysed.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) "
            "AND n_mod_since_analyze > 50 + 0.1 * GREATEST(n_live_tup, 0)",
            [_CYCLE_TABLES],
        )
        tables = [name for (name,) in cursor.fetchall()]
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    return len(tables)


def _webhook_path(count: int) -> dict:
    """Worrying answers recorded one at a time, as the telephony webhook does: time to the committed alert task."""
    from django.db import connection

    from itda.cases.models import CareTask
    from itda.checkins import services
    from itda.checkins.models import CheckinAttempt, DueContact

    now = WEEK_START + timedelta(days=7, hours=10)
    due = list(DueContact.objects.filter(outcome="ANSWERED").values_list("pk", "attempt_count")[:count])
    attempts = CheckinAttempt.objects.bulk_create(
        [
            CheckinAttempt(
                due_contact_id=pk, number=number + 1, channel="VOICE", started_at=now, deadline_at=now + timedelta(minutes=10)
            )
            for pk, number in due
        ]
    )
    latencies = []
    for attempt in attempts:
        started = time.perf_counter()
        services.record_attempt_outcomes(
            outcomes=[services.AttemptOutcome(attempt.pk, answered=True, answers={"OPEN": {"speech": "요즘 너무 힘들어요"}})],
            now=now,
        )
        latencies.append(time.perf_counter() - started)
    assert CareTask.objects.filter(kind="URGENT_CONTACT", created_at=now).count() > 0
    connection.close()
    latencies.sort()
    return {"count": len(latencies), "p50": statistics.median(latencies), "p99": latencies[int(0.99 * (len(latencies) - 1))]}


def _wait_quiet(seconds: int) -> None:
    """Other work on a small machine skews the numbers: wait (a while) for it to finish."""
    deadline = time.monotonic() + seconds
    while os.getloadavg()[0] > 1.5 and time.monotonic() < deadline:
        time.sleep(5)
    print(f"  load average {os.getloadavg()[0]:.1f} at the start of the run")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--webhook-samples", type=int, default=500)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--stress", action="store_true", help="the simulator's own rates: 4 %% worrying answers")
    parser.add_argument(
        "--wait-quiet", type=int, default=0, help="first wait up to this many seconds for a load average below 1.5"
    )
    options = parser.parse_args()
    server = os.environ.get("ITDA_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    database = f"itda_bench_checkins_{os.getpid()}"
    _create_database(server, database)
    _setup_django(server, database)
    from django.core.management import call_command

    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        _base_rows(options.people)
        print(f"setup: {options.people:,} people and plans in {time.perf_counter() - started:.1f} s")
        rates = "simulator defaults (stress)" if options.stress else FIELD_RATES
        machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        print(f"machine: {machine}, load average {os.getloadavg()[0]:.1f} before the runs; rates: {rates}")
        baseline = None
        for workers in options.workers:
            _reset()
            _wait_quiet(options.wait_quiet)
            result = _run_week(workers, options.batch_size, options.stress)
            baseline = baseline or result["seconds"]
            speed = result["calls"] / result["seconds"]
            print(
                f"workers={workers}: week in {result['seconds']:.1f} s (goal ≤ {GOAL_SECONDS:.0f} s with one worker), "
                f"speed-up ×{baseline / result['seconds']:.2f}; {result['due_contacts']:,} due contacts, "
                f"{result['calls']:,} calls ({result['first_calls']:,} first, {result['retries']:,} retries; "
                f"{speed:,.0f} calls/s), "
                f"{result['escalations']:,} escalations, {result['tasks']:,} care tasks ({result['crisis_tasks']} crisis), "
                f"{result['pending']} contacts not done"
            )
            print(
                f"  seconds per step, summed over workers: {result['phases']}; "
                f"{result['analyses']} table analyses between half hours (autovacuum's rule), "
                f"{result['analysing']:.1f} s, between the half hours (wall time with them {result['wall']:.1f} s); "
                f"CPU time: workers {result['cpu']:.1f} s, their database server processes "
                + ("(not readable)" if result["server_cpu"] is None else f"{result['server_cpu']:.1f} s")
            )
            print(
                f"  outcome→alert latency over {result['alerts']:,} worrying answers: p50 {result['p50'] * 1000:.0f} ms, "
                f"p99 {result['p99'] * 1000:.0f} ms, max {result['max'] * 1000:.0f} ms (goal p99 ≤ {GOAL_P99_SECONDS:.0f} s)"
            )
        if options.webhook_samples:
            webhook = _webhook_path(options.webhook_samples)
            print(
                f"webhook path, one worrying answer at a time ({webhook['count']}): p50 {webhook['p50'] * 1000:.1f} ms, "
                f"p99 {webhook['p99'] * 1000:.1f} ms from outcome to committed alert task"
            )
    finally:
        if not options.keep:
            _drop_database(server, database)


if __name__ == "__main__":
    main()
