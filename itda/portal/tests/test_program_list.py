"""Programme search: words, need, district and age, with and without htmx, and bad filter values."""

from __future__ import annotations

import re

import pytest


def _slugs(response) -> list[str]:
    return re.findall(r'href="/programs/([a-z0-9-]+)/"', response.content.decode())


def test_without_filters_every_citizen_programme_is_listed(english_client):
    response = english_client.get("/programs/")

    assert response.status_code == 200
    assert {"hospital-accompaniment", "home-maintenance", "loneliness-goodbye-120", "maeum-convenience-store"} <= set(
        _slugs(response)
    )


def test_a_korean_word_finds_hospital_accompaniment(korean_client):
    response = korean_client.get("/programs/", {"q": "병원 안심"})

    assert response.status_code == 200
    assert "hospital-accompaniment" in _slugs(response)
    assert "loneliness-goodbye-120" not in _slugs(response)
    assert "병원안심동행" in response.content.decode()


def test_a_need_keeps_only_programmes_for_that_need(english_client):
    response = english_client.get("/programs/", {"need": "housing"})

    assert "home-maintenance" in _slugs(response)
    assert "loneliness-goodbye-120" not in _slugs(response)
    assert '<option value="housing" selected>Housing</option>' in response.content.decode()


def test_district_and_age_keep_programmes_whose_rules_allow_them(english_client):
    response = english_client.get("/programs/", {"district": "11620", "age": "70"})

    assert response.status_code == 200
    assert "hospital-accompaniment" in _slugs(response)


def test_the_count_of_results_is_announced_in_a_status_region(english_client):
    response = english_client.get("/programs/", {"q": "zzzz-no-such-words"})

    html = response.content.decode()
    assert '<div id="search-status" class="search-status" role="status">' in html
    assert '<p class="result-count">0 programmes found</p>' in html
    assert "Nothing matches all of your choices." in html


def test_htmx_gets_only_the_results_and_the_count_out_of_band(english_client):
    response = english_client.get("/programs/", {"q": "hospital"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert '<div id="search-status" hx-swap-oob="innerHTML">' in html
    assert "hospital-accompaniment" in _slugs(response)
    assert "HX-Request" in response["Vary"]


def test_a_history_restore_from_htmx_gets_the_whole_page(english_client):
    response = english_client.get(
        "/programs/", {"q": "hospital"}, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )

    assert "<html" in response.content.decode()


def test_the_search_form_works_without_javascript_and_updates_in_place_with_htmx(english_client):
    response = english_client.get("/programs/")

    html = response.content.decode()
    assert 'method="get" action="/programs/"' in html
    assert 'hx-get="/programs/" hx-target="#results" hx-push-url="true"' in html
    assert 'hx-trigger="submit, input changed delay:500ms, change"' in html
    assert '<button class="button" type="submit">Show programmes</button>' in html


def test_the_district_filter_offers_all_25_districts(english_client):
    response = english_client.get("/programs/")

    html = response.content.decode()
    district_select = html[html.index('<select name="district"') : html.index("</select>", html.index('<select name="district"'))]
    assert district_select.count('<option value="11') == 25
    assert '<option value="11620">Gwanak-gu</option>' in district_select


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"age": "abc"}, "Enter an age as a whole number from 0 to 120."),
        ({"age": "300"}, "Enter an age as a whole number from 0 to 120."),
        ({"age": "-1"}, "Enter an age as a whole number from 0 to 120."),
        ({"district": "99999"}, "Choose one of Seoul&#x27;s 25 districts from the list."),
        ({"need": "unicorns"}, "Choose a need from the list."),
        ({"q": "x" * 101}, "Use at most 100 characters."),
    ],
)
def test_a_bad_filter_is_explained_and_left_out_instead_of_failing(english_client, parameters, message):
    response = english_client.get("/programs/", parameters)

    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert "Please check your search" in html
    assert "hospital-accompaniment" in _slugs(response)


def test_a_bad_filter_over_htmx_still_returns_the_message_with_the_results(english_client):
    response = english_client.get("/programs/", {"age": "abc", "q": "hospital"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "Enter an age as a whole number from 0 to 120." in html
    assert "hospital-accompaniment" in _slugs(response)


def test_the_age_box_brings_up_the_number_pad(english_client):
    response = english_client.get("/programs/")

    assert 'inputmode="numeric"' in response.content.decode()
