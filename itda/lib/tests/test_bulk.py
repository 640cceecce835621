"""insert_rows: COPY on PostgreSQL, bulk INSERT elsewhere; the same rows and ids either way, and all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itda.checkins.models import CheckinAttempt, ContactPlan, DueContact, EscalationStep
from itda.contacts.models import ContactLog
from itda.lib.bulk import copy_value, insert_rows, unsaved
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


# --- the two ways of building rows and preparing their values --------------------------------------

_ROW_MODELS = (CheckinAttempt, ContactLog, DueContact, EscalationStep)


def _text(max_size: int):
    return st.text(st.characters(exclude_characters="\x00"), max_size=max_size)  # PostgreSQL text holds no NUL


def _values_for(field):
    """A strategy for a value of ``field`` as code that builds rows sets it (by attribute name)."""
    if field.is_relation:
        return st.none() | st.integers(1, 2**40) if field.null else st.integers(1, 2**40)
    kind = field.get_internal_type()
    values = {
        "CharField": _text(12) | st.sampled_from(list(CheckinAttempt.Status)),
        "TextField": _text(40),
        "BooleanField": st.booleans(),
        "DateTimeField": st.datetimes(timezones=st.sampled_from([UTC, SEOUL])),
        "JSONField": st.lists(_text(8), max_size=3) | st.dictionaries(_text(4), _text(4)),
    }.get(kind, st.integers(0, 32767))
    return st.none() | values if field.null else values


@st.composite
def _rows(draw):
    model = draw(st.sampled_from(_ROW_MODELS))
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    chosen = draw(st.lists(st.sampled_from(fields), unique=True))
    return model, {field.attname: draw(_values_for(field)) for field in chosen}


def _fields_of(instance) -> dict:
    return {key: value for key, value in instance.__dict__.items() if key != "_state"}


@settings(deadline=None)  # the first example pays for importing the models' machinery
@given(_rows())
def test_an_unsaved_row_built_by_position_is_the_row_built_by_keyword(row):
    model, values = row

    fast, usual = unsaved(model, **dict(values)), model(**values)

    assert _fields_of(fast) == _fields_of(usual)
    assert fast._state.adding and fast.pk is None


def test_an_unsaved_row_refuses_a_field_the_model_does_not_have():
    with pytest.raises(TypeError, match="no_such_field"):
        unsaved(ContactLog, no_such_field=1)


def test_each_unsaved_row_gets_its_own_mutable_default():
    first, second = unsaved(CheckinAttempt), unsaved(CheckinAttempt)

    first.answers["HEALTH"] = {"digits": "1"}

    assert second.answers == {} and first.signals is not second.signals


def _as_copied(value) -> bytes | None:
    """The text COPY sends for a value, through the dumper psycopg picks for its type."""
    if value is None:
        return None
    from psycopg.adapt import PyFormat, Transformer

    connection.ensure_connection()
    return bytes(Transformer(connection.connection).get_dumper(value, PyFormat.TEXT).dump(value))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY, and so copy_value, is PostgreSQL's path")
@pytest.mark.django_db
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_rows())
def test_a_value_copied_as_it_is_is_what_the_field_would_have_prepared(row):
    model, values = row
    for attname, value in values.items():
        field = next(field for field in model._meta.concrete_fields if field.attname == attname)

        assert _as_copied(copy_value(field, connection)(value)) == _as_copied(field.get_db_prep_save(value, connection))
