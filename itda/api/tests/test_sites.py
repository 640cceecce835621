"""GET /api/v1/sites: sites with their open state at a moment (now by default)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

WEDNESDAY_MORNING = "2026-03-04T10:00:00+09:00"
SUNDAY_NOON = "2026-03-08T12:00:00+09:00"
SUBSTITUTE_HOLIDAY = "2026-03-02T10:00:00+09:00"  # 삼일절 대체 휴일, a Monday


def _site(response, slug: str = "maeum-gangbuk") -> dict:
    return next(site for site in response.json() if site["slug"] == slug)


def test_a_store_is_open_on_a_weekday_morning_until_nine_in_the_evening(client):
    response = client.get("/api/v1/sites", {"at": WEDNESDAY_MORNING})

    site = _site(response)
    assert response.status_code == 200
    assert site["open_state"] == {
        "is_open": True,
        "closes_at": "2026-03-04T21:00:00+09:00",
        "next_opens_at": None,
        "holiday_name": None,
        "is_closure": False,
    }
    assert site["has_hours"] is True
    assert site["hours"][-1] == {"weekday": 5, "opens_at": "09:00", "closes_at": "18:00"}
    assert (site["name"], site["address"], site["branch_label"]) == ("서울마음편의점 강북점", "오현로208 302동", "강북점")


def test_a_store_closed_on_sunday_says_when_it_opens_next(client):
    response = client.get("/api/v1/sites", {"at": SUNDAY_NOON})

    assert _site(response)["open_state"]["is_open"] is False
    assert _site(response)["open_state"]["next_opens_at"] == "2026-03-09T09:00:00+09:00"


def test_a_store_is_closed_on_a_substitute_public_holiday_and_names_it(client):
    response = client.get("/api/v1/sites", {"at": SUBSTITUTE_HOLIDAY})

    state = _site(response)["open_state"]
    assert (state["is_open"], state["holiday_name"]) == (False, "삼일절 대체 휴일")


def test_a_moment_without_an_offset_is_read_as_seoul_time(client):
    response = client.get("/api/v1/sites", {"at": "2026-03-04T20:59:00"})

    assert _site(response)["open_state"]["is_open"] is True


def test_open_now_leaves_out_closed_sites(client):
    response = client.get("/api/v1/sites", {"at": SUNDAY_NOON, "open_now": "true", "program": "maeum-convenience-store"})

    assert "maeum-gangbuk" not in [site["slug"] for site in response.json()]


def test_district_and_programme_filters_keep_only_matching_sites(client):
    in_gangbuk = client.get("/api/v1/sites", {"district": "11305", "program": "maeum-convenience-store"})
    in_gwanak = client.get("/api/v1/sites", {"district": "11620", "program": "maeum-convenience-store"})

    assert "maeum-gangbuk" in [site["slug"] for site in in_gangbuk.json()]
    assert "maeum-gangbuk" not in [site["slug"] for site in in_gwanak.json()]
    assert all(site["district"]["code"] == "11305" for site in in_gangbuk.json())


def test_an_unknown_programme_filter_is_refused_rather_than_answered_with_nothing(client):
    response = client.get("/api/v1/sites", {"program": "no-such-programme"})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "program", "message": "알 수 없는 프로그램입니다: no-such-programme (Unknown programme: no-such-programme)"}
    ]
