"""The sign-up page: a citizen makes an account, is signed in and returns where they came from."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from itda.accounts.models import User
from itda.accounts.services import PRIVACY_NOTICE_VERSION
from itda.accounts.tests.conftest import GOOD_PASSWORD
from itda.audit.models import AuditEntry
from itda.people.models import Person

URL = "/accounts/sign-up/"


def _form(**overrides) -> dict:
    return {
        "username": "haneul-walks",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        "display_name": "가상 하늘",
        "home_district": "11620",
        "agree": "on",
        **overrides,
    }


@pytest.fixture
def client(db):
    return Client(HTTP_ACCEPT_LANGUAGE="ko")


def test_the_page_shows_the_privacy_notice_and_sets_no_session(client):
    response = client.get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("accounts:sign_up") == URL
    assert PRIVACY_NOTICE_VERSION in html
    assert 'name="website"' in html
    assert "sessionid" not in response.cookies


def test_signing_up_makes_a_citizen_signs_them_in_and_audits_it(client):
    response = client.post(URL, _form())

    assert response.status_code == 302
    assert response["Location"] == "/accounts/?done=created"
    user = User.objects.get(username="haneul-walks")
    assert user.role == User.Role.CITIZEN
    assert user.display_name == "가상 하늘"
    assert user.home_district.code == "11620"
    assert user.privacy_notice_version == PRIVACY_NOTICE_VERSION
    assert user.privacy_notice_agreed_at is not None
    assert user.check_password(GOOD_PASSWORD)
    assert not Person.objects.filter(user=user).exists()
    assert [(e.action, e.target_type) for e in AuditEntry.objects.filter(actor=user).order_by("pk")] == [
        ("CREATE", "accounts.user"),
        ("LOGIN", "accounts.user"),
    ]
    home = client.get("/accounts/?done=created")
    assert home.status_code == 200
    assert "계정이 만들어졌습니다" in home.content.decode()


def test_the_district_is_optional(client):
    response = client.post(URL, _form(home_district="", display_name=""))

    assert response.status_code == 302
    assert User.objects.get(username="haneul-walks").home_district is None


def test_a_safe_next_is_followed(client):
    response = client.post(URL, _form(next="/self-check/phq-9/"))

    assert response["Location"] == "/self-check/phq-9/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/path", "javascript:alert(1)"])
def test_a_next_to_another_site_is_ignored(client, target):
    response = client.post(URL, _form(next=target))

    assert response.status_code == 302
    assert response["Location"] == "/accounts/?done=created"


def test_an_open_redirect_next_is_not_carried_into_the_form(client):
    response = client.get(URL, {"next": "https://evil.example/"})

    assert '<input type="hidden" name="next" value="">' in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "korean"),
    [
        ({"password2": "purple-kettle-moon-43"}, "password2", "두 비밀번호가 같지 않습니다"),
        ({"password1": "short1", "password2": "short1"}, "password1", "이 비밀번호는 너무 짧습니다"),
        ({"password1": "password123", "password2": "password123"}, "password1", "너무 흔히 사용되는 비밀번호입니다"),
        ({"password1": "", "password2": ""}, "password1", "비밀번호를 입력하세요"),
        ({"username": "010-0000-0001"}, "username", "전화번호는 아이디로 쓰지 마세요"),
        ({"username": "a b"}, "username", "3–30자의 글자나 숫자"),
        ({"username": ""}, "username", "아이디를 정하세요"),
        ({"agree": ""}, "agree", "개인정보 안내를 읽었다는 칸에 표시하세요"),
        ({"home_district": "99999"}, "home_district", "서울 25개 자치구"),
        ({"display_name": "가상 900101-1234567"}, "display_name", "주민등록번호는 저장하지 않습니다"),
    ],
)
def test_bad_input_is_refused_with_a_korean_first_message_and_nothing_is_made(client, overrides, field, korean):
    response = client.post(URL, _form(**overrides))

    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors[field])
    assert korean in errors
    assert "(" in errors  # the English follows in brackets
    assert korean in response.content.decode()
    assert not User.objects.filter(username=overrides.get("username", "haneul-walks")).exists()
    assert not AuditEntry.objects.exists()


def test_a_taken_username_is_refused_whatever_its_case(client, cast):
    response = client.post(URL, _form(username="Persona-Citizen"))

    assert response.status_code == 400
    assert "이미 쓰고 있는 아이디입니다" in " ".join(response.context["form"].errors["username"])
    assert User.objects.filter(username__iexact="persona-citizen").count() == 1


def test_a_password_like_the_username_is_refused(client):
    response = client.post(URL, _form(username="kettlemoon", password1="kettlemoon1", password2="kettlemoon1"))

    assert response.status_code == 400
    assert response.context["form"].errors["password1"]


def test_a_robot_filling_the_hidden_box_makes_nothing(client):
    response = client.post(URL, _form(website="https://spam.example/"))

    assert response.status_code == 400
    assert not User.objects.filter(username="haneul-walks").exists()


def test_sign_ups_from_one_address_are_limited(client, settings):
    settings.ITDA_SIGN_UPS_PER_HOUR = 1
    client.post(URL, _form())
    other = Client(HTTP_ACCEPT_LANGUAGE="ko")

    response = other.post(URL, _form(username="baram-reads"))

    assert response.status_code == 429
    assert "너무 많은 계정" in response.content.decode()
    assert not User.objects.filter(username="baram-reads").exists()


def test_a_signed_in_user_is_sent_on(client, cast):
    client.force_login(cast.citizen)

    response = client.get(URL, {"next": "/self-check/"})

    assert (response.status_code, response["Location"]) == (302, "/self-check/")


def test_the_login_page_links_to_sign_up_with_the_same_next(client):
    response = client.get("/accounts/login/", {"next": "/self-check/phq-9/"})

    assert 'href="/accounts/sign-up/?next=/self-check/phq-9/"' in response.content.decode()


def test_only_get_and_post_are_answered(client):
    response = client.put(URL)

    assert response.status_code == 405


def test_the_self_check_result_offers_sign_up_where_it_asks_to_sign_in(client):
    response = client.post("/self-check/ucla-3/", {"item-1": "1", "item-2": "1", "item-3": "1"})

    assert response.status_code == 200
    assert 'href="/accounts/sign-up/?next=/self-check/ucla-3/"' in response.content.decode()
