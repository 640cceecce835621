"""What every page carries: crisis lines, the skip link, the language switch, <html lang> and the account link."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from itda.programs.crisis import crisis_lines

PAGES = ["/", "/programs/", "/programs/hospital-accompaniment/", "/what-can-i-get/", "/sites/", "/programs/no-such-programme/"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_the_crisis_lines_as_phone_links(korean_client, path):
    response = korean_client.get(path)

    html = response.content.decode()
    for dial in ("tel:109", "tel:120", "tel:15770199", "tel:112", "tel:119"):
        assert f'href="{dial}"' in html
    assert html.index('class="crisis-band"') < html.index('<main id="main"')


@pytest.mark.parametrize("path", PAGES)
def test_every_page_offers_a_skip_link_to_the_main_content(korean_client, path):
    response = korean_client.get(path)

    html = response.content.decode()
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html


def test_pages_are_korean_by_default_and_say_so_in_html_lang(db):
    response = Client().get("/")

    assert '<html lang="ko">' in response.content.decode()


def test_a_page_in_english_says_so_in_html_lang_and_offers_korean(english_client):
    response = english_client.get("/")

    html = response.content.decode()
    assert '<html lang="en">' in html
    assert 'name="language" value="ko" lang="ko">한국어</button>' in html


def test_the_language_switch_posts_to_set_language_and_returns_to_the_same_page(korean_client):
    response = korean_client.get("/programs/?q=%EB%B3%91%EC%9B%90")

    html = response.content.decode()
    assert 'action="/i18n/setlang/" method="post"' in html
    assert 'name="next" value="/programs/?q=%EB%B3%91%EC%9B%90"' in html
    assert 'name="language" value="en" lang="en">English</button>' in html


def test_switching_to_english_keeps_the_page_and_stores_only_the_language_cookie(korean_client):
    korean_client.get("/programs/")

    response = korean_client.post("/i18n/setlang/", {"language": "en", "next": "/programs/?need=health"})

    assert response.status_code == 302
    assert response["Location"] == "/programs/?need=health"
    assert korean_client.cookies["django_language"].value == "en"
    assert "sessionid" not in korean_client.cookies
    assert '<html lang="en">' in korean_client.get("/programs/?need=health").content.decode()


def test_an_anonymous_visitor_sees_a_log_in_link(english_client):
    response = english_client.get("/")

    assert '<a class="header-link" href="/accounts/login/">Log in</a>' in response.content.decode()


def test_a_signed_in_citizen_sees_a_link_to_their_account(english_client, cast):
    english_client.force_login(cast.citizen)

    response = english_client.get("/")

    assert '<a class="header-link" href="/accounts/">My account</a>' in response.content.decode()


def test_the_crisis_band_names_each_line_for_screen_readers(english_client):
    response = english_client.get("/")

    html = response.content.decode()
    for line in crisis_lines():
        assert f'<span class="visually-hidden"> {line.name}, {line.detail}</span>' in html


@pytest.mark.parametrize(
    "path", ["/", "/programs/?q=hospital&age=70", "/programs/hospital-accompaniment/", "/sites/?open_now=on"]
)
def test_browsing_anonymously_creates_no_session(korean_client, path):
    korean_client.get(path)

    assert "sessionid" not in korean_client.cookies
    assert Session.objects.count() == 0


def test_the_current_section_is_marked_in_the_menu(english_client):
    response = english_client.get("/sites/")

    assert '<a href="/sites/" aria-current="page">Places to visit</a>' in response.content.decode()
