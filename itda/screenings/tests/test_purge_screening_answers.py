"""The retention sweep: self-checks go 30 days after the save consent is withdrawn; counts stay, anonymous."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from itda.audit.models import AuditEntry
from itda.people.models import Consent
from itda.screenings.models import ScreeningResult, ScreeningTally
from itda.screenings.services import give_save_consent, purge_withdrawn_self_checks, record_screening, withdraw_save_consent
from itda.screenings.tests.conftest import PHQ9_MODERATE, TUESDAY_MORNING

UCLA3_LONELY = {"1": 2, "2": 2, "3": 2}


@pytest.fixture
def saved(cast, citizen_person):
    """Two saved self-checks and one result recorded by a worker, then the save consent withdrawn on Tuesday."""
    give_save_consent(user=cast.citizen, person=citizen_person, now=TUESDAY_MORNING - timedelta(days=20))
    for days in (20, 10):
        record_screening(
            actor=cast.citizen,
            instrument_code="UCLA3",
            answers=UCLA3_LONELY,
            channel="SELF_CHECK",
            now=TUESDAY_MORNING - timedelta(days=days),
            person=citizen_person,
        )
    record_screening(
        actor=cast.social_worker,
        instrument_code="PHQ9",
        answers=PHQ9_MODERATE,
        channel="WORKER",
        now=TUESDAY_MORNING - timedelta(days=5),
        person=citizen_person,
    )
    withdraw_save_consent(user=cast.citizen, person=citizen_person, now=TUESDAY_MORNING)
    return citizen_person


def test_self_checks_are_kept_during_the_30_days_after_withdrawal(saved):
    report = purge_withdrawn_self_checks(now=TUESDAY_MORNING + timedelta(days=29))

    assert (report.people, report.results_deleted) == (0, 0)
    assert ScreeningResult.objects.filter(channel="SELF_CHECK").count() == 2


def test_after_30_days_the_self_checks_are_deleted_and_only_anonymous_counts_remain(saved):
    report = purge_withdrawn_self_checks(now=TUESDAY_MORNING + timedelta(days=30))

    assert (report.people, report.results_deleted) == (1, 2)
    assert ScreeningResult.objects.filter(channel="SELF_CHECK").count() == 0
    tally = ScreeningTally.objects.get()
    assert (tally.month_date.isoformat(), tally.instrument_code, tally.instrument_version) == ("2026-10-01", "UCLA3", "1")
    assert (tally.channel, tally.band, tally.level, tally.count) == ("SELF_CHECK", "LONELY", "WATCH", 2)
    entry = AuditEntry.objects.filter(action="DELETE").get()
    assert entry.person_id == saved.pk
    assert entry.actor is None
    assert entry.reason == "retention: save consent withdrawn 2026-11-10, 2 deleted"


def test_results_recorded_by_workers_are_part_of_the_case_record_and_stay(saved):
    purge_withdrawn_self_checks(now=TUESDAY_MORNING + timedelta(days=31))

    assert list(ScreeningResult.objects.values_list("channel", flat=True)) == ["WORKER"]


def test_running_the_sweep_twice_deletes_and_counts_once(saved):
    purge_withdrawn_self_checks(now=TUESDAY_MORNING + timedelta(days=31))

    again = purge_withdrawn_self_checks(now=TUESDAY_MORNING + timedelta(days=32))

    assert (again.people, again.results_deleted) == (0, 0)
    assert ScreeningTally.objects.get().count == 2


def test_consent_given_again_keeps_the_results(cast, saved):
    give_save_consent(user=cast.citizen, person=saved, now=TUESDAY_MORNING + timedelta(days=3))

    report = purge_withdrawn_self_checks(now=TUESDAY_MORNING + timedelta(days=60))

    assert report.results_deleted == 0
    assert ScreeningResult.objects.filter(channel="SELF_CHECK").count() == 2


def test_the_retention_period_can_be_set(saved, settings):
    settings.ITDA_SCREENING_PURGE_DAYS = 7

    report = purge_withdrawn_self_checks(now=TUESDAY_MORNING + timedelta(days=7))

    assert report.results_deleted == 2


def test_the_command_reports_what_it_deleted(saved):
    ScreeningResult.objects.filter(channel="SELF_CHECK").update(taken_at=TUESDAY_MORNING - timedelta(days=400))
    Consent.objects.filter(person=saved, purpose="SAVE_RESULTS").update(withdrawn_at=TUESDAY_MORNING - timedelta(days=365))
    out = io.StringIO()

    call_command("purge_screening_answers", stdout=out)

    assert out.getvalue() == "지운 결과 2건 · 1명 (deleted 2 results of 1 people)\n"
    assert ScreeningResult.objects.filter(channel="SELF_CHECK").count() == 0
