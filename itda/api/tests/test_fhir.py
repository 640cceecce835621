"""The FHIR read endpoints: public Questionnaires; referrals and results only for those the access rules allow.

Personal reads answer ``application/fhir+json`` to the sending and receiving teams and the
person's case workers (results: the receiving team and case workers), each read audited as
an EXPORT; everyone else gets the same 404 as for a record that does not exist, and
nobody signed in gets 401. Every persona of tests/personas.py is checked on every URL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from itda.accounts.models import User
from itda.audit.models import AuditEntry
from itda.cases.models import CaseAssignment
from itda.referrals.models import Referral
from itda.referrals.tests.factories import make_person, send
from itda.screenings import catalogue
from itda.screenings.services import record_screening

pytestmark = pytest.mark.django_db

BASE = "/api/v1/fhir/"
FHIR_JSON = "application/fhir+json; charset=utf-8"
NOT_FOUND = {"message": "찾을 수 없습니다 (Not found)", "errors": []}
SIGN_IN = {"message": "로그인이 필요합니다 (Sign in first)", "errors": []}
# Tuesday morning in Seoul, office hours.
TAKEN_AT = datetime(2026, 11, 10, 10, 0, tzinfo=ZoneInfo("Asia/Seoul"))
SENT_AT = datetime(2026, 11, 11, 9, 0, tzinfo=UTC)
PHQ9_MODERATE = {"1": 1, "2": 2, "3": 0, "4": 3, "5": 1, "6": 0, "7": 2, "8": 1, "9": 0}

PERSONAS = [
    "anonymous",
    "citizen",
    "volunteer",
    "other_worker",
    "counsellor",
    "city_staff",
    "case_worker",
    "social_worker",
    "health_staff",
    "administrator",
]
# Who may read the referral: the sending team (social worker), the receiving team (health staff),
# a worker on the person's case (of another team) and administrators.
SEES_REFERRAL = {"case_worker", "social_worker", "health_staff", "administrator"}
# Who may read the screening result: the person's case workers, the team receiving an open referral
# for them, administrators; not the sending team.
SEES_RESULT = {"case_worker", "health_staff", "administrator"}


@pytest.fixture
def world(cast):
    """A fictional person screened by the home team, referred to the health centre, with a case worker of another team."""
    person = make_person("가상 주민 노을")
    case_worker = User.objects.create(
        username="persona-case-worker", role=User.Role.SOCIAL_WORKER, team=cast.other_team, display_name="복지사 산"
    )
    CaseAssignment.objects.create(
        person=person, worker=case_worker, team=cast.other_team, role=CaseAssignment.Role.MEMBER, start_at=SENT_AT
    )
    result = record_screening(
        actor=cast.social_worker, instrument_code="PHQ9", answers=PHQ9_MODERATE, channel="WORKER", now=TAKEN_AT, person=person
    ).result
    referral = send(cast, person, now=SENT_AT, source_type="screenings.screeningresult", source_id=result.pk)
    users = {name: getattr(cast, name) for name in PERSONAS if hasattr(cast, name)}
    users["case_worker"] = case_worker
    return {"person": person, "result": result, "referral": referral, "users": users}


def _client(world, persona: str) -> Client:
    client = Client()
    if persona != "anonymous":
        client.force_login(world["users"][persona])
    return client


def _exports(**filters) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="EXPORT", **filters).order_by("pk"))


def _referral_urls(referral: Referral) -> dict[str, type]:
    return {
        f"{BASE}ServiceRequest/referral-{referral.pk}": ServiceRequest,
        f"{BASE}Task/referral-task-{referral.pk}": Task,
        f"{BASE}Bundle/referral-bundle-{referral.pk}": Bundle,
    }


# --- instruments: public ----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["anonymous", "citizen", "social_worker"])
def test_every_instrument_version_is_a_public_questionnaire_at_its_own_id(world, persona):
    client = _client(world, persona)
    before = AuditEntry.objects.count()

    listing = client.get(f"{BASE}Questionnaire")

    assert (listing.status_code, listing["Content-Type"]) == (200, FHIR_JSON)
    bundle = Bundle.model_validate_json(listing.content)
    assert (bundle.type, bundle.total) == ("searchset", len(catalogue.all_definitions()))
    ids = [entry.resource.id for entry in bundle.entry]
    assert "phq-9-1" in ids
    for entry in bundle.entry:
        assert entry.fullUrl == f"http://testserver{BASE}Questionnaire/{entry.resource.id}"
        one = client.get(entry.fullUrl.removeprefix("http://testserver"))
        assert (one.status_code, one["Content-Type"]) == (200, FHIR_JSON)
        assert Questionnaire.model_validate_json(one.content) == entry.resource
    assert AuditEntry.objects.count() == before


def test_an_unknown_questionnaire_is_a_korean_first_404(client):
    response = client.get(f"{BASE}Questionnaire/no-such-scale-9")

    assert (response.status_code, response.json()) == (404, NOT_FOUND)


# --- referrals ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_referral_is_exported_only_to_its_teams_and_case_workers_and_each_read_is_audited(world, persona):
    referral = world["referral"]
    client = _client(world, persona)
    missing = {url: client.get(url.replace(f"-{referral.pk}", "-987654")) for url in _referral_urls(referral)}

    for url, resource_type in _referral_urls(referral).items():
        before = AuditEntry.objects.count()
        response = client.get(url)

        if persona == "anonymous":
            assert (response.status_code, response.json()) == (401, SIGN_IN)
            assert AuditEntry.objects.count() == before
        elif persona in SEES_REFERRAL:
            assert (response.status_code, response["Content-Type"]) == (200, FHIR_JSON)
            assert response["Cache-Control"] == "private, no-store"
            resource = resource_type.model_validate_json(response.content)
            assert resource.id == url.rsplit("/", 1)[1]
            exports = _exports(target_type="referrals.referral", target_id=str(referral.pk), path=url)
            assert len(exports) == 1
            assert (exports[0].actor, exports[0].person_id) == (world["users"][persona], world["person"].pk)
        else:
            # Out of sight is told exactly like "does not exist", and leaves no export behind.
            assert (response.status_code, response.json()) == (404, NOT_FOUND)
            assert (missing[url].status_code, missing[url].json()) == (404, NOT_FOUND)
            assert _exports(target_type="referrals.referral") == []
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.SENT


@pytest.mark.parametrize("bad_id", ["12", "referral-", "referral-0", "referral-abc", "referral-task-1", "referral-1.json"])
def test_an_id_of_another_shape_is_not_found(world, bad_id):
    response = _client(world, "administrator").get(f"{BASE}ServiceRequest/{bad_id}")

    assert (response.status_code, response.json()) == (404, NOT_FOUND)


# --- screening results ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_screening_result_is_exported_only_to_those_who_may_see_the_persons_results(world, persona):
    result = world["result"]
    url = f"{BASE}QuestionnaireResponse/screening-{result.pk}"
    client = _client(world, persona)

    response = client.get(url)

    if persona == "anonymous":
        assert (response.status_code, response.json()) == (401, SIGN_IN)
    elif persona in SEES_RESULT:
        assert (response.status_code, response["Content-Type"]) == (200, FHIR_JSON)
        resource = QuestionnaireResponse.model_validate_json(response.content)
        assert (resource.id, resource.questionnaire) == (f"screening-{result.pk}", "urn:itda:questionnaire:phq-9|1")
        exports = _exports(target_type="screenings.screeningresult", target_id=str(result.pk), path=url)
        assert [entry.actor for entry in exports] == [world["users"][persona]]
    else:
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
        missing = client.get(f"{BASE}QuestionnaireResponse/screening-987654")
        assert (missing.status_code, missing.json()) == (404, NOT_FOUND)
        assert _exports() == []


# --- the bundle, and one name for the person across exports ------------------------------------


def test_the_receiving_team_gets_the_referral_and_its_screening_result_naming_the_same_patient(world):
    referral, result, person = world["referral"], world["result"], world["person"]

    response = _client(world, "health_staff").get(f"{BASE}Bundle/referral-bundle-{referral.pk}")

    bundle = Bundle.model_validate_json(response.content)
    resources = {entry.resource.get_resource_type(): entry.resource for entry in bundle.entry}
    assert (bundle.type, list(resources)) == ("collection", ["ServiceRequest", "Task", "QuestionnaireResponse"])
    patient = f"Patient/person-{person.pk}"
    assert resources["ServiceRequest"].subject.reference == patient
    assert resources["Task"].for_fhir.reference == patient
    assert resources["QuestionnaireResponse"].subject.reference == patient
    assert [entry.fullUrl for entry in bundle.entry] == [
        f"http://testserver{BASE}ServiceRequest/referral-{referral.pk}",
        f"http://testserver{BASE}Task/referral-task-{referral.pk}",
        f"http://testserver{BASE}QuestionnaireResponse/screening-{result.pk}",
    ]
    # Each entry can be read back at its fullUrl by the same user.
    client = _client(world, "health_staff")
    for entry in bundle.entry:
        again = client.get(entry.fullUrl.removeprefix("http://testserver"))
        assert again.status_code == 200
        assert type(entry.resource).model_validate_json(again.content) == entry.resource
    assert {entry.target_type for entry in _exports(path=f"{BASE}Bundle/referral-bundle-{referral.pk}")} == {
        "referrals.referral",
        "screenings.screeningresult",
    }


def test_the_sending_team_not_on_the_case_gets_the_bundle_without_the_screening_result(world):
    referral = world["referral"]

    response = _client(world, "social_worker").get(f"{BASE}Bundle/referral-bundle-{referral.pk}")

    bundle = Bundle.model_validate_json(response.content)
    assert [entry.resource.get_resource_type() for entry in bundle.entry] == ["ServiceRequest", "Task"]
    assert [entry.target_type for entry in _exports()] == ["referrals.referral"]


def test_a_referral_without_a_screening_result_bundles_the_request_and_the_task(world, cast):
    plain = send(cast, world["person"], now=SENT_AT, source_type="test", source_id="plain")

    response = _client(world, "health_staff").get(f"{BASE}Bundle/referral-bundle-{plain.pk}")

    bundle = Bundle.model_validate_json(response.content)
    assert [entry.resource.get_resource_type() for entry in bundle.entry] == ["ServiceRequest", "Task"]
