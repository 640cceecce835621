"""The back office: care tasks and case assignments listed and read with audit entries, never added, changed or deleted there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from itda.audit.models import AuditEntry
from itda.cases.models import CareTask, CaseAssignment
from itda.cases.services import assign_worker, open_task
from itda.people.models import Person
from itda.places.models import District
from tests.personas import HOME_DISTRICT

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def _admin_client(cast):
    cast.administrator.is_staff = True
    cast.administrator.is_superuser = True
    cast.administrator.save()
    client = Client()
    client.force_login(cast.administrator)
    return client


@pytest.fixture
def task(cast):
    person = Person.objects.create(name="가상 주민 이슬", district=District.objects.get(code=HOME_DISTRICT))
    task, _created = open_task(
        actor=None,
        team=cast.home_team,
        kind=CareTask.Kind.VISIT,
        title="가정 방문",
        due_at=NOW + timedelta(days=1),
        now=NOW,
        person=person,
    )
    return task


@pytest.mark.django_db
def test_the_task_list_and_a_task_are_read_in_the_admin_with_audit_entries(cast, task):
    client = _admin_client(cast)

    listed = client.get("/admin/cases/caretask/")
    read = client.get(f"/admin/cases/caretask/{task.pk}/change/")

    assert (listed.status_code, read.status_code) == (200, 200)
    assert AuditEntry.objects.filter(action="LIST", target_type="cases.caretask", actor=cast.administrator).count() == 1
    entry = AuditEntry.objects.get(action="READ", target_type="cases.caretask")
    assert (entry.actor, entry.person_id, entry.target_id) == (cast.administrator, task.person_id, str(task.pk))
    assert 'name="status"' not in read.content.decode()


@pytest.mark.django_db
def test_a_task_cannot_be_added_changed_or_deleted_in_the_admin(cast, task):
    client = _admin_client(cast)

    added = client.get("/admin/cases/caretask/add/")
    changed = client.post(f"/admin/cases/caretask/{task.pk}/change/", {"status": "DONE"})
    deleted = client.post(f"/admin/cases/caretask/{task.pk}/delete/", {"post": "yes"})

    task.refresh_from_db()
    assert (added.status_code, changed.status_code, deleted.status_code) == (403, 403, 403)
    assert (task.status, CareTask.objects.count()) == (CareTask.Status.OPEN, 1)


@pytest.mark.django_db
def test_case_assignments_are_read_in_the_admin_with_an_audit_entry(cast, task):
    assignment = assign_worker(
        actor=cast.administrator, person=task.person, worker=cast.social_worker, team=cast.home_team, role="LEAD", now=NOW
    )
    client = _admin_client(cast)

    read = client.get(f"/admin/cases/caseassignment/{assignment.pk}/change/")

    assert read.status_code == 200
    entry = AuditEntry.objects.get(action="READ", target_type="cases.caseassignment")
    assert entry.person_id == task.person_id
    assert CaseAssignment.objects.count() == 1
