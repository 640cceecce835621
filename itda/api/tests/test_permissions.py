"""Every public API URL is read-only: the same answer for everyone, and nothing stored.

(The FHIR exports of referrals and results are personal: their permission tests are in test_fhir.py.)

The personas are the ones every new URL is checked with: nobody signed in, a citizen,
a worker of another team, a worker of the home team and an administrator.
"""

from __future__ import annotations

import json

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from itda.audit.models import AuditEntry
from itda.people.models import Person
from itda.programs.hsds import hsds_id

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "citizen", "other_worker", "social_worker", "administrator"]

READ_URLS = [
    "/api/v1/programs",
    "/api/v1/programs?q=병원&district=11620&age=70",
    "/api/v1/programs/hospital-accompaniment",
    "/api/v1/sites?at=2026-03-04T10:00:00%2B09:00",
    "/api/v1/districts",
    "/api/v1/hsds/organizations",
    "/api/v1/hsds/services",
    f"/api/v1/hsds/services/{hsds_id('service', 'hospital-accompaniment')}",
    "/api/v1/hsds/locations",
    "/api/v1/hsds/export",
    "/api/v1/fhir/Questionnaire",
    "/api/v1/fhir/Questionnaire/phq-9-1",
    "/api/v1/openapi.json",
    "/api/v1/docs",
]

FACTS = {
    "facts": {"age": 70, "district": "11620", "household_size": 1, "monthly_income_krw": 1_500_000, "tenure": "MONTHLY_RENT"}
}


def _client_for(persona: str, cast) -> Client:
    client = Client()
    if persona != "anonymous":
        client.force_login(getattr(cast, persona))
    return client


def _counts() -> tuple[int, int, int]:
    return AuditEntry.objects.count(), Person.objects.count(), Session.objects.count()


def _comparable(response) -> object:
    if not response["Content-Type"].startswith("application/json"):
        return response.content
    body = response.json()
    if isinstance(body, dict):
        body.pop("generated_at", None)  # the export's own timestamp
    return body


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url", READ_URLS)
def test_every_read_url_answers_everyone_alike_and_changes_nothing(cast, persona, url):
    expected = _comparable(Client().get(url))
    client = _client_for(persona, cast)
    before = _counts()

    response = client.get(url)

    assert response.status_code == 200
    assert _comparable(response) == expected
    assert _counts() == before
    assert "sessionid" not in response.cookies


@pytest.mark.parametrize("persona", PERSONAS)
def test_eligibility_answers_everyone_alike_and_stores_nothing(cast, persona):
    expected = Client().post("/api/v1/eligibility", data=json.dumps(FACTS), content_type="application/json").json()
    client = _client_for(persona, cast)
    before = _counts()

    response = client.post("/api/v1/eligibility", data=json.dumps(FACTS), content_type="application/json")

    assert response.status_code == 200
    assert response.json() == expected
    assert _counts() == before
    assert "sessionid" not in response.cookies


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_no_persona_can_write_through_the_directory(cast, persona, method):
    client = _client_for(persona, cast)
    before = _counts()

    response = getattr(client, method)("/api/v1/programs/hospital-accompaniment", data="{}", content_type="application/json")

    assert response.status_code == 405
    assert _counts() == before
