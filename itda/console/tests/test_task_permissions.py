"""One parametrised permission test per task-inbox URL: who gets in, who is refused, and that refusals change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from itda.audit.models import AuditEntry
from itda.cases.models import CareTask
from itda.cases.services import open_task
from itda.people.models import Person
from itda.places.models import District
from tests.personas import HOME_DISTRICT, client_for

REFUSED = ("anonymous", "citizen", "volunteer", "other_worker", "counsellor", "health_staff", "city_staff")
WHO_MAY_ACT = [
    ("anonymous", 302),
    ("citizen", 403),
    ("volunteer", 403),
    ("other_worker", 404),
    ("social_worker", 302),
    ("counsellor", 404),
    ("health_staff", 404),
    ("city_staff", 403),
    ("administrator", 302),
]


@pytest.fixture
def task(cast):
    """An unassigned call for the home team (관악구) about a fictional resident of the district."""
    person = Person.objects.create(
        name="가상 주민 이슬", birth_year=1950, district=District.objects.get(code=HOME_DISTRICT), phone="010-0000-0001"
    )
    now = timezone.now()
    task, _created = open_task(
        actor=None,
        team=cast.home_team,
        kind=CareTask.Kind.FOLLOW_UP_CALL,
        title="가상 주민에게 안부 전화",
        due_at=now + timedelta(hours=3),
        now=now,
        person=person,
    )
    return task


def _state(task):
    task.refresh_from_db()
    return (task.status, task.assignee_id, task.outcome, CareTask.objects.count())


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["console:task_mine", "console:task_team"])
@pytest.mark.parametrize(
    ("persona", "expected", "sees_task"),
    [
        ("anonymous", 302, False),
        ("citizen", 403, False),
        ("volunteer", 403, False),
        ("other_worker", 200, False),
        ("social_worker", 200, True),
        ("counsellor", 200, False),
        ("health_staff", 200, False),
        ("city_staff", 403, False),
        ("administrator", 200, True),
    ],
)
def test_the_inbox_lists_only_the_tasks_of_the_workers_team(client, cast, task, url_name, persona, expected, sees_task):
    before = _state(task)

    response = client_for(client, cast, persona).get(reverse(url_name))

    assert response.status_code == expected
    shown = task.title in response.content.decode()
    assert shown is (sees_task and url_name == "console:task_team")
    assert _state(task) == before
    assert AuditEntry.objects.filter(action="LIST", target_type="cases.caretask").count() == (1 if expected == 200 else 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("citizen", 403),
        ("volunteer", 403),
        ("other_worker", 404),
        ("social_worker", 200),
        ("counsellor", 404),
        ("health_staff", 404),
        ("city_staff", 403),
        ("administrator", 200),
    ],
)
def test_the_task_page_is_refused_outside_the_team_and_every_read_is_audited(client, cast, task, persona, expected):
    before = _state(task)

    response = client_for(client, cast, persona).get(reverse("console:task_detail", args=[task.pk]))

    assert response.status_code == expected
    assert (task.person.phone in response.content.decode()) is (expected == 200)
    assert _state(task) == before
    reads = AuditEntry.objects.filter(action="READ", target_type="cases.caretask", person_id=task.person_id).count()
    assert reads == (1 if expected == 200 else 0)


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected"), WHO_MAY_ACT)
def test_taking_a_task_is_for_its_team_and_administrators(client, cast, task, persona, expected):
    before = _state(task)

    response = client_for(client, cast, persona).post(reverse("console:task_take", args=[task.pk]))

    assert response.status_code == expected
    task.refresh_from_db()
    if persona in REFUSED:
        assert _state(task) == before
    else:
        assert task.assignee == getattr(cast, persona)
        assert response.url == reverse("console:task_detail", args=[task.pk])


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected"), WHO_MAY_ACT)
def test_starting_a_task_is_for_its_team_and_administrators(client, cast, task, persona, expected):
    before = _state(task)

    response = client_for(client, cast, persona).post(reverse("console:task_start", args=[task.pk]))

    assert response.status_code == expected
    task.refresh_from_db()
    if persona in REFUSED:
        assert _state(task) == before
    else:
        assert (task.status, task.assignee) == (CareTask.Status.IN_PROGRESS, getattr(cast, persona))


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected"), WHO_MAY_ACT)
def test_closing_a_task_is_for_its_team_and_administrators(client, cast, task, persona, expected):
    before = _state(task)

    response = client_for(client, cast, persona).post(reverse("console:task_complete", args=[task.pk]), {"outcome": "REACHED"})

    assert response.status_code == expected
    task.refresh_from_db()
    if persona in REFUSED:
        assert _state(task) == before
    else:
        assert (task.status, task.outcome, task.completed_by) == (CareTask.Status.DONE, "REACHED", getattr(cast, persona))


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["console:task_take", "console:task_start", "console:task_complete"])
def test_the_moves_refuse_a_get(client, cast, task, url_name):
    client.force_login(cast.social_worker)
    before = _state(task)

    response = client.get(reverse(url_name, args=[task.pk]))

    assert response.status_code == 405
    assert _state(task) == before
