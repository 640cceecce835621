"""Account services: sign-up, password change, consent withdrawal and deleting an account."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from itda.accounts import services
from itda.accounts.models import User
from itda.accounts.tests.conftest import GOOD_PASSWORD, TUESDAY_MORNING
from itda.audit.models import AuditEntry
from itda.contacts.models import ContactLog
from itda.contacts.services import log_contact
from itda.people.models import Consent, Person
from itda.places.models import District
from itda.screenings.models import ScreeningResult
from itda.screenings.services import give_save_consent, record_screening, register_citizen_for_self_check


@pytest.fixture
def new_citizen(db):
    return services.sign_up_citizen(username="baram-reads", password=GOOD_PASSWORD, now=TUESDAY_MORNING)


@pytest.fixture
def saved_self_check(new_citizen):
    """The new citizen saved one self-check, as the portal's save path does it."""
    person = register_citizen_for_self_check(
        user=new_citizen, name="가상 시민 바람", district=District.objects.get(code="11620"), birth_year=1960, now=TUESDAY_MORNING
    )
    give_save_consent(user=new_citizen, person=person, now=TUESDAY_MORNING)
    record_screening(
        actor=new_citizen,
        instrument_code="UCLA3",
        answers={"1": 3, "2": 3, "3": 3},
        channel="SELF_CHECK",
        now=TUESDAY_MORNING,
        person=person,
    )
    return person


def test_signing_up_stores_the_notice_version_and_audits_field_names_only(db):
    district = District.objects.get(code="11440")

    user = services.sign_up_citizen(
        username="solbit", password=GOOD_PASSWORD, display_name="가상 솔빛", home_district=district, now=TUESDAY_MORNING
    )

    assert (user.role, user.home_district, user.privacy_notice_version) == (
        User.Role.CITIZEN,
        district,
        services.PRIVACY_NOTICE_VERSION,
    )
    assert user.privacy_notice_agreed_at == TUESDAY_MORNING
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.target_id) == (user, "CREATE", str(user.pk))
    assert entry.fields == sorted(["display_name", "home_district", "password", "privacy_notice_version", "username"])
    assert "가상 솔빛" not in str(entry.__dict__)


def test_a_taken_username_raises_and_makes_nothing(cast):
    with pytest.raises(services.UsernameTaken):
        services.sign_up_citizen(username="PERSONA-CITIZEN", password=GOOD_PASSWORD, now=TUESDAY_MORNING)

    assert not AuditEntry.objects.exists()


def test_a_weak_password_raises_the_validators_error(db):
    with pytest.raises(ValidationError):
        services.sign_up_citizen(username="solbit", password="1234", now=TUESDAY_MORNING)

    assert not User.objects.filter(username="solbit").exists()


def test_a_resident_registration_number_is_never_stored(db):
    with pytest.raises(services.AccountDataInvalid) as refused:
        services.sign_up_citizen(username="8001011234567", password=GOOD_PASSWORD, now=TUESDAY_MORNING)

    assert list(refused.value.errors) == ["username"]
    assert not User.objects.exists()


def test_changing_the_password_is_audited(new_citizen):
    services.change_password(user=new_citizen, new_password="green-river-stone-7", now=TUESDAY_MORNING)

    new_citizen.refresh_from_db()
    assert new_citizen.check_password("green-river-stone-7")
    entry = AuditEntry.objects.filter(action="UPDATE").get()
    assert entry.fields == ["password"]


def test_withdrawing_a_consent_keeps_it_on_record_with_the_date(saved_self_check, new_citizen):
    consent = services.withdraw_my_consent(user=new_citizen, purpose="SAVE_RESULTS", now=TUESDAY_MORNING)

    assert consent.withdrawn_at == TUESDAY_MORNING
    assert consent.wording_version
    assert not Consent.objects.filter(person=saved_self_check, purpose="SAVE_RESULTS", withdrawn_at__isnull=True).exists()


def test_withdrawing_needs_a_known_purpose_and_a_person_record(new_citizen):
    with pytest.raises(services.AccountRefused):
        services.withdraw_my_consent(user=new_citizen, purpose="SAVE_RESULTS", now=TUESDAY_MORNING)
    with pytest.raises(services.AccountRefused):
        services.withdraw_my_consent(user=new_citizen, purpose="ANYTHING", now=TUESDAY_MORNING)


def test_deleting_an_account_erases_the_person_their_results_and_consents_and_audits_it(saved_self_check, new_citizen):
    person_id = saved_self_check.pk
    assert ScreeningResult.objects.filter(person_id=person_id).count() == 1

    outcome = services.delete_citizen_account(user=new_citizen, now=TUESDAY_MORNING)

    assert outcome == "deleted"
    assert not Person.objects.filter(pk=person_id).exists()
    assert not ScreeningResult.objects.filter(person_id=person_id).exists()
    assert not Consent.objects.filter(person_id=person_id).exists()
    new_citizen.refresh_from_db()
    assert new_citizen.username == f"deleted-{new_citizen.pk}"
    assert (new_citizen.display_name, new_citizen.home_district, new_citizen.privacy_notice_version) == ("", None, "")
    assert not new_citizen.is_active
    assert not new_citizen.has_usable_password()
    deleted = AuditEntry.objects.filter(action="DELETE").order_by("pk")
    assert [(e.target_type, e.person_id) for e in deleted] == [
        ("people.person", person_id),
        ("accounts.user", None),
    ]
    assert "people.consent" in set(AuditEntry.objects.filter(action="UPDATE").values_list("target_type", flat=True))
    assert "가상 시민 바람" not in str(list(AuditEntry.objects.values()))


def test_deleting_an_account_keeps_a_case_file_but_unlinks_it(saved_self_check, new_citizen, cast):
    log_contact(
        actor=cast.social_worker,
        team=cast.home_team,
        channel=ContactLog.Channel.PHONE,
        direction=ContactLog.Direction.OUTBOUND,
        outcome=ContactLog.Outcome.REACHED,
        started_at=TUESDAY_MORNING,
        person=saved_self_check,
    )

    outcome = services.delete_citizen_account(user=new_citizen, now=TUESDAY_MORNING)

    assert outcome == "unlinked"
    saved_self_check.refresh_from_db()
    assert saved_self_check.user is None
    assert not saved_self_check.consents.filter(withdrawn_at__isnull=True).exists()
    # The saved self-check goes at the purge after the withdrawal (screenings.models).
    assert saved_self_check.screening_results.count() == 1
    entry = AuditEntry.objects.get(action="UPDATE", target_type="people.person")
    assert entry.fields == ["user"]


def test_an_account_without_a_person_record_is_anonymised(new_citizen):
    outcome = services.delete_citizen_account(user=new_citizen, now=TUESDAY_MORNING)

    assert outcome == "none"
    assert User.objects.get(pk=new_citizen.pk).username == f"deleted-{new_citizen.pk}"


@pytest.mark.parametrize("persona", ["social_worker", "volunteer", "administrator"])
def test_staff_and_volunteer_accounts_are_not_deleted_here(cast, persona):
    user = getattr(cast, persona)

    with pytest.raises(services.AccountRefused):
        services.delete_citizen_account(user=user, now=TUESDAY_MORNING)

    user.refresh_from_db()
    assert user.is_active
    assert not AuditEntry.objects.exists()
