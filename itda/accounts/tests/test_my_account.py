"""The "my account" pages: what is stored, password change, consent withdrawal, deleting the account."""

from __future__ import annotations

import pytest
from django.test import Client

from itda.accounts import services
from itda.accounts.models import User
from itda.accounts.tests.conftest import GOOD_PASSWORD, TUESDAY_MORNING
from itda.audit.models import AuditEntry
from itda.people.models import Consent, Person
from itda.places.models import District
from itda.screenings.models import ScreeningResult
from itda.screenings.services import SAVE_CONSENT_WORDING, give_save_consent, record_screening, register_citizen_for_self_check


@pytest.fixture
def citizen(db):
    return services.sign_up_citizen(username="nuri-sings", password=GOOD_PASSWORD, now=TUESDAY_MORNING)


@pytest.fixture
def person(citizen):
    person = register_citizen_for_self_check(
        user=citizen, name="가상 시민 누리", district=District.objects.get(code="11620"), birth_year=1958, now=TUESDAY_MORNING
    )
    give_save_consent(user=citizen, person=person, now=TUESDAY_MORNING)
    for answers in ({"1": 3, "2": 3, "3": 3}, {"1": 1, "2": 1, "3": 1}):
        record_screening(
            actor=citizen, instrument_code="UCLA3", answers=answers, channel="SELF_CHECK", now=TUESDAY_MORNING, person=person
        )
    return person


@pytest.fixture
def client(citizen):
    client = Client(HTTP_ACCEPT_LANGUAGE="ko")
    client.force_login(citizen)
    return client


def test_my_account_shows_what_is_stored_and_audits_the_read(client, person):
    response = client.get("/accounts/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "nuri-sings" in html
    assert "가상 시민 누리" in html
    assert SAVE_CONSENT_WORDING in html
    assert "2026-11-10" in html
    assert response.context["saved_self_checks"] == 2
    assert 'href="/self-check/my-results/"' in html
    assert 'action="/accounts/consents/withdraw/"' in html
    assert 'href="/accounts/delete/"' in html
    entry = AuditEntry.objects.get(action="READ", person_id=person.pk, path="/accounts/")
    assert "consents" in entry.fields


def test_my_account_without_a_person_record_writes_no_person_read(client):
    response = client.get("/accounts/")

    assert response.status_code == 200
    assert response.context["saved_self_checks"] == 0
    assert not AuditEntry.objects.filter(action="READ").exists()


def test_withdrawing_a_consent_from_my_account(client, person):
    response = client.post("/accounts/consents/withdraw/", {"purpose": "SAVE_RESULTS"})

    assert (response.status_code, response["Location"]) == (302, "/accounts/?done=withdrawn-SAVE_RESULTS")
    assert Consent.objects.get(person=person, purpose="SAVE_RESULTS").withdrawn_at is not None
    assert "동의를 철회했습니다" in client.get(response["Location"]).content.decode()


def test_withdrawing_an_unknown_purpose_is_a_400_not_a_500(client, person):
    response = client.post("/accounts/consents/withdraw/", {"purpose": "<script>"})

    assert response.status_code == 400
    assert Consent.objects.filter(person=person, withdrawn_at__isnull=True).count() == 2


def test_changing_the_password_keeps_me_signed_in(client, citizen):
    response = client.post(
        "/accounts/password/",
        {"old_password": GOOD_PASSWORD, "new_password1": "green-river-stone-7", "new_password2": "green-river-stone-7"},
    )

    assert (response.status_code, response["Location"]) == (302, "/accounts/?done=password")
    citizen.refresh_from_db()
    assert citizen.check_password("green-river-stone-7")
    assert client.get("/accounts/").status_code == 200
    assert AuditEntry.objects.filter(action="UPDATE", target_type="accounts.user", fields=["password"]).exists()


@pytest.mark.parametrize(
    ("form", "field", "korean"),
    [
        ({"old_password": "not-it-at-all", "new_password1": "green-river-stone-7", "new_password2": "green-river-stone-7"},
         "old_password", "지금 비밀번호가 맞지 않습니다"),
        ({"old_password": GOOD_PASSWORD, "new_password1": "green-river-stone-7", "new_password2": "green-river-stone-8"},
         "new_password2", "두 비밀번호가 같지 않습니다"),
        ({"old_password": GOOD_PASSWORD, "new_password1": "12345678901", "new_password2": "12345678901"},
         "new_password1", "비밀번호"),
    ],
)  # fmt: skip
def test_a_bad_password_change_is_refused_in_korean_first(client, citizen, form, field, korean):
    response = client.post("/accounts/password/", form)

    assert response.status_code == 400
    assert korean in " ".join(response.context["form"].errors[field])
    citizen.refresh_from_db()
    assert citizen.check_password(GOOD_PASSWORD)


def test_deleting_asks_first_and_a_wrong_password_deletes_nothing(client, citizen, person):
    confirm = client.get("/accounts/delete/")
    refused = client.post("/accounts/delete/", {"password": "not-it-at-all"})

    assert confirm.status_code == 200
    assert "되돌릴 수 없습니다" in confirm.content.decode()
    assert refused.status_code == 400
    assert "지금 비밀번호가 맞지 않습니다" in refused.content.decode()
    assert Person.objects.filter(pk=person.pk).exists()
    assert User.objects.get(pk=citizen.pk).is_active


def test_deleting_my_account_removes_my_data_signs_me_out_and_leaves_an_audit_entry(client, citizen, person):
    person_id = person.pk

    response = client.post("/accounts/delete/", {"password": GOOD_PASSWORD})

    assert (response.status_code, response["Location"]) == (302, "/accounts/deleted/")
    assert not Person.objects.filter(pk=person_id).exists()
    assert not ScreeningResult.objects.filter(person_id=person_id).exists()
    assert not Consent.objects.filter(person_id=person_id).exists()
    assert not User.objects.filter(username="nuri-sings").exists()
    assert AuditEntry.objects.filter(action="DELETE", target_type="people.person", person_id=person_id).exists()
    assert AuditEntry.objects.filter(action="DELETE", target_type="accounts.user", target_id=str(citizen.pk)).exists()
    assert client.get("/accounts/").status_code == 302
    assert client.get("/accounts/deleted/").status_code == 200
    assert not Client().login(username="nuri-sings", password=GOOD_PASSWORD)


def test_a_worker_cannot_delete_their_account_here(cast):
    client = Client(HTTP_ACCEPT_LANGUAGE="ko")
    client.force_login(cast.social_worker)

    response = client.post("/accounts/delete/", {"password": "persona-pass-1234"})

    assert response.status_code == 403
    assert User.objects.get(pk=cast.social_worker.pk).is_active
