"""Person services: registration with consent, scoped changes, resident registration numbers refused, audit entries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from itda.audit.models import AuditEntry
from itda.people.models import Consent, Person
from itda.people.services import (
    PersonChangeRefused,
    PersonDataInvalid,
    PersonDetails,
    record_consent,
    register_person,
    update_person,
    withdraw_consent,
)
from itda.places.models import District, Dong
from tests.personas import HOME_DISTRICT, OTHER_DISTRICT

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def home():
    return District.objects.get(code=HOME_DISTRICT)


@pytest.mark.django_db
def test_registering_a_person_records_case_record_consent_and_puts_the_worker_on_the_case_all_audited(cast, home):
    person = register_person(
        actor=cast.social_worker,
        details=PersonDetails(name="가상 주민 이슬", district=home),
        consent_wording_version="v1",
        now=NOW,
    )

    consent = Consent.objects.get(person=person)
    assert (consent.purpose, consent.wording_version, consent.given_at, consent.recorded_by) == (
        "CASE_RECORD",
        "v1",
        NOW,
        cast.social_worker,
    )
    assert list(AuditEntry.objects.filter(person_id=person.pk).values_list("action", "target_type")) == [
        ("CREATE", "people.person"),
        ("CREATE", "people.consent"),
        ("CREATE", "cases.caseassignment"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["800101-1234567", "8001011234567", "이슬 800101 2234567"])
def test_a_resident_registration_number_in_any_text_field_is_refused_and_nothing_is_stored(cast, home, text):
    count = Person.objects.count()

    with pytest.raises(PersonDataInvalid) as caught:
        register_person(
            actor=cast.social_worker,
            details=PersonDetails(name="가상", district=home, address=text),
            consent_wording_version="v1",
            now=NOW,
        )

    assert "주민등록번호" in caught.value.errors["address"]
    assert Person.objects.count() == count


@pytest.mark.django_db
def test_a_phone_number_is_not_mistaken_for_a_registration_number(cast, home):
    person = register_person(
        actor=cast.social_worker,
        details=PersonDetails(name="가상", district=home, phone="010-0000-1234"),
        consent_wording_version="v1",
        now=NOW,
    )

    assert person.phone == "010-0000-1234"


@pytest.mark.django_db
def test_a_worker_cannot_register_someone_in_another_district(cast):
    other = District.objects.get(code=OTHER_DISTRICT)

    with pytest.raises(PersonChangeRefused):
        register_person(
            actor=cast.social_worker, details=PersonDetails(name="가상", district=other), consent_wording_version="v1", now=NOW
        )


@pytest.mark.django_db
def test_a_dong_of_another_district_is_refused(cast, home):
    mapo_dong = Dong.objects.filter(district__code=OTHER_DISTRICT).first()

    with pytest.raises(PersonDataInvalid) as caught:
        register_person(
            actor=cast.social_worker,
            details=PersonDetails(name="가상", district=home, dong=mapo_dong),
            consent_wording_version="v1",
            now=NOW,
        )

    assert "dong" in caught.value.errors


@pytest.mark.django_db
def test_moving_a_person_out_of_the_workers_district_is_refused_and_nothing_changes(cast, home):
    person = Person.objects.create(name="가상", district=home)
    other = District.objects.get(code=OTHER_DISTRICT)

    with pytest.raises(PersonChangeRefused):
        update_person(actor=cast.social_worker, person=person, details=PersonDetails(name="가상", district=other), now=NOW)

    person.refresh_from_db()
    assert person.district == home


@pytest.mark.django_db
def test_an_update_audits_the_names_of_changed_fields_only(cast, home):
    person = Person.objects.create(name="가상", district=home, phone="010-0000-0001")

    update_person(
        actor=cast.social_worker, person=person, details=PersonDetails(name="가상", district=home, phone="010-0000-0002"), now=NOW
    )

    entry = AuditEntry.objects.get(action="UPDATE", person_id=person.pk)
    assert (entry.fields, entry.actor, entry.at) == (["phone"], cast.social_worker, NOW)
    assert "010" not in str(entry.fields) + entry.reason


@pytest.mark.django_db
def test_consent_can_be_withdrawn_and_given_again_with_history_kept(cast, home):
    person = Person.objects.create(name="가상", district=home)
    record_consent(actor=cast.social_worker, person=person, purpose="CONTACT", wording_version="v1", now=NOW)

    withdrawn = withdraw_consent(actor=cast.social_worker, person=person, purpose="CONTACT", now=NOW)
    record_consent(actor=cast.social_worker, person=person, purpose="CONTACT", wording_version="v2", now=NOW)

    assert withdrawn.withdrawn_at == NOW
    assert list(person.consents.order_by("pk").values_list("wording_version", "withdrawn_at")) == [("v1", NOW), ("v2", None)]


@pytest.mark.django_db
def test_withdrawing_a_consent_that_was_never_given_changes_nothing(cast, home):
    person = Person.objects.create(name="가상", district=home)

    assert withdraw_consent(actor=cast.social_worker, person=person, purpose="CONTACT", now=NOW) is None
    assert not AuditEntry.objects.filter(person_id=person.pk).exists()


@pytest.mark.django_db
def test_a_citizen_registers_themselves_once(cast, home):
    from itda.people.services import register_self

    first = register_self(user=cast.citizen, name="시민 하늘", district=home, birth_year=1960, now=NOW)
    again = register_self(user=cast.citizen, name="시민 하늘", district=home, birth_year=1960, now=NOW)

    assert first.pk == again.pk
    assert (first.user, first.birth_year) == (cast.citizen, 1960)
    assert AuditEntry.objects.filter(action="CREATE", person_id=first.pk, actor=cast.citizen).count() == 1


@pytest.mark.django_db
def test_a_120_counsellor_registers_a_caller_from_any_district_and_records_their_consent(cast):
    other = District.objects.get(code=OTHER_DISTRICT)

    person = register_person(
        actor=cast.counsellor,
        details=PersonDetails(name="가상 전화 상담자", district=other),
        consent_wording_version="v1",
        now=NOW,
    )
    consent = record_consent(actor=cast.counsellor, person=person, purpose="CONTACT", wording_version="v1", now=NOW)

    assert consent.recorded_by == cast.counsellor
    with pytest.raises(PersonChangeRefused):
        update_person(actor=cast.counsellor, person=person, details=PersonDetails(name="바뀐 이름", district=other), now=NOW)


# --- Registration puts the registering care worker on the person's case ------------------------------------------


def _clinic_doctor(home):
    from itda.accounts.models import Team, User

    clinic = Team.objects.create(name="가상 관악 새봄의원", kind=Team.Kind.PRIMARY_CLINIC, district=home)
    return User.objects.create(username="persona-clinic-doctor", role=User.Role.HEALTH_STAFF, team=clinic, display_name="의사 들")


@pytest.mark.django_db
def test_a_district_worker_who_registers_a_person_becomes_the_lead_worker_and_sees_them_through_the_case(cast, home):
    from itda.cases.models import CaseAssignment
    from itda.cases.permissions import is_on_case

    person = register_person(
        actor=cast.social_worker, details=PersonDetails(name="가상 주민 솔", district=home), consent_wording_version="v1", now=NOW
    )

    assignment = CaseAssignment.objects.get(person=person)
    assert (assignment.worker, assignment.team, assignment.role, assignment.start_at, assignment.assigned_by) == (
        cast.social_worker,
        cast.home_team,
        CaseAssignment.Role.LEAD,
        NOW,
        cast.social_worker,
    )
    assert is_on_case(cast.social_worker, person)


@pytest.mark.django_db
def test_a_clinic_worker_who_registers_a_patient_joins_the_case_as_a_member_and_keeps_seeing_the_patient(cast, home):
    from itda.cases.models import CaseAssignment
    from itda.people.permissions import get_people_for_worker

    doctor = _clinic_doctor(home)

    person = register_person(
        actor=doctor, details=PersonDetails(name="가상 환자 솔", district=home), consent_wording_version="v1", now=NOW
    )

    assert CaseAssignment.objects.get(person=person).role == CaseAssignment.Role.MEMBER
    assert get_people_for_worker(doctor).filter(pk=person.pk).exists()


@pytest.mark.django_db
def test_a_counsellor_of_the_120_line_joins_the_case_as_a_member(cast, home):
    from itda.cases.models import CaseAssignment

    person = register_person(
        actor=cast.counsellor, details=PersonDetails(name="가상 주민 솔", district=home), consent_wording_version="v1", now=NOW
    )

    assert CaseAssignment.objects.get(person=person).role == CaseAssignment.Role.MEMBER


@pytest.mark.django_db
def test_a_worker_may_register_without_joining_the_case_and_a_clinic_then_loses_sight_of_the_patient(cast, home):
    from itda.cases.models import CaseAssignment
    from itda.people.permissions import get_people_for_worker

    doctor = _clinic_doctor(home)

    person = register_person(
        actor=doctor,
        details=PersonDetails(name="가상 환자 솔", district=home),
        consent_wording_version="v1",
        now=NOW,
        assign_to_case=False,
    )

    assert not CaseAssignment.objects.filter(person=person).exists()
    assert not get_people_for_worker(doctor).filter(pk=person.pk).exists()
    assert not AuditEntry.objects.filter(target_type="cases.caseassignment").exists()


@pytest.mark.django_db
def test_an_administrator_without_a_team_registers_without_a_case_assignment(cast, home):
    from itda.cases.models import CaseAssignment

    person = register_person(
        actor=cast.administrator, details=PersonDetails(name="가상 주민 솔", district=home), consent_wording_version="v1", now=NOW
    )

    assert not CaseAssignment.objects.filter(person=person).exists()


@pytest.mark.django_db
def test_a_refused_registration_opens_no_case(cast):
    from itda.cases.models import CaseAssignment

    with pytest.raises(PersonChangeRefused):
        register_person(
            actor=cast.other_worker,
            details=PersonDetails(name="가상 주민 솔", district=District.objects.get(code=HOME_DISTRICT)),
            consent_wording_version="v1",
            now=NOW,
        )

    assert not CaseAssignment.objects.exists()
