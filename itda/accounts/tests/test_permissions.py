"""One parametrised permission test per account URL: who gets in, who is refused, and that refusals change nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from itda.accounts.models import User
from itda.audit.models import AuditEntry
from itda.people.models import Consent, Person
from itda.places.models import District
from tests.personas import HOME_DISTRICT, PASSWORD


@pytest.fixture
def citizen_person(cast):
    person = Person.objects.create(name="가상 시민 하늘", district=District.objects.get(code=HOME_DISTRICT), user=cast.citizen)
    Consent.objects.create(person=person, purpose="SAVE_RESULTS", wording_version="test-1", given_at="2026-11-10T01:00Z")
    return person


def _client_for(cast, persona) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="ko")
    if persona != "anonymous":
        client.force_login(getattr(cast, persona))
    return client


def _snapshot():
    return (
        sorted(User.objects.values_list("username", "is_active", "password")),
        Person.objects.count(),
        Consent.objects.filter(withdrawn_at__isnull=True).count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 200), ("citizen", 302), ("other_worker", 302), ("social_worker", 302), ("administrator", 302)],
)
def test_the_sign_up_page_is_for_people_not_signed_in(cast, persona, expected):
    response = _client_for(cast, persona).get("/accounts/sign-up/")

    assert response.status_code == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected", "creates"),
    [
        ("anonymous", 302, True),
        ("citizen", 302, False),
        ("other_worker", 302, False),
        ("social_worker", 302, False),
        ("administrator", 302, False),
    ],
)
def test_signing_up_while_signed_in_makes_nothing(cast, persona, expected, creates):
    form = {"username": "gaon-paints", "password1": "purple-kettle-moon-42", "password2": "purple-kettle-moon-42"}

    response = _client_for(cast, persona).post("/accounts/sign-up/", {**form, "agree": "on"})

    assert response.status_code == expected
    assert User.objects.filter(username="gaon-paints").exists() is creates


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/password/", "/accounts/delete/"])
@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("citizen", 200), ("other_worker", 200), ("social_worker", 200), ("administrator", 200)],
)
def test_the_password_and_delete_pages_need_a_sign_in(cast, path, persona, expected):
    if path == "/accounts/delete/" and persona in ("other_worker", "social_worker", "administrator"):
        expected = 403  # staff accounts are closed by an administrator

    response = _client_for(cast, persona).get(path)

    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected", "withdraws"),
    [
        ("anonymous", 302, False),
        ("citizen", 302, True),
        ("other_worker", 400, False),
        ("social_worker", 400, False),
        ("administrator", 400, False),
    ],
)
def test_only_the_person_themself_withdraws_their_consent(cast, citizen_person, persona, expected, withdraws):
    response = _client_for(cast, persona).post("/accounts/consents/withdraw/", {"purpose": "SAVE_RESULTS"})

    assert response.status_code == expected
    assert Consent.objects.filter(person=citizen_person, withdrawn_at__isnull=True).exists() is not withdraws


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected", "deletes"),
    [
        ("anonymous", 302, False),
        ("citizen", 302, True),
        ("other_worker", 403, False),
        ("social_worker", 403, False),
        ("administrator", 403, False),
    ],
)
def test_only_a_citizen_deletes_their_own_account_and_refusals_change_nothing(cast, citizen_person, persona, expected, deletes):
    before = _snapshot()

    response = _client_for(cast, persona).post("/accounts/delete/", {"password": PASSWORD})

    assert response.status_code == expected
    assert (_snapshot() != before) is deletes
    assert Person.objects.filter(pk=citizen_person.pk).exists() is not deletes
    if not deletes:
        assert not AuditEntry.objects.filter(action="DELETE").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["anonymous", "citizen", "social_worker"])
def test_the_deleted_page_is_open_to_all(cast, persona):
    assert _client_for(cast, persona).get("/accounts/deleted/").status_code == 200
