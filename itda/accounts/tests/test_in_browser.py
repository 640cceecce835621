"""Signing up on a phone-sized screen: the form, landing signed in, and "my account", checked with axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import serious_accessibility_violations

pytestmark = pytest.mark.browser


def test_a_citizen_signs_up_on_a_phone_and_lands_on_my_account(served_site, page):
    page.goto(f"{served_site.url}/accounts/login/")
    page.click('a[href="/accounts/sign-up/"]')
    expect(page.locator("h1")).to_have_text("회원가입")
    assert serious_accessibility_violations(page) == []

    page.fill("#id_username", "dal-browser")
    page.fill("#id_password1", "purple-kettle-moon-42")
    page.fill("#id_password2", "purple-kettle-moon-43")
    page.click("form.stack button[type=submit]")
    expect(page.locator("#id_password2_error")).to_contain_text("두 비밀번호가 같지 않습니다")
    assert serious_accessibility_violations(page) == []

    page.fill("#id_password1", "purple-kettle-moon-42")
    page.fill("#id_password2", "purple-kettle-moon-42")
    page.select_option("#id_home_district", label="관악구")
    page.check("#id_agree")
    page.click("form.stack button[type=submit]")

    page.wait_for_url(f"{served_site.url}/accounts/?done=created")
    expect(page.locator("[role=status]")).to_contain_text("계정이 만들어졌습니다")
    expect(page.locator("dl.facts")).to_contain_text("dal-browser")
    expect(page.locator("dl.facts")).to_contain_text("관악구")
    expect(page.locator('a.header-link[href="/accounts/"]')).to_be_visible()
    assert serious_accessibility_violations(page) == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
