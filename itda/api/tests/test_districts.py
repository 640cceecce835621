"""GET /api/v1/districts."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_25_districts_come_with_their_latest_one_person_household_share(client):
    response = client.get("/api/v1/districts")

    body = response.json()
    gwanak = next(district for district in body if district["code"] == "11620")
    assert response.status_code == 200
    assert len(body) == 25
    assert gwanak == {
        "code": "11620",
        "name": "관악구",
        "name_en": "Gwanak-gu",
        "one_person_household_ratio": {
            "year": 2022,
            "value": 55.9,
            "unit": "%",
            "source": "통계청 인구총조사 (KOSIS DT_1YL21161)",
        },
    }
    assert all(district["one_person_household_ratio"]["year"] == 2022 for district in body)
