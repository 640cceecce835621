"""The care pages in a real browser on a phone: a worker previews and applies an allocation, a volunteer
opens their households, and axe finds no serious WCAG A/AA violation on any of them.

The served copy gets the fictional 관악구 care network of ``seed_demo_care_network``. Set
ITDA_SCREENSHOT_DIR to keep phone screenshots.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conftest import keep_screenshot, serious_accessibility_violations, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def care_site(served_site):
    served_site.manage("seed_demo_care_network", "--demo")
    return served_site


def test_a_worker_moves_through_the_care_pages_on_a_phone_without_accessibility_violations(care_site, page):
    sign_in(page, care_site, "demo-worker", "/console/care/people/")

    expect(page.locator(".care-cards li.card").first).to_be_visible()
    assert serious_accessibility_violations(page) == []
    keep_screenshot(page, "care-people-phone.png")
    page.locator(".care-cards li.card a").first.click()
    expect(page.locator("h2").first).to_be_visible()
    assert serious_accessibility_violations(page) == []
    keep_screenshot(page, "care-person-phone.png")
    preview = "/console/care/allocation/?dong_rule=PREFERRED&reoptimise=on"
    for path in ("/console/care/volunteers/", "/console/care/unallocated/", preview):
        page.goto(care_site.url + path)
        assert serious_accessibility_violations(page) == [], path
    keep_screenshot(page, "care-allocation-preview-phone.png")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_volunteer_opens_their_households_and_can_call_them(care_site, page):
    sign_in(page, care_site, "demo-volunteer", "/console/care/mine/")

    calls = page.locator("a.button--call")
    expect(calls.first).to_have_attribute("href", re.compile(r"^tel:010-0000-"))
    assert serious_accessibility_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    keep_screenshot(page, "care-my-households-phone.png")
