"""The self-check in a real browser on a phone: the crisis lines show without a click; axe finds nothing serious."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from conftest import serious_accessibility_violations

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def selfcheck_site(served_site):
    """The URL of the served copy, whose portal includes the self-check pages."""
    return served_site.url


def _answer_phq9(page, item9: int) -> None:
    for number in range(1, 9):
        page.check(f"#id_item-{number}_0")
    page.check(f"#id_item-9_{item9}")
    page.click("#selfcheck-form button[type=submit]")


def _screenshot(page, name: str) -> None:
    folder = os.environ.get("ITDA_SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, name))


def test_a_crisis_answer_shows_109_and_112_119_on_the_first_screen(selfcheck_site, page):
    page.goto(selfcheck_site + "/self-check/phq-9/")

    _answer_phq9(page, item9=1)

    box = page.locator("#crisis-now")
    expect(box).to_be_visible()
    for number in ("109", "112", "119"):
        expect(box.locator(f'a[href="tel:{number}"]')).to_be_in_viewport()
    assert page.url == selfcheck_site + "/self-check/phq-9/"
    _screenshot(page, "selfcheck-crisis-phone.png")


def test_the_self_check_form_has_no_serious_accessibility_problems(selfcheck_site, page):
    page.goto(selfcheck_site + "/self-check/seoul-self-check/")

    violations = serious_accessibility_violations(page)

    assert violations == []
    _screenshot(page, "selfcheck-form-phone.png")


def test_the_result_page_has_no_serious_accessibility_problems(selfcheck_site, page):
    page.goto(selfcheck_site + "/self-check/phq-9/")
    _answer_phq9(page, item9=1)
    page.wait_for_selector("#crisis-now")

    violations = serious_accessibility_violations(page)

    assert violations == []


def test_leaving_a_question_empty_names_it_and_keeps_the_other_answers(selfcheck_site, page):
    page.goto(selfcheck_site + "/self-check/ucla-3/")
    page.check("#id_item-1_2")
    page.check("#id_item-2_2")

    page.click("#selfcheck-form button[type=submit]")

    expect(page.locator("#error-summary a[href='#id_item-3_0']")).to_have_count(1)
    expect(page.locator("#id_item-1_2")).to_be_checked()
    violations = serious_accessibility_violations(page)
    assert violations == []
