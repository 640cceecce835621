"""A citizen asks to be called: CONTACT consent, and a task for their district centre (or the crisis path)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from itda.cases.models import CareTask
from itda.people.models import Consent, Person
from itda.places.models import District
from itda.screenings.services import ContactNotPossible, ScreeningNotAllowed, request_contact
from itda.screenings.tests.conftest import TUESDAY_MORNING


def test_a_contact_request_opens_a_follow_up_call_for_the_district_centre(cast, citizen_person):
    task = request_contact(actor=cast.citizen, person=citizen_person, now=TUESDAY_MORNING)

    assert (task.kind, task.team, task.assignee, task.person) == ("FOLLOW_UP_CALL", cast.home_team, None, citizen_person)
    assert task.due_at == TUESDAY_MORNING + timedelta(days=2)
    consent = Consent.objects.get(person=citizen_person, purpose="CONTACT")
    assert consent.wording_version == "sc-contact-2026-11"


def test_asking_twice_the_same_day_opens_one_task(cast, citizen_person):
    first = request_contact(actor=cast.citizen, person=citizen_person, now=TUESDAY_MORNING)

    again = request_contact(actor=cast.citizen, person=citizen_person, now=TUESDAY_MORNING + timedelta(hours=3))

    assert again == first
    assert CareTask.objects.count() == 1


def test_an_urgent_request_opens_the_crisis_path_for_a_named_worker(cast, citizen_person):
    task = request_contact(actor=cast.citizen, person=citizen_person, now=TUESDAY_MORNING, is_urgent=True)

    assert (task.kind, task.assignee, task.priority) == ("CRISIS_RESPONSE", cast.social_worker, CareTask.Priority.CRISIS)


def test_only_the_person_themself_asks(cast, citizen_person):
    with pytest.raises(ScreeningNotAllowed):
        request_contact(actor=cast.social_worker, person=citizen_person, now=TUESDAY_MORNING)

    assert CareTask.objects.count() == 0
    assert Consent.objects.filter(purpose="CONTACT").count() == 0


def test_a_district_without_a_centre_says_to_call_120(cast):
    person = Person.objects.create(name="가상 시민 노을", district=District.objects.get(code="11110"), user=cast.citizen)

    with pytest.raises(ContactNotPossible) as refused:
        request_contact(actor=cast.citizen, person=person, now=TUESDAY_MORNING)

    assert "120" in refused.value.message
    assert Consent.objects.filter(purpose="CONTACT").count() == 0
