"""The registry's write use-cases: history kept, consent respected, other apps kept in step, refusals change nothing."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from itda.audit.models import AuditEntry
from itda.cases.models import CaseAssignment
from itda.checkins.models import ContactPlan
from itda.households.models import ContactChannel, Guardian, MonitoringEnrolment, VisitingCareEnrolment
from itda.households.services import (
    RegistryChangeRefused,
    RegistryDataInvalid,
    add_contact_channel,
    add_guardian,
    end_monitoring,
    end_visiting_care,
    enrol_in_visiting_care,
    record_risk_assessment,
)
from itda.households.tests.factories import EARLIER, NOW, monitored, person
from itda.people.models import Consent
from itda.volunteers.models import Allocation
from itda.volunteers.services import apply_allocation
from itda.volunteers.tests.factories import volunteer


@pytest.mark.django_db
def test_a_new_assessment_ends_the_previous_one_and_both_stay_in_the_history(cast):
    someone = monitored(cast, name="가상 주민 하나", level="MEDIUM", at=EARLIER)

    record_risk_assessment(
        actor=cast.social_worker, person=someone, level="HIGH", basis="WORKER_JUDGEMENT", reason="식사를 거의 못 함", now=NOW
    )

    periods = list(
        MonitoringEnrolment.objects.filter(person=someone).order_by("start_at").values_list("risk_level", "start_at", "end_at")
    )
    assert periods == [("MEDIUM", EARLIER, NOW), ("HIGH", NOW, None)]
    current = MonitoringEnrolment.objects.get(person=someone, end_at__isnull=True)
    assert (current.decided_by, current.basis, current.reason) == (cast.social_worker, "WORKER_JUDGEMENT", "식사를 거의 못 함")
    entry = AuditEntry.objects.get(action="CREATE", target_type="households.monitoringenrolment", target_id=str(current.pk))
    assert (entry.person_id, entry.fields) == (someone.pk, ["basis", "reason", "risk_level"])


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["other_worker", "counsellor", "city_staff", "volunteer", "citizen"])
def test_only_a_worker_of_the_district_records_an_assessment_and_a_refusal_changes_nothing(cast, persona):
    someone = person(name="가상 주민 둘")
    entries_before = AuditEntry.objects.count()

    with pytest.raises(RegistryChangeRefused):
        record_risk_assessment(
            actor=getattr(cast, persona), person=someone, level="HIGH", basis="WORKER_JUDGEMENT", reason="이유", now=NOW
        )

    assert MonitoringEnrolment.objects.filter(person=someone).count() == 0
    assert AuditEntry.objects.count() == entries_before


@pytest.mark.django_db
def test_an_assessment_without_a_reason_or_with_a_resident_number_is_refused_in_korean_first(cast):
    someone = person(name="가상 주민 셋")

    with pytest.raises(RegistryDataInvalid) as no_reason:
        record_risk_assessment(
            actor=cast.social_worker, person=someone, level="HIGH", basis="WORKER_JUDGEMENT", reason="  ", now=NOW
        )
    with pytest.raises(RegistryDataInvalid) as number:
        record_risk_assessment(
            actor=cast.social_worker, person=someone, level="SEVERE", basis="WORKER_JUDGEMENT", reason="800101-1234567", now=NOW
        )

    assert no_reason.value.errors == {"reason": "판단 이유를 적어 주세요. (Say why.)"}
    assert number.value.errors == {
        "level": "위험 수준을 고르세요: 고위험, 중위험, 저위험. (Choose high, medium or low risk.)",
        "reason": "주민등록번호는 저장하지 않습니다. 지워 주세요. (Resident registration numbers are never stored.)",
    }
    assert MonitoringEnrolment.objects.filter(person=someone).count() == 0


@pytest.mark.django_db
def test_the_consent_to_be_contacted_is_recorded_with_the_assessment_when_given(cast):
    someone = person(name="가상 주민 넷", contact_consent=False)

    record_risk_assessment(
        actor=cast.social_worker,
        person=someone,
        level="MEDIUM",
        basis="SURVEY",
        reason="이웃과 왕래 없음",
        now=NOW,
        contact_consent_wording_version="care-contact-2026-01",
    )

    consent = Consent.objects.get(person=someone, purpose="CONTACT")
    assert (consent.wording_version, consent.given_at, consent.recorded_by) == ("care-contact-2026-01", NOW, cast.social_worker)


@pytest.mark.django_db
def test_lowering_the_level_to_low_releases_the_volunteer_their_case_place_and_the_care_group_plan(cast):
    someone = monitored(cast, name="가상 주민 다섯", level="HIGH", at=EARLIER)
    carer = volunteer(cast, username="carer-five")
    apply_allocation(actor=cast.social_worker, district=someone.district, now=EARLIER + timedelta(hours=1))

    record_risk_assessment(
        actor=cast.social_worker, person=someone, level="LOW", basis="WORKER_JUDGEMENT", reason="매일 복지관 이용", now=NOW
    )

    allocation = Allocation.objects.get(person=someone)
    assert (allocation.volunteer, allocation.end_at, allocation.end_reason) == (carer, NOW, "RISK_LOWERED")
    assert CaseAssignment.objects.get(person=someone, role="VOLUNTEER").end_at == NOW
    assert ContactPlan.objects.get(person=someone, kind="CARE_GROUP").end_at == NOW


@pytest.mark.django_db
def test_ending_monitoring_needs_a_reason_ends_the_period_and_releases_the_volunteer(cast):
    someone = monitored(cast, name="가상 주민 여섯", level="MEDIUM", at=EARLIER)
    volunteer(cast, username="carer-six")
    apply_allocation(actor=cast.social_worker, district=someone.district, now=EARLIER + timedelta(hours=1))

    with pytest.raises(RegistryDataInvalid):
        end_monitoring(actor=cast.social_worker, person=someone, reason="", now=NOW)
    ended = end_monitoring(actor=cast.social_worker, person=someone, reason="다른 구로 이사", now=NOW)

    assert (ended.end_at, ended.end_reason, ended.ended_by) == (NOW, "다른 구로 이사", cast.social_worker)
    assert Allocation.objects.get(person=someone).end_reason == "MONITORING_ENDED"
    assert end_monitoring(actor=cast.social_worker, person=someone, reason="다시", now=NOW + timedelta(hours=1)) is None


@pytest.mark.django_db
def test_visiting_care_is_for_people_aged_65_and_over(cast):
    younger = person(name="가상 주민 일곱", birth_year=1962)
    unknown = person(name="가상 주민 여덟")
    unknown.birth_year = None
    unknown.save()

    with pytest.raises(RegistryDataInvalid) as too_young:
        enrol_in_visiting_care(actor=cast.health_staff, person=younger, group="REGULAR", now=NOW)
    with pytest.raises(RegistryDataInvalid) as no_year:
        enrol_in_visiting_care(actor=cast.health_staff, person=unknown, group="REGULAR", now=NOW)

    assert too_young.value.errors == {
        "group": "방문건강관리는 65세 이상만 등록할 수 있습니다. (Visiting health care is for people aged 65 and over.)"
    }
    assert no_year.value.errors == {"group": "출생연도를 먼저 입력하세요. (Enter the birth year first.)"}
    assert VisitingCareEnrolment.objects.count() == 0


@pytest.mark.django_db
def test_enrolling_in_visiting_care_sets_the_nurse_visit_plan_by_group_and_puts_the_nurse_on_the_case(cast):
    someone = person(name="가상 주민 아홉", birth_year=1944)

    enrolment = enrol_in_visiting_care(
        actor=cast.social_worker, person=someone, group="INTENSIVE", nurse=cast.health_staff, now=EARLIER
    )
    enrol_in_visiting_care(actor=cast.social_worker, person=someone, group="REGULAR", nurse=cast.health_staff, now=NOW)

    groups = list(VisitingCareEnrolment.objects.filter(person=someone).order_by("start_at").values_list("group", "end_at"))
    assert groups == [("INTENSIVE", NOW), ("REGULAR", None)]
    assert enrolment.team.kind == "HEALTH_CENTRE"
    plan = ContactPlan.objects.get(person=someone, kind="NURSE_VISIT", end_at__isnull=True)
    assert (plan.owner, plan.interval_days, plan.team) == (cast.health_staff, 90, cast.health_staff.team)
    nurse = CaseAssignment.objects.get(person=someone, role="NURSE")
    assert (nurse.worker, nurse.end_at) == (cast.health_staff, None)


@pytest.mark.django_db
@pytest.mark.parametrize(("group", "interval_days"), [("INTENSIVE", 7), ("REGULAR", 90), ("HEALTHY", 180)])
def test_each_visiting_care_group_gets_its_visit_interval(cast, group, interval_days):
    someone = person(name="가상 주민 열", birth_year=1940)

    enrol_in_visiting_care(actor=cast.health_staff, person=someone, group=group, now=NOW)

    assert ContactPlan.objects.get(person=someone, kind="NURSE_VISIT").interval_days == interval_days


@pytest.mark.django_db
def test_ending_visiting_care_ends_the_plan_and_the_nurse_leaves_the_case(cast):
    someone = person(name="가상 주민 열하나", birth_year=1940)
    enrol_in_visiting_care(actor=cast.health_staff, person=someone, group="HEALTHY", nurse=cast.health_staff, now=EARLIER)

    ended = end_visiting_care(actor=cast.health_staff, person=someone, now=NOW)

    assert ended.end_at == NOW
    assert ContactPlan.objects.get(person=someone, kind="NURSE_VISIT").end_at == NOW
    assert CaseAssignment.objects.get(person=someone, role="NURSE").end_at == NOW


@pytest.mark.django_db
def test_a_new_preferred_channel_takes_over_and_only_the_preferred_one_carries_a_slot(cast):
    someone = person(name="가상 주민 열둘")
    first = add_contact_channel(
        actor=cast.social_worker,
        person=someone,
        kind="PHONE",
        value="010-0000-0201",
        is_preferred=True,
        preferred_weekday=1,
        preferred_time=time(10, 0),
        now=EARLIER,
    )

    second = add_contact_channel(
        actor=cast.social_worker,
        person=someone,
        kind="LANDLINE",
        value="02-000-0000",
        is_preferred=True,
        preferred_weekday=3,
        preferred_time=time(15, 30),
        now=NOW,
    )
    with pytest.raises(RegistryDataInvalid) as slot_without_preference:
        add_contact_channel(
            actor=cast.social_worker, person=someone, kind="SMS", value="010-0000-0202", preferred_weekday=2, now=NOW
        )
    with pytest.raises(RegistryDataInvalid) as not_a_number:
        add_contact_channel(actor=cast.social_worker, person=someone, kind="PHONE", value="전화 없음", now=NOW)

    first.refresh_from_db()
    assert (first.is_preferred, second.is_preferred) == (False, True)
    assert ContactChannel.objects.filter(person=someone, end_at__isnull=True).count() == 2
    assert slot_without_preference.value.errors == {
        "is_preferred": "연락 시간대는 선호 연락 수단에만 정합니다. (A time slot belongs to the preferred channel.)"
    }
    assert not_a_number.value.errors == {
        "value": "전화번호 형식이 아닙니다 (예: 010-0000-0000). (Not a phone number, e.g. 010-0000-0000.)"
    }


@pytest.mark.django_db
def test_a_guardian_may_be_called_only_with_the_persons_agreement_and_their_own_consent(cast):
    someone = person(name="가상 주민 열셋")

    agreed = add_guardian(
        actor=cast.social_worker,
        person=someone,
        name="가상 딸 새벽",
        relation="CHILD",
        phone="010-0000-0301",
        may_be_contacted=True,
        guardian_consented=True,
        now=NOW,
    )
    not_consented = add_guardian(
        actor=cast.social_worker,
        person=someone,
        name="가상 이웃 노을",
        relation="NEIGHBOUR",
        phone="010-0000-0302",
        may_be_contacted=True,
        guardian_consented=False,
        now=NOW,
    )

    assert (agreed.can_be_contacted, agreed.consent_given_at, agreed.consent_wording_version) == (True, NOW, "guardian-2026-01")
    assert (not_consented.can_be_contacted, not_consented.consent_given_at) == (False, None)
    entry = AuditEntry.objects.get(action="CREATE", target_type="households.guardian", target_id=str(agreed.pk))
    assert entry.fields == ["consent_given_at", "may_be_contacted", "name", "phone", "relation"]
    assert Guardian.objects.filter(person=someone).count() == 2
