"""The check-in page behind an SMS link (portal): no login, signed, expiring, one-time; answers stored on the contact."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from itda.checkins import cycle, links, services
from itda.checkins.models import CheckinAttempt, DueContact, Escalation
from itda.checkins.tests.conftest import ai_call_due_a_minute_ago, live_adapters
from itda.contacts.models import ContactLog

ANSWERS = {"HEALTH": "1", "MEALS": "1", "MEDICATION": "3", "EXERCISE": "1", "OPEN": ""}


@pytest.fixture
def texted(cast, teams, resident, provider):
    """A check-in text sent a minute ago: its attempt waits for the answer."""
    now = timezone.now()
    ai_call_due_a_minute_ago(cast=cast, teams=teams, person=resident, channel="SMS_LINK")
    services.generate_due_contacts(now=now)
    cycle.dispatch_due_contacts(now=now, adapters=live_adapters(), worker_id="worker-a")
    return CheckinAttempt.objects.get()


def _url(attempt, *, made=None):
    return reverse("portal:checkin_answer", args=[links.make_link_token(attempt.pk, now=made or timezone.now())])


def _state(attempt):
    attempt.refresh_from_db()
    return (attempt.status, attempt.answers, ContactLog.objects.count(), Escalation.objects.count())


@pytest.mark.django_db
def test_the_page_asks_the_questions_and_shows_nothing_about_the_person(client, texted, resident):
    response = client.get(_url(texted))

    page = response.content.decode()
    assert response.status_code == 200
    assert "요즘 몸은 좀 어떠세요?" in page
    assert resident.name not in page and resident.phone not in page
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_answering_stores_the_answers_on_the_contact_and_the_timeline(client, texted):
    response = client.post(_url(texted), ANSWERS)

    texted.refresh_from_db()
    due = DueContact.objects.get()
    log = ContactLog.objects.get()
    assert response.status_code == 200
    assert next(template.name for template in response.templates) == "portal/checkin/done.html"
    assert response.context["already"] is False
    assert (texted.status, texted.answers["MEDICATION"]) == ("ANSWERED", {"digits": "3"})
    assert (due.status, due.outcome) == ("DONE", "ANSWERED")
    assert (log.channel, log.outcome) == ("SMS", "REACHED")


@pytest.mark.django_db
def test_a_link_answers_once_and_a_second_submission_changes_nothing(client, texted):
    client.post(_url(texted), ANSWERS)
    before = _state(texted)

    again = client.post(_url(texted), {**ANSWERS, "HEALTH": "2"})

    assert again.status_code == 200
    assert again.context["already"] is True
    assert _state(texted) == before


@pytest.mark.django_db
def test_an_expired_link_is_refused_and_changes_nothing(client, texted):
    before = _state(texted)

    response = client.post(_url(texted, made=timezone.now() - timedelta(hours=49)), ANSWERS)

    assert response.status_code == 410
    assert _state(texted) == before


@pytest.mark.django_db
def test_a_tampered_link_is_not_found(client, texted):
    response = client.get(reverse("portal:checkin_answer", args=[f"{texted.pk}:forged"]))

    assert response.status_code == 404


@pytest.mark.django_db
def test_sending_without_any_answer_asks_for_one(client, texted):
    before = _state(texted)

    response = client.post(_url(texted), {})

    assert response.status_code == 400
    assert "please answer at least one question" in response.content.decode()
    assert _state(texted) == before


@pytest.mark.django_db
def test_a_worrying_answer_in_their_own_words_goes_to_a_counsellor(client, texted):
    client.post(_url(texted), {**ANSWERS, "OPEN": "사는 낙이 없어요"})

    escalation = Escalation.objects.get()
    assert (escalation.step_key, escalation.signals) == ("URGENT_CONTACT:1", ["HOPELESSNESS"])


@pytest.mark.django_db
def test_an_answer_after_the_wait_ran_out_still_counts_and_resolves_the_retries(client, texted):
    cycle.expire_attempts(now=timezone.now() + timedelta(hours=4))
    assert Escalation.objects.get().step_key == "RETRY:1"

    response = client.post(_url(texted), ANSWERS)

    texted.refresh_from_db()
    assert response.status_code == 200
    assert texted.status == "ANSWERED"
    assert Escalation.objects.get().state == "RESOLVED"
    assert DueContact.objects.get().outcome == "ANSWERED"
