"""The Open Referral HSDS 3.0 endpoints under /api/v1/hsds/."""

from __future__ import annotations

import pytest

from itda.programs.hsds import hsds_id
from itda.programs.tests.test_hsds import EXPORT_LISTS, schema_errors

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "schema_file"),
    [
        ("/api/v1/hsds/organizations", "organization.json"),
        ("/api/v1/hsds/services", "service.json"),
        ("/api/v1/hsds/locations", "location.json"),
    ],
)
def test_each_listing_is_one_hsds_page_of_valid_objects(client, url, schema_file):
    response = client.get(url)

    body = response.json()
    assert response.status_code == 200
    assert {key: body[key] for key in ("total_pages", "page_number", "first_page", "last_page", "empty")} == {
        "total_pages": 1,
        "page_number": 1,
        "first_page": True,
        "last_page": True,
        "empty": False,
    }
    assert body["size"] == body["total_items"] == len(body["contents"])
    assert [schema_errors(item, schema_file) for item in body["contents"]] == [[] for _ in body["contents"]]


def test_a_listing_pages_by_per_page(client):
    everything = client.get("/api/v1/hsds/services").json()

    second = client.get("/api/v1/hsds/services", {"page": 2, "per_page": 1}).json()

    assert second["contents"] == everything["contents"][1:2]
    assert (second["page_number"], second["size"], second["total_pages"]) == (2, 1, everything["total_items"])
    assert (second["first_page"], second["last_page"]) == (False, everything["total_items"] == 2)


def test_a_page_past_the_end_is_empty(client):
    response = client.get("/api/v1/hsds/services", {"page": 99})

    assert response.status_code == 200
    assert (response.json()["empty"], response.json()["contents"]) == (True, [])


def test_one_service_comes_fully_nested_and_valid(client):
    service_id = hsds_id("service", "hospital-accompaniment")

    response = client.get(f"/api/v1/hsds/services/{service_id}")

    body = response.json()
    assert response.status_code == 200
    assert schema_errors(body, "service.json") == []
    assert (body["id"], body["name"], body["alternate_name"]) == (service_id, "병원안심동행", "Hospital accompaniment")
    assert {(option["amount"], option["currency"]) for option in body["cost_options"]} == {(5000, "KRW"), (0, "KRW")}
    assert body["organization"]["id"] == body["organization_id"]


def test_an_unknown_service_id_is_a_json_404(client):
    response = client.get("/api/v1/hsds/services/00000000-0000-0000-0000-000000000000")

    assert response.status_code == 404
    assert response.json()["message"].startswith("서비스를 찾을 수 없습니다")


def test_the_export_is_one_document_whose_every_object_is_valid(client):
    response = client.get("/api/v1/hsds/export")

    body = response.json()
    assert response.status_code == 200
    assert set(EXPORT_LISTS) <= set(body)
    problems = [
        (name, index, errors)
        for name, schema_file in EXPORT_LISTS.items()
        for index, item in enumerate(body[name])
        if (errors := schema_errors(item, schema_file))
    ]
    assert problems == []
    assert hsds_id("location", "maeum-gangbuk") in [location["id"] for location in body["locations"]]
    assert [source["published_date"] for source in body["attribution"]] == ["2023-04-20", "2026-02-13"]


def test_the_export_gives_korean_as_text_not_escapes(client):
    response = client.get("/api/v1/hsds/export")

    assert "병원안심동행" in response.content.decode("utf-8")
    assert response["Content-Type"] == "application/json; charset=utf-8"
