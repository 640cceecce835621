"""The back office audits every list, read, change and deletion of personal data; the trail itself is read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from itda.audit.models import AuditEntry
from itda.people.models import Person
from itda.places.models import District
from tests.personas import HOME_DISTRICT


@pytest.fixture
def person(db):
    return Person.objects.create(name="가상 주민 이슬", district=District.objects.get(code=HOME_DISTRICT))


@pytest.fixture
def admin_client(client, cast):
    cast.administrator.is_staff = True
    cast.administrator.is_superuser = True
    cast.administrator.save()
    client.force_login(cast.administrator)
    return client


@pytest.mark.django_db
def test_opening_a_person_in_the_admin_is_audited_as_a_read(admin_client, person, cast):
    response = admin_client.get(reverse("admin:people_person_change", args=[person.pk]))

    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="READ", person_id=person.pk)
    assert (entry.actor, entry.target_type, entry.target_id) == (cast.administrator, "people.person", str(person.pk))


@pytest.mark.django_db
def test_the_admin_list_of_people_is_audited_with_everyone_shown(admin_client, person):
    admin_client.get(reverse("admin:people_person_changelist"))

    entry = AuditEntry.objects.get(action="LIST", target_type="people.person")
    assert entry.listed_person_ids == [person.pk]


@pytest.mark.django_db
def test_changing_and_deleting_a_person_in_the_admin_are_audited(admin_client, person):
    form = {
        "name": "가상 주민 이슬",
        "district": person.district_id,
        "household_size": 2,
        "phone": "",
        "address": "",
        "consents-TOTAL_FORMS": 0,
        "consents-INITIAL_FORMS": 0,
        "consents-MIN_NUM_FORMS": 0,
        "consents-MAX_NUM_FORMS": 1000,
    }

    response = admin_client.post(reverse("admin:people_person_change", args=[person.pk]), form)
    admin_client.post(reverse("admin:people_person_delete", args=[person.pk]), {"post": "yes"})

    assert response.status_code == 302
    update = AuditEntry.objects.get(action="UPDATE", person_id=person.pk)
    assert update.fields == ["household_size"]
    assert AuditEntry.objects.filter(action="DELETE", person_id=person.pk).count() == 1
    assert not Person.objects.filter(pk=person.pk).exists()


@pytest.mark.django_db
def test_nobody_can_add_change_or_delete_audit_entries_in_the_admin(admin_client, person):
    admin_client.get(reverse("admin:people_person_change", args=[person.pk]))
    entry = AuditEntry.objects.first()

    add = admin_client.get(reverse("admin:audit_auditentry_add"))
    change = admin_client.post(reverse("admin:audit_auditentry_change", args=[entry.pk]), {"action": "DELETE"})
    delete = admin_client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"})

    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    entry.refresh_from_db()
    assert entry.action == "READ"


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected"), [("anonymous", 302), ("citizen", 302), ("social_worker", 302)])
def test_the_admin_is_closed_to_everyone_but_staff(client, cast, persona, expected):
    if persona != "anonymous":
        client.force_login(getattr(cast, persona))

    response = client.get(reverse("admin:people_person_changelist"))

    assert response.status_code == expected
    assert response["Location"].startswith("/admin/login/")
