"""The home page: search, need tiles, "what can I get", the 120 line and the site finder."""

from __future__ import annotations

from itda.programs.queries import needs


def test_home_offers_a_search_box_that_goes_to_the_programme_list(english_client):
    response = english_client.get("/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<form class="search-box" role="search" method="get" action="/programs/">' in html
    assert '<input id="home-q" name="q" type="search"' in html


def test_home_has_a_tile_for_every_need(english_client):
    response = english_client.get("/")

    html = response.content.decode()
    for need in needs():
        assert f'href="/programs/?need={need.code}"' in html
        assert f'<span class="tile__name">{need.name_en}</span>' in html


def test_home_shows_need_names_in_korean_by_default(korean_client):
    response = korean_client.get("/")

    assert '<span class="tile__name">건강·병원</span>' in response.content.decode()


def test_home_leads_to_what_can_i_get_the_120_line_and_the_site_finder(english_client):
    response = english_client.get("/")

    html = response.content.decode()
    assert '<a class="big-link" href="/what-can-i-get/">' in html
    assert '<a class="button button--call" href="tel:120">Call 120, then press 5</a>' in html
    assert 'href="/sites/"' in html
    assert 'href="/sites/?open_now=on"' in html
