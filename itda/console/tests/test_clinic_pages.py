"""The clinic's pages end to end (register → PHQ-9 → triage → referral), the crisis box, the receiving teams'
typed steps on the referral page and the loop closing on the clinic's home; registration joins the case."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from itda.audit.models import AuditEntry
from itda.cases.models import CareTask, CaseAssignment
from itda.people.models import Consent, Person
from itda.referrals.models import Referral
from itda.referrals.tests.factories import make_chain
from itda.screenings.models import ScreeningResult
from tests.personas import HOME_DISTRICT

SEVERE = {"1": 2, "2": 2, "3": 2, "4": 2, "5": 2, "6": 2, "7": 2, "8": 1, "9": 0}  # 15: moderately severe
CRISIS = {"1": 1, "2": 1, "3": 1, "4": 1, "5": 1, "6": 1, "7": 0, "8": 0, "9": 2}


def _answers(answers: dict) -> dict:
    return {"instrument": "PHQ9", **{f"item-{code}": str(value) for code, value in answers.items()}}


@pytest.fixture
def chain(cast):
    return make_chain(cast)


@pytest.fixture
def doctor_client(chain):
    """The clinic doctor's own browser, next to ``client`` for the other teams."""
    doctor = Client()
    doctor.force_login(chain.doctor)
    return doctor


def _register(doctor_client, name="가상 환자 솔") -> Person:
    response = doctor_client.post(reverse("console:clinic_register"), {"name": name, "birth_year": "1975", "consent_given": "on"})
    assert response.status_code == 302
    return Person.objects.get(name=name)


@pytest.mark.django_db
def test_register_screen_and_refer_in_one_flow(doctor_client, chain):
    person = _register(doctor_client)
    assert person.district.code == HOME_DISTRICT
    assert CaseAssignment.objects.get(person=person).worker == chain.doctor

    page = doctor_client.get(reverse("console:clinic_screen", args=[person.pk]))
    assert page.status_code == 200
    assert 'name="item-9"' in page.content.decode()

    scored = doctor_client.post(reverse("console:clinic_screen", args=[person.pk]), _answers(SEVERE))
    result = ScreeningResult.objects.get(person=person)
    assert scored["Location"] == reverse("console:clinic_refer", args=[person.pk, result.pk])
    assert (result.channel, result.total, result.level) == ("CLINIC", 15, "URGENT")

    triage = doctor_client.get(scored["Location"]).content.decode()
    assert "15 / 27" in triage
    assert chain.health_centre.name in triage
    assert re.search(r'value="HIGH"[^>]*checked', triage)

    sent = doctor_client.post(scored["Location"], {"risk": "HIGH", "note": "수면 문제 동반", "share_consent": "on"})
    referral = Referral.objects.get()
    assert sent["Location"] == reverse("console:referral_detail", args=[referral.pk])
    assert (referral.to_team, referral.risk, referral.source_id, referral.has_consent_to_share) == (
        chain.health_centre,
        "HIGH",
        str(result.pk),
        True,
    )
    assert Consent.objects.filter(person=person, purpose="SHARE_WITH_SERVICES").exists()

    again = doctor_client.get(scored["Location"]).content.decode()
    assert 'id="clinic-existing"' in again and 'id="clinic-refer"' not in again


@pytest.mark.django_db
def test_finding_a_patient_lists_only_the_clinics_own(doctor_client, chain):
    _register(doctor_client, "가상 환자 솔")
    Person.objects.create(name="가상 환자 솔잎", district=chain.clinic.district)  # in the district, not the clinic's

    page = doctor_client.get(reverse("console:clinic_home"), {"q": "솔"}).content.decode()

    assert "가상 환자 솔" in page and "가상 환자 솔잎" not in page


@pytest.mark.django_db
def test_a_crisis_answer_shows_the_crisis_box_and_the_task_and_is_sent_as_a_crisis(doctor_client, chain):
    person = _register(doctor_client)

    scored = doctor_client.post(reverse("console:clinic_screen", args=[person.pk]), _answers(CRISIS))
    page = doctor_client.get(scored["Location"]).content.decode()

    assert 'id="clinic-crisis"' in page and 'role="alert"' in page and "tel:109" in page
    task = CareTask.objects.get(kind="CRISIS_RESPONSE", person=person)
    assert 'id="clinic-crisis-task"' in page and task.team.name in page

    lowered = doctor_client.post(scored["Location"], {"risk": "HIGH", "lower_reason": "본인이 부인함"})
    assert lowered.status_code == 400 and Referral.objects.count() == 0
    assert 'id="clinic-crisis"' in lowered.content.decode()

    doctor_client.post(scored["Location"], {"risk": "CRISIS"})
    assert Referral.objects.get().risk == "CRISIS"


@pytest.mark.django_db
def test_a_crisis_answer_among_unanswered_items_still_shows_the_crisis_box(doctor_client, chain):
    person = _register(doctor_client)

    response = doctor_client.post(
        reverse("console:clinic_screen", args=[person.pk]), {"instrument": "PHQ9", "item-1": "1", "item-9": "3"}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="clinic-crisis"' in page and "tel:109" in page
    assert ScreeningResult.objects.count() == 0
    assert CareTask.objects.filter(kind="CRISIS_RESPONSE", person=person).exists()


@pytest.mark.django_db
def test_lowering_the_suggested_risk_without_a_reason_is_refused_with_a_korean_first_message(doctor_client, chain):
    person = _register(doctor_client)
    scored = doctor_client.post(reverse("console:clinic_screen", args=[person.pk]), _answers(SEVERE))

    response = doctor_client.post(scored["Location"], {"risk": "LOW"})

    assert response.status_code == 400
    assert "분류가 제안한 위험도보다 낮추려면" in response.content.decode()
    assert Referral.objects.count() == 0


@pytest.mark.django_db
def test_another_clinic_cannot_screen_or_see_the_patient(doctor_client, client, chain, django_user_model):
    from itda.accounts.models import Team

    person = _register(doctor_client)
    other = Team.objects.create(name="가상 관악 다른의원", kind=Team.Kind.PRIMARY_CLINIC, district=chain.clinic.district)
    stranger = django_user_model.objects.create(username="persona-other-doctor", role="HEALTH_STAFF", team=other)
    client.force_login(stranger)

    assert client.get(reverse("console:clinic_screen", args=[person.pk])).status_code == 404
    assert client.post(reverse("console:clinic_screen", args=[person.pk]), _answers(SEVERE)).status_code == 404
    assert ScreeningResult.objects.count() == 0


@pytest.mark.django_db
def test_the_chain_on_the_referral_pages_closes_the_loop_for_the_clinic(client, doctor_client, cast, chain):
    person = _register(doctor_client)
    scored = doctor_client.post(reverse("console:clinic_screen", args=[person.pk]), _answers(SEVERE))
    doctor_client.post(scored["Location"], {"risk": "HIGH"})
    first = Referral.objects.get()
    result = ScreeningResult.objects.get()

    # The health centre sees the attached result (audited) and records "counselled" in place of "service started".
    client.force_login(chain.nurse)
    reads = AuditEntry.objects.filter(actor=chain.nurse, action="READ", target_type="screenings.screeningresult").count()
    page = client.get(reverse("console:referral_detail", args=[first.pk])).content.decode()
    assert 'id="attached-result"' in page and "15 / 27" in page
    assert reverse("console:screening_result", args=[person.pk, result.pk]) in page
    assert (
        AuditEntry.objects.filter(actor=chain.nurse, action="READ", target_type="screenings.screeningresult").count() == reads + 1
    )
    assert 'id="record-milestone"' in page and 'value="COUNSELLED"' in page
    assert client.get(reverse("console:screening_result", args=[person.pk, result.pk])).status_code == 200

    client.post(reverse("console:clinic_milestone", args=[first.pk]), {"milestone": "COUNSELLED", "note": "1회기"})
    first.refresh_from_db()
    assert first.status == "SERVICE_STARTED"
    page = client.get(reverse("console:referral_detail", args=[first.pk])).content.decode()
    assert 'id="record-milestone"' not in page and 'value="SERVICE_STARTED"' not in page
    assert 'data-milestone="COUNSELLED"' in page

    # Onward to the mental health welfare centre, which records the registration.
    client.post(
        reverse("console:referral_send"),
        {
            "parent": first.pk,
            "to_team": chain.mental_health_centre.pk,
            "risk": "HIGH",
            "reason": "자살 고위험",
            "program": "life-linking-stethoscope",
        },
    )
    second = Referral.objects.get(parent=first)
    client.force_login(chain.mental_health_worker)
    page = client.get(reverse("console:referral_detail", args=[second.pk])).content.decode()
    assert 'value="REGISTERED_HIGH_RISK"' in page
    client.post(reverse("console:clinic_milestone", args=[second.pk]), {"milestone": "REGISTERED_HIGH_RISK"})

    # The clinic sees the loop closed, on its home and on its referral's chain.
    home = doctor_client.get(reverse("console:clinic_home")).content.decode()
    assert "data-loop-closed" in home
    detail = doctor_client.get(reverse("console:referral_detail", args=[first.pk])).content.decode()
    assert 'data-milestone="COUNSELLED"' in detail and 'data-milestone="REGISTERED_HIGH_RISK"' in detail
    assert 'id="record-milestone"' not in detail


@pytest.mark.django_db
def test_the_console_home_links_the_clinic_pages_for_clinic_staff_only(doctor_client, client, cast):
    assert reverse("console:clinic_home") in doctor_client.get(reverse("console:home")).content.decode()
    client.force_login(cast.health_staff)
    assert reverse("console:clinic_home") not in client.get(reverse("console:home")).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("stay_off", "on_case"), [(False, True), (True, False)])
def test_registering_on_the_console_puts_the_worker_on_the_case_unless_they_opt_out(client, cast, stay_off, on_case):
    client.force_login(cast.social_worker)
    form = {"name": "가상 주민 솔", "district": HOME_DISTRICT, "household_size": "1", "consent_given": "on"}
    if stay_off:
        form["stay_off_case"] = "on"

    response = client.post(reverse("console:person_create"), form)

    assert response.status_code == 302
    person = Person.objects.get(name="가상 주민 솔")
    assert CaseAssignment.objects.filter(person=person, worker=cast.social_worker, end_at__isnull=True).exists() is on_case


@pytest.mark.django_db
def test_service_started_from_the_inbox_records_the_health_centres_typed_step(client, doctor_client, chain):
    """The inbox offers the receiving team's step by its name, and pressing it records "counselled", not a bare start."""
    person = _register(doctor_client)
    scored = doctor_client.post(reverse("console:clinic_screen", args=[person.pk]), _answers(SEVERE))
    doctor_client.post(scored["Location"], {"risk": "HIGH"})
    referral = Referral.objects.get()
    client.force_login(chain.nurse)
    for step in ("RECEIVED", "ACCEPTED", "CONTACTED"):
        client.post(reverse("console:referral_move", args=[referral.pk]), {"to_status": step, "note": ""})

    inbox = client.get(reverse("console:referral_inbox")).content.decode()
    assert "보건소 심층상담 완료" in inbox

    client.post(reverse("console:referral_move", args=[referral.pk]), {"to_status": "SERVICE_STARTED", "note": ""})

    referral.refresh_from_db()
    assert referral.status == "SERVICE_STARTED"
    assert referral.events.filter(milestone="COUNSELLED").exists()
