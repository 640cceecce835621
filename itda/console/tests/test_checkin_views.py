"""The check-in console pages: the one-screen worklist, the board, a person's history, the ladder page."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.urls import reverse

from itda.audit.models import AuditEntry
from itda.cases.models import CareTask
from itda.checkins import services
from itda.checkins.models import ContactPlan, DueContact, Escalation
from itda.checkins.tests.conftest import IN_PAIN, TUESDAY_MORNING, resident, run, scripted, teams  # noqa: F401 - fixtures
from itda.contacts.models import ContactLog
from itda.people.models import Person
from itda.places.models import District


@pytest.fixture
def households(cast, resident):  # noqa: F811 - the fixture imported above
    """The persona volunteer's household (resident) and another volunteer's household in the same district."""
    other_volunteer = type(cast.volunteer).objects.create(
        username="persona-volunteer-other", role="VOLUNTEER", team=cast.volunteer.team
    )
    neighbour = Person.objects.create(name="가상 이웃 겨울", birth_year=1941, district=resident.district, phone="010-0000-0202")
    for person, volunteer in ((resident, cast.volunteer), (neighbour, other_volunteer)):
        services.ensure_contact_plan(
            actor=cast.social_worker,
            person=person,
            kind="CARE_GROUP",
            team=cast.volunteer.team,
            owner=volunteer,
            now=TUESDAY_MORNING,
        )
    services.generate_due_contacts(now=TUESDAY_MORNING)
    return resident, neighbour


@pytest.mark.django_db
def test_a_volunteer_sees_only_their_own_household_with_name_phone_and_address_only(client, cast, households):
    mine, theirs = households
    client.force_login(cast.volunteer)

    response = client.get(reverse("console:checkin_worklist"))

    page = response.content.decode()
    assert mine.name in page and theirs.name not in page
    assert f'href="tel:{mine.phone}"' in page
    assert "1948" not in page
    assert page.count('name="outcome"') == 4
    entry = AuditEntry.objects.get(target_type="checkins.worklist")
    assert (entry.action, entry.listed_person_ids, entry.fields) == ("LIST", [mine.pk], ["address", "dong", "name", "phone"])


@pytest.mark.django_db
def test_one_tap_logs_the_contact_on_the_timeline_and_returns_to_the_worklist(client, cast, households):
    mine, _theirs = households
    due = DueContact.objects.get(person=mine)
    client.force_login(cast.volunteer)

    response = client.post(reverse("console:checkin_log_outcome", args=[due.pk]), {"outcome": "VISITED", "note": ""})

    due.refresh_from_db()
    log = ContactLog.objects.get(person=mine)
    assert response.status_code == 302 and response.url == reverse("console:checkin_worklist")
    assert (due.status, due.outcome, due.completed_by, due.contact_log) == ("DONE", "VISITED", cast.volunteer, log)
    assert (log.channel, log.outcome, log.logged_by) == ("VISIT", "REACHED", cast.volunteer)


@pytest.mark.django_db
def test_a_concern_without_a_note_is_sent_back_with_a_message_and_nothing_is_saved(client, cast, households):
    mine, _theirs = households
    due = DueContact.objects.get(person=mine)
    client.force_login(cast.volunteer)

    response = client.post(reverse("console:checkin_log_outcome", args=[due.pk]), {"outcome": "CONCERN", "note": ""})

    due.refresh_from_db()
    assert response.status_code == 400
    assert "write a line about the concern" in response.content.decode()
    assert (due.status, ContactLog.objects.count(), Escalation.objects.count()) == ("PENDING", 0, 0)


@pytest.mark.django_db
def test_a_concern_with_a_note_sends_a_counsellor_now(client, cast, teams, households):  # noqa: F811
    mine, _theirs = households
    due = DueContact.objects.get(person=mine)
    client.force_login(cast.volunteer)

    client.post(reverse("console:checkin_log_outcome", args=[due.pk]), {"outcome": "CONCERN", "note": "요즘 밥을 못 드신대요"})

    escalation = Escalation.objects.get(person=mine)
    assert (escalation.reason, escalation.step_key, escalation.signals) == ("RISK", "URGENT_CONTACT:1", ["NOT_EATING"])
    assert CareTask.objects.get(person=mine).kind == "URGENT_CONTACT"


@pytest.mark.django_db
def test_a_second_tap_on_a_logged_contact_changes_nothing_and_says_so(client, cast, households):
    mine, _theirs = households
    due = DueContact.objects.get(person=mine)
    client.force_login(cast.volunteer)
    client.post(reverse("console:checkin_log_outcome", args=[due.pk]), {"outcome": "REACHED_BY_PHONE"})

    response = client.post(reverse("console:checkin_log_outcome", args=[due.pk]), {"outcome": "NOT_REACHED"}, follow=True)

    due.refresh_from_db()
    assert due.outcome == "REACHED_BY_PHONE"
    assert ContactLog.objects.filter(person=mine).count() == 1
    assert "already been logged" in response.content.decode()


@pytest.mark.django_db
def test_a_contact_left_from_yesterday_is_marked_overdue(client, cast, resident):  # noqa: F811
    services.ensure_contact_plan(
        actor=cast.social_worker,
        person=resident,
        kind="CARE_GROUP",
        team=cast.volunteer.team,
        owner=cast.volunteer,
        now=TUESDAY_MORNING - timedelta(days=60),
    )
    services.generate_due_contacts(now=TUESDAY_MORNING - timedelta(days=60))
    client.force_login(cast.volunteer)

    response = client.get(reverse("console:checkin_worklist"))

    assert '<span class="tag">' in response.content.decode()


@pytest.fixture
def answered_with_pain(cast, teams, resident):  # noqa: F811
    services.ensure_contact_plan(
        actor=cast.social_worker,
        person=resident,
        kind="AI_CALL",
        team=teams.dong_centre,
        now=TUESDAY_MORNING.replace(hour=9),
        preferred_weekday=1,
        preferred_time=time(10, 0),
    )
    adapters, _adapter = scripted(IN_PAIN)
    run(TUESDAY_MORNING, adapters)
    return Escalation.objects.get(person=resident)


@pytest.mark.django_db
def test_the_history_shows_the_answers_in_words_and_the_signal(client, cast, answered_with_pain):
    client.force_login(cast.social_worker)

    response = client.get(reverse("console:checkin_person", args=[answered_with_pain.person_id]))

    page = response.content.decode()
    assert "“허리가 너무 아파요”" in page
    assert "통증·몸이 아픔" in page
    assert AuditEntry.objects.get(target_type="checkins.history").fields == ["answers", "contacts", "escalations", "plans"]


@pytest.mark.django_db
def test_the_board_lists_the_open_escalation_for_the_district_worker(client, cast, answered_with_pain):
    client.force_login(cast.social_worker)

    response = client.get(reverse("console:checkin_board"))

    assert response.context["board"].escalations == [answered_with_pain]


@pytest.mark.django_db
def test_a_weekly_call_at_three_in_the_morning_is_refused_with_a_message(client, cast, teams, resident):  # noqa: F811
    client.force_login(cast.social_worker)

    response = client.post(
        reverse("console:checkin_ai_call", args=[resident.pk]), {"weekday": "1", "at": "03:00", "channel": "VOICE"}
    )

    assert response.status_code == 400
    assert list(response.context["ai_form"].errors) == ["at"]
    assert ContactPlan.objects.count() == 0


@pytest.mark.django_db
def test_setting_the_weekly_call_makes_a_plan_run_by_the_dong_centre(client, cast, teams, resident):  # noqa: F811
    client.force_login(cast.social_worker)

    client.post(reverse("console:checkin_ai_call", args=[resident.pk]), {"weekday": "3", "at": "14:00", "channel": "SMS_LINK"})

    plan = ContactPlan.objects.get(person=resident)
    assert (plan.kind, plan.team, plan.preferred_weekday, plan.preferred_time, plan.channel) == (
        "AI_CALL",
        teams.dong_centre,
        3,
        time(14, 0),
        "SMS_LINK",
    )


@pytest.mark.django_db
def test_the_escalation_page_moves_the_ladder_and_a_double_submit_is_told_it_moved_on(client, cast, answered_with_pain):
    client.force_login(cast.social_worker)
    url = reverse("console:checkin_escalation_outcome", args=[answered_with_pain.pk])

    client.post(url, {"step_key": "URGENT_CONTACT:1", "outcome": "NOT_REACHED"})
    again = client.post(url, {"step_key": "URGENT_CONTACT:1", "outcome": "NOT_REACHED"}, follow=True)

    answered_with_pain.refresh_from_db()
    assert answered_with_pain.step_key == "VISIT:1"
    assert "the ladder has moved on" in again.content.decode()


@pytest.mark.django_db
def test_a_worker_of_another_district_cannot_see_the_board_entries(client, cast, answered_with_pain):
    client.force_login(cast.other_worker)

    response = client.get(reverse("console:checkin_board"))

    assert response.context["board"].escalations == []
    assert District.objects.get(pk=answered_with_pain.district_id).code == "11620"
