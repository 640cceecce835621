"""The escalation ladder through the services, with frozen time: every branch, day and night routing, lapsed engagement."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from itda.cases.models import CareTask, CaseAssignment
from itda.cases.services import UNREACHABLE, NextStep, complete_task
from itda.checkins import cycle, services
from itda.checkins.models import ContactPlan, DueContact, Escalation, EscalationStep
from itda.checkins.tests.conftest import (
    CHUSEOK_MORNING,
    FINE,
    IN_PAIN,
    SATURDAY_NIGHT,
    SELF_HARM,
    TUESDAY_MORNING,
    TUESDAY_NIGHT,
    run,
    scripted,
)
from itda.places.models import District
from itda.programs.hours import SEOUL
from tests.personas import HOME_DISTRICT

MINUTES = timedelta(minutes=1)


def _escalation(person) -> Escalation:
    return Escalation.objects.get(person=person)


def _unanswered_until_staff_call(ai_plan, start):
    """The first call and both retries unanswered: the ladder stands at STAFF_CALL:1."""
    adapters, _adapter = scripted()
    run(start, adapters)
    run(start + 30 * MINUTES, adapters)
    run(start + 60 * MINUTES, adapters)
    return _escalation(ai_plan.person)


def _record(cast, escalation, outcome, now, note=""):
    escalation.refresh_from_db()
    return services.record_escalation_outcome(
        actor=cast.social_worker, escalation=escalation, step_key=escalation.step_key, outcome=outcome, note=note, now=now
    )


@pytest.mark.django_db
def test_no_answer_is_retried_twice_thirty_minutes_apart(ai_plan):
    adapters, adapter = scripted()

    run(TUESDAY_MORNING, adapters)
    escalation = _escalation(ai_plan.person)
    assert (escalation.step_key, escalation.next_action_at) == ("RETRY:1", TUESDAY_MORNING + 30 * MINUTES)

    run(TUESDAY_MORNING + 29 * MINUTES, adapters)
    assert len(adapter.requests) == 1

    run(TUESDAY_MORNING + 30 * MINUTES, adapters)
    escalation.refresh_from_db()
    assert (escalation.step_key, escalation.next_action_at) == ("RETRY:2", TUESDAY_MORNING + 60 * MINUTES)
    assert [request.number for request in adapter.requests] == [1, 2]


@pytest.mark.django_db
def test_after_the_retries_the_dong_centre_calls_now_assigned_to_the_lead_worker(cast, teams, ai_plan, django_user_model):
    dong_worker = django_user_model.objects.create(username="persona-dong-worker", role="SOCIAL_WORKER", team=teams.dong_centre)
    CaseAssignment.objects.create(
        person=ai_plan.person, worker=dong_worker, team=teams.dong_centre, role="LEAD", start_at=TUESDAY_MORNING
    )

    escalation = _unanswered_until_staff_call(ai_plan, TUESDAY_MORNING)

    task = escalation.current_task
    assert escalation.step_key == "STAFF_CALL:1"
    assert (task.kind, task.team, task.assignee, task.due_at, task.priority) == (
        "FOLLOW_UP_CALL",
        teams.dong_centre,
        dong_worker,
        TUESDAY_MORNING + 60 * MINUTES,
        CareTask.Priority.HIGH,
    )
    assert task.dedupe_key == f"checkins:escalation:{escalation.pk}:STAFF_CALL:1"


@pytest.mark.django_db
def test_the_whole_ladder_climbs_to_door_opening_and_then_keeps_tracing_without_ever_closing(cast, teams, ai_plan):
    escalation = _unanswered_until_staff_call(ai_plan, TUESDAY_MORNING)
    now = TUESDAY_MORNING + 61 * MINUTES
    first_call = escalation.current_task

    _record(cast, escalation, "NOT_REACHED", now)
    escalation.refresh_from_db()
    assert escalation.step_key == "STAFF_CALL:2"
    assert escalation.current_task.due_at == now + 10 * MINUTES
    first_call.refresh_from_db()
    assert (first_call.status, first_call.outcome) == ("DONE", UNREACHABLE)

    _record(cast, escalation, "NOT_REACHED", now + 10 * MINUTES)
    escalation.refresh_from_db()
    assert (escalation.step_key, escalation.current_task.kind) == ("VISIT:1", "VISIT")
    assert escalation.current_task.due_at == now + 10 * MINUTES + timedelta(hours=24)

    _record(cast, escalation, "NOT_REACHED", now + timedelta(hours=5))
    escalation.refresh_from_db()
    assert (escalation.step_key, escalation.current_task.kind, escalation.current_task.priority) == (
        "DOOR_OPENING:1",
        "DOOR_OPENING",
        CareTask.Priority.CRISIS,
    )

    _record(cast, escalation, "NOT_REACHED", now + timedelta(hours=6))
    _record(cast, escalation, "NOT_REACHED", now + timedelta(hours=80))
    escalation.refresh_from_db()
    assert (escalation.step_key, escalation.current_task.kind, escalation.is_open) == ("TRACE:2", "REVIEW", True)
    assert list(EscalationStep.objects.filter(escalation=escalation).order_by("pk").values_list("key", flat=True)) == [
        "RETRY:1",
        "RETRY:2",
        "STAFF_CALL:1",
        "STAFF_CALL:2",
        "VISIT:1",
        "DOOR_OPENING:1",
        "TRACE:1",
        "TRACE:2",
    ]
    assert CareTask.objects.filter(person=ai_plan.person, status="OPEN").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("step_reached", ["STAFF_CALL:1", "STAFF_CALL:2", "VISIT:1", "DOOR_OPENING:1"])
def test_reaching_the_person_at_any_step_resolves_the_ladder_and_closes_its_task(cast, teams, ai_plan, step_reached):
    escalation = _unanswered_until_staff_call(ai_plan, TUESDAY_MORNING)
    now = TUESDAY_MORNING + 61 * MINUTES
    while escalation.step_key != step_reached:
        _record(cast, escalation, "NOT_REACHED", now)
        escalation.refresh_from_db()
        now += 15 * MINUTES
    task = escalation.current_task

    _record(cast, escalation, "REACHED", now, note="전화 연결됨")

    escalation.refresh_from_db()
    task.refresh_from_db()
    assert (escalation.state, escalation.resolved_at) == ("RESOLVED", now)
    assert (task.status, task.outcome) == ("DONE", "연락됨 (reached)")
    assert EscalationStep.objects.get(escalation=escalation, key=step_reached).note == "전화 연결됨"


@pytest.mark.django_db
def test_an_answered_retry_resolves_the_ladder_and_counts_as_the_weeks_answer(ai_plan):
    adapters, _adapter = scripted(None, FINE)
    run(TUESDAY_MORNING, adapters)

    run(TUESDAY_MORNING + 30 * MINUTES, adapters)

    escalation = _escalation(ai_plan.person)
    ai_plan.refresh_from_db()
    assert (escalation.state, escalation.resolved_at) == ("RESOLVED", TUESDAY_MORNING + 30 * MINUTES)
    assert DueContact.objects.get(plan=ai_plan).outcome == "ANSWERED"
    assert ai_plan.missed_in_row == 0


@pytest.mark.django_db
def test_a_risk_utterance_in_the_day_goes_to_the_district_mental_health_centre_now(teams, ai_plan):
    adapters, _adapter = scripted(IN_PAIN)

    run(TUESDAY_MORNING, adapters)

    escalation = _escalation(ai_plan.person)
    task = escalation.current_task
    assert (escalation.reason, escalation.step_key, escalation.signals) == ("RISK", "URGENT_CONTACT:1", ["PAIN"])
    assert (task.kind, task.team, task.priority, task.due_at) == (
        "URGENT_CONTACT",
        teams.mental_health,
        CareTask.Priority.URGENT,
        TUESDAY_MORNING,
    )
    assert DueContact.objects.get(plan=ai_plan).outcome == "CONCERN"


@pytest.mark.django_db
def test_a_risk_utterance_at_night_goes_to_the_city_control_room(cast, teams, resident):
    services.ensure_contact_plan(
        actor=cast.social_worker,
        person=resident,
        kind="AI_CALL",
        team=teams.dong_centre,
        now=TUESDAY_NIGHT - timedelta(hours=1),
        preferred_weekday=1,
        preferred_time=time(22, 0),
    )
    adapters, _adapter = scripted(IN_PAIN)

    run(TUESDAY_NIGHT, adapters)

    step = EscalationStep.objects.get(escalation__person=resident)
    assert (step.key, step.team, step.is_night_route) == ("URGENT_CONTACT:1", teams.control_room, True)


@pytest.mark.django_db
def test_a_saturday_night_no_answer_reaches_the_control_room_not_the_dong_centre(cast, teams, resident):
    services.ensure_contact_plan(
        actor=cast.social_worker,
        person=resident,
        kind="AI_CALL",
        team=teams.dong_centre,
        now=SATURDAY_NIGHT - timedelta(hours=1),
        preferred_weekday=5,
        preferred_time=time(23, 0),
    )

    escalation = _unanswered_until_staff_call(ContactPlan.objects.get(person=resident), SATURDAY_NIGHT)

    assert escalation.step_key == "STAFF_CALL:1"
    assert (escalation.current_task.team, escalation.current_task.due_at) == (teams.control_room, SATURDAY_NIGHT + 60 * MINUTES)
    assert EscalationStep.objects.get(escalation=escalation, key="STAFF_CALL:1").is_night_route is True


@pytest.mark.django_db
def test_on_chuseok_morning_the_staff_call_goes_to_the_control_room(cast, teams, resident):
    services.ensure_contact_plan(
        actor=cast.social_worker,
        person=resident,
        kind="AI_CALL",
        team=teams.dong_centre,
        now=CHUSEOK_MORNING - timedelta(hours=1),
        preferred_weekday=4,
        preferred_time=time(10, 0),
    )

    escalation = _unanswered_until_staff_call(ContactPlan.objects.get(person=resident), CHUSEOK_MORNING)

    assert escalation.current_task.team == teams.control_room


@pytest.mark.django_db
def test_the_weekday_after_chuseok_the_visit_goes_back_to_the_dong_centre(cast, teams, resident):
    services.ensure_contact_plan(
        actor=cast.social_worker,
        person=resident,
        kind="AI_CALL",
        team=teams.dong_centre,
        now=CHUSEOK_MORNING - timedelta(hours=1),
        preferred_weekday=4,
        preferred_time=time(10, 0),
    )
    escalation = _unanswered_until_staff_call(ContactPlan.objects.get(person=resident), CHUSEOK_MORNING)
    _record(cast, escalation, "NOT_REACHED", CHUSEOK_MORNING + 70 * MINUTES)

    _record(cast, escalation, "NOT_REACHED", datetime(2026, 9, 28, 9, 30, tzinfo=SEOUL))

    escalation.refresh_from_db()
    assert (escalation.step_key, escalation.current_task.team) == ("VISIT:1", teams.dong_centre)


@pytest.mark.django_db
def test_self_harm_opens_the_crisis_path_at_once(teams, ai_plan):
    adapters, _adapter = scripted(SELF_HARM)

    run(TUESDAY_MORNING, adapters)

    escalation = _escalation(ai_plan.person)
    crisis = CareTask.objects.get(person=ai_plan.person, kind="CRISIS_RESPONSE")
    assert (escalation.reason, escalation.step_key, escalation.current_task) == ("SELF_HARM", "CRISIS:1", crisis)
    assert (crisis.priority, crisis.status) == (CareTask.Priority.CRISIS, "OPEN")


@pytest.mark.django_db
def test_a_worker_note_that_reads_as_self_harm_opens_the_crisis_path_whatever_was_tapped(cast, teams, ai_plan):
    escalation = _unanswered_until_staff_call(ai_plan, TUESDAY_MORNING)

    _record(cast, escalation, "REACHED", TUESDAY_MORNING + 70 * MINUTES, note="통화됨. 요즘 죽고 싶다고 하심")

    escalation.refresh_from_db()
    assert escalation.step_key == "CRISIS:1"
    assert CareTask.objects.filter(person=ai_plan.person, kind="CRISIS_RESPONSE").count() == 1


@pytest.mark.django_db
def test_next_weeks_answer_resolves_an_open_visit_and_closes_the_visit_task(cast, teams, ai_plan):
    escalation = _unanswered_until_staff_call(ai_plan, TUESDAY_MORNING)
    _record(cast, escalation, "NOT_REACHED", TUESDAY_MORNING + 61 * MINUTES)
    _record(cast, escalation, "NOT_REACHED", TUESDAY_MORNING + 71 * MINUTES)
    escalation.refresh_from_db()
    visit = escalation.current_task
    adapters, _adapter = scripted(FINE)

    run(TUESDAY_MORNING + timedelta(days=7), adapters)

    escalation.refresh_from_db()
    visit.refresh_from_db()
    assert escalation.state == "RESOLVED"
    assert visit.status == "DONE" and visit.outcome.startswith("다른 경로로 연락됨")


@pytest.mark.django_db
def test_a_plain_answer_next_week_does_not_close_a_risk_ladder(teams, ai_plan):
    adapters, _adapter = scripted(IN_PAIN, FINE)
    run(TUESDAY_MORNING, adapters)

    run(TUESDAY_MORNING + timedelta(days=7), adapters)

    escalation = _escalation(ai_plan.person)
    assert (escalation.step_key, escalation.is_open) == ("URGENT_CONTACT:1", True)


@pytest.mark.django_db
def test_an_outcome_for_a_step_the_ladder_has_left_is_refused_and_changes_nothing(cast, teams, ai_plan):
    escalation = _unanswered_until_staff_call(ai_plan, TUESDAY_MORNING)
    _record(cast, escalation, "NOT_REACHED", TUESDAY_MORNING + 61 * MINUTES)
    tasks_before = CareTask.objects.count()

    with pytest.raises(services.EscalationStepStale):
        services.record_escalation_outcome(
            actor=cast.social_worker,
            escalation=escalation,
            step_key="STAFF_CALL:1",
            outcome="NOT_REACHED",
            now=TUESDAY_MORNING + 62 * MINUTES,
        )

    escalation.refresh_from_db()
    assert (escalation.step_key, CareTask.objects.count()) == ("STAFF_CALL:2", tasks_before)


@pytest.mark.django_db
def test_a_district_without_retries_goes_straight_to_the_staff_call(cast, teams, ai_plan):
    services.set_escalation_policy(
        actor=cast.administrator,
        district=District.objects.get(code=HOME_DISTRICT),
        overrides={"retry_count": 0},
        now=TUESDAY_MORNING,
    )
    adapters, adapter = scripted()

    run(TUESDAY_MORNING, adapters)

    assert _escalation(ai_plan.person).step_key == "STAFF_CALL:1"
    assert len(adapter.requests) == 1


@pytest.mark.django_db
def test_a_task_closed_in_the_general_queue_moves_the_ladder_and_its_follow_up_is_adopted(cast, teams, ai_plan):
    escalation = _unanswered_until_staff_call(ai_plan, TUESDAY_MORNING)
    now = TUESDAY_MORNING + 65 * MINUTES
    _closed, follow_up = complete_task(
        actor=cast.social_worker,
        task=escalation.current_task,
        outcome=UNREACHABLE,
        now=now,
        next_step=NextStep(kind="FOLLOW_UP_CALL", title="다시 전화", due_at=now + 10 * MINUTES, team=teams.dong_centre),
    )

    report = cycle.reconcile_closed_steps(now=now + MINUTES)

    escalation.refresh_from_db()
    assert report.reconciled == 1
    assert (escalation.step_key, escalation.current_task) == ("STAFF_CALL:2", follow_up)


@pytest.mark.django_db
def test_someone_who_stops_answering_is_switched_to_text_messages_after_three_weeks_and_nothing_closes(cast, teams, ai_plan):
    adapters, _adapter = scripted()

    for week in range(3):
        run(TUESDAY_MORNING + timedelta(days=7 * week), adapters)
        run(TUESDAY_MORNING + timedelta(days=7 * week, minutes=30), adapters)
        run(TUESDAY_MORNING + timedelta(days=7 * week, minutes=60), adapters)

    services.generate_due_contacts(now=TUESDAY_MORNING + timedelta(days=21))

    ai_plan.refresh_from_db()
    assert (ai_plan.channel, ai_plan.missed_in_row, ai_plan.is_active) == ("SMS_LINK", 0, True)
    assert DueContact.objects.get(plan=ai_plan, due_at=TUESDAY_MORNING + timedelta(days=21)).channel == "SMS_LINK"
    assert Escalation.objects.filter(person=ai_plan.person, resolved_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_after_text_messages_lapse_too_the_volunteer_is_asked_to_call_and_an_allocation_task_opens_when_there_is_none(
    cast, teams, ai_plan
):
    ContactPlan.objects.filter(pk=ai_plan.pk).update(channel="SMS_LINK", missed_in_row=2)
    adapters, _adapter = scripted()

    run(TUESDAY_MORNING, adapters)

    ai_plan.refresh_from_db()
    assert (ai_plan.channel, ai_plan.owner) == ("VOLUNTEER_CALL", None)
    assert (
        CareTask.objects.filter(
            person=ai_plan.person, kind="ALLOCATION", dedupe_key=f"checkins:plan:{ai_plan.pk}:allocate"
        ).count()
        == 1
    )


@pytest.mark.django_db
def test_when_every_channel_has_lapsed_the_plan_stays_and_its_team_reviews_it(cast, teams, ai_plan):
    ContactPlan.objects.filter(pk=ai_plan.pk).update(channel="VOLUNTEER_CALL", missed_in_row=2)
    services.generate_due_contacts(now=TUESDAY_MORNING)
    due = DueContact.objects.get(plan=ai_plan)

    services.log_due_contact_outcome(actor=cast.social_worker, due_contact=due, outcome="NOT_REACHED", now=TUESDAY_MORNING)

    ai_plan.refresh_from_db()
    review = CareTask.objects.get(person=ai_plan.person, kind="REVIEW")
    assert (ai_plan.is_active, ai_plan.channel) == (True, "VOLUNTEER_CALL")
    assert (review.team, review.source_type) == (teams.dong_centre, "checkins.contactplan")


@pytest.mark.django_db
def test_a_volunteer_contact_overdue_two_days_asks_the_centre_to_follow_up_once(cast, teams, resident):
    services.ensure_contact_plan(
        actor=cast.social_worker,
        person=resident,
        kind="CARE_GROUP",
        team=cast.volunteer.team,
        owner=cast.volunteer,
        now=TUESDAY_MORNING,
    )
    services.generate_due_contacts(now=TUESDAY_MORNING)

    first = cycle.alert_overdue_contacts(now=TUESDAY_MORNING + timedelta(hours=49))
    second = cycle.alert_overdue_contacts(now=TUESDAY_MORNING + timedelta(hours=50))

    task = CareTask.objects.get(person=resident)
    assert (first.overdue_alerts, second.overdue_alerts) == (1, 0)
    assert (task.kind, task.team, task.source_type) == ("FOLLOW_UP_CALL", teams.dong_centre, "checkins.duecontact")


@pytest.mark.django_db
def test_pressing_3_on_the_direct_mood_question_opens_the_crisis_path_without_any_words(teams, ai_plan):
    adapters, _adapter = scripted({**FINE, "MOOD": {"digits": "3"}})

    run(TUESDAY_MORNING, adapters)

    escalation = _escalation(ai_plan.person)
    assert (escalation.reason, escalation.step_key) == ("SELF_HARM", "CRISIS:1")
    assert CareTask.objects.filter(person=ai_plan.person, kind="CRISIS_RESPONSE").count() == 1
