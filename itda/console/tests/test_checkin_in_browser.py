"""The check-in pages in a real browser on a phone: a volunteer logs a contact with one tap, a worker reads the board and
moves a ladder, and axe finds no serious WCAG A/AA violation on any of them.

The served copy gets the invented 관악구 residents of ``seed_checkin_demo``. Set ITDA_SCREENSHOT_DIR to keep phone
screenshots.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from conftest import keep_screenshot, serious_accessibility_violations, sign_in

pytestmark = pytest.mark.browser
TAP_TARGET_PX = 48


@pytest.fixture(scope="module")
def checkin_site(served_site):
    served_site.manage("seed_checkin_demo", "--demo")
    return served_site


def test_a_volunteer_logs_a_contact_on_a_phone_with_one_tap(checkin_site, page):
    sign_in(page, checkin_site, "demo-volunteer", "/console/check-ins/worklist/")
    cards = page.locator("main li.card")
    expect(cards.first).to_be_visible()
    before = cards.count()
    buttons = cards.first.locator("button[name=outcome]")
    heights = [buttons.nth(index).bounding_box()["height"] for index in range(buttons.count())]
    assert serious_accessibility_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    keep_screenshot(page, "checkin-worklist-phone.png")
    started = time.monotonic()

    buttons.first.click()

    page.wait_for_url(f"{checkin_site.url}/console/check-ins/worklist/")
    expect(page.locator("[role=status] .notice")).to_be_visible()
    assert cards.count() == before - 1
    assert time.monotonic() - started < 60
    assert (buttons.count(), min(heights) >= TAP_TARGET_PX) == (4, True)


def test_a_worker_reads_the_board_and_moves_a_ladder_on_a_phone(checkin_site, page):
    sign_in(page, checkin_site, "demo-worker", "/console/check-ins/")
    expect(page.locator("#escalations-title")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    keep_screenshot(page, "checkin-board-phone.png")
    links = page.locator("section[aria-labelledby=escalations-title] li.card a")
    hrefs = [links.nth(index).get_attribute("href") for index in range(links.count())]
    waiting_for_a_worker = []
    for href in hrefs:
        page.goto(checkin_site.url + href)
        assert serious_accessibility_violations(page) == [], href
        if page.locator("button[name=outcome]").count():
            waiting_for_a_worker.append(href)
    page.goto(checkin_site.url + waiting_for_a_worker[0])
    keep_screenshot(page, "checkin-escalation-phone.png")

    page.locator("button[name=outcome][value=REACHED]").click()

    expect(page.locator("[role=status] .notice")).to_be_visible()
    assert page.locator("button[name=outcome]").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
