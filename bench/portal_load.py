"""Load benchmark of the citizens' portal: programme search and "what can I get", 50 concurrent users.

Not a test: it builds a fresh SQLite demo database in a temporary folder, serves it with gunicorn as
bin/demo does, drives it from this process and prints a table. ``--write`` puts the table into
docs/performance.md; ``--profile`` shows where a request's time goes (queries and a pyinstrument tree).

    .venv/bin/python bench/portal_load.py                 # both modes, every scenario, 20 s each
    .venv/bin/python bench/portal_load.py --write         # ... and record the results
    .venv/bin/python bench/portal_load.py --profile       # per-request queries and a call tree

Scenarios (each user keeps one keep-alive connection and its own cookies, like a phone's browser):
  search-page   GET /programs/?q=<Korean word>&district=11620, the whole page
  search-htmx   the same with ``HX-Request: true``: only the results fragment, as typing in the box does
  wizard        GET /what-can-i-get/ (the form and its CSRF cookie and token), then POST a person's facts

Modes: ``closed`` sends the next request as soon as the last one answers (a stress number: latency is
then the queue, by Little's law users / throughput); ``think`` waits a random time (exponential, mean 1 s)
before every request, as people reading a page do.

The load generator is one asyncio process written for low overhead (raw HTTP/1.1 on asyncio streams,
no HTTP library); it shares the machine's cores with the server, so its CPU time is measured and
reported next to the server's. All traffic stays on 127.0.0.1, and every run is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import html
import os
import platform
import random
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
DOC_START = "<!-- portal_load results: start (written by bench/portal_load.py --write) -->"
DOC_END = "<!-- portal_load results: end -->"
GOAL_P95_MS = 150.0
REQUEST_TIMEOUT_S = 15.0

# Words a citizen would type: programme topics that exist in the directory, and one that matches nothing.
SEARCH_WORDS = ["외로움", "건강", "병원", "요리", "상담", "안심", "주거", "일자리", "반찬", "마음", "청년", "없는말"]
DISTRICT = "11620"  # 관악구
# A person as the wizard's form takes them: 72 years old, living alone in 관악구 on a small income.
WIZARD_FACTS = {
    "age": "72",
    "district": DISTRICT,
    "household_size": "1",
    "monthly_income_krw": "1,200,000",
    "housing_type": "MULTI_FAMILY",
    "tenure": "MONTHLY_RENT",
    "has_disability": "NO",
}
SCENARIOS = ("search-page", "search-htmx", "wizard")
MODES = ("closed", "think")


# --- the served copy ---------------------------------------------------------------------------------


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    env: dict
    workers: int
    threads: int

    def pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [self.process.pid, *(int(pid) for pid in children.read_text().split())]

    def cpu_seconds(self) -> float:
        """User plus system CPU time of gunicorn's master and live workers (workers never restart here)."""
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (all cores, every process), from /proc/stat."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def served_env(database: Path) -> dict:
    env = {
        **os.environ,
        "ITDA_DATABASE_URL": f"sqlite:///{database}",
        "ITDA_SECRET_KEY": "bench-only-not-a-secret-" + "x" * 40,
        "ITDA_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "ITDA_STATIC_MANIFEST": "0",
        "ITDA_SECURE_COOKIES": "0",
        "ITDA_DEBUG": "0",
        "ITDA_LOG_LEVEL": "ERROR",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def build_database(folder: Path) -> dict:
    """A fresh demo database, loaded exactly as bin/demo loads var/itda.sqlite3."""
    env = served_env(folder / "itda.sqlite3")
    (ROOT / "var" / "static").mkdir(parents=True, exist_ok=True)  # STATIC_ROOT; WhiteNoise warns without it
    for command in (["migrate", "-v0"], ["load_reference"], ["load_directory"], ["seed_demo_accounts", "--demo"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict, *, workers: int, threads: int) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "itda.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--threads", str(threads), "--log-level", "warning", "--backlog", "2048"]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=2)  # noqa: S310 - our own server on loopback
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.2)
    return Server(url, process, env, workers, threads)


# --- a small HTTP/1.1 client ------------------------------------------------------------------------


class Closed(Exception):
    pass


@dataclass
class Response:
    status: int
    headers: dict[str, list[str]]
    body: bytes


class Connection:
    """One user's keep-alive connection; reconnects when the server closes it."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None

    async def request(self, method: str, target: str, headers: dict[str, str], body: bytes = b"") -> Response:
        for attempt in (1, 2):
            reused = self.writer is not None
            if not reused:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                return await self._exchange(method, target, headers, body)
            except (Closed, ConnectionResetError, BrokenPipeError):
                await self.close()
                # A keep-alive connection the server timed out is retried once on a new one, as browsers do.
                if not reused or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
        assert self.reader is not None and self.writer is not None
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host}:{self.port}", "Connection: keep-alive"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise Closed
        status = int(status_line.split(b" ", 2)[1])
        response_headers: dict[str, list[str]] = defaultdict(list)
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            response_headers[name.strip().lower()].append(value.strip())
        if "content-length" in response_headers:
            payload = await self.reader.readexactly(int(response_headers["content-length"][0]))
        elif "chunked" in ",".join(response_headers.get("transfer-encoding", [])).lower():
            chunks = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                chunks.append(chunk[:-2])
            payload = b"".join(chunks)
        else:
            payload = await self.reader.read()
            await self.close()
        if "close" in ",".join(response_headers.get("connection", [])).lower():
            await self.close()
        return Response(status, dict(response_headers), payload)


# --- users ------------------------------------------------------------------------------------------


@dataclass
class Sample:
    label: str
    started: float
    seconds: float
    is_error: bool


@dataclass
class Run:
    scenario: str
    mode: str
    users: int
    window_seconds: float
    samples: list[Sample]
    errors_by_reason: dict[str, int]
    generator_cpu_seconds: float
    server_cpu_seconds: float
    machine_cpu_seconds: float


@dataclass
class User:
    connection: Connection
    origin: str
    rng: random.Random
    think_seconds: float
    cookies: dict[str, str] = field(default_factory=dict)

    def cookie_header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}

    def keep_cookies(self, response: Response) -> None:
        for header in response.headers.get("set-cookie", []):
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]


CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


async def timed(user: User, label: str, method: str, target: str, *, headers: dict, body: bytes, samples, errors, expect: int):
    if user.think_seconds:
        await asyncio.sleep(user.rng.expovariate(1 / user.think_seconds))
    started = time.perf_counter()
    try:
        response = await asyncio.wait_for(
            user.connection.request(method, target, {**headers, **user.cookie_header()}, body), REQUEST_TIMEOUT_S
        )
    except (TimeoutError, OSError, Closed, asyncio.IncompleteReadError, ValueError) as error:
        await user.connection.close()
        samples.append(Sample(label, started, time.perf_counter() - started, True))
        errors[f"{label}: {type(error).__name__}"] += 1
        return None
    elapsed = time.perf_counter() - started
    user.keep_cookies(response)
    is_error = response.status != expect
    if is_error:
        errors[f"{label}: HTTP {response.status}"] += 1
    samples.append(Sample(label, started, elapsed, is_error))
    return response


async def search_flow(user: User, samples, errors, *, htmx: bool) -> None:
    word = user.rng.choice(SEARCH_WORDS)
    target = "/programs/?" + urllib.parse.urlencode({"q": word, "district": DISTRICT})
    headers = {"Accept": "text/html", "Accept-Language": "ko-KR,ko;q=0.9", "Accept-Encoding": "identity"}
    if htmx:
        headers |= {"HX-Request": "true", "HX-Current-URL": user.origin + "/programs/"}
    label = "search-htmx" if htmx else "search-page"
    await timed(user, label, "GET", target, headers=headers, body=b"", samples=samples, errors=errors, expect=200)


async def wizard_flow(user: User, samples, errors) -> None:
    headers = {"Accept": "text/html", "Accept-Language": "ko-KR,ko;q=0.9", "Accept-Encoding": "identity"}
    form = await timed(
        user, "wizard GET", "GET", "/what-can-i-get/", headers=headers, body=b"", samples=samples, errors=errors, expect=200
    )
    if form is None or form.status != 200:
        return
    token = CSRF_INPUT.search(form.body)
    if token is None or "csrftoken" not in user.cookies:
        errors["wizard GET: no CSRF token"] += 1
        return
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": html.unescape(token.group(1).decode()), **WIZARD_FACTS}).encode()
    post_headers = headers | {
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": user.origin,
        "Referer": user.origin + "/what-can-i-get/",
    }
    await timed(
        user,
        "wizard POST",
        "POST",
        "/what-can-i-get/",
        headers=post_headers,
        body=body,
        samples=samples,
        errors=errors,
        expect=200,
    )


async def drive(server: Server, scenario: str, mode: str, *, users: int, seconds: float, warmup: float, think: float) -> Run:
    parsed = urllib.parse.urlsplit(server.url)
    samples: list[Sample] = []
    errors: dict[str, int] = defaultdict(int)
    think_seconds = think if mode == "think" else 0.0
    start_at = time.perf_counter()
    measure_from = start_at + warmup
    stop_at = measure_from + seconds

    async def one_user(number: int) -> None:
        rng = random.Random(number)
        user = User(Connection(parsed.hostname, parsed.port), server.url, rng, think_seconds)
        # Spread the first requests so 50 users do not arrive in the same millisecond.
        await asyncio.sleep(rng.uniform(0, min(1.0, warmup)))
        try:
            while time.perf_counter() < stop_at:
                if scenario == "wizard":
                    await wizard_flow(user, samples, errors)
                else:
                    await search_flow(user, samples, errors, htmx=scenario == "search-htmx")
        finally:
            await user.connection.close()

    # CPU is counted over the measured window only: sampled at its start and end from inside the loop.
    marks: dict[str, float] = {}

    async def mark_window() -> None:
        await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
        usage = resource.getrusage(resource.RUSAGE_SELF)
        marks["gen_start"] = usage.ru_utime + usage.ru_stime
        marks["srv_start"] = server.cpu_seconds()
        marks["all_start"] = machine_busy_seconds()
        await asyncio.sleep(max(0.0, stop_at - time.perf_counter()))
        usage = resource.getrusage(resource.RUSAGE_SELF)
        marks["gen_end"] = usage.ru_utime + usage.ru_stime
        marks["srv_end"] = server.cpu_seconds()
        marks["all_end"] = machine_busy_seconds()

    await asyncio.gather(mark_window(), *(one_user(number) for number in range(users)))
    # Only requests that started inside the window and finished before it closed count.
    measured = [s for s in samples if s.started >= measure_from and s.started + s.seconds <= stop_at]
    return Run(
        scenario,
        mode,
        users,
        seconds,
        measured,
        dict(errors),
        marks["gen_end"] - marks["gen_start"],
        marks["srv_end"] - marks["srv_start"],
        marks["all_end"] - marks["all_start"],
    )


# --- reporting --------------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def machine() -> dict[str, str]:
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": model,
        "memory": f"{memory_kb / 1024 / 1024:.0f} GiB",
        "python": platform.python_version(),
        "os": platform.platform(terse=True),
    }


def rows_for(run: Run) -> list[list[str]]:
    labels = sorted({s.label for s in run.samples}, key=lambda label: (label != run.scenario, label))
    rows = []
    groups = [(label, [s for s in run.samples if s.label == label]) for label in labels]
    if len(groups) > 1:
        groups.append((f"{run.scenario} (all)", run.samples))
    cores = len(os.sched_getaffinity(0))
    capacity = run.window_seconds * cores
    other = max(0.0, run.machine_cpu_seconds - run.generator_cpu_seconds - run.server_cpu_seconds)
    for label, samples in groups:
        latencies = [s.seconds * 1000 for s in samples] or [float("nan")]
        errors = sum(s.is_error for s in samples)
        p95 = percentile(latencies, 0.95)
        rows.append(
            [
                label,
                run.mode,
                str(run.users),
                str(len(samples)),
                f"{len(samples) / run.window_seconds:.1f}",
                f"{percentile(latencies, 0.50):.0f}",
                f"{p95:.0f}",
                f"{percentile(latencies, 0.99):.0f}",
                f"{max(latencies):.0f}",
                str(errors),
                "yes" if p95 <= GOAL_P95_MS and errors == 0 else "NO",
                f"{1000 * run.server_cpu_seconds / len(run.samples):.1f}" if run.samples else "-",
                f"{100 * run.server_cpu_seconds / capacity:.0f}%",
                f"{100 * run.generator_cpu_seconds / capacity:.0f}%",
                f"{100 * other / capacity:.0f}%",
            ]
        )
    return rows


HEADER = [
    "request", "mode", "users", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors",
    "p95 ≤ 150", "server CPU ms/req", "server CPU", "generator CPU", "other CPU",
]  # fmt: skip


def markdown_table(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "|".join("---" for _ in HEADER) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def text_table(rows: list[list[str]]) -> str:
    widths = [max(len(str(row[i])) for row in [HEADER, *rows]) for i in range(len(HEADER))]
    lines = []
    for row in [HEADER, *rows]:
        cells = zip(row, widths, strict=True)
        lines.append("  ".join(cell.rjust(width) if i else cell.ljust(width) for i, (cell, width) in enumerate(cells)))
    return "\n".join(lines)


def write_doc(section: str) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Performance\n\n" + DOC_START + "\n" + DOC_END + "\n"
    if DOC_START not in text:
        text += "\n" + DOC_START + "\n" + DOC_END + "\n"
    before, rest = text.split(DOC_START, 1)
    after = rest.split(DOC_END, 1)[1]
    DOC.write_text(before + DOC_START + "\n" + section.strip() + "\n" + DOC_END + after, encoding="utf-8")


# --- profiling --------------------------------------------------------------------------------------


def profile(env: dict, rounds: int) -> None:
    """Where a request's time goes, in this process: queries per request, the slowest SQL, a call tree."""
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "itda.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    try:
        from pyinstrument import Profiler
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-r", str(ROOT / "bench" / "requirements.txt")], check=True)
        from pyinstrument import Profiler

    client = Client(HTTP_ACCEPT_LANGUAGE="ko-KR")
    get_form = client.get("/what-can-i-get/")
    token = CSRF_INPUT.search(get_form.content)
    post_data = {"csrfmiddlewaretoken": token.group(1).decode() if token else "", **WIZARD_FACTS}
    requests = {
        "search-page": lambda: client.get("/programs/", {"q": "건강", "district": DISTRICT}),
        "search-htmx": lambda: client.get("/programs/", {"q": "건강", "district": DISTRICT}, HTTP_HX_REQUEST="true"),
        "wizard GET": lambda: client.get("/what-can-i-get/"),
        "wizard POST": lambda: client.post("/what-can-i-get/", post_data),
    }
    captured: list[tuple[str, float]] = []

    def record(execute, sql, params, many, context):
        # request_started clears connection.queries, so queries are caught at the cursor instead.
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            captured.append((sql, time.perf_counter() - started))

    for label, send in requests.items():
        send()  # warm caches (templates, lru caches, the median-income table)
        captured.clear()
        with connection.execute_wrapper(record):
            response = send()
        started = time.perf_counter()
        for _ in range(rounds):
            send()
        each_ms = (time.perf_counter() - started) * 1000 / rounds
        sql_ms = sum(seconds for _, seconds in captured) * 1000
        print(
            f"\n=== {label}: HTTP {response.status_code}, {len(response.content) / 1024:.0f} KiB, {each_ms:.1f} ms a request "
            f"in-process, {len(captured)} queries taking {sql_ms:.1f} ms (with row fetching)"
        )
        for sql, seconds in sorted(captured, key=lambda item: item[1], reverse=True)[:6]:
            print(f"  {seconds * 1000:6.2f} ms  {sql[:200]}")
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(rounds):
            send()
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False, short_mode=False)[:6000])
        print(project_functions(send, rounds))


def project_functions(send, rounds: int, limit: int = 14) -> str:
    """The project's own functions (and template rendering) by CPU time per request, inclusive."""
    import cProfile
    import pstats

    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(rounds):
        send()
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    project = str(ROOT / "itda")
    rows = []
    for (filename, line, name), (_, calls, _, cumulative, _) in stats.items():
        is_ours = filename.startswith((project, str(ROOT / "analytics")))
        is_rendering = name in {"render"} and filename.endswith("django/shortcuts.py")
        if is_ours or is_rendering:
            where = f"{Path(filename).relative_to(ROOT) if is_ours else 'django/shortcuts.py'}:{line} {name}"
            rows.append((cumulative / rounds * 1000, calls / rounds, where))
    rows.sort(reverse=True)
    lines = ["  CPU ms/request (inclusive, cProfile)  calls/request  function"]
    lines += [f"  {ms:8.2f}  {calls:8.1f}  {where}" for ms, calls, where in rows[:limit]]
    return "\n".join(lines)


# --- main -------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured window per scenario and mode")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--think", type=float, default=1.0, help="mean think time in the think mode (s)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--scenario", choices=SCENARIOS, action="append", help="repeatable; default all")
    parser.add_argument("--mode", choices=MODES, action="append", help="repeatable; default both")
    parser.add_argument(
        "--wait-quiet", type=float, default=0.0, metavar="SECONDS",
        help="first wait up to this long for the 1-minute load average to drop below 0.5",
    )  # fmt: skip
    parser.add_argument("--write", action="store_true", help=f"record the results in {DOC.relative_to(ROOT)}")
    parser.add_argument("--profile", action="store_true", help="profile requests in-process instead of the load run")
    parser.add_argument("--rounds", type=int, default=50, help="requests per profile")
    options = parser.parse_args()
    if options.users < 1 or options.users > 500 or options.seconds > 300:
        parser.error("keep the run bounded: 1-500 users, at most 300 s a window")

    deadline = time.monotonic() + options.wait_quiet
    while os.getloadavg()[0] >= 0.5 and time.monotonic() < deadline:
        time.sleep(5)
    print(f"load average before the run: {os.getloadavg()[0]:.2f}")
    folder = Path(tempfile.mkdtemp(prefix="itda-bench-"))
    try:
        print(f"building a fresh demo database in {folder} ...", flush=True)
        env = build_database(folder)
        if options.profile:
            profile(env, options.rounds)
            return
        server = start_server(env, workers=options.workers, threads=options.threads)
        try:
            facts = machine()
            print(f"serving {server.url} with gunicorn: {server.workers} workers x {server.threads} threads")
            print("machine: " + ", ".join(f"{k} {v}" for k, v in facts.items()), flush=True)
            rows = []
            for mode in options.mode or MODES:
                for scenario in options.scenario or SCENARIOS:
                    plan = f"{options.users} users, {options.warmup:.0f} s warm-up + {options.seconds:.0f} s"
                    print(f"  {scenario} / {mode}: {plan} ...", flush=True)
                    run = asyncio.run(
                        drive(
                            server,
                            scenario,
                            mode,
                            users=options.users,
                            seconds=options.seconds,
                            warmup=options.warmup,
                            think=options.think,
                        )
                    )
                    rows += rows_for(run)
                    for reason, count in sorted(run.errors_by_reason.items()):
                        print(f"    error {reason}: {count}")
            print()
            print(text_table(rows))
            config = (
                f"gunicorn {server.workers} workers × {server.threads} threads (gthread), SQLite (WAL), DEBUG off; "
                f"{options.users} users, {options.warmup:.0f} s warm-up then {options.seconds:.0f} s measured per row; "
                f"think mode: exponential think time, mean {options.think:g} s, before every request"
            )
            section = "\n".join(
                [
                    f"Measured {facts['date']} on {facts['nproc']} cores ({facts['cpu']}), {facts['memory']}, "
                    f"Python {facts['python']}, {facts['os']}.",
                    "",
                    config + ".",
                    "",
                    markdown_table(rows),
                ]
            )
            if options.write:
                write_doc(section)
                print(f"\nwritten to {DOC.relative_to(ROOT)}")
        finally:
            server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
