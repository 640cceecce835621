"""field__any=ids: the rows of field__in=ids, sent as one array on PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import EmptyResultSet
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itda.contacts.models import ContactLog
from itda.people.models import Person
from itda.programs.hours import SEOUL

MOMENT = datetime(2026, 9, 15, 10, 0, tzinfo=SEOUL)


@pytest.fixture
def people(cast):
    district = cast.home_team.district
    return [Person.objects.create(name=name, birth_year=1950, district=district) for name in ("가상 주민 가을", "가상 주민 노을")]


@pytest.fixture
def logs(cast, people):
    """Six timeline entries, three each for two people."""
    return [
        ContactLog.objects.create(
            person=person,
            team=cast.home_team,
            channel="AI_CALL",
            direction="OUTBOUND",
            outcome="REACHED",
            started_at=MOMENT + timedelta(minutes=index),
        )
        for index, person in enumerate(people * 3)
    ]


def _same(lookup_values, field="pk"):
    fast = set(ContactLog.objects.filter(**{f"{field}__any": lookup_values}).values_list("pk", flat=True))
    plain = set(ContactLog.objects.filter(**{f"{field}__in": lookup_values}).values_list("pk", flat=True))
    return fast, plain


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_matches_the_rows_of_in_for_every_list_of_ids(logs, data):
    """Ids that exist, ids that do not, duplicates, None, negatives, an empty list, a tuple or a set."""
    known = [log.pk for log in logs]
    values = data.draw(st.lists(st.one_of(st.sampled_from(known), st.integers(-5, 10**12), st.none()), max_size=40), label="ids")
    container = data.draw(st.sampled_from([list, tuple, set]), label="container")
    fast, plain = _same(container(values))
    assert fast == plain


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_on_a_foreign_key_matches_in(logs, people, data):
    ids = [people[0].pk, people[1].pk, people[0].pk + 10_000]
    values = data.draw(st.lists(st.sampled_from(ids), max_size=5), label="people")
    assert _same(values, field="person_id")[0] == _same(values, field="person_id")[1]
    assert _same(values, field="person")[0] == _same(values, field="person_id")[1]


@pytest.mark.django_db
def test_any_also_takes_what_in_takes_a_subquery_and_model_instances(logs, people):
    first, second = people
    chosen = Person.objects.filter(pk=first.pk).values("pk")
    assert set(ContactLog.objects.filter(person__any=chosen)) == set(ContactLog.objects.filter(person=first))
    assert set(ContactLog.objects.filter(person__any=[second])) == set(ContactLog.objects.filter(person=second))


@pytest.mark.django_db
def test_any_in_updates_and_an_empty_list_touches_nothing(logs, django_assert_num_queries):
    first = logs[:3]
    assert ContactLog.objects.filter(pk__any=[log.pk for log in first]).update(note="확인") == 3
    assert ContactLog.objects.filter(note="확인").count() == 3
    with django_assert_num_queries(0):
        assert ContactLog.objects.filter(pk__any=[]).update(note="없음") == 0
        assert ContactLog.objects.filter(pk__any=[None]).update(note="없음") == 0


@pytest.mark.django_db
def test_on_postgresql_the_ids_go_as_one_array_parameter(logs):
    ids = [log.pk for log in logs]
    compiler = ContactLog.objects.filter(pk__any=ids).query.get_compiler(connection=connection)
    if connection.vendor != "postgresql":
        with pytest.raises(EmptyResultSet):
            ContactLog.objects.filter(pk__any=[]).query.get_compiler(connection=connection).as_sql()
        sql, params = compiler.as_sql()
        assert "IN (" in sql and len(params) == len(ids)
        return
    sql, params = compiler.as_sql()
    assert "= ANY(%s::bigint[])" in sql
    assert len(params) == 1 and sorted(params[0]) == sorted(ids)
