"""The clinic flow in a real browser on a phone: register a patient, run PHQ-9, see the triage, send the referral;
axe finds no serious WCAG A/AA violation on any page. The served copy gets ``demo-clinic`` from
``seed_demo_referrals``."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import serious_accessibility_violations

pytestmark = pytest.mark.browser
DEMO_PASSWORD = "itda-demo-2026"
# 15 / 27: moderately severe → URGENT → suggested risk HIGH; item 9 at 0.
ANSWERS = {"1": 2, "2": 2, "3": 2, "4": 2, "5": 2, "6": 2, "7": 2, "8": 1, "9": 0}


@pytest.fixture(scope="module")
def clinic_site(served_site):
    served_site.manage("seed_demo_referrals", "--demo")
    return served_site


def test_a_clinic_doctor_screens_and_refers_on_a_phone_without_accessibility_violations(clinic_site, page):
    page.goto(f"{clinic_site.url}/accounts/login/?next=/console/clinic/")
    page.fill("#id_username", "demo-clinic")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{clinic_site.url}/console/clinic/*")
    assert serious_accessibility_violations(page) == []

    page.fill("#id_name", "가상 환자 브라우저")
    page.fill("#id_birth_year", "1972")
    page.check("#id_consent_given")
    page.locator("form:has(#id_consent_given) button[type=submit]").click()
    page.wait_for_url(f"{clinic_site.url}/console/clinic/patients/*/screen/*")
    expect(page.locator("#clinic-screening")).to_be_visible()
    assert serious_accessibility_violations(page) == []

    for code, value in ANSWERS.items():
        page.check(f"input[name=item-{code}][value='{value}']")
    page.locator("#clinic-screening button[type=submit]").click()
    page.wait_for_url(f"{clinic_site.url}/console/clinic/patients/*/results/*/refer/*")
    expect(page.locator("#clinic-result")).to_contain_text("15 / 27")
    expect(page.locator("input[name=risk][value=HIGH]")).to_be_checked()
    assert serious_accessibility_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.check("#id_share_consent")
    page.locator("#clinic-refer button[type=submit]").click()
    page.wait_for_url(f"{clinic_site.url}/console/referrals/*/")
    expect(page.locator("#attached-result")).to_contain_text("15 / 27")
    assert serious_accessibility_violations(page) == []

    page.goto(f"{clinic_site.url}/console/clinic/")
    expect(page.locator("#clinic-loops")).to_contain_text("가상 환자 브라우저")
    assert serious_accessibility_violations(page) == []
