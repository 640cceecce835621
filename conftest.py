"""Fixtures shared by every app's tests: reference data, the cast, a served copy and a browser."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# The machine has no network but loopback: keep Chromium from trying to reach Google's services.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items):
    """Keep browser tests and other users of the served copy on one xdist worker, so one served copy
    (and one Chromium) serves them all instead of one per worker.

    bin/test runs ``pytest -n 2 --dist loadgroup``; without xdist the group marker is inert.
    """
    for item in items:
        if item.get_closest_marker("browser") is not None or "served_site" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("served_site"))


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (Korean), whatever an earlier test activated."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_frozen_objects():
    """A sweep loop run inside a test freezes the objects then alive (itda.lib.process); the test process unfreezes them."""
    import gc

    from itda.lib import process

    yield
    if process._FROZEN[0]:
        gc.unfreeze()
        process._FROZEN[0] = False


@pytest.fixture(autouse=True)
def _no_cached_teams():
    """Ladder routing keeps the teams for 30 s per process; a test's teams (whose ids a rollback frees) never outlive it."""
    from itda.checkins.services.escalations import forget_teams

    forget_teams()
    yield
    forget_teams()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the real reference data and the programme directory."""
    with django_db_blocker.unblock():
        call_command("load_reference", verbosity=0, stdout=io.StringIO())
        call_command("load_directory", verbosity=0, stdout=io.StringIO())


@pytest.fixture
def cast(db):
    from tests.personas import make_cast  # the app registry is ready only after conftest loads

    return make_cast()


@dataclass(frozen=True)
class ServedSite:
    url: str
    env: dict
    database: Path

    def manage(self, *args: str) -> str:
        """Run a management command against the served copy's database."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args], check=False, cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        if done.returncode != 0:
            # Shown by pytest under "Captured stderr": the exception alone does not say what broke.
            print(done.stdout[-2000:], done.stderr[-6000:], sep="\n", file=sys.stderr)
            done.check_returncode()
        return done.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def served_site(tmp_path_factory):
    """The platform as a user runs it: migrated, loaded with the Seoul data, served by gunicorn."""
    database = tmp_path_factory.mktemp("served") / "itda.sqlite3"
    env = {
        **os.environ,
        "ITDA_DATABASE_URL": f"sqlite:///{database}",
        "ITDA_SECRET_KEY": "served-copy-for-tests",
        "ITDA_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "ITDA_STATIC_MANIFEST": "0",
        "ITDA_SECURE_COOKIES": "0",
        "ITDA_DEBUG": "0",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    site = ServedSite("", env, database)
    for command in (("migrate", "-v0"), ("load_reference",), ("load_directory",), ("seed_demo_accounts", "--demo")):
        site.manage(*command)
    port = _free_port()
    command = [sys.executable, "-m", "gunicorn", "itda.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
    server = subprocess.Popen([*command, "--log-level", "warning"], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=2)  # noqa: S310 - our own local server
            break
        except urllib.error.HTTPError:
            break  # any HTTP answer (even a 404 before the home page exists) means gunicorn is serving
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("the served copy did not start") from None
            time.sleep(0.2)
    yield ServedSite(url, env, database)
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright  # only browser runs pay for the import

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run bin/test, which installs it with apt-get")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    """A phone-sized page in Korean, as most citizens will see the portal."""
    context = browser.new_context(locale="ko-KR", viewport={"width": 390, "height": 844}, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def serious_accessibility_violations(page) -> list[dict]:
    """Run axe-core (WCAG 2.1 A and AA rules) on the page; return serious and critical violations."""
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def sign_in(page, site, username: str, next_path: str) -> None:
    """Sign a demo account in on the served copy and land on ``next_path``."""
    from itda.accounts.management.commands.seed_demo_accounts import DEMO_PASSWORD

    page.goto(f"{site.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{site.url}{next_path}*")


def keep_screenshot(page, name: str) -> None:
    """Keep a picture of the whole page when ITDA_SCREENSHOT_DIR is set."""
    folder = os.environ.get("ITDA_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)
