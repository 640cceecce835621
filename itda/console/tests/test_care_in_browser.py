"""The care pages in a real browser on a phone: a worker previews and applies an allocation, a volunteer
opens their households, and axe finds no serious WCAG A/AA violation on any of them.

The served copy gets the fictional 관악구 care network of ``seed_demo_care_network``. Set
ITDA_SCREENSHOT_DIR to keep phone screenshots.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import serious_accessibility_violations

pytestmark = pytest.mark.browser
DEMO_PASSWORD = "itda-demo-2026"


@pytest.fixture(scope="module")
def care_site(served_site):
    served_site.manage("seed_demo_care_network", "--demo")
    return served_site


def _sign_in(page, site, username: str, next_path: str) -> None:
    page.goto(f"{site.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{site.url}{next_path}*")


def _screenshot(page, name: str) -> None:
    folder = os.environ.get("ITDA_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def test_a_worker_moves_through_the_care_pages_on_a_phone_without_accessibility_violations(care_site, page):
    _sign_in(page, care_site, "demo-worker", "/console/care/people/")

    expect(page.locator(".care-cards li.card").first).to_be_visible()
    assert serious_accessibility_violations(page) == []
    _screenshot(page, "care-people-phone.png")
    page.locator(".care-cards li.card a").first.click()
    expect(page.locator("h2").first).to_be_visible()
    assert serious_accessibility_violations(page) == []
    _screenshot(page, "care-person-phone.png")
    preview = "/console/care/allocation/?dong_rule=PREFERRED&reoptimise=on"
    for path in ("/console/care/volunteers/", "/console/care/unallocated/", preview):
        page.goto(care_site.url + path)
        assert serious_accessibility_violations(page) == [], path
    _screenshot(page, "care-allocation-preview-phone.png")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_volunteer_opens_their_households_and_can_call_them(care_site, page):
    _sign_in(page, care_site, "demo-volunteer", "/console/care/mine/")

    calls = page.locator("a.button--call")
    expect(calls.first).to_have_attribute("href", re.compile(r"^tel:010-0000-"))
    assert serious_accessibility_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    _screenshot(page, "care-my-households-phone.png")
