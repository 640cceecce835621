"""What can I get: answers by POST, results with reasons and costs, validation, and nothing stored."""

from __future__ import annotations

import logging
import re

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

# A fictional person: 70, lives alone in 관악구, renting monthly, 2.7 million won a month.
PERSONA = {
    "age": "70",
    "district": "11620",
    "household_size": "1",
    "monthly_income_krw": "2,700,000",
    "housing_type": "",
    "tenure": "MONTHLY_RENT",
    "has_disability": "UNSAID",
}


def _section(html: str, start: str, end: str) -> str:
    begin = html.index(start)
    return html[begin : html.index(end, begin)]


def _input(html: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)


def _group(html: str, name: str) -> str:
    """The results under one heading: eligible, unknown or not-eligible."""
    return _section(html, f'<section class="group" id="group-{name}"', "</section>")


def _card(html: str, slug: str) -> str:
    begin = html.rindex('<li class="card">', 0, html.index(f'href="/programs/{slug}/"'))
    return html[begin : html.index("</li>\n", html.index(f'href="/programs/{slug}/"'))]


def test_the_form_asks_every_question_and_says_each_is_optional(english_client):
    response = english_client.get("/what-can-i-get/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<form class="wizard" id="wizard-form" method="post" action="/what-can-i-get/" novalidate>' in html
    for name in ("age", "district", "household_size", "monthly_income_krw", "housing_type", "tenure", "has_disability"):
        assert f'name="{name}"' in html
    assert "Every question is optional." in html
    assert "Your answers are not saved and do not appear in the web address." in html


def test_number_questions_bring_up_the_number_pad(english_client):
    response = english_client.get("/what-can-i-get/")

    html = response.content.decode()
    for name in ("age", "household_size", "monthly_income_krw"):
        assert 'inputmode="numeric"' in _input(html, name)


def test_the_page_is_never_cached(english_client):
    response = english_client.post("/what-can-i-get/", PERSONA)

    assert "no-store" in response["Cache-Control"]
    assert "no-store" in english_client.get("/what-can-i-get/")["Cache-Control"]


def test_hospital_accompaniment_is_open_to_the_persona_at_the_full_price_with_the_income_reason(english_client, freeze_now):
    response = english_client.post("/what-can-i-get/", PERSONA)

    html = response.content.decode()
    card = _card(html, "hospital-accompaniment")
    assert response.status_code == 200
    assert 'href="/programs/hospital-accompaniment/"' in _group(html, "eligible")
    assert '<strong class="price">5,000 KRW per hour</strong>' in card
    assert "<li>Income 2,700,000 KRW &gt; 100% of the 2026 median for 1 person, 2,564,238 KRW</li>" in card


def test_home_maintenance_is_open_to_the_persona_with_every_reason(english_client, freeze_now):
    response = english_client.post("/what-can-i-get/", PERSONA)

    card = _card(response.content.decode(), "home-maintenance")
    assert "<li>Lives alone (one-person household) — yours: 1 ✓</li>" in card
    assert "<li>Income 2,700,000 KRW ≤ 120% of the 2026 median for 1 person, 3,077,085 KRW</li>" in card


def test_eligible_programmes_come_before_the_ones_that_need_more_information(english_client, freeze_now):
    answers = {**PERSONA, "monthly_income_krw": "", "tenure": ""}

    response = english_client.post("/what-can-i-get/", answers)

    html = response.content.decode()
    assert 'href="/programs/loneliness-goodbye-120/"' in _group(html, "eligible")
    assert 'href="/programs/home-maintenance/"' in _group(html, "unknown")
    assert html.index('id="group-eligible"') < html.index('id="group-unknown"')


def test_a_programme_that_needs_more_information_says_what_is_missing(english_client, freeze_now):
    response = english_client.post("/what-can-i-get/", {"age": "70"})

    card = _card(response.content.decode(), "home-maintenance")
    assert "<strong>We need to know:</strong> household size, tenure, monthly household income" in card
    assert "not checked, because household size was not given" in card


def test_an_unknown_income_says_the_service_may_be_free(english_client, freeze_now):
    response = english_client.post("/what-can-i-get/", {"age": "70"})

    card = _card(response.content.decode(), "hospital-accompaniment")
    assert '<strong class="price">5,000 KRW per hour</strong>' in card
    assert "It may be free if:" in card
    assert "income at or under 100% of the standard median income" in card


def test_a_low_income_gets_the_reduced_price(english_client, freeze_now):
    answers = {**PERSONA, "monthly_income_krw": "1000000"}

    response = english_client.post("/what-can-i-get/", answers)

    card = _card(response.content.decode(), "hospital-accompaniment")
    assert '<strong class="price">0 KRW per hour</strong>' in card
    assert "(usually 5,000 KRW per hour)" in card
    assert "<li>Income 1,000,000 KRW ≤ 100% of the 2026 median for 1 person, 2,564,238 KRW</li>" in card


def test_programmes_a_person_cannot_use_are_folded_away_with_the_reason(english_client, freeze_now):
    answers = {**PERSONA, "tenure": "OWNER"}

    response = english_client.post("/what-can-i-get/", answers)

    html = response.content.decode()
    folded = _section(_group(html, "not-eligible"), '<details class="not-eligible">', "</details>")
    assert 'href="/programs/home-maintenance/"' in folded
    assert "yours: Owner-occupier ✗" in folded


def test_income_with_commas_spaces_or_won_is_understood(english_client, freeze_now):
    answers = {**PERSONA, "monthly_income_krw": " 2 700 000원 "}

    response = english_client.post("/what-can-i-get/", answers)

    assert response.status_code == 200
    assert "Income 2,700,000 KRW &gt; 100% of the 2026 median" in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("age", "abc", "Enter an age as a whole number from 0 to 120."),
        ("age", "121", "Enter an age as a whole number from 0 to 120."),
        ("age", "-3", "Enter an age as a whole number from 0 to 120."),
        ("household_size", "0", "Enter the number of people in your household as a whole number from 1 to 30."),
        ("household_size", "31", "Enter the number of people in your household as a whole number from 1 to 30."),
        ("monthly_income_krw", "2.7m", "Enter the monthly household income in won as a whole number from 0 to 10,000,000,000"),
        ("monthly_income_krw", "-100", "Enter the monthly household income in won as a whole number from 0 to 10,000,000,000"),
        (
            "monthly_income_krw",
            "10,000,000,001",
            "Enter the monthly household income in won as a whole number from 0 to 10,000,000,000",
        ),
        ("district", "99999", "Choose one of Seoul&#x27;s 25 districts from the list."),
        ("housing_type", "CASTLE", "Choose a housing type from the list."),
        ("tenure", "BORROWED", "Choose how you hold your home from the list."),
        ("has_disability", "MAYBE", "Choose yes, no or I&#x27;d rather not say."),
    ],
)
def test_a_bad_answer_is_explained_next_to_its_question(english_client, field, value, message):
    answers = {**PERSONA, field: value}

    response = english_client.post("/what-can-i-get/", answers)

    html = response.content.decode()
    assert response.status_code == 400
    assert f'<p class="field__error" id="id_{field}_error">' in html
    assert message in _section(html, f'id="id_{field}_error"', "</p>")
    assert 'id="error-summary" role="alert"' in html
    assert 'id="results"' not in html


def test_a_bad_answer_marks_its_box_invalid_and_links_the_message(english_client):
    response = english_client.post("/what-can-i-get/", {"age": "abc"})

    age = _input(response.content.decode(), "age")
    assert 'aria-invalid="true"' in age
    assert 'aria-describedby="id_age_error"' in age


def test_an_empty_form_is_fine_and_shows_what_everyone_can_use(english_client, freeze_now):
    response = english_client.post("/what-can-i-get/", {})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Based on your 0 answers." in html
    assert 'href="/programs/loneliness-goodbye-120/"' in _group(html, "eligible")


def test_answers_in_the_web_address_are_ignored(english_client):
    response = english_client.get("/what-can-i-get/", {"age": "70", "monthly_income_krw": "2700000"})

    html = response.content.decode()
    assert 'id="results"' not in html
    assert 'value="70"' not in html


def test_using_the_wizard_creates_no_session(korean_client, freeze_now):
    korean_client.get("/what-can-i-get/")

    korean_client.post("/what-can-i-get/", PERSONA)

    assert "sessionid" not in korean_client.cookies
    assert Session.objects.count() == 0


def test_using_the_wizard_writes_nothing_to_the_database(english_client, freeze_now):
    with CaptureQueriesContext(connection) as queries:
        english_client.post("/what-can-i-get/", PERSONA)

    writes = [
        query["sql"] for query in queries.captured_queries if query["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == []


def test_the_answers_never_reach_the_logs(english_client, caplog, freeze_now):
    caplog.set_level(logging.DEBUG)

    english_client.post("/what-can-i-get/", PERSONA)
    english_client.post("/what-can-i-get/", {**PERSONA, "age": "abc"})

    assert "2,700,000" not in caplog.text
    assert "2700000" not in caplog.text
    assert "MONTHLY_RENT" not in caplog.text


def test_the_wizard_accepts_only_get_and_post(english_client):
    response = english_client.put("/what-can-i-get/")

    assert response.status_code == 405


def test_a_form_sent_without_its_security_token_gets_a_plain_explanation(db):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")

    response = client.post("/what-can-i-get/", PERSONA)

    html = response.content.decode()
    assert response.status_code == 403
    assert "<h1>The form has expired</h1>" in html
    assert 'href="tel:109"' in html
