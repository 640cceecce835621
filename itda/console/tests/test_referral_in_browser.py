"""Referral and 120 line pages in a real browser on a phone: the receiving team accepts from the inbox, the
sender sees it, a counsellor logs a call; axe finds no serious WCAG A/AA violation on any page.

The served copy gets the fictional referrals of ``seed_demo_referrals``.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import serious_accessibility_violations, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def referral_site(served_site):
    served_site.manage("seed_demo_referrals", "--demo")
    return served_site


def test_the_receiving_team_accepts_from_the_inbox_on_a_phone_without_accessibility_violations(referral_site, page):
    sign_in(page, referral_site, "demo-health", "/console/referrals/inbox/")

    row = page.locator("tbody tr", has_text="가상 주민 솔")
    expect(row).to_be_visible()
    assert serious_accessibility_violations(page) == []
    row.locator("a", has_text="가상 주민 솔").click()
    expect(page.locator("h1")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    page.locator("form:has(input[name=to_status][value=ACCEPTED]) button").click()

    expect(page.locator(".facts")).to_be_visible()
    assert page.locator("input[name=to_status][value=ACCEPTED]").count() == 0
    assert page.locator("input[name=to_status][value=CONTACTED]").count() == 1


def test_the_sender_sees_the_overdue_flag_and_the_closed_chain_on_a_phone(referral_site, page):
    sign_in(page, referral_site, "demo-worker", "/console/referrals/")

    overdue_row = page.locator("tbody tr", has_text="가상 주민 이슬")
    expect(overdue_row.locator("[data-overdue]")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    page.locator("tbody tr", has_text="가상 주민 바람").locator("a").click()
    expect(page.locator("ol li", has_text="정신건강복지센터")).to_be_visible()
    assert serious_accessibility_violations(page) == []


def test_a_counsellor_logs_an_anonymous_call_on_a_phone_without_accessibility_violations(referral_site, page):
    sign_in(page, referral_site, "demo-counsellor", "/console/helpline/")
    assert serious_accessibility_violations(page) == []

    page.check("input[name=caller_type][value=FAMILY]")
    page.check("input[name=topics][value=LONELINESS]")
    page.fill("#id_duration_minutes", "9")
    page.locator("form.stack button[type=submit]").click()

    page.wait_for_url(f"{referral_site.url}/console/helpline/contacts/*/")
    expect(page.locator(".facts")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    page.select_option("#id_instrument", "UCLA3")
    page.locator("form.search-row:has(#id_instrument) button").click()
    expect(page.locator("input[name=item-1]").first).to_be_visible()
    assert serious_accessibility_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
