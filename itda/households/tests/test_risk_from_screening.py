"""A household's risk level read from a screening result, and the weekly AI call started at enrolment.

The level from a screening is prefilled from the triage level (data/households/screening_risk_levels.json),
stays the worker's decision with their reason, keeps the result as its source (linked from the registry),
and is audited. A high- or medium-risk enrolment of someone who agreed to be contacted can start the weekly
AI check-in call at the slot of their preferred channel instead of the default Tuesday 10:00.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time

import pytest
from django.conf import settings
from django.urls import reverse

from itda.audit.models import AuditEntry
from itda.cases.services import assign_worker
from itda.checkins.models import ContactPlan
from itda.households.models import MonitoringEnrolment
from itda.households.queries import suggested_risk_level
from itda.households.services import (
    RegistryChangeRefused,
    RegistryDataInvalid,
    add_contact_channel,
    record_risk_assessment,
)
from itda.households.tests.factories import EARLIER, NOW, person
from itda.screenings.models import Level
from itda.screenings.services import record_screening

PHQ9 = {"1": 1, "2": 2, "3": 0, "4": 3, "5": 1, "6": 0, "7": 2, "8": 1, "9": 0}
TAKEN = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


@pytest.fixture
def screened(cast):
    """A fictional person on the social worker's case, with a PHQ-9 result the worker recorded."""
    someone = person(name="가상 주민 새벽", phone="010-0000-0811")
    worker, team = cast.social_worker, cast.home_team
    assign_worker(actor=cast.administrator, person=someone, worker=worker, team=team, role="LEAD", now=EARLIER)
    result = record_screening(
        actor=cast.social_worker, instrument_code="PHQ9", answers=PHQ9, channel="WORKER", now=TAKEN, person=someone
    ).result
    return someone, result


def _snapshot():
    return (MonitoringEnrolment.objects.count(), ContactPlan.objects.count())


# --- the mapping is data --------------------------------------------------------------------------


def test_every_triage_level_suggests_a_risk_level_from_the_data_file():
    path = settings.ITDA_DATA_DIR / "households" / "screening_risk_levels.json"
    mapping = json.loads(path.read_text(encoding="utf-8"))["by_triage_level"]

    assert set(mapping) == set(Level.values)
    assert {level: suggested_risk_level(level) for level in Level.values} == mapping
    assert (suggested_risk_level("CRISIS"), suggested_risk_level("SUPPORT")) == ("HIGH", "MEDIUM")
    assert suggested_risk_level("NOT-A-LEVEL") is None


# --- service ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_level_from_a_screening_keeps_the_result_as_its_source_and_is_audited(cast, screened):
    someone, result = screened

    enrolment = record_risk_assessment(
        actor=cast.social_worker,
        person=someone,
        level="MEDIUM",
        basis="SCREENING",
        reason="PHQ-9 중간 수준, 혼자 지냄",
        now=NOW,
        source=result,
    )

    enrolment.refresh_from_db()
    assert (enrolment.basis, enrolment.source_type) == ("SCREENING", "screenings.screeningresult")
    assert enrolment.source_id == str(result.pk)
    assert enrolment.screening_result_id == result.pk
    assert (enrolment.decided_by, enrolment.reason) == (cast.social_worker, "PHQ-9 중간 수준, 혼자 지냄")
    entry = AuditEntry.objects.get(action="CREATE", target_type="households.monitoringenrolment", target_id=str(enrolment.pk))
    assert entry.person_id == someone.pk
    assert "source" in entry.fields
    assert str(result.pk) in entry.reason


@pytest.mark.django_db
def test_a_level_from_a_screening_needs_the_screening_basis_and_a_reason(cast, screened):
    someone, result = screened

    with pytest.raises(RegistryDataInvalid) as refused:
        record_risk_assessment(
            actor=cast.social_worker, person=someone, level="HIGH", basis="SURVEY", reason=" ", now=NOW, source=result
        )

    assert set(refused.value.errors) == {"basis", "reason"}
    assert _snapshot() == (0, 0)


@pytest.mark.django_db
def test_another_persons_result_is_refused_as_a_source(cast, screened):
    _someone, result = screened
    stranger = person(name="가상 주민 노을", phone="010-0000-0812")

    with pytest.raises(RegistryDataInvalid) as refused:
        record_risk_assessment(
            actor=cast.social_worker, person=stranger, level="HIGH", basis="SCREENING", reason="이유", now=NOW, source=result
        )

    assert set(refused.value.errors) == {"source"}
    assert _snapshot() == (0, 0)


@pytest.mark.django_db
def test_a_worker_who_may_not_see_the_result_cannot_use_it_as_a_source(cast, screened):
    someone, result = screened  # health staff of the district may change the registry, but is not on the case

    with pytest.raises(RegistryChangeRefused):
        record_risk_assessment(
            actor=cast.health_staff, person=someone, level="HIGH", basis="SCREENING", reason="이유", now=NOW, source=result
        )

    assert _snapshot() == (0, 0)


# --- AI call plan at enrolment ---------------------------------------------------------------------------


def _prefer(cast, someone, *, kind="MESSENGER", value="010-0000-0811", weekday=4, at=time(11, 0)):
    add_contact_channel(
        actor=cast.social_worker,
        person=someone,
        kind=kind,
        value=value,
        is_preferred=True,
        preferred_weekday=weekday,
        preferred_time=at,
        now=EARLIER,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "channel"), [("MESSENGER", "MESSENGER_LINK"), ("SMS", "SMS_LINK"), ("PHONE", "VOICE")])
def test_a_high_risk_enrolment_with_consent_starts_the_weekly_ai_call_at_the_preferred_slot(cast, kind, channel):
    someone = person(name="가상 주민 아침", phone="010-0000-0821")
    _prefer(cast, someone, kind=kind, value="010-0000-0821")

    enrolment = record_risk_assessment(
        actor=cast.social_worker, person=someone, level="HIGH", basis="SURVEY", reason="끼니", now=NOW, start_checkin_calls=True
    )

    plan = ContactPlan.objects.get(person=someone, kind="AI_CALL", end_at__isnull=True)
    assert enrolment.checkin_plan == plan
    assert (plan.preferred_weekday, plan.preferred_time, plan.channel, plan.interval_days) == (4, time(11, 0), channel, 7)
    assert plan.team == cast.home_team
    assert AuditEntry.objects.filter(action="CREATE", target_type="checkins.contactplan", target_id=str(plan.pk)).exists()


@pytest.mark.django_db
def test_without_a_preferred_slot_the_ai_call_gets_the_policy_default(cast):
    someone = person(name="가상 주민 저녁", phone="010-0000-0822")

    record_risk_assessment(
        actor=cast.social_worker, person=someone, level="MEDIUM", basis="SURVEY", reason="이유", now=NOW, start_checkin_calls=True
    )

    plan = ContactPlan.objects.get(person=someone, kind="AI_CALL")
    assert (plan.preferred_weekday, plan.preferred_time, plan.channel) == (1, time(10, 0), "VOICE")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("level", "consent", "asked"),
    [("HIGH", False, True), ("LOW", True, True), ("HIGH", True, False)],
    ids=["no-consent", "low-risk", "not-asked"],
)
def test_no_ai_call_without_consent_at_low_risk_or_when_not_asked(cast, level, consent, asked):
    someone = person(name="가상 주민 한낮", phone="010-0000-0823", contact_consent=consent)
    _prefer(cast, someone, value="010-0000-0823")

    enrolment = record_risk_assessment(
        actor=cast.social_worker, person=someone, level=level, basis="SURVEY", reason="이유", now=NOW, start_checkin_calls=asked
    )

    assert enrolment.checkin_plan is None
    assert not ContactPlan.objects.filter(person=someone, kind="AI_CALL").exists()


@pytest.mark.django_db
def test_consent_given_with_the_assessment_is_enough_for_the_ai_call(cast):
    someone = person(name="가상 주민 구름", phone="010-0000-0824", contact_consent=False)
    _prefer(cast, someone, value="010-0000-0824", kind="PHONE", weekday=2, at=time(15, 30))

    record_risk_assessment(
        actor=cast.social_worker,
        person=someone,
        level="HIGH",
        basis="SURVEY",
        reason="이유",
        now=NOW,
        contact_consent_wording_version="care-contact-2026-01",
        start_checkin_calls=True,
    )

    plan = ContactPlan.objects.get(person=someone, kind="AI_CALL")
    assert (plan.preferred_weekday, plan.preferred_time) == (2, time(15, 30))


@pytest.mark.django_db
def test_a_running_ai_call_plan_is_left_as_the_worker_set_it(cast):
    from itda.checkins.services import set_checkin_call

    someone = person(name="가상 주민 별빛", phone="010-0000-0825")
    _prefer(cast, someone, value="010-0000-0825")
    set_checkin_call(
        actor=cast.social_worker, person=someone, preferred_weekday=0, preferred_time=time(9, 0), channel="VOICE", now=EARLIER
    )

    enrolment = record_risk_assessment(
        actor=cast.social_worker, person=someone, level="HIGH", basis="SURVEY", reason="이유", now=NOW, start_checkin_calls=True
    )

    plan = ContactPlan.objects.get(person=someone, kind="AI_CALL")
    assert enrolment.checkin_plan is None
    assert (plan.preferred_weekday, plan.preferred_time, plan.channel) == (0, time(9, 0), "VOICE")


# --- console ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_result_page_links_to_the_risk_form_which_prefills_from_the_triage_level(client, cast, screened):
    someone, result = screened
    client.force_login(cast.social_worker)

    result_page = client.get(reverse("console:screening_result", args=[someone.pk, result.pk])).content.decode()
    form_url = reverse("console:care_risk", args=[someone.pk]) + f"?screening={result.pk}"
    response = client.get(form_url)

    assert f'href="{form_url}"' in result_page
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["level"] == suggested_risk_level(result.level)
    assert "basis" not in form.fields
    assert 'id="risk-from-screening"' in response.content.decode()
    read = AuditEntry.objects.filter(action="READ", target_type="screenings.screeningresult", target_id=str(result.pk))
    assert read.filter(path=reverse("console:care_risk", args=[someone.pk])).exists()


@pytest.mark.django_db
def test_saving_the_form_records_the_source_and_the_registry_links_to_it(client, cast, screened):
    someone, result = screened
    _prefer(cast, someone)
    client.force_login(cast.social_worker)

    response = client.post(
        reverse("console:care_risk", args=[someone.pk]),
        {"screening": result.pk, "level": "HIGH", "reason": "혼자 지내고 끼니를 거름", "ai_call": "on"},
    )

    assert response.status_code == 302
    enrolment = MonitoringEnrolment.objects.get(person=someone, end_at__isnull=True)
    assert (enrolment.risk_level, enrolment.basis, enrolment.screening_result_id) == ("HIGH", "SCREENING", result.pk)
    plan = ContactPlan.objects.get(person=someone, kind="AI_CALL")
    assert (plan.preferred_weekday, plan.preferred_time, plan.channel) == (4, time(11, 0), "MESSENGER_LINK")
    registry = client.get(reverse("console:care_person", args=[someone.pk])).content.decode()
    assert f'href="{reverse("console:screening_result", args=[someone.pk, result.pk])}"' in registry


@pytest.mark.django_db
def test_the_worker_may_choose_another_level_than_suggested_but_must_say_why(client, cast, screened):
    someone, result = screened
    client.force_login(cast.social_worker)
    url = reverse("console:care_risk", args=[someone.pk])

    missing = client.post(url, {"screening": result.pk, "level": "LOW", "reason": ""})
    assert missing.status_code == 400
    assert _snapshot() == (0, 0)

    client.post(url, {"screening": result.pk, "level": "LOW", "reason": "가족이 매일 방문"})
    enrolment = MonitoringEnrolment.objects.get(person=someone)
    assert (enrolment.risk_level, enrolment.basis) == ("LOW", "SCREENING")


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_result_of_another_person_or_out_of_sight_is_a_404_and_changes_nothing(client, cast, screened, method):
    _someone, result = screened
    stranger = person(name="가상 주민 노을", phone="010-0000-0812")
    client.force_login(cast.social_worker)
    url = reverse("console:care_risk", args=[stranger.pk])

    response = getattr(client, method)(url + f"?screening={result.pk}", {"screening": result.pk, "level": "HIGH", "reason": "x"})

    assert response.status_code == 404
    assert _snapshot() == (0, 0)


@pytest.mark.django_db
def test_the_checkin_page_prefills_a_new_weekly_call_from_the_preferred_channel(client, cast):
    someone = person(name="가상 주민 바람", phone="010-0000-0831")
    record_risk_assessment(actor=cast.social_worker, person=someone, level="HIGH", basis="SURVEY", reason="이유", now=EARLIER)
    _prefer(cast, someone, kind="SMS", value="010-0000-0831", weekday=3, at=time(14, 0))
    client.force_login(cast.social_worker)

    response = client.get(reverse("console:checkin_person", args=[someone.pk]))

    assert response.status_code == 200
    assert response.context["ai_plan"] is None
    assert response.context["ai_form"].initial == {"weekday": 3, "at": time(14, 0), "channel": "SMS_LINK"}
