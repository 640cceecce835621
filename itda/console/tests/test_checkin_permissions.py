"""One parametrised permission test per check-in console URL: who gets in, who is refused, and that refusals change nothing."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.urls import reverse

from itda.audit.models import AuditEntry
from itda.checkins import services
from itda.checkins.models import ContactPlan, DueContact, Escalation
from itda.checkins.tests.conftest import TUESDAY_MORNING, resident, run, scripted, teams  # noqa: F401 - fixtures
from itda.people.models import Person
from tests.personas import client_for


@pytest.fixture
def due_contact(cast, resident):  # noqa: F811 - the fixture imported above
    """A care-group contact the persona volunteer is to make today."""
    services.ensure_contact_plan(
        actor=cast.social_worker,
        person=resident,
        kind="CARE_GROUP",
        team=cast.volunteer.team,
        owner=cast.volunteer,
        now=TUESDAY_MORNING,
    )
    services.generate_due_contacts(now=TUESDAY_MORNING)
    return DueContact.objects.get(person=resident)


@pytest.fixture
def escalation(cast, teams, resident):  # noqa: F811 - the fixtures imported above
    """A ladder standing at the first staff call: three AI calls went unanswered."""
    services.ensure_contact_plan(
        actor=cast.social_worker,
        person=resident,
        kind="AI_CALL",
        team=teams.dong_centre,
        now=TUESDAY_MORNING.replace(hour=9),
        preferred_weekday=1,
        preferred_time=time(10, 0),
    )
    adapters, _adapter = scripted()
    for minutes in (0, 30, 60):
        run(TUESDAY_MORNING + timedelta(minutes=minutes), adapters)
    return Escalation.objects.get(person=resident)


def _escalation_state(escalation):
    escalation.refresh_from_db()
    return (escalation.step_key, escalation.version, escalation.current_task_id)


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
def test_the_check_in_board_shows_only_escalations_in_scope(client, cast, *, escalation, persona, expected, sees_person):
    before = _escalation_state(escalation)

    response = client_for(client, cast, persona).get(reverse("console:checkin_board"))

    assert response.status_code == expected
    assert (escalation.person.name in response.content.decode()) is sees_person
    assert _escalation_state(escalation) == before
    assert AuditEntry.objects.filter(target_type="checkins.board").count() == (1 if expected == 200 else 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected", "sees_contact"),
    [
        ("anonymous", 302, False),
        ("citizen", 403, False),
        ("volunteer", 200, True),
        ("other_worker", 200, False),
        ("social_worker", 200, False),
        ("counsellor", 403, False),
        ("health_staff", 200, False),
        ("city_staff", 403, False),
        ("administrator", 403, False),
    ],
)
def test_the_worklist_shows_each_worker_only_their_own_contacts(client, cast, *, due_contact, persona, expected, sees_contact):
    response = client_for(client, cast, persona).get(reverse("console:checkin_worklist"))

    assert response.status_code == expected
    assert (due_contact.person.name in response.content.decode()) is sees_contact
    due_contact.refresh_from_db()
    assert due_contact.status == "PENDING"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("citizen", 403),
        ("volunteer", 302),
        ("other_worker", 404),
        ("social_worker", 302),
        ("counsellor", 404),
        ("health_staff", 302),
        ("city_staff", 403),
        ("administrator", 302),
    ],
)
def test_logging_an_outcome_is_for_the_owner_and_the_workers_who_may_change_the_record(
    client, cast, due_contact, persona, expected
):
    response = client_for(client, cast, persona).post(
        reverse("console:checkin_log_outcome", args=[due_contact.pk]), {"outcome": "REACHED_BY_PHONE"}
    )

    due_contact.refresh_from_db()
    assert response.status_code == expected
    refused = persona in ("anonymous", "citizen", "other_worker", "counsellor", "city_staff")
    assert due_contact.status == ("PENDING" if refused else "DONE")
    if not refused:
        assert not response.url.startswith("/accounts/")


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
def test_a_persons_check_in_history_is_refused_outside_scope_and_every_read_is_audited(
    client, cast, escalation, persona, expected
):
    person = escalation.person

    response = client_for(client, cast, persona).get(reverse("console:checkin_person", args=[person.pk]))

    assert response.status_code == expected
    reads = AuditEntry.objects.filter(action="READ", target_type="checkins.history", person_id=person.pk).count()
    assert reads == (1 if expected == 200 else 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("citizen", 403),
        ("volunteer", 403),
        ("other_worker", 404),
        ("social_worker", 302),
        ("counsellor", 403),
        ("health_staff", 302),
        ("city_staff", 403),
        ("administrator", 302),
    ],
)
def test_setting_the_weekly_call_is_for_workers_who_may_change_the_record(client, cast, teams, *, resident, persona, expected):  # noqa: F811
    response = client_for(client, cast, persona).post(
        reverse("console:checkin_ai_call", args=[resident.pk]), {"weekday": "2", "at": "10:30", "channel": "VOICE"}
    )

    assert response.status_code == expected
    plans = ContactPlan.objects.filter(person=resident, kind="AI_CALL").count()
    assert plans == (1 if expected == 302 and persona != "anonymous" else 0)


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
def test_an_escalation_page_is_refused_outside_scope_and_audited(client, cast, escalation, persona, expected):
    response = client_for(client, cast, persona).get(reverse("console:checkin_escalation", args=[escalation.pk]))

    assert response.status_code == expected
    reads = AuditEntry.objects.filter(action="READ", target_type="checkins.escalation", target_id=str(escalation.pk)).count()
    assert reads == (1 if expected == 200 else 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("citizen", 403),
        ("volunteer", 403),
        ("other_worker", 404),
        ("social_worker", 302),
        ("counsellor", 302),
        ("health_staff", 302),
        ("city_staff", 403),
        ("administrator", 302),
    ],
)
def test_recording_a_ladder_outcome_is_for_workers_who_see_the_escalation(client, cast, escalation, persona, expected):
    before = _escalation_state(escalation)

    response = client_for(client, cast, persona).post(
        reverse("console:checkin_escalation_outcome", args=[escalation.pk]),
        {"step_key": "STAFF_CALL:1", "outcome": "NOT_REACHED"},
    )

    assert response.status_code == expected
    moved = persona not in ("anonymous", "citizen", "volunteer", "other_worker", "city_staff")
    assert (_escalation_state(escalation) != before) is moved
    assert Person.objects.filter(pk=escalation.person_id).exists()
