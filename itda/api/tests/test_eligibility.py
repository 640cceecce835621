"""POST /api/v1/eligibility: what a person can get, without anything about them being kept."""

from __future__ import annotations

import json

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from itda.audit.models import AuditEntry
from itda.people.models import Person

pytestmark = pytest.mark.django_db

URL = "/api/v1/eligibility"


def _post(client, body: dict):
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def _result(response, slug: str) -> dict:
    return next(result for result in response.json()["results"] if result["slug"] == slug)


def _reducible_fee(result: dict) -> dict:
    """The one fee of a programme that has a reduction (the others have no reasons to give)."""
    (fee,) = [fee for fee in result["fees"] if fee["reasons_en"]]
    return fee


def test_income_at_or_under_the_median_makes_hospital_accompaniment_free(client):
    response = _post(client, {"facts": {"household_size": 1, "monthly_income_krw": 2_000_000}, "year": 2026})

    hospital = _result(response, "hospital-accompaniment")
    assert response.status_code == 200
    assert hospital["verdict"] == "ELIGIBLE"
    fee = _reducible_fee(hospital)
    assert {key: fee[key] for key in ("unit", "amount_krw", "standard_amount_krw", "reduced", "reasons_en")} == {
        "unit": "HOUR",
        "amount_krw": 0,
        "standard_amount_krw": 5000,
        "reduced": True,
        "reasons_en": ["income 2,000,000 KRW ≤ 100% of the 2026 median for 1 person, 2,564,238 KRW"],
    }
    assert len(fee["reasons"]) == 1


def test_income_over_the_median_pays_the_standard_fee(client):
    response = _post(client, {"facts": {"household_size": 1, "monthly_income_krw": 3_000_000}, "year": 2026})

    fee = _reducible_fee(_result(response, "hospital-accompaniment"))
    assert (fee["amount_krw"], fee["reduced"]) == (5000, False)


def test_without_income_the_reduction_is_undecided_and_the_standard_fee_is_quoted(client):
    response = _post(client, {"facts": {}})

    fee = _reducible_fee(_result(response, "hospital-accompaniment"))
    assert (fee["amount_krw"], fee["reduced"]) == (5000, None)


def test_a_two_person_household_is_not_eligible_for_home_maintenance_and_is_told_why(client):
    response = _post(client, {"facts": {"household_size": 2, "tenure": "MONTHLY_RENT", "monthly_income_krw": 1_000_000}})

    home = _result(response, "home-maintenance")
    assert home["verdict"] == "NOT_ELIGIBLE"
    assert "lives alone (one-person household) — yours: 2 ✗" in home["reasons_en"]
    assert len(home["reasons"]) == len(home["reasons_en"])


def test_missing_facts_leave_rules_undecided(client):
    response = _post(client, {"facts": {"household_size": 1}})

    assert _result(response, "home-maintenance")["verdict"] == "UNKNOWN"


def test_the_year_defaults_to_this_year_in_seoul(client):
    response = _post(client, {"facts": {}})

    assert response.json()["year"] == timezone.localdate().year


def test_with_no_facts_no_programme_is_ruled_out(client):
    response = _post(client, {})

    assert {result["verdict"] for result in response.json()["results"]} <= {"ELIGIBLE", "UNKNOWN"}


def test_eligible_programmes_come_first(client):
    response = _post(client, {"facts": {"household_size": 2}})

    order = {"ELIGIBLE": 0, "UNKNOWN": 1, "NOT_ELIGIBLE": 2}
    verdicts = [order[result["verdict"]] for result in response.json()["results"]]
    assert verdicts == sorted(verdicts)


def test_checking_stores_nothing_and_starts_no_session(client):
    counts = (AuditEntry.objects.count(), Person.objects.count(), Session.objects.count())

    response = _post(client, {"facts": {"age": 70, "district": "11620", "household_size": 1, "monthly_income_krw": 1_500_000}})

    assert response.status_code == 200
    assert (AuditEntry.objects.count(), Person.objects.count(), Session.objects.count()) == counts
    assert response.cookies == {}


def test_checking_logs_none_of_the_facts(client, caplog):
    caplog.set_level("DEBUG")

    _post(client, {"facts": {"age": 300, "monthly_income_krw": 1_234_567}})

    assert "1234567" not in caplog.text and "1,234,567" not in caplog.text
