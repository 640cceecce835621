"""Bench: population discovery on synthetic Seoul — Parquet → risk scores → per-dong worklists.

Prints numbers (it is not a test) and writes them to bench/results/discovery-<date>.txt:

1. builds synthetic Seoul holding 1.6 M single-person households (Seoul's count; ≈4.1 M households of
   every size, calibrated from the real CSVs under data/) and its signal feeds, and writes them to
   Parquet in a temporary directory. Discovery scores people living alone only, as
   ``insights.services.score_population`` does (``analytics.single_person_households``), so the size
   that matters is the number of single-person households; both totals are printed;
2. times "read Parquet → keep single-person households → score_households → worklists" end to end with Polars: median wall time of
   N runs, and peak memory as the max RSS of a fresh subprocess that runs only this (Polars' memory
   is native, so tracemalloc would not see it); goal ≤ 1.0 s and ≤ 2 GB;
3. the same worklists from pandas (read Parquet with pandas) and from one PostgreSQL query
   (data COPYed into a throwaway database on 127.0.0.1:5432, created and dropped here), checked
   identical to Polars', with the time ratios;
4. scaling of the Polars pipeline at 0.4, 0.8, 1.6 and 3.2 M single-person households (3.2 M needs
   ≈8.2 M households in all, under the generator's 10 M limit);
5. the eligibility simulation of every programme with rules in data/programs/seoul.json over every
   household of the main population (all sizes: programmes are not only for people living alone;
   goal ≤ 2 s).

Usage: python bench/discovery.py [--runs 5] [--single-person 1600000] [--scales 0.4,0.8,1.6,3.2]
                                 [--skip-postgres] [--skip-pandas]
(--single-person: single-person households of the main measurement; --scales: millions of
single-person households.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

AS_OF = dt.date(2026, 3, 1)
INCOME_YEAR = 2026
SEED = 2026
BASE = 1_600_000  # single-person households (Seoul: ≈1.56–1.66 M)
HOUSEHOLD_COLUMNS = ["household_id", "district", "dong", "household_size", "age", "sex"]
POSTGRES_URL = os.environ.get("ITDA_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _rss_now_mb() -> float:
    return _status_mb("VmRSS")


def _peak_rss_mb() -> float:
    # VmHWM is the high-water mark of this address space. ru_maxrss is not used: Linux carries the
    # parent's peak over fork + exec, so a child started by a big parent would report the parent's.
    peak = _status_mb("VmHWM")
    return peak if not math.isnan(peak) else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- building the data (parent process) ---------------------------------------------------------------


def households_for(single_person: int, calibration) -> int:
    """The fewest households (all sizes) whose synthetic population holds at least ``single_person`` one-person households."""
    import analytics

    share = sum(len(d.dong_codes) * d.one_person_share for d in calibration.districts) / sum(
        len(d.dong_codes) for d in calibration.districts
    )
    households = max(10_000, round(single_person / share))
    while analytics.one_person_count(households=households, calibration=calibration) < single_person:
        households += 1
    while households > 10_000 and analytics.one_person_count(households=households - 1, calibration=calibration) >= single_person:
        households -= 1
    return households


def build(directory: Path, single_person: int) -> dict[str, float]:
    """Synthesize a population holding ``single_person`` one-person households, and its feeds, as Parquet.

    Returns the build timings and both totals (households of every size, single-person households).
    """
    import polars as pl

    import analytics
    from bench import _data

    calibration = _data.load_calibration(income_year=INCOME_YEAR)
    households = households_for(single_person, calibration)
    started = time.perf_counter()
    frame = analytics.synthesize_households(households=households, seed=SEED, calibration=calibration)
    synth_seconds = time.perf_counter() - started
    started = time.perf_counter()
    feeds = analytics.synthesize_signals(frame, seed=SEED, as_of=AS_OF)
    signal_seconds = time.perf_counter() - started
    directory.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(directory / "households.parquet")
    for feed, events in feeds.items():
        events.write_parquet(directory / f"signal_{feed.lower()}.parquet")
    # People already monitored or in an open case: every 97th household (≈1 %).
    frame.select("household_id").filter(pl.col("household_id") % 97 == 0).write_parquet(directory / "monitored.parquet")
    return {
        "households": frame.height,
        "single_person": int((frame["household_size"] == 1).sum()),
        "synth_seconds": synth_seconds,
        "signal_seconds": signal_seconds,
        "signal_rows": sum(f.height for f in feeds.values()),
    }


# --- measured parts (each in a fresh subprocess) ------------------------------------------------------


def _measure_polars(directory: Path, runs: int) -> dict:
    import polars as pl

    import analytics

    baseline = _rss_now_mb()
    times, cpu, result = [], [], None
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        # A lazy scan: scoring reads only the attribute columns, worklists read district and dong
        # only for the listed households (projection and predicate pushdown into the Parquet reader).
        households = pl.scan_parquet(directory / "households.parquet").select(HOUSEHOLD_COLUMNS)
        signals = {feed: pl.read_parquet(directory / f"signal_{feed.lower()}.parquet") for feed in analytics.FEEDS}
        monitored = pl.read_parquet(directory / "monitored.parquet")["household_id"]
        scored = analytics.score_households(
            analytics.single_person_households(households), signals, model=analytics.DEFAULT_RISK_MODEL, as_of=AS_OF
        )
        result = analytics.worklists(scored, households, exclude_household_ids=monitored)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    tiers = dict(scored["tier"].value_counts().iter_rows())
    return {
        "times": times,
        "cpu": cpu,
        "peak_rss_mb": _peak_rss_mb(),
        "baseline_rss_mb": baseline,
        "rows": result.height,
        "scored": scored.height,
        "tiers": tiers,
        "digest": _digest(result.select(_COMPARED).rows()),
    }


def _measure_pandas(directory: Path, runs: int) -> dict:
    import pandas as pd

    import analytics
    from bench._pandas_scoring import score_pandas, worklists_pandas

    baseline = _rss_now_mb()
    times, cpu, result = [], [], None
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        households = pd.read_parquet(directory / "households.parquet", columns=HOUSEHOLD_COLUMNS)
        households = households[households["household_size"] == 1]
        signals = {feed: pd.read_parquet(directory / f"signal_{feed.lower()}.parquet") for feed in analytics.FEEDS}
        monitored = pd.read_parquet(directory / "monitored.parquet")["household_id"].to_numpy()
        scored = score_pandas(households, signals, model=analytics.DEFAULT_RISK_MODEL, as_of=AS_OF)
        result = worklists_pandas(scored, households, exclude=monitored)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    rows = [tuple(_plain(v) for v in row) for row in result[list(_COMPARED)].itertuples(index=False, name=None)]
    return {
        "times": times,
        "cpu": cpu,
        "peak_rss_mb": _peak_rss_mb(),
        "baseline_rss_mb": baseline,
        "rows": len(rows),
        "digest": _digest(rows),
    }


def _measure_simulation(directory: Path, runs: int) -> dict:
    import polars as pl

    import analytics
    from bench import _data

    rules = _data.load_programme_rules()
    medians = _data.load_medians()
    baseline = _rss_now_mb()
    households = pl.read_parquet(directory / "households.parquet")
    in_memory, from_parquet = [], []
    for _ in range(runs):
        started = time.perf_counter()
        analytics.simulate_programmes(households, rules, year=INCOME_YEAR, medians=medians)
        in_memory.append(time.perf_counter() - started)
    for _ in range(runs):
        started = time.perf_counter()
        frame = pl.read_parquet(directory / "households.parquet")
        result = analytics.simulate_programmes(frame, rules, year=INCOME_YEAR, medians=medians)
        from_parquet.append(time.perf_counter() - started)
    started = time.perf_counter()
    changes = {slug: 150 for slug, programme in rules.items() if any(r["field"] == "income_pct_median" for r in programme)}
    compared = analytics.compare_thresholds(households, rules, changes=changes, year=INCOME_YEAR, medians=medians)
    compare_seconds = time.perf_counter() - started
    return {
        "programmes": sorted(rules),
        "times": in_memory,
        "times_with_read": from_parquet,
        "compare_seconds": compare_seconds,
        "changed": sorted(changes),
        "eligible_change": int(compared["eligible_change"].sum()) if compared.height else 0,
        "result_rows": result.height,
        "peak_rss_mb": _peak_rss_mb(),
        "baseline_rss_mb": baseline,
    }


_COMPARED = ("district", "dong", "rank_in_dong", "rank_in_district", "household_id", "score", "tier", "signal_1", "points_1")


def _plain(value):
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):  # NaN from pandas means missing
        return None
    return value


def _digest(rows: list[tuple]) -> str:
    import hashlib

    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


def _run_measure(kind: str, directory: Path, runs: int) -> dict:
    """Run one measured part in a fresh Python so its max RSS is its own."""
    completed = subprocess.run(
        [sys.executable, __file__, "--measure", kind, str(directory), str(runs)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"measure {kind} failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# --- PostgreSQL (parent process) --------------------------------------------------------------------


def measure_postgres(directory: Path, runs: int) -> dict:
    """COPY the Parquet data into a throwaway database, time the worklist query, drop the database."""
    import io

    import polars as pl
    import psycopg

    import analytics
    from bench._sql_scoring import create_tables_sql, feed_table, worklists_sql

    name = f"itda_bench_{os.getpid()}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
        with psycopg.connect(url, autocommit=True) as connection:
            version = connection.execute("SHOW server_version").fetchone()[0]
            for statement in create_tables_sql():
                connection.execute(statement)
            started = time.perf_counter()
            tables = {"households": directory / "households.parquet", "monitored": directory / "monitored.parquet"}
            tables.update({feed_table(feed): directory / f"signal_{feed.lower()}.parquet" for feed in analytics.FEEDS})
            for table, path in tables.items():
                frame = pl.read_parquet(path)
                buffer = io.BytesIO()
                frame.write_csv(buffer)
                statement = f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN (FORMAT csv, HEADER true)"
                with connection.cursor() as cursor, cursor.copy(statement) as copy:
                    copy.write(buffer.getvalue())
            connection.execute("VACUUM ANALYZE")
            load_seconds = time.perf_counter() - started
            connection.execute("SET work_mem = '256MB'")
            query = worklists_sql(analytics.DEFAULT_RISK_MODEL, as_of=AS_OF, single_person=True)
            times, rows = [], []
            for _ in range(runs):
                started = time.perf_counter()
                with connection.cursor() as cursor:
                    cursor.execute(query)
                    rows = cursor.fetchall()
                times.append(time.perf_counter() - started)
            columns = ["district", "dong", "rank_in_dong", "rank_in_district", "household_id", "score", "tier", "signal_count",
                       "signal_1", "points_1", "signal_2", "points_2", "signal_3", "points_3"]  # fmt: skip
            index = [columns.index(c) for c in _COMPARED]
            compared = [tuple(row[i] for i in index) for row in rows]
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return {"times": times, "load_seconds": load_seconds, "rows": len(rows), "digest": _digest(compared), "version": version}


# --- report -------------------------------------------------------------------------------------------


class Report:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, text: str = "") -> None:
        print(text, flush=True)
        self.lines.append(text)


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _fmt_times(values: list[float]) -> str:
    return ", ".join(f"{v:.3f}" for v in values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--single-person",
        type=int,
        default=BASE,
        help="single-person households of the main measurement (the population holds ≈2.6× as many households)",
    )
    parser.add_argument("--scales", default="0.4,0.8,1.6,3.2", help="millions of single-person households")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--output", type=Path, help="results file (default bench/results/discovery-<date>.txt)")
    parser.add_argument("--measure", nargs=3, metavar=("KIND", "DIR", "RUNS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.measure:
        kind, directory, runs = args.measure
        measure = {"polars": _measure_polars, "pandas": _measure_pandas, "simulation": _measure_simulation}[kind]
        print(json.dumps(measure(Path(directory), int(runs))))
        return 0

    import pandas as pd
    import polars as pl

    import analytics

    report = Report()
    today = dt.date.today()
    report(f"itda bench: population discovery — {today.isoformat()}")
    report(
        f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}, "
        f"Polars {pl.__version__}, pandas {pd.__version__}"
    )
    report(f"load average at start (other work on the machine inflates wall times): {os.getloadavg()[0]:.2f}")
    report(f"as of {AS_OF}, seed {SEED}, model {analytics.DEFAULT_RISK_MODEL.version}, runs per measure {args.runs}")
    report()
    base_scale = args.single_person / 1_000_000
    scales = [float(s) for s in args.scales.split(",") if s]
    if base_scale not in scales:
        scales.append(base_scale)
    with tempfile.TemporaryDirectory(prefix="itda-bench-") as temporary:
        root = Path(temporary)
        directories, totals = {}, {}
        for scale in sorted(scales):
            single_person = round(scale * 1_000_000)
            directory = root / f"{single_person}"
            built = build(directory, single_person)
            directories[scale] = directory
            totals[scale] = built
            size = sum(p.stat().st_size for p in directory.glob("*.parquet")) / 2**20
            report(
                f"built {built['single_person']:>9,} single-person households ({built['households']:,} households of all sizes) "
                f"in {built['synth_seconds']:.2f} s, {built['signal_rows']:,} signal rows in {built['signal_seconds']:.2f} s; "
                f"Parquet {size:.0f} MiB"
            )
        report()

        base = directories[base_scale]
        label = f"{totals[base_scale]['single_person']:,} single-person households (of {totals[base_scale]['households']:,})"
        polars_result = _run_measure("polars", base, args.runs)
        polars_median = _median(polars_result["times"])
        report(f"1. Polars, {label}: read Parquet → single-person households → score_households → worklists")
        report(f"   runs, wall (s): {_fmt_times(polars_result['times'])}")
        report(f"   runs, CPU of the process (s): {_fmt_times(polars_result['cpu'])}")
        report(
            f"   median {polars_median:.3f} s, fastest {min(polars_result['times']):.3f} s "
            f"(goal ≤ 1.0 s median) — {'met' if polars_median <= 1.0 else 'NOT met'}; "
            f"peak RSS {polars_result['peak_rss_mb']:.0f} MiB (goal ≤ 2048; interpreter + imports "
            f"{polars_result['baseline_rss_mb']:.0f} MiB) — {'met' if polars_result['peak_rss_mb'] <= 2048 else 'NOT met'}"
        )
        report(f"   median CPU {_median(polars_result['cpu']):.3f} s (both cores busy: wall ≈ CPU / 2 on an idle machine)")
        report(
            f"   scored {polars_result['scored']:,} single-person households; worklist rows {polars_result['rows']:,}; "
            f"tiers {polars_result['tiers']}"
        )
        report()

        if not args.skip_pandas:
            pandas_result = _run_measure("pandas", base, args.runs)
            pandas_median = _median(pandas_result["times"])
            same = pandas_result["digest"] == polars_result["digest"]
            report("2. pandas, same pipeline (read Parquet with pandas/pyarrow)")
            report(f"   runs, wall (s): {_fmt_times(pandas_result['times'])}")
            report(f"   runs, CPU of the process (s): {_fmt_times(pandas_result['cpu'])}")
            report(
                f"   median {pandas_median:.3f} s; pandas / Polars = {pandas_median / polars_median:.1f}× wall, "
                f"{_median(pandas_result['cpu']) / _median(polars_result['cpu']):.1f}× CPU; "
                f"peak RSS {pandas_result['peak_rss_mb']:.0f} MiB; identical worklists: {'yes' if same else 'NO'}"
            )
            report()

        if not args.skip_postgres:
            try:
                sql_result = measure_postgres(base, args.runs)
            except Exception as error:  # the bench reports and goes on
                report(f"3. PostgreSQL: not measured ({type(error).__name__}: {error})")
            else:
                sql_median = _median(sql_result["times"])
                same = sql_result["digest"] == polars_result["digest"]
                report(f"3. PostgreSQL {sql_result['version']}, one SQL query from the same model (data already loaded)")
                report(f"   COPY of the Parquet data + VACUUM ANALYZE (not timed above): {sql_result['load_seconds']:.1f} s")
                report(f"   runs (s): {_fmt_times(sql_result['times'])}")
                report(
                    f"   median {sql_median:.3f} s; SQL / Polars = {sql_median / polars_median:.1f}×; "
                    f"identical worklists: {'yes' if same else 'NO'}"
                )
            report()

        report("4. Scaling, Polars pipeline (median wall, peak RSS), by millions of single-person households")
        for scale in sorted(scales):
            result = polars_result if scale == base_scale else _run_measure("polars", directories[scale], args.runs)
            median = _median(result["times"])
            report(
                f"   {scale:>4.1f} M ({totals[scale]['households'] / 1e6:.1f} M in all): {median:7.3f} s wall "
                f"({median / scale:.3f} s per million), "
                f"{_median(result['cpu']):7.3f} s CPU ({_median(result['cpu']) / scale:.3f} per million), "
                f"peak RSS {result['peak_rss_mb']:6.0f} MiB"
            )
        report()

        simulation = _run_measure("simulation", base, args.runs)
        sim_median = _median(simulation["times"])
        report(
            f"5. Eligibility simulation, {len(simulation['programmes'])} programmes with rules, "
            f"{totals[base_scale]['households']:,} households of all sizes, per district"
        )
        report(f"   programmes: {', '.join(simulation['programmes'])}")
        report(f"   runs in memory (s): {_fmt_times(simulation['times'])}")
        report(
            f"   median {sim_median:.3f} s (goal ≤ 2 s) — {'met' if sim_median <= 2.0 else 'NOT met'}; "
            f"with the Parquet read {_median(simulation['times_with_read']):.3f} s; peak RSS {simulation['peak_rss_mb']:.0f} MiB"
        )
        report(
            f"   compare_thresholds (income line → 150 % for {', '.join(simulation['changed']) or 'none'}): "
            f"{simulation['compare_seconds']:.3f} s, {simulation['eligible_change']:+,} eligible households"
        )
        report()
        report(f"load average at end: {os.getloadavg()[0]:.2f}")

    path = args.output or ROOT / "bench" / "results" / f"discovery-{today.isoformat()}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(report.lines) + "\n", encoding="utf-8")
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
