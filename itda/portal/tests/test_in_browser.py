"""The portal in a real browser on a phone-sized screen: htmx updates, the wizard, the map, language, accessibility.

Text that the translation pass will change is not asserted here; names from the data
(Korean), numbers, URLs and element structure are. Set ITDA_SCREENSHOT_DIR to keep
phone screenshots of the home page and of wizard results.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import serious_accessibility_violations

pytestmark = pytest.mark.browser

HOSPITAL = 'a[href="/programs/hospital-accompaniment/"]'


def _screenshot(target, name: str) -> None:
    """Keep a picture of a page's current screen, or of one element, when ITDA_SCREENSHOT_DIR is set."""
    folder = os.environ.get("ITDA_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        target.screenshot(path=str(Path(folder) / name))


def _fill_the_persona(page) -> None:
    page.fill("#id_age", "70")
    page.select_option("#id_district", label="관악구")
    page.fill("#id_household_size", "1")
    page.fill("#id_monthly_income_krw", "2,700,000")
    page.select_option("#id_tenure", "MONTHLY_RENT")
    page.click("#wizard-form button[type=submit]")


def test_the_wizard_shows_hospital_accompaniment_with_the_income_reason(served_site, page):
    page.goto(served_site.url + "/what-can-i-get/")

    _fill_the_persona(page)

    card = page.locator("#group-eligible li.card").filter(has=page.locator(HOSPITAL))
    expect(card).to_have_count(1)
    expect(card.locator(".quotes .reasons li", has_text=re.compile(r"2,700,000.*100%.*2026.*2,564,238"))).to_have_count(1)
    expect(card.locator(".quotes .price").first).to_have_text(re.compile(r"5,000"))
    assert page.url == served_site.url + "/what-can-i-get/"
    page.locator("#results").scroll_into_view_if_needed()
    _screenshot(page, "wizard-results-phone.png")
    _screenshot(card, "wizard-hospital-card-phone.png")


def test_using_the_wizard_in_the_browser_leaves_no_session_cookie(served_site, page):
    page.goto(served_site.url + "/what-can-i-get/")

    _fill_the_persona(page)
    page.wait_for_selector("#results")

    assert [cookie["name"] for cookie in page.context.cookies() if cookie["name"] == "sessionid"] == []


def test_typing_a_korean_word_updates_the_results_in_place(served_site, page):
    page.goto(served_site.url + "/programs/")
    page.evaluate("window.itdaSamePage = true")

    page.locator("#id_q").press_sequentially("병원", delay=60)

    expect(page.locator("#results " + HOSPITAL)).to_be_visible()
    expect(page.locator('#results a[href="/programs/loneliness-goodbye-120/"]')).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/programs/\?q=%EB%B3%91%EC%9B%90"))
    assert page.evaluate("window.itdaSamePage") is True


def test_choosing_a_need_filters_the_results_in_place(served_site, page):
    page.goto(served_site.url + "/programs/")
    page.evaluate("window.itdaSamePage = true")

    page.select_option("#id_need", "housing")

    expect(page.locator('#results a[href="/programs/home-maintenance/"]')).to_be_visible()
    expect(page.locator('#results a[href="/programs/loneliness-goodbye-120/"]')).to_have_count(0)
    expect(page).to_have_url(re.compile(r"need=housing"))
    assert page.evaluate("window.itdaSamePage") is True


def test_a_bad_age_in_the_search_shows_the_message_without_losing_the_results(served_site, page):
    page.goto(served_site.url + "/programs/")

    page.locator("#id_age").press_sequentially("abc", delay=30)

    expect(page.locator("#search-status .notice--error")).to_be_visible()
    expect(page.locator("#search-status")).to_contain_text("0 to 120")
    expect(page.locator("#results " + HOSPITAL)).to_be_visible()


def test_the_site_finder_draws_the_map_and_lists_the_maeum_stores(served_site, page):
    page.goto(served_site.url + "/sites/")

    expect(page.locator("svg.seoul-map[role=img]")).to_have_attribute("aria-label", re.compile(r".+"))
    expect(page.locator("svg.seoul-map path")).to_have_count(25)
    expect(page.locator("#site-maeum-gangbuk h2")).to_have_text("서울마음편의점 강북점")
    assert page.locator("li.card[id^=site-maeum-]").count() >= 1
    assert page.locator("svg.seoul-map circle").count() == page.locator(".site-list > li.card").count()


def test_the_open_now_filter_keeps_only_open_places(served_site, page):
    page.goto(served_site.url + "/sites/")
    open_before = page.locator(".site-list > li.card:has(.badge--open)").count()

    page.check("#id_open_now")

    expect(page).to_have_url(re.compile(r"open_now=on"))
    expect(page.locator(".site-list > li.card")).to_have_count(open_before)
    expect(page.locator(".site-list .badge--closed")).to_have_count(0)


def test_the_language_switch_goes_to_english_and_back_on_the_same_page(served_site, page):
    page.goto(served_site.url + "/programs/hospital-accompaniment/")
    expect(page.locator("h1")).to_have_text("병원안심동행")

    page.click("button[name=language][value=en]")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Hospital accompaniment")
    assert page.url == served_site.url + "/programs/hospital-accompaniment/"

    page.click("button[name=language][value=ko]")

    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator("h1")).to_have_text("병원안심동행")


def test_the_crisis_lines_are_on_the_first_screen_of_a_phone(served_site, page):
    page.goto(served_site.url + "/")

    calls = page.locator(".crisis-band__call")
    boxes = [calls.nth(index).bounding_box() for index in range(calls.count())]
    assert [box["y"] + box["height"] <= 844 for box in boxes] == [True] * 5
    _screenshot(page, "home-phone.png")


def test_text_is_large_and_controls_are_easy_to_tap(served_site, page):
    page.goto(served_site.url + "/what-can-i-get/")

    font_size = page.evaluate("getComputedStyle(document.body).fontSize")
    header_controls = [".crisis-band__call", ".site-nav a", ".language-switch button", ".header-link"]
    form_controls = ["main input[type=text]", "main select", "main button", ".radio"]
    controls = ", ".join([*header_controls, *form_controls])
    heights = page.evaluate(
        "selector => [...document.querySelectorAll(selector)].map(element => Math.floor(element.getBoundingClientRect().height))",
        controls,
    )
    assert font_size == "18px"
    assert [height for height in heights if height < 44] == []


def test_focus_is_visible_on_links_and_buttons(served_site, page):
    page.goto(served_site.url + "/")

    page.keyboard.press("Tab")

    focused = page.evaluate(
        """() => {
            const style = getComputedStyle(document.activeElement);
            return [document.activeElement.className, style.outlineStyle, style.outlineWidth];
        }"""
    )
    assert focused == ["skip-link", "solid", "3px"]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/programs/",
        "/programs/?q=%EB%B3%91%EC%9B%90&need=health",
        "/programs/hospital-accompaniment/",
        "/programs/maeum-convenience-store/",
        "/what-can-i-get/",
        "/sites/",
        "/programs/no-such-programme/",
    ],
)
def test_pages_have_no_serious_accessibility_violations(served_site, page, path):
    page.goto(served_site.url + path)

    assert serious_accessibility_violations(page) == []


def test_wizard_results_have_no_serious_accessibility_violations(served_site, page):
    page.goto(served_site.url + "/what-can-i-get/")
    _fill_the_persona(page)
    page.wait_for_selector("#results")
    for summary in page.locator("#results details > summary").all():
        summary.click()

    assert serious_accessibility_violations(page) == []


def test_wizard_errors_have_no_serious_accessibility_violations(served_site, page):
    page.goto(served_site.url + "/what-can-i-get/")
    page.fill("#id_age", "abc")
    page.fill("#id_monthly_income_krw", "lots")
    page.click("#wizard-form button[type=submit]")
    page.wait_for_selector("#error-summary")

    assert serious_accessibility_violations(page) == []
