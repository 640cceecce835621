"""Audited reads of results: every read is a READ entry, every refusal a DENIED entry."""

from __future__ import annotations

from datetime import timedelta

import pytest

from itda.audit.models import AuditEntry
from itda.screenings.queries import ResultsNotVisible, histories, result_for_person, results_for_person
from itda.screenings.services import record_screening
from itda.screenings.tests.conftest import PHQ9_MODERATE, TUESDAY_MORNING


@pytest.fixture
def two_results(cast, other_person):
    first = record_screening(
        actor=cast.social_worker,
        instrument_code="PHQ9",
        answers=PHQ9_MODERATE,
        channel="WORKER",
        now=TUESDAY_MORNING - timedelta(days=14),
        person=other_person,
    ).result
    second = record_screening(
        actor=cast.social_worker,
        instrument_code="PHQ9",
        answers={str(n): 0 for n in range(1, 10)},
        channel="WORKER",
        now=TUESDAY_MORNING,
        person=other_person,
    ).result
    return first, second


def test_an_administrator_reads_the_results_oldest_first_and_the_read_is_audited(cast, other_person, two_results):
    found = results_for_person(cast.administrator, other_person.pk, TUESDAY_MORNING, path="/somewhere/")

    assert found == list(two_results)
    entry = AuditEntry.objects.filter(action="READ").get()
    assert (entry.actor, entry.person_id, entry.path) == (cast.administrator, other_person.pk, "/somewhere/")
    assert entry.reason == "2 results"


def test_a_worker_not_on_the_case_is_refused_and_the_refusal_is_audited(cast, other_person, two_results):
    with pytest.raises(ResultsNotVisible):
        results_for_person(cast.social_worker, other_person.pk, TUESDAY_MORNING)

    entry = AuditEntry.objects.filter(action="DENIED").get()
    assert (entry.actor, entry.person_id) == (cast.social_worker, other_person.pk)
    assert AuditEntry.objects.filter(action="READ").count() == 0


def test_an_unknown_person_is_refused_like_an_invisible_one(cast):
    with pytest.raises(ResultsNotVisible):
        results_for_person(cast.administrator, 999_999, TUESDAY_MORNING)


def test_a_result_is_only_found_through_its_own_person(cast, other_person, citizen_person, two_results):
    with pytest.raises(ResultsNotVisible):
        result_for_person(cast.administrator, citizen_person.pk, two_results[0].pk, TUESDAY_MORNING)


def test_histories_group_totals_by_instrument_on_the_scale_of_the_version(two_results):
    found = histories(list(two_results))

    assert [(h.code, h.minimum, h.maximum) for h in found] == [("PHQ9", 0, 27)]
    assert [point.total for point in found[0].points] == [10, 0]
