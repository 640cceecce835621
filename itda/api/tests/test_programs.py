"""GET /api/v1/programs and /api/v1/programs/{slug}."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _slugs(response) -> list[str]:
    return [program["slug"] for program in response.json()]


def test_the_list_gives_each_programme_in_korean_and_english(client):
    response = client.get("/api/v1/programs")

    hospital = next(program for program in response.json() if program["slug"] == "hospital-accompaniment")
    assert response.status_code == 200
    assert {key: hospital[key] for key in ("name", "name_en", "source", "status", "area", "project_number")} == {
        "name": "병원안심동행",
        "name_en": "Hospital accompaniment",
        "source": "PLAN_2023",
        "status": "ACTIVE",
        "area": 1,
        "project_number": 1,
    }
    assert {"code": "health", "name": "건강·병원", "name_en": "Health and hospital", "icon": "🏥"} in hospital["needs"]


def test_words_match_names_ignoring_spaces(client):
    response = client.get("/api/v1/programs", {"q": "병원 동행"})

    assert response.status_code == 200
    assert "hospital-accompaniment" in _slugs(response)
    assert "home-maintenance" not in _slugs(response)


def test_a_need_keeps_only_the_programmes_that_meet_it(client):
    response = client.get("/api/v1/programs", {"need": "housing"})

    assert "home-maintenance" in _slugs(response)
    assert "hospital-accompaniment" not in _slugs(response)


def test_a_district_and_an_age_keep_programmes_whose_rules_allow_them(client):
    response = client.get("/api/v1/programs", {"district": "11620", "age": 70})

    assert response.status_code == 200
    assert {"hospital-accompaniment", "home-maintenance", "loneliness-goodbye-120"} <= set(_slugs(response))


def test_the_detail_gives_fees_with_their_reduction_hours_and_requirements(client):
    response = client.get("/api/v1/programs/hospital-accompaniment")

    body = response.json()
    assert response.status_code == 200
    (fee,) = [fee for fee in body["fees"] if fee["reduced_amount_krw"] is not None]
    assert {key: fee[key] for key in ("amount_krw", "unit", "reduced_amount_krw", "reduction_conditions_en")} == {
        "amount_krw": 5000,
        "unit": "HOUR",
        "reduced_amount_krw": 0,
        "reduction_conditions_en": ["income at or under 100% of the standard median income"],
    }
    assert len(fee["reduction_conditions"]) == 1
    assert body["hours"] == [{"weekday": day, "opens_at": "07:00", "closes_at": "20:00"} for day in range(5)]
    assert body["is_open_on_public_holidays"] is False
    assert body["requirements"] == body["requirements_en"] == []


def test_the_detail_states_each_rule_as_a_sentence(client):
    response = client.get("/api/v1/programs/home-maintenance")

    body = response.json()
    assert "income at or under 120% of the standard median income" in body["requirements_en"]
    assert "lives alone (one-person household)" in body["requirements_en"]
    assert len(body["requirements"]) == len(body["requirements_en"])


def test_the_detail_lists_the_sites_where_a_programme_runs(client):
    response = client.get("/api/v1/programs/maeum-convenience-store")

    site = next(site for site in response.json()["sites"] if site["slug"] == "maeum-gangbuk")
    assert site["district"] == {"code": "11305", "name": "강북구", "name_en": "Gangbuk-gu"}
    assert site["phone"] == "02-984-6777"
    assert [(program["slug"], program["name"]) for program in site["programs"]] == [("maeum-convenience-store", "서울마음편의점")]


def test_an_unknown_slug_is_a_json_404_in_korean_first(client):
    response = client.get("/api/v1/programs/no-such-programme")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "message": "프로그램을 찾을 수 없습니다: no-such-programme (Programme not found: no-such-programme)",
        "errors": [],
    }
