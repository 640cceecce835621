"""Bench: the discovery commands as an operator runs them, end to end through manage.py, on a throwaway database.

Prints numbers (it is not a test) and writes them to bench/results/discovery-django-<date>.txt. Each step
runs as its own ``manage.py`` process (the way bin/demo and cron run them), timed by wall clock, with the
peak memory of that process (max RSS from wait4):

1. ``synth --households N``                   synthetic Seoul to Parquet
2. ``synth_signals --as-of D --seed S``       demo feeds written as CSV and ingested (validation included)
3. ``score_population --as-of D``             scores, tier counts per district and dong, worklists stored
4. ``score_population --as-of D`` again       the idempotent rerun (same inputs: the stored run is returned)
5. ``score_population ... --open-tasks --district 11620``  관악구's worklist sent as outreach tasks (bulk)
6. the policy simulation of every programme over the population (query, not cached), then from the cache,
   and the simulation page as a browser gets it (Django test client)

Usage: python bench/discovery_django.py [--single-person 1600000 | --households N] [--database sqlite|postgres] [--keep DIR]
--single-person (default 1.6 M, Seoul's count): the population is made big enough to hold that many
single-person households (≈4.1 M households of all sizes), since discovery scores people living alone only;
--households N sets the total of every size instead.
PostgreSQL uses a database created and dropped here on 127.0.0.1:5432 (ITDA_BENCH_POSTGRES for another server).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-03-01"
SEED = 2026
POSTGRES_SERVER = os.environ.get("ITDA_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")

SIMULATION_SNIPPET = """
import time
from django.test import Client
from django.utils import timezone
from itda.accounts.models import User
from itda.insights import queries
from itda.insights.models import SimulationResult
SimulationResult.objects.all().delete()
admin = User.objects.get(username="demo-admin")
started = time.perf_counter()
result = queries.simulate(user=admin, programme="home-maintenance", now=timezone.now())
computed = time.perf_counter() - started
started = time.perf_counter()
queries.simulate(user=admin, programme="home-maintenance", now=timezone.now())
cached = time.perf_counter() - started
started = time.perf_counter()
moved = queries.simulate(user=admin, programme="home-maintenance", percent=150, now=timezone.now())
threshold = time.perf_counter() - started
client = Client()
client.force_login(admin)
started = time.perf_counter()
page = client.get("/console/insights/simulation/?programme=home-maintenance&percent=130", HTTP_HOST="127.0.0.1")
page_computed = time.perf_counter() - started
started = time.perf_counter()
client.get("/console/insights/simulation/?programme=home-maintenance&percent=130", HTTP_HOST="127.0.0.1")
page_cached = time.perf_counter() - started
started = time.perf_counter()
dashboard = client.get("/console/insights/districts/11620/", HTTP_HOST="127.0.0.1")
district_page = time.perf_counter() - started
print(f"RESULT simulation_computed {computed:.3f} (analytics part {result.seconds:.3f})")
print(f"RESULT simulation_cached {cached:.3f}")
print(f"RESULT threshold_moved {threshold:.3f} (analytics part {moved.seconds - result.seconds:.3f})")
print(f"RESULT simulation_page_computed {page_computed:.3f} status {page.status_code}")
print(f"RESULT simulation_page_cached {page_cached:.3f}")
print(f"RESULT district_page_with_worklist {district_page:.3f} status {dashboard.status_code}")
print(f"RESULT programmes {len(result.programmes)}")
"""


def _run_measured(env: dict, *args: str, label: str, lines: list[str]) -> str:
    """Like _run, but reads the child's own peak memory (wait4 on the exact process)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    stdout = process.stdout.read()
    stderr = process.stderr.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        print(stdout, stderr, sep="\n", file=sys.stderr)
        raise SystemExit(f"{label} failed ({process.returncode})")
    line = f"{label:<44} {seconds:7.2f} s   peak {usage.ru_maxrss / 1024:,.0f} MB"
    print(line)
    lines.append(line)
    return stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--single-person", type=int, default=1_600_000, help="single-person households (default)")
    size.add_argument("--households", type=int, default=None, help="households of every size instead")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--keep", type=Path, default=None, help="keep the population folder and database here")
    parser.add_argument("--output", type=Path, default=None)
    options = parser.parse_args(argv)

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import analytics
    from bench import _data
    from bench.discovery import INCOME_YEAR, households_for

    calibration = _data.load_calibration(income_year=INCOME_YEAR)
    if options.households is None:
        options.households = households_for(options.single_person, calibration)
    single_person = analytics.one_person_count(households=options.households, calibration=calibration)
    work = options.keep or Path(tempfile.mkdtemp(prefix="itda-discovery-"))
    work.mkdir(parents=True, exist_ok=True)
    (work / "bench_settings.py").write_text(
        "from pathlib import Path\nfrom itda.settings import *  # noqa: F403\n"
        f"ITDA_POPULATION_DIR = Path({str(work / 'population')!r})\n",
        encoding="utf-8",
    )
    database_name = f"itda_bench_discovery_{os.getpid()}"
    if options.database == "postgres":
        database_url = f"{POSTGRES_SERVER}/{database_name}"
        subprocess.run(["psql", f"{POSTGRES_SERVER}/postgres", "-qc", f"CREATE DATABASE {database_name}"], check=True)
    else:
        database_url = f"sqlite:///{work / 'bench.sqlite3'}"
    env = {
        **os.environ,
        "ITDA_DEBUG": "1",
        "ITDA_DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": f"{work}{os.pathsep}{ROOT}",
    }
    lines = [
        f"discovery through manage.py, {options.households:,} households of all sizes "
        f"({single_person:,} single-person households, the ones scored), {options.database}, "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "",
    ]
    try:
        for args in (("migrate", "-v0"), ("load_reference",), ("load_directory",), ("seed_demo_accounts", "--demo")):
            subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)
        n = str(options.households)
        _run_measured(env, "synth", "--households", n, "--seed", str(SEED), label="synth", lines=lines)
        _run_measured(
            env, "synth_signals", "--as-of", AS_OF, "--seed", str(SEED), label="synth_signals (write CSV + ingest)", lines=lines
        )
        out = _run_measured(env, "score_population", "--as-of", AS_OF, label="score_population (first run)", lines=lines)
        lines.append("    " + out.strip().splitlines()[-1])
        _run_measured(env, "score_population", "--as-of", AS_OF, label="score_population (same inputs again)", lines=lines)
        out = _run_measured(
            env,
            "score_population",
            "--as-of",
            AS_OF,
            "--open-tasks",
            "--district",
            "11620",
            label="score_population --open-tasks (관악구)",
            lines=lines,
        )
        lines.append("    " + out.strip().splitlines()[-1])
        out = _run_measured(env, "shell", "-c", SIMULATION_SNIPPET, label="simulation (shell process, total)", lines=lines)
        lines.extend("    " + line.removeprefix("RESULT ") for line in out.splitlines() if line.startswith("RESULT"))
    finally:
        if options.database == "postgres":
            subprocess.run(
                ["psql", f"{POSTGRES_SERVER}/postgres", "-qc", f"DROP DATABASE IF EXISTS {database_name}"], check=False
            )
        if options.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    output = options.output or ROOT / "bench" / "results" / f"discovery-django-{dt.date.today()}.txt"
    output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines[-8:]))
    print(f"written to {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
