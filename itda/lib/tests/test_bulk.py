"""insert_rows: COPY on PostgreSQL, bulk INSERT elsewhere; the same rows and ids either way, and all or nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from itda.checkins.models import CheckinAttempt, ContactPlan, DueContact
from itda.contacts.models import ContactLog
from itda.lib.bulk import insert_rows
from itda.people.models import Person
from itda.programs.hours import SEOUL

MOMENT = datetime(2026, 9, 15, 10, 0, tzinfo=SEOUL)


def _contacts(cast, count: int) -> list[ContactLog]:
    return [
        ContactLog(
            team=cast.home_team,
            channel=ContactLog.Channel.AI_CALL,
            direction=ContactLog.Direction.OUTBOUND,
            outcome=ContactLog.Outcome.REACHED,
            started_at=MOMENT + timedelta(minutes=index),
            topics=["checkin", "PAIN"] if index % 2 else None,  # None takes the field's default, as bulk_create does
            source_type="checkins.attempt",
            source_id=str(index),
        )
        for index in range(count)
    ]


@pytest.mark.django_db
def test_the_rows_are_stored_with_their_ids_and_defaults(cast):
    made = insert_rows(ContactLog, _contacts(cast, 5))

    ids = [contact.pk for contact in made]
    assert None not in ids and len(set(ids)) == 5
    stored = {contact.pk: contact for contact in ContactLog.objects.filter(pk__in=ids)}
    for index, contact in enumerate(made):
        row = stored[contact.pk]
        assert (row.source_id, row.started_at, row.caller_type) == (str(index), MOMENT + timedelta(minutes=index), "SELF")
        assert row.topics == (["checkin", "PAIN"] if index % 2 else [])
        assert not contact._state.adding


@pytest.mark.django_db
def test_a_row_saved_the_usual_way_afterwards_gets_a_fresh_id(cast):
    made = insert_rows(ContactLog, _contacts(cast, 3))

    later = ContactLog.objects.create(
        team=cast.home_team, channel="PHONE", direction="OUTBOUND", outcome="REACHED", started_at=MOMENT
    )

    assert later.pk not in {contact.pk for contact in made}


@pytest.mark.django_db
def test_nothing_is_stored_when_one_row_breaks_a_constraint(cast):
    person = Person.objects.create(name="가상 주민 가을", birth_year=1950, district=cast.home_team.district)
    plan = ContactPlan.objects.create(
        person=person,
        kind=ContactPlan.Kind.CARE_GROUP,
        channel="VOLUNTEER_CALL",
        team=cast.home_team,
        start_at=MOMENT,
        interval_days=7,
    )
    due = DueContact.objects.create(
        plan=plan, person=person, kind=plan.kind, channel=plan.channel, team=cast.home_team, due_at=MOMENT
    )
    attempts = [
        CheckinAttempt(due_contact=due, number=1, channel="VOICE", started_at=MOMENT, deadline_at=MOMENT),
        CheckinAttempt(due_contact=due, number=1, channel="VOICE", started_at=MOMENT, deadline_at=MOMENT),  # same number
    ]

    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(CheckinAttempt, attempts)

    assert CheckinAttempt.objects.count() == 0


@pytest.mark.django_db
def test_no_rows_is_no_query(cast, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert insert_rows(ContactLog, []) == []
