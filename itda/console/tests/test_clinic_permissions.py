"""One parametrised permission test per clinic URL: who gets in, who is refused, and that refusals change nothing.

The cast (tests/personas.py) plus the clinic doctor of the stethoscope chain (referrals/tests/factories.py).
Only clinic staff use the clinic pages; the typed chain step is the receiving team's (and administrators').
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from itda.cases.models import CareTask
from itda.people.models import Person
from itda.people.services import PersonDetails, register_person
from itda.places.models import District
from itda.referrals.models import Referral, ReferralEvent
from itda.referrals.services import send_screening_referral
from itda.referrals.tests.factories import make_chain
from itda.screenings.models import ScreeningResult
from itda.screenings.services import record_screening
from tests.personas import HOME_DISTRICT

NOW = datetime(2026, 11, 10, 1, 0, tzinfo=UTC)
PHQ9 = {"1": 2, "2": 2, "3": 2, "4": 2, "5": 2, "6": 2, "7": 2, "8": 1, "9": 0}
ANSWERS = {f"item-{code}": str(value) for code, value in PHQ9.items()}
PERSONAS = (
    "anonymous",
    "citizen",
    "volunteer",
    "social_worker",
    "other_worker",
    "counsellor",
    "health_staff",
    "city_staff",
    "administrator",
    "clinic",
)
CLINIC_ONLY = [(persona, 302 if persona == "anonymous" else 403) for persona in PERSONAS if persona != "clinic"]


@pytest.fixture
def chain(cast):
    return make_chain(cast)


@pytest.fixture
def patient(chain):
    return register_person(
        actor=chain.doctor,
        details=PersonDetails(name="가상 환자 이슬", district=District.objects.get(code=HOME_DISTRICT), birth_year=1970),
        consent_wording_version="case-record-2026-01",
        now=NOW,
    )


@pytest.fixture
def result(chain, patient):
    return record_screening(
        actor=chain.doctor, instrument_code="PHQ9", answers=PHQ9, channel="CLINIC", now=NOW, person=patient
    ).result


def _client_for(client, cast, chain, persona):
    if persona == "clinic":
        client.force_login(chain.doctor)
    elif persona != "anonymous":
        client.force_login(getattr(cast, persona))
    return client


def _state():
    return (
        Person.objects.count(),
        ScreeningResult.objects.count(),
        list(Referral.objects.order_by("pk").values_list("pk", "status", "risk")),
        ReferralEvent.objects.count(),
        CareTask.objects.count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected"), [*CLINIC_ONLY, ("clinic", 200)])
def test_the_clinic_home_is_for_clinic_staff_only(client, cast, chain, persona, expected):
    response = _client_for(client, cast, chain, persona).get(reverse("console:clinic_home"))

    assert response.status_code == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected"), [*CLINIC_ONLY, ("clinic", 302)])
def test_only_clinic_staff_register_a_patient_here(client, cast, chain, persona, expected):
    before = _state()
    form = {"name": "가상 환자 솔", "birth_year": "1980", "consent_given": "on"}

    response = _client_for(client, cast, chain, persona).post(reverse("console:clinic_register"), form)

    assert response.status_code == expected
    if persona == "clinic":
        created = Person.objects.get(name="가상 환자 솔")
        assert response["Location"] == reverse("console:clinic_screen", args=[created.pk])
    else:
        assert _state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(("persona", "expected"), [*CLINIC_ONLY, ("clinic", None)])
def test_only_clinic_staff_screen_their_patient(client, cast, chain, patient, method, persona, expected):
    before = _state()
    url = reverse("console:clinic_screen", args=[patient.pk])
    browser = _client_for(client, cast, chain, persona)

    response = browser.get(url) if method == "get" else browser.post(url, {"instrument": "PHQ9", **ANSWERS})

    assert response.status_code == (expected or (200 if method == "get" else 302))
    if expected is not None:
        assert _state() == before
    elif method == "post":
        assert ScreeningResult.objects.get(person=patient).channel == "CLINIC"


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(("persona", "expected"), [*CLINIC_ONLY, ("clinic", None)])
def test_only_clinic_staff_send_the_result_on(client, cast, chain, result, method, persona, expected):
    before = _state()
    url = reverse("console:clinic_refer", args=[result.person_id, result.pk])
    browser = _client_for(client, cast, chain, persona)

    response = browser.get(url) if method == "get" else browser.post(url, {"risk": "HIGH"})

    assert response.status_code == (expected or (200 if method == "get" else 302))
    if expected is not None:
        assert _state() == before
    elif method == "post":
        assert Referral.objects.get().source_id == str(result.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("citizen", 403),
        ("volunteer", 403),
        ("social_worker", 404),
        ("other_worker", 404),
        ("counsellor", 404),
        ("health_staff", 302),  # the receiving health centre
        ("city_staff", 403),
        ("administrator", 302),
        ("clinic", 403),  # the sending clinic sees the referral but the step is the receiving team's
    ],
)
def test_only_the_receiving_team_records_counselled(client, cast, chain, result, persona, expected):
    referral = send_screening_referral(actor=chain.doctor, result=result, now=NOW)
    before = _state()

    response = _client_for(client, cast, chain, persona).post(
        reverse("console:clinic_milestone", args=[referral.pk]), {"milestone": "COUNSELLED"}
    )

    assert response.status_code == expected
    referral.refresh_from_db()
    if persona in ("health_staff", "administrator"):
        assert response["Location"] == reverse("console:referral_detail", args=[referral.pk])
        assert referral.status == "SERVICE_STARTED"
        assert ReferralEvent.objects.filter(referral=referral, milestone="COUNSELLED").count() == 1
    else:
        assert referral.status == "SENT"
        assert _state() == before
