"""The task inbox in a real browser on a phone: a worker sees the crisis first, closes a task as unreachable with its
next step, takes a team task in place (htmx), and axe finds no serious WCAG A/AA violation on any page.

The served copy gets the invented residents of ``seed_demo_tasks``. Set ITDA_SCREENSHOT_DIR to keep phone screenshots.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import keep_screenshot, serious_accessibility_violations, sign_in

pytestmark = pytest.mark.browser
TAP_TARGET_PX = 44


@pytest.fixture(scope="module")
def task_site(served_site):
    served_site.manage("seed_demo_tasks", "--demo")
    return served_site


def test_a_worker_works_the_task_inbox_on_a_phone_without_accessibility_violations(task_site, page):
    sign_in(page, task_site, "demo-worker", "/console/tasks/")
    cards = page.locator("ul.task-cards > li.card")
    expect(cards.first).to_be_visible()
    assert "위기 대응" in cards.first.inner_text()
    expect(page.locator(".tasks-nav .task-badge")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    keep_screenshot(page, "tasks-mine-phone.png")

    cards.first.locator("h2 a").click()
    expect(page.locator("#outcome-title")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    keep_screenshot(page, "task-detail-phone.png")
    page.locator("input[name=outcome][value=UNREACHABLE]").check()
    page.locator("input[name=next_step_kind][value=VISIT]").check()
    tomorrow = page.evaluate("new Date(Date.now() + 86400000).toISOString().slice(0, 10)")
    page.fill("input[name=next_step_at]", f"{tomorrow}T10:00")
    page.click("section[aria-labelledby=outcome-title] button[type=submit]")
    expect(page.locator("[role=status] .notice")).to_contain_text("다음 조치")
    expect(page.get_by_role("link", name="다음 조치", exact=False)).to_be_visible()
    assert serious_accessibility_violations(page) == []

    page.goto(task_site.url + "/console/tasks/team/?overdue=on")
    assert serious_accessibility_violations(page) == []
    take = page.locator("ul.task-cards button", has_text="맡기").first
    assert take.bounding_box()["height"] >= TAP_TARGET_PX
    take.click()
    expect(page.locator("ul.task-cards [role=status]").first).to_contain_text("내가 맡은 일")
    assert serious_accessibility_violations(page) == []
    keep_screenshot(page, "tasks-team-phone.png")
