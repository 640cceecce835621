"""The life-linking stethoscope end to end in the services: a clinic's PHQ-9 sent on with its result, the
health centre's "counselled" and the mental health welfare centre's "registered" as typed steps, the loop
closing for the clinic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from itda.accounts.models import Team
from itda.audit.models import AuditEntry
from itda.people.models import Person
from itda.people.permissions import get_people_for_worker
from itda.people.services import PersonDetails, register_person
from itda.places.models import District
from itda.referrals import queries
from itda.referrals.models import Milestone, Referral, ReferralEvent
from itda.referrals.services import (
    DetailsNeeded,
    NotYourMove,
    ReferralInvalid,
    TransitionNotAllowed,
    deadline_for,
    record_milestone,
    send_referral,
    send_screening_referral,
    transition,
)
from itda.referrals.tests.factories import make_chain
from itda.screenings.models import ScreeningResult
from itda.screenings.permissions import can_see_sensitive_results
from itda.screenings.services import record_screening
from tests.personas import HOME_DISTRICT

NOW = datetime(2026, 11, 10, 1, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Seoul
# Totals 15 (moderately severe → URGENT), 11 (moderate → SUPPORT), 6 (mild → WATCH); item 9 at 0.
SEVERE = {"1": 2, "2": 2, "3": 2, "4": 2, "5": 2, "6": 2, "7": 2, "8": 1, "9": 0}
MODERATE = {"1": 2, "2": 2, "3": 1, "4": 1, "5": 1, "6": 1, "7": 1, "8": 2, "9": 0}
MILD = {"1": 1, "2": 1, "3": 1, "4": 1, "5": 1, "6": 1, "7": 0, "8": 0, "9": 0}
CRISIS = {**MILD, "9": 1}


@pytest.fixture
def chain(cast):
    return make_chain(cast)


@pytest.fixture
def patient(chain):
    """Registered by the clinic doctor, who is thereby on the case (people.services.register_person)."""
    return register_person(
        actor=chain.doctor,
        details=PersonDetails(name="가상 환자 이슬", district=District.objects.get(code=HOME_DISTRICT), birth_year=1970),
        consent_wording_version="case-record-2026-01",
        now=NOW - timedelta(minutes=10),
    )


def _screen(chain, patient, answers, *, now=NOW) -> ScreeningResult:
    return record_screening(
        actor=chain.doctor, instrument_code="PHQ9", answers=answers, channel="CLINIC", now=now, person=patient
    ).result


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answers", "level", "risk"),
    [(SEVERE, "URGENT", "HIGH"), (MODERATE, "SUPPORT", "MEDIUM"), (MILD, "WATCH", "LOW"), (CRISIS, "CRISIS", "CRISIS")],
)
def test_the_clinic_sends_its_result_to_the_districts_health_centre_with_the_risk_the_triage_suggests(
    chain, patient, answers, level, risk
):
    result = _screen(chain, patient, answers)

    referral = send_screening_referral(actor=chain.doctor, result=result, now=NOW)

    assert result.channel == "CLINIC" and result.level == level
    assert (referral.from_team, referral.to_team, referral.risk) == (chain.clinic, chain.health_centre, risk)
    assert (referral.source_type, referral.source_id) == ("screenings.screeningresult", str(result.pk))
    assert referral.program.slug == "life-linking-stethoscope"
    assert referral.due_at == deadline_for(status="SENT", risk=risk, start_at=NOW)
    assert f"(PHQ-9) v1 · 총점 {result.total}/27" in referral.reason
    assert "answers" not in referral.reason


@pytest.mark.django_db
def test_the_worker_may_raise_the_risk_and_the_reason_says_so(chain, patient):
    result = _screen(chain, patient, MODERATE)

    referral = send_screening_referral(actor=chain.doctor, result=result, now=NOW, risk="HIGH", note="불면이 심함")

    assert referral.risk == "HIGH"
    assert "위험도 조정: 분류 제안 MEDIUM → HIGH" in referral.reason and "불면이 심함" in referral.reason


@pytest.mark.django_db
def test_lowering_the_risk_needs_a_written_reason_and_is_kept_in_the_referral(chain, patient):
    result = _screen(chain, patient, SEVERE)

    with pytest.raises(DetailsNeeded) as caught:
        send_screening_referral(actor=chain.doctor, result=result, now=NOW, risk="MEDIUM")
    assert Referral.objects.count() == 0
    assert caught.value.message.startswith("분류가 제안한 위험도보다 낮추려면")

    referral = send_screening_referral(
        actor=chain.doctor, result=result, now=NOW, risk="MEDIUM", lower_reason="이미 정신건강의학과 진료 중"
    )
    assert referral.risk == "MEDIUM"
    assert "이유: 이미 정신건강의학과 진료 중" in referral.reason


@pytest.mark.django_db
def test_a_crisis_answer_is_never_sent_below_crisis_and_its_crisis_task_is_open(chain, patient):
    from itda.cases.models import CareTask

    result = _screen(chain, patient, CRISIS)

    with pytest.raises(ReferralInvalid):
        send_screening_referral(actor=chain.doctor, result=result, now=NOW, risk="HIGH", lower_reason="본인이 부인함")

    assert Referral.objects.count() == 0
    assert CareTask.objects.filter(kind="CRISIS_RESPONSE", source_id=str(result.pk)).exists()


@pytest.mark.django_db
def test_sending_the_same_result_twice_returns_the_first_referral(chain, patient):
    result = _screen(chain, patient, SEVERE)

    first = send_screening_referral(actor=chain.doctor, result=result, now=NOW)
    second = send_screening_referral(actor=chain.doctor, result=result, now=NOW + timedelta(minutes=1))

    assert first.pk == second.pk and Referral.objects.count() == 1


@pytest.mark.django_db
def test_a_district_without_a_health_centre_team_is_refused_with_a_korean_first_message(chain, patient):
    result = _screen(chain, patient, SEVERE)
    chain.health_centre.district = District.objects.exclude(code=HOME_DISTRICT).first()
    chain.health_centre.save()

    with pytest.raises(ReferralInvalid) as caught:
        send_screening_referral(actor=chain.doctor, result=result, now=NOW)

    assert caught.value.message.startswith("이 자치구에 등록된 보건소 팀이 없습니다")


@pytest.mark.django_db
def test_a_worker_who_may_not_see_the_result_cannot_send_it(cast, chain, patient):
    result = _screen(chain, patient, SEVERE)

    with pytest.raises(NotYourMove):
        send_screening_referral(actor=cast.other_worker, result=result, now=NOW)

    assert Referral.objects.count() == 0


@pytest.mark.django_db
def test_the_health_centre_sees_the_attached_result_while_the_referral_is_open(chain, patient):
    result = _screen(chain, patient, SEVERE)
    assert not can_see_sensitive_results(chain.nurse, patient)

    send_screening_referral(actor=chain.doctor, result=result, now=NOW)

    assert can_see_sensitive_results(chain.nurse, patient)


@pytest.mark.django_db
def test_counselled_walks_the_machine_to_service_started_with_a_typed_step_and_a_fresh_deadline(chain, patient):
    referral = send_screening_referral(actor=chain.doctor, result=_screen(chain, patient, SEVERE), now=NOW)
    later = NOW + timedelta(hours=5)

    moved = record_milestone(actor=chain.nurse, referral=referral, milestone="COUNSELLED", now=later, note="2회기 상담")

    assert moved.status == "SERVICE_STARTED"
    assert moved.due_at == deadline_for(status="SERVICE_STARTED", risk="HIGH", start_at=later)
    events = list(ReferralEvent.objects.filter(referral=referral).order_by("pk").values_list("to_status", "milestone"))
    assert events == [("SENT", ""), ("ACCEPTED", ""), ("CONTACTED", ""), ("SERVICE_STARTED", "COUNSELLED")]
    typed = ReferralEvent.objects.get(referral=referral, milestone="COUNSELLED")
    assert typed.note.startswith("보건소 심층상담 완료") and "2회기 상담" in typed.note
    assert typed.actor == chain.nurse
    assert AuditEntry.objects.filter(target_type="referrals.referral", target_id=str(referral.pk), action="UPDATE").count() == 3


@pytest.mark.django_db
def test_recording_the_same_step_twice_changes_nothing(chain, patient):
    referral = send_screening_referral(actor=chain.doctor, result=_screen(chain, patient, SEVERE), now=NOW)
    record_milestone(actor=chain.nurse, referral=referral, milestone="COUNSELLED", now=NOW)
    events = ReferralEvent.objects.count()

    again = record_milestone(actor=chain.nurse, referral=referral, milestone="COUNSELLED", now=NOW + timedelta(hours=1))

    assert again.status == "SERVICE_STARTED" and ReferralEvent.objects.count() == events


@pytest.mark.django_db
def test_only_the_receiving_team_records_its_own_step(cast, chain, patient):
    referral = send_screening_referral(actor=chain.doctor, result=_screen(chain, patient, SEVERE), now=NOW)

    with pytest.raises(NotYourMove):
        record_milestone(actor=chain.doctor, referral=referral, milestone="COUNSELLED", now=NOW)
    with pytest.raises(ReferralInvalid):
        record_milestone(actor=chain.nurse, referral=referral, milestone="REGISTERED_HIGH_RISK", now=NOW)

    referral.refresh_from_db()
    assert referral.status == "SENT" and ReferralEvent.objects.filter(referral=referral).count() == 1


@pytest.mark.django_db
def test_a_referral_outside_the_stethoscope_has_no_typed_step(cast, chain):
    person = Person.objects.create(name="가상 주민 솔", district=District.objects.get(code=HOME_DISTRICT))
    referral = send_referral(
        actor=cast.social_worker,
        person=person,
        from_team=cast.home_team,
        to_team=chain.health_centre,
        reason="방문건강관리 연계",
        risk="MEDIUM",
        now=NOW,
        program_slug="visiting-health-care",
    )

    with pytest.raises(ReferralInvalid):
        record_milestone(actor=chain.nurse, referral=referral, milestone="COUNSELLED", now=NOW)


@pytest.mark.django_db
def test_a_finished_referral_or_one_whose_service_already_started_cannot_take_the_step(chain, patient):
    referral = send_screening_referral(actor=chain.doctor, result=_screen(chain, patient, SEVERE), now=NOW)
    for status in ("ACCEPTED", "CONTACTED", "SERVICE_STARTED"):
        referral = transition(actor=chain.nurse, referral=referral, to_status=status, now=NOW)

    with pytest.raises(TransitionNotAllowed):
        record_milestone(actor=chain.nurse, referral=referral, milestone="COUNSELLED", now=NOW)

    referral = transition(actor=chain.nurse, referral=referral, to_status="CLOSED", now=NOW, outcome="GOT_HELP")
    with pytest.raises(TransitionNotAllowed):
        record_milestone(actor=chain.nurse, referral=referral, milestone="COUNSELLED", now=NOW)


@pytest.mark.django_db
def test_the_whole_chain_closes_the_loop_for_the_clinic(chain, patient):
    """Clinic screens and refers → health centre counsels and refers on → the centre registers the person."""
    result = _screen(chain, patient, SEVERE)
    first = send_screening_referral(actor=chain.doctor, result=result, now=NOW)
    progress = queries.list_screening_referrals_sent(actor=chain.doctor, now=NOW)
    assert [(p.referral.pk, p.counselled, p.registered, p.is_closed) for p in progress] == [(first.pk, None, None, False)]

    first = record_milestone(actor=chain.nurse, referral=first, milestone="COUNSELLED", now=NOW + timedelta(days=1))
    second = send_referral(
        actor=chain.nurse,
        person=patient,
        from_team=chain.health_centre,
        to_team=chain.mental_health_centre,
        reason="심층상담 결과 자살 고위험",
        risk="HIGH",
        now=NOW + timedelta(days=1, hours=1),
        program_slug="life-linking-stethoscope",
        parent=first,
    )
    transition(
        actor=chain.nurse, referral=first, to_status="CLOSED", now=NOW + timedelta(days=1, hours=2), outcome="REFERRED_ELSEWHERE"
    )
    assert queries.list_screening_referrals_sent(actor=chain.doctor, now=NOW)[0].is_closed is False

    record_milestone(
        actor=chain.mental_health_worker, referral=second, milestone="REGISTERED_HIGH_RISK", now=NOW + timedelta(days=2)
    )

    [loop] = queries.list_screening_referrals_sent(actor=chain.doctor, now=NOW + timedelta(days=2))
    assert loop.counselled.at == NOW + timedelta(days=1) and loop.counselled.team_name == chain.health_centre.name
    assert loop.registered.at == NOW + timedelta(days=2) and loop.registered.team_name == chain.mental_health_centre.name
    assert loop.is_closed
    assert [link.pk for link in loop.onward] == [second.pk]
    second.refresh_from_db()
    assert second.status == "SERVICE_STARTED"
    # The clinic still sees its patient (on the case since registration) and its own referral.
    assert get_people_for_worker(chain.doctor).filter(pk=patient.pk).exists()
    assert AuditEntry.objects.filter(actor=chain.doctor, action="LIST", target_type="referrals.referral").count() == 3


@pytest.mark.django_db
def test_a_chain_the_health_centre_closes_without_sending_on_also_closes_the_loop(chain, patient):
    first = send_screening_referral(actor=chain.doctor, result=_screen(chain, patient, MODERATE), now=NOW)
    first = record_milestone(actor=chain.nurse, referral=first, milestone="COUNSELLED", now=NOW + timedelta(days=1))
    transition(actor=chain.nurse, referral=first, to_status="CLOSED", now=NOW + timedelta(days=8), outcome="GOT_HELP")

    [loop] = queries.list_screening_referrals_sent(actor=chain.doctor, now=NOW + timedelta(days=8))

    assert loop.counselled is not None and loop.registered is None and loop.is_closed


@pytest.mark.django_db
def test_milestone_labels_are_korean_by_default(chain, patient):
    first = send_screening_referral(actor=chain.doctor, result=_screen(chain, patient, SEVERE), now=NOW)
    record_milestone(actor=chain.nurse, referral=first, milestone=Milestone.COUNSELLED, now=NOW)

    [loop] = queries.list_screening_referrals_sent(actor=chain.doctor, now=NOW)

    assert loop.counselled.label != "Counselled at the public health centre"
    assert Team.objects.filter(kind="PRIMARY_CLINIC").count() == 1
