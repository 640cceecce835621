"""Kill real check-in workers with SIGKILL mid-cycle, restart them (two at once), and count: every call made exactly once,
every escalation step fired exactly once. Runs on whichever database the test run uses (PostgreSQL or SQLite), each
time on a throwaway database of its own that the worker processes can open."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]
MOMENT = "2026-09-15T10:00:00+09:00"  # a Tuesday morning: steps go to the dong centre
LATER = {30: "2026-09-15T10:30:00+09:00", 60: "2026-09-15T11:00:00+09:00"}
PEOPLE = 200
SEED, NO_ANSWER, CONCERN, SELF_HARM = 7, 0.3, 0.1, 0.02


@dataclass
class Throwaway:
    env: dict
    count_sql: object
    logs: Path

    def run(self, *args: str, check: bool = True) -> str:
        command = [sys.executable, *args]
        done = subprocess.run(command, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300, check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"{args} failed ({done.returncode}): {done.stderr[-2000:]}")
        return done.stdout

    def worker(self, moment: str, *extra: str) -> subprocess.Popen:
        command = [
            sys.executable,
            "manage.py",
            "run_checkin_cycle",
            "--now",
            moment,
            "--simulate",
            "--seed",
            str(SEED),
            "--no-answer-rate",
            str(NO_ANSWER),
            "--concern-rate",
            str(CONCERN),
            "--self-harm-rate",
            str(SELF_HARM),
            "--lapsed-rate",
            "0",
            *extra,
        ]
        log = self.logs / f"worker-{uuid.uuid4().hex[:8]}.log"
        with log.open("w") as output:
            process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT)
        process.log = log
        return process

    def calls(self) -> int:
        return self.count_sql("SELECT count(*) FROM checkins_checkinattempt")


@pytest.fixture
def throwaway(tmp_path):
    """A migrated database outside the test transaction, so worker processes can share it."""
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "ITDA_SECRET_KEY": "crash-test-only",
        "ITDA_DEBUG": "0",
        "ITDA_LOG_LEVEL": "ERROR",
        "PYTHONUNBUFFERED": "1",
    }
    if database["ENGINE"] == "django.db.backends.postgresql":
        import psycopg

        name = f"itda_crash_{uuid.uuid4().hex[:10]}"
        admin = {"dbname": "postgres", "user": database["USER"], "host": database["HOST"], "port": database["PORT"] or 5432}
        with psycopg.connect(**admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        env["ITDA_DATABASE_URL"] = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT'] or 5432}/{name}"

        def count(sql):
            with psycopg.connect(**{**admin, "dbname": name}) as connection:
                return connection.execute(sql).fetchone()[0]

        yield Throwaway(env, count, tmp_path)
        with psycopg.connect(**admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path / "crash.sqlite3"
        env["ITDA_DATABASE_URL"] = f"sqlite:///{path}"

        def count(sql):
            with sqlite3.connect(path, timeout=20) as connection:
                return connection.execute(sql).fetchone()[0]

        yield Throwaway(env, count, tmp_path)


def _wait(process: subprocess.Popen, expected: int = 0, timeout: float = 240) -> int:
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise
    assert process.returncode == expected, process.log.read_text()[-3000:]
    return process.returncode


def test_workers_killed_mid_cycle_and_restarted_make_every_call_once_and_fire_every_step_once(throwaway, capsys):
    throwaway.run("manage.py", "migrate", "-v0")
    throwaway.run("-m", "itda.checkins.tests.crash_harness", "setup", str(PEOPLE), MOMENT)

    # 1. A worker killed from outside while it works through the first calls, ten to a batch.
    doomed = throwaway.worker(MOMENT, "--batch-size", "10", "--pace-ms", "250")
    deadline = time.monotonic() + 120
    while throwaway.calls() < 40 and time.monotonic() < deadline and doomed.poll() is None:
        time.sleep(0.2)
    doomed.send_signal(signal.SIGKILL)
    assert _wait(doomed, -signal.SIGKILL) == -signal.SIGKILL
    made_before_restart = throwaway.calls()
    assert 40 <= made_before_restart < PEOPLE

    # 2. Two workers restart together and finish the first calls.
    pair = [throwaway.worker(MOMENT, "--batch-size", "10"), throwaway.worker(MOMENT, "--batch-size", "10")]
    assert [_wait(process) for process in pair] == [0, 0]

    # 3. Half an hour on, the first retries: the simulator kills its own worker after five calls, mid-batch.
    crashing = throwaway.worker(LATER[30], "--batch-size", "4", "--kill-after", "5")
    assert _wait(crashing, -signal.SIGKILL) == -signal.SIGKILL
    assert _wait(throwaway.worker(LATER[30], "--batch-size", "4")) == 0

    # 4. An hour on, the second retries and the staff calls, two workers at once.
    pair = [throwaway.worker(LATER[60], "--batch-size", "4"), throwaway.worker(LATER[60], "--batch-size", "4")]
    assert [_wait(process) for process in pair] == [0, 0]

    result = json.loads(
        throwaway.run(
            "-m", "itda.checkins.tests.crash_harness", "verify", str(SEED), str(NO_ANSWER), str(CONCERN), str(SELF_HARM)
        )
    )
    with capsys.disabled():
        summary = {key: result[key] for key in ("due_contacts", "calls", "expected_calls", "tasks", "expected_tasks", "outcomes")}
        print(f"\ncrash test: killed after {made_before_restart} calls; {summary}")
    assert result["mismatches"] == [] and result["mismatch_count"] == 0
    assert result["due_contacts"] == PEOPLE
    assert result["calls"] == result["expected_calls"] == result["timeline_entries"]
    assert result["tasks"] == result["expected_tasks"]
    assert result["doubled_tasks"] == []
    outcomes = result["outcomes"]
    assert min(outcomes["retried"], outcomes["risk"], outcomes["staff_call"], outcomes["answered"]) > 0, outcomes
