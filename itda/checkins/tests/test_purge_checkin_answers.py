"""Retention: free-text answers and notes are blanked after a year; the signal codes stay."""

from __future__ import annotations

from datetime import timedelta

import pytest

from itda.audit.models import AuditEntry
from itda.checkins import services
from itda.checkins.models import CheckinAttempt, DueContact
from itda.checkins.tests.conftest import IN_PAIN, TUESDAY_MORNING, run, scripted


@pytest.mark.django_db
def test_answers_older_than_a_year_are_blanked_and_their_signals_kept(ai_plan):
    adapters, _adapter = scripted(IN_PAIN)
    run(TUESDAY_MORNING, adapters)

    kept = services.purge_checkin_answers(now=TUESDAY_MORNING + timedelta(days=364))
    blanked = services.purge_checkin_answers(now=TUESDAY_MORNING + timedelta(days=366))

    attempt = CheckinAttempt.objects.get()
    assert (kept, blanked) == (0, 1)
    assert (attempt.answers, attempt.signals) == ({}, ["PAIN"])
    assert DueContact.objects.get().signals == ["PAIN"]
    assert AuditEntry.objects.get(target_type="checkins.answers").reason == "1 answers and notes past retention blanked"


@pytest.mark.django_db
def test_a_volunteers_note_is_blanked_after_a_year(cast, resident):
    services.ensure_contact_plan(
        actor=cast.social_worker,
        person=resident,
        kind="CARE_GROUP",
        team=cast.volunteer.team,
        owner=cast.volunteer,
        now=TUESDAY_MORNING,
    )
    services.generate_due_contacts(now=TUESDAY_MORNING)
    due = DueContact.objects.get()
    services.log_due_contact_outcome(
        actor=cast.volunteer, due_contact=due, outcome="REACHED_BY_PHONE", note="텃밭 이야기", now=TUESDAY_MORNING
    )

    services.purge_checkin_answers(now=TUESDAY_MORNING + timedelta(days=400))

    due.refresh_from_db()
    assert (due.note, due.outcome) == ("", "REACHED_BY_PHONE")
