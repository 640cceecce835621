"""One parametrised permission test per console screening URL: who reads a person's results, who is refused, all audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from itda.audit.models import AuditEntry
from itda.cases.services import assign_worker
from itda.contacts.services import log_contact
from itda.referrals.tests.factories import make_person, send
from itda.screenings.models import ScreeningResult
from itda.screenings.services import record_screening
from tests.personas import client_for

# The social worker is on the case; the health staff's team receives an open referral; nobody else.
EXPECTED = [
    ("anonymous", 302),
    ("citizen", 403),
    ("volunteer", 403),
    ("other_worker", 404),
    ("social_worker", 200),
    ("counsellor", 404),
    ("health_staff", 200),
    ("city_staff", 403),
    ("administrator", 200),
]
PHQ9 = {"1": 1, "2": 2, "3": 0, "4": 3, "5": 1, "6": 0, "7": 2, "8": 1, "9": 0}


@pytest.fixture
def person(cast):
    person = make_person()
    now = timezone.now()
    assign_worker(actor=cast.administrator, person=person, worker=cast.social_worker, team=cast.home_team, role="LEAD", now=now)
    send(cast, person, now=now)
    return person


@pytest.fixture
def result(cast, person):
    return record_screening(
        actor=cast.social_worker,
        instrument_code="PHQ9",
        answers=PHQ9,
        channel="WORKER",
        now=datetime(2026, 11, 10, 1, 0, tzinfo=UTC),
        person=person,
    ).result


def _snapshot():
    return list(ScreeningResult.objects.order_by("pk").values_list("pk", "total", "band", "level"))


def _audits(action):
    return AuditEntry.objects.filter(action=action, target_type="screenings.screeningresult").count()


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected"), EXPECTED)
def test_a_persons_results_are_listed_only_for_the_case_and_the_receiving_team_and_every_read_is_audited(
    client, cast, result, persona, expected
):
    before, reads, denied = _snapshot(), _audits("READ"), _audits("DENIED")

    response = client_for(client, cast, persona).get(reverse("console:screening_person", args=[result.person_id]))

    assert response.status_code == expected
    assert _snapshot() == before
    assert _audits("READ") - reads == (1 if expected == 200 else 0)
    assert _audits("DENIED") - denied == (1 if expected == 404 else 0)
    if expected == 200:
        page = response.content.decode()
        assert "10 / 27" in page and "v1" in page
        assert reverse("console:screening_result", args=[result.person_id, result.pk]) in page
        assert "Feeling down" not in page and "기분이 가라앉거나" not in page  # answers only on the detail


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected"), EXPECTED)
def test_one_result_with_its_answers_is_shown_only_to_the_same_people_and_every_read_is_audited(
    client, cast, result, persona, expected
):
    before, reads = _snapshot(), AuditEntry.objects.filter(action="READ", target_id=str(result.pk)).count()

    response = client_for(client, cast, persona).get(reverse("console:screening_result", args=[result.person_id, result.pk]))

    assert response.status_code == expected
    assert _snapshot() == before
    assert AuditEntry.objects.filter(action="READ", target_id=str(result.pk)).count() - reads == (1 if expected == 200 else 0)
    if expected == 200:
        assert "기분이 가라앉거나, 우울하거나, 희망이 없다고 느꼈다." in response.content.decode()


@pytest.mark.django_db
def test_a_result_is_not_found_under_another_person(client, cast, result):
    other = make_person("가상 주민 노을")

    response = client_for(client, cast, "administrator").get(reverse("console:screening_result", args=[other.pk, result.pk]))

    assert response.status_code == 404


@pytest.mark.django_db
def test_the_helpline_contact_page_links_the_persons_results_for_those_who_may_read_them(client, cast, person):
    contact = log_contact(
        actor=cast.counsellor,
        team=cast.counsellor.team,
        channel="PHONE",
        direction="INBOUND",
        outcome="REACHED",
        started_at=timezone.now() - timedelta(minutes=5),
        person=person,
    )
    link = reverse("console:screening_person", args=[person.pk])

    as_admin = client_for(client, cast, "administrator").get(reverse("console:helpline_contact", args=[contact.pk]))
    client.logout()
    as_counsellor = client_for(client, cast, "counsellor").get(reverse("console:helpline_contact", args=[contact.pk]))

    assert link in as_admin.content.decode()
    assert link not in as_counsellor.content.decode()


@pytest.mark.django_db
def test_the_referral_page_links_the_persons_results(client, cast, person):
    from itda.referrals.models import Referral

    referral = Referral.objects.get(person=person)

    response = client_for(client, cast, "health_staff").get(reverse("console:referral_detail", args=[referral.pk]))

    assert reverse("console:screening_person", args=[person.pk]) in response.content.decode()
