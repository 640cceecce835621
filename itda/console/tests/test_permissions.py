"""One parametrised permission test per console URL: who gets in, who is refused, and that refusals change nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from itda.audit.models import AuditEntry
from itda.people.models import Consent, Person
from itda.places.models import District
from tests.personas import HOME_DISTRICT, client_for

PERSONAS = [
    "anonymous",
    "citizen",
    "volunteer",
    "other_worker",
    "social_worker",
    "counsellor",
    "health_staff",
    "city_staff",
    "administrator",
]


@pytest.fixture
def person(cast):
    return Person.objects.create(
        name="가상 주민 이슬", birth_year=1950, district=District.objects.get(code=HOME_DISTRICT), phone="010-0000-0001"
    )


def _snapshot(person):
    person.refresh_from_db()
    return (person.name, person.phone, person.district_id, Consent.objects.filter(person=person).count(), Person.objects.count())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("citizen", 403),
        ("volunteer", 200),
        ("other_worker", 200),
        ("social_worker", 200),
        ("counsellor", 200),
        ("health_staff", 200),
        ("city_staff", 200),
        ("administrator", 200),
    ],
)
def test_console_home_is_for_care_roles_volunteers_and_city_staff(client, cast, persona, expected):
    response = client_for(client, cast, persona).get(reverse("console:home"))

    assert response.status_code == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected", "sees_person"),
    [
        ("anonymous", 302, False),
        ("citizen", 403, False),
        ("volunteer", 403, False),
        ("other_worker", 200, False),
        ("social_worker", 200, True),
        ("counsellor", 200, True),
        ("health_staff", 200, True),
        ("city_staff", 403, False),
        ("administrator", 200, True),
    ],
)
def test_the_person_list_shows_only_people_in_scope(client, cast, person, persona, expected, sees_person):
    response = client_for(client, cast, persona).get(reverse("console:person_list"))

    assert response.status_code == expected
    assert (person.name in response.content.decode()) is sees_person


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("citizen", 403),
        ("volunteer", 403),
        ("other_worker", 404),
        ("social_worker", 200),
        ("counsellor", 200),
        ("health_staff", 200),
        ("city_staff", 403),
        ("administrator", 200),
    ],
)
def test_the_person_page_is_refused_outside_scope_and_every_read_is_audited(client, cast, person, persona, expected):
    reads_before = AuditEntry.objects.filter(action="READ", person_id=person.pk).count()

    response = client_for(client, cast, persona).get(reverse("console:person_detail", args=[person.pk]))

    assert response.status_code == expected
    reads_after = AuditEntry.objects.filter(action="READ", person_id=person.pk).count()
    assert reads_after - reads_before == (1 if expected == 200 else 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected", "changes"),
    [
        ("anonymous", 302, False),
        ("citizen", 403, False),
        ("volunteer", 403, False),
        ("other_worker", 404, False),
        ("social_worker", 302, True),
        ("counsellor", 403, False),
        ("health_staff", 302, True),
        ("city_staff", 403, False),
        ("administrator", 302, True),
    ],
)
def test_changing_a_person_is_refused_outside_scope_and_nothing_changes(client, cast, person, persona, expected, changes):
    before = _snapshot(person)
    form = {
        "name": "가상 주민 이슬",
        "phone": "010-0000-0099",
        "district": HOME_DISTRICT,
        "household_size": "1",
        "birth_year": "1950",
    }

    response = client_for(client, cast, persona).post(reverse("console:person_edit", args=[person.pk]), form)

    assert response.status_code == expected
    after = _snapshot(person)
    assert (after != before) is changes
    if changes:
        assert after[1] == "010-0000-0099"
        entry = AuditEntry.objects.get(action="UPDATE", person_id=person.pk)
        assert entry.fields == ["phone"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected", "creates"),
    [
        ("anonymous", 302, False),
        ("citizen", 403, False),
        ("volunteer", 403, False),
        ("other_worker", 400, False),
        ("social_worker", 302, True),
        ("counsellor", 302, True),
        ("health_staff", 302, True),
        ("city_staff", 403, False),
        ("administrator", 302, True),
    ],
)
def test_registering_a_person_needs_a_worker_of_that_district_or_a_120_counsellor(client, cast, persona, expected, creates):
    count_before = Person.objects.count()
    form = {"name": "가상 주민 솔", "district": HOME_DISTRICT, "household_size": "1", "consent_given": "on"}

    response = client_for(client, cast, persona).post(reverse("console:person_create"), form)

    assert response.status_code == expected
    assert Person.objects.count() - count_before == (1 if creates else 0)
    if creates:
        created = Person.objects.get(name="가상 주민 솔")
        assert created.consents.get().purpose == Consent.Purpose.CASE_RECORD


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected", "records"),
    [
        ("anonymous", 302, False),
        ("citizen", 403, False),
        ("volunteer", 403, False),
        ("other_worker", 404, False),
        ("social_worker", 302, True),
        ("counsellor", 302, True),
        ("health_staff", 302, True),
        ("city_staff", 403, False),
        ("administrator", 302, True),
    ],
)
def test_recording_consent_is_refused_outside_scope(client, cast, person, persona, expected, records):
    response = client_for(client, cast, persona).post(
        reverse("console:person_consent", args=[person.pk]), {"purpose": "CONTACT", "action": "give"}
    )

    assert response.status_code == expected
    assert Consent.objects.filter(person=person, purpose="CONTACT").exists() is records


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("citizen", 200), ("other_worker", 200), ("social_worker", 200), ("administrator", 200)],
)
def test_my_account_needs_a_sign_in(client, cast, persona, expected):
    response = client_for(client, cast, persona).get(reverse("accounts:home"))

    assert response.status_code == expected
