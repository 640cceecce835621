"""The site finder: list with today's hours and open state, filters, and the server-drawn SVG map."""

from __future__ import annotations

import re

import pytest

from itda.places.models import District
from itda.portal import maps
from itda.portal.tests.moments import CHUSEOK_MORNING, SUNDAY_MORNING

GANGBUK_CARD = '<li class="card" id="site-maeum-gangbuk">'


def _card(html: str, slug: str) -> str:
    begin = html.index(f'<li class="card" id="site-{slug}">')
    return html[begin : html.index("</li>\n", begin)]


def test_the_gangbuk_maeum_store_is_listed_with_address_phone_and_todays_hours(korean_client, freeze_now):
    response = korean_client.get("/sites/")

    card = _card(response.content.decode(), "maeum-gangbuk")
    assert response.status_code == 200
    assert '<h2 class="card__title">서울마음편의점 강북점</h2>' in card
    assert "오현로" in card
    assert '<a class="phone-link" href="tel:029846777">' in card
    assert "09:00–21:00" in card


def test_a_place_open_at_this_moment_says_so_and_until_when(english_client, freeze_now):
    response = english_client.get("/sites/")

    card = _card(response.content.decode(), "maeum-gangbuk")
    assert '<span class="badge badge--open">Open now</span>' in card
    assert "until 21:00" in card


def test_a_place_closed_on_sunday_says_when_it_opens_next(english_client, freeze_now):
    freeze_now(SUNDAY_MORNING)

    response = english_client.get("/sites/")

    card = _card(response.content.decode(), "maeum-gangbuk")
    assert '<span class="badge badge--closed">Closed now</span>' in card
    assert "Opens next on 11/30 (Mon) 09:00." in card
    assert "<strong>Today:</strong>\n      closed" in card


def test_a_place_closed_for_a_public_holiday_names_it(english_client, freeze_now):
    freeze_now(CHUSEOK_MORNING)

    response = english_client.get("/sites/")

    card = _card(response.content.decode(), "maeum-gangbuk")
    assert "Closed today for the public holiday: 추석." in card


def test_a_place_known_only_by_district_is_marked_approximate(english_client, freeze_now):
    response = english_client.get("/sites/")

    assert "(approximate location (district))" in _card(response.content.decode(), "maeum-gangbuk")


def test_open_now_keeps_places_that_are_open(english_client, freeze_now):
    response = english_client.get("/sites/", {"open_now": "on"})

    assert GANGBUK_CARD in response.content.decode()


def test_open_now_leaves_out_places_that_are_closed(english_client, freeze_now):
    freeze_now(SUNDAY_MORNING)

    response = english_client.get("/sites/", {"open_now": "on"})

    html = response.content.decode()
    assert GANGBUK_CARD not in html
    assert html.count('<span class="badge badge--closed">') == 0


def test_a_district_filter_keeps_only_that_districts_places(english_client, freeze_now):
    gangbuk = english_client.get("/sites/", {"district": "11305"})
    gwanak = english_client.get("/sites/", {"district": "11620"})

    assert GANGBUK_CARD in gangbuk.content.decode()
    assert GANGBUK_CARD not in gwanak.content.decode()


def test_a_programme_filter_keeps_the_places_of_that_programme(english_client, freeze_now):
    response = english_client.get("/sites/", {"program": "maeum-convenience-store"})

    assert GANGBUK_CARD in response.content.decode()


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"district": "00000"}, "Choose one of Seoul&#x27;s 25 districts from the list."),
        ({"program": "no-such-programme"}, "Choose a programme from the list."),
    ],
)
def test_a_bad_filter_is_explained_and_left_out(english_client, freeze_now, parameters, message):
    response = english_client.get("/sites/", parameters)

    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert GANGBUK_CARD in html


def test_the_map_draws_every_district_as_a_titled_path(korean_client, freeze_now):
    response = korean_client.get("/sites/")

    html = response.content.decode()
    svg = html[html.index("<svg") : html.index("</svg>")]
    titles = re.findall(r'<path d="M[^"]+"(?: class="is-selected")?><title>([^<]+)</title></path>', svg)
    assert sorted(titles) == sorted(District.objects.values_list("name", flat=True))
    assert len(titles) == 25
    assert 'role="img"' in svg
    assert 'aria-label="' in svg


def test_the_map_marks_each_place_with_a_labelled_dot(korean_client, freeze_now):
    response = korean_client.get("/sites/", {"district": "11305"})

    html = response.content.decode()
    svg = html[html.index("<svg") : html.index("</svg>")]
    circle = re.search(r'<circle cx="[\d.]+" cy="[\d.]+" r="13" class="is-approximate" aria-label="([^"]+)">', svg)
    assert circle.group(1).startswith("서울마음편의점 강북점 (")
    assert "<title>서울마음편의점 강북점 (" in svg
    assert ' class="is-selected"><title>강북구</title>' in svg


def test_the_map_coordinates_are_plain_numbers_in_every_language(english_client, korean_client, freeze_now):
    english = english_client.get("/sites/").content.decode()
    korean = korean_client.get("/sites/").content.decode()

    english_paths = re.findall(r'<path d="([^"]+)"', english)
    assert english_paths == re.findall(r'<path d="([^"]+)"', korean)
    assert re.fullmatch(r"[ML0-9.,Z -]+", english_paths[0])


def test_the_projected_districts_are_kept_after_the_first_use(db, django_assert_num_queries):
    maps.seoul_map()

    with django_assert_num_queries(0):
        seoul = maps.seoul_map()

    assert len(seoul.shapes) == 25


def test_htmx_gets_the_map_and_list_with_the_count_out_of_band(english_client, freeze_now):
    response = english_client.get("/sites/", {"open_now": "on"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert "<html" not in html
    assert '<div id="site-status" hx-swap-oob="innerHTML">' in html
    assert "<svg" in html
    assert GANGBUK_CARD in html
