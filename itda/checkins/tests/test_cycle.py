"""The sweep: claims, the asynchronous channels (sent after commit, at most once), deadlines, reruns."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from itda.audit.models import AuditEntry
from itda.checkins import cycle, services
from itda.checkins.adapters import AdapterSet
from itda.checkins.models import CheckinAttempt, DueContact, Escalation
from itda.checkins.simulator import SimulatedCrash, SimulatorAdapter, SyntheticPopulation
from itda.checkins.tests.conftest import (
    FINE,
    IN_PAIN,
    PROVIDER,
    SELF_HARM,
    TUESDAY_MORNING,
    live_adapters,
    residents_called_at,
    run,
    scripted,
)
from itda.contacts.models import ContactLog


@pytest.mark.django_db
def test_a_plain_answer_closes_the_contact_writes_the_timeline_and_opens_nothing(ai_plan):
    adapters, _adapter = scripted(FINE)

    report = run(TUESDAY_MORNING, adapters)

    due = DueContact.objects.get(plan=ai_plan)
    log = ContactLog.objects.get(person=ai_plan.person)
    assert (report.scheduled, report.dialled) == (1, 1)
    assert (due.status, due.outcome, due.completed_at) == ("DONE", "ANSWERED", TUESDAY_MORNING)
    assert (log.channel, log.outcome, log.source_type, log.topics) == ("AI_CALL", "REACHED", "checkins.attempt", ["checkin"])
    assert AuditEntry.objects.get(target_type="contacts.contactlog").listed_person_ids == [ai_plan.person_id]
    assert Escalation.objects.count() == 0


@pytest.mark.django_db
def test_one_batch_writes_one_timeline_entry_per_call_whatever_its_outcome_and_one_audit_entry(cast, teams, ai_plan):
    """The entries are copied from the stored attempts by kind (channel, outcome, signals): each call keeps its own."""
    people = [ai_plan.person, *residents_called_at(3, cast=cast, teams=teams, start=TUESDAY_MORNING)]
    adapters, _adapter = scripted(FINE, None, IN_PAIN, SELF_HARM)  # in the order the contacts are claimed

    run(TUESDAY_MORNING, adapters)

    entries = {
        log.person_id: (log.channel, log.outcome, log.topics, log.started_at, log.team_id, log.source_id)
        for log in ContactLog.objects.filter(source_type="checkins.attempt")
    }
    attempts = {attempt.due_contact.person_id: attempt for attempt in CheckinAttempt.objects.select_related("due_contact")}
    expected = [
        ("REACHED", ["checkin"]),
        ("NOT_REACHED", ["checkin"]),
        ("CONCERN", ["checkin", "PAIN"]),
        ("CRISIS", ["checkin", "SELF_HARM"]),
    ]
    assert len(entries) == ContactLog.objects.filter(source_type="checkins.attempt").count() == 4
    for person, (outcome, topics) in zip(people, expected, strict=True):
        attempt = attempts[person.pk]
        assert entries[person.pk] == (
            "AI_CALL",
            outcome,
            topics,
            TUESDAY_MORNING,
            teams.dong_centre.pk,
            str(attempt.pk),
        ), person.name
    audit = AuditEntry.objects.get(target_type="contacts.contactlog", action="CREATE")
    assert sorted(audit.listed_person_ids) == sorted(person.pk for person in people)


@pytest.mark.django_db
def test_a_contact_answered_at_once_is_closed_and_claimed_in_one_write(ai_plan):
    """The simulator answers inside the claiming transaction: the closing write records who claimed it."""
    services.generate_due_contacts(now=TUESDAY_MORNING)
    adapters, _adapter = scripted(FINE)

    cycle.dispatch_due_contacts(now=TUESDAY_MORNING, adapters=adapters, worker_id="worker-a")

    due = DueContact.objects.get(plan=ai_plan)
    assert (due.status, due.outcome, due.attempt_count) == ("DONE", "ANSWERED", 1)
    assert due.claimed_by.startswith("worker-a:")
    assert CheckinAttempt.objects.get(due_contact=due).number == 1


@pytest.mark.django_db
def test_a_second_worker_finds_nothing_left_to_claim(ai_plan):
    services.generate_due_contacts(now=TUESDAY_MORNING)
    first_adapters, first = scripted(FINE)
    second_adapters, second = scripted(FINE)

    cycle.dispatch_due_contacts(now=TUESDAY_MORNING, adapters=first_adapters, worker_id="worker-a")
    cycle.dispatch_due_contacts(now=TUESDAY_MORNING, adapters=second_adapters, worker_id="worker-b")

    assert (len(first.requests), len(second.requests)) == (1, 0)
    assert CheckinAttempt.objects.count() == 1


@pytest.mark.django_db
def test_running_the_cycle_again_for_the_same_moment_makes_no_second_call(ai_plan):
    adapters, adapter = scripted()
    run(TUESDAY_MORNING, adapters)

    report = run(TUESDAY_MORNING, adapters)

    assert (report.scheduled, report.dialled, report.retried) == (0, 0, 0)
    assert len(adapter.requests) == 1


@pytest.mark.django_db
def test_a_crash_in_the_middle_of_a_batch_leaves_the_contact_to_the_next_sweep(ai_plan):
    crashing = SimulatorAdapter(SyntheticPopulation(no_answer_rate=0), kill_after=0, kill_with_signal=False)
    services.generate_due_contacts(now=TUESDAY_MORNING)

    with pytest.raises(SimulatedCrash):
        cycle.dispatch_due_contacts(now=TUESDAY_MORNING, adapters=AdapterSet({"VOICE": crashing}), worker_id="doomed")

    due = DueContact.objects.get(plan=ai_plan)
    assert (due.status, due.attempt_count, CheckinAttempt.objects.count()) == ("PENDING", 0, 0)
    adapters, _adapter = scripted(FINE)
    cycle.dispatch_due_contacts(now=TUESDAY_MORNING, adapters=adapters, worker_id="survivor")
    due.refresh_from_db()
    assert (due.status, due.attempt_count, CheckinAttempt.objects.count()) == ("DONE", 1, 1)


@pytest.mark.django_db
def test_a_voice_call_is_queued_to_be_placed_only_after_the_claim_commits(ai_plan, provider, django_capture_on_commit_callbacks):
    services.generate_due_contacts(now=TUESDAY_MORNING)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = cycle.dispatch_due_contacts(now=TUESDAY_MORNING, adapters=live_adapters(), worker_id="worker-a")

    attempt = CheckinAttempt.objects.get()
    queued = DBTaskResult.objects.get()
    assert (len(callbacks), report.to_send) == (1, [attempt.pk])
    assert queued.task_path == "itda.checkins.tasks.send_checkin_attempts"
    assert queued.args_kwargs == {"args": [], "kwargs": {"attempt_ids": [attempt.pk]}}
    assert (attempt.status, provider) == ("STARTED", [])


@pytest.mark.django_db
def test_placing_a_call_sends_the_twilio_style_request_once_and_keeps_the_call_id(ai_plan, provider):
    services.generate_due_contacts(now=TUESDAY_MORNING)
    cycle.dispatch_due_contacts(now=TUESDAY_MORNING, adapters=live_adapters(), worker_id="worker-a")
    attempt = CheckinAttempt.objects.get()

    sent = cycle.send_attempts(attempt_ids=[attempt.pk], adapters=live_adapters(), now=TUESDAY_MORNING)
    again = cycle.send_attempts(attempt_ids=[attempt.pk], adapters=live_adapters(), now=TUESDAY_MORNING)

    attempt.refresh_from_db()
    url, fields = provider[0]
    assert (sent, again, len(provider)) == (1, 0, 1)
    assert url == "https://provider.example/Calls.json"
    assert (fields["To"], fields["From"], fields["Timeout"]) == ("010-0000-0101", "02-0000-0000", "30")
    assert fields["Url"].startswith("https://itda.example/api/v1/telephony/voice?attempt=")
    assert fields["StatusCallback"].startswith("https://itda.example/api/v1/telephony/status?attempt=")
    assert attempt.provider_call_id == "CA0001"


@pytest.mark.django_db
def test_a_text_message_carries_a_link_to_the_check_in_page(ai_plan, provider):
    DueContact.objects.all().delete()
    ai_plan.channel = "SMS_LINK"
    ai_plan.save(update_fields=["channel"])
    services.generate_due_contacts(now=TUESDAY_MORNING)
    cycle.dispatch_due_contacts(now=TUESDAY_MORNING, adapters=live_adapters(), worker_id="worker-a")
    attempt = CheckinAttempt.objects.get()

    cycle.send_attempts(attempt_ids=[attempt.pk], adapters=live_adapters(), now=TUESDAY_MORNING)

    url, fields = provider[0]
    attempt.refresh_from_db()
    assert url == "https://sms.example/send"
    assert fields["text"].startswith("[서울시 안부확인]")
    assert "https://itda.example/check-in/" in fields["text"]
    assert attempt.provider_call_id == "sms:M1"
    assert attempt.deadline_at == TUESDAY_MORNING + timedelta(minutes=180)


@pytest.mark.django_db
def test_without_a_provider_the_attempt_fails_at_once_and_the_ladder_retries(ai_plan, monkeypatch):
    for name in PROVIDER:
        monkeypatch.delenv(name, raising=False)
    services.generate_due_contacts(now=TUESDAY_MORNING)
    cycle.dispatch_due_contacts(now=TUESDAY_MORNING, adapters=live_adapters(), worker_id="worker-a")
    attempt = CheckinAttempt.objects.get()

    sent = cycle.send_attempts(attempt_ids=[attempt.pk], adapters=live_adapters(), now=TUESDAY_MORNING)

    attempt.refresh_from_db()
    assert (sent, attempt.status) == (0, "FAILED")
    assert Escalation.objects.get(person=ai_plan.person).step_key == "RETRY:1"


@pytest.mark.django_db
def test_a_call_that_never_reports_back_counts_as_no_answer_at_its_deadline(ai_plan, provider):
    services.generate_due_contacts(now=TUESDAY_MORNING)
    cycle.dispatch_due_contacts(now=TUESDAY_MORNING, adapters=live_adapters(), worker_id="worker-a")

    early = cycle.expire_attempts(now=TUESDAY_MORNING + timedelta(minutes=9))
    due = cycle.expire_attempts(now=TUESDAY_MORNING + timedelta(minutes=10))

    assert (early.expired, due.expired) == (0, 1)
    assert CheckinAttempt.objects.get().status == "NO_ANSWER"
    assert DueContact.objects.get().outcome == "NO_ANSWER"
    assert Escalation.objects.get().next_action_at == TUESDAY_MORNING + timedelta(minutes=40)
