"""Hypothesis: random sequences of answers, silences, worker outcomes and steps left unworked never close a ladder on
someone unreached, never fire a step twice, and raise an unworked human step exactly once, only once it is overdue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itda.cases.models import CareTask
from itda.checkins import ladder, services
from itda.checkins.ladder import HUMAN_STATES, State
from itda.checkins.models import CheckinAttempt, Escalation, EscalationStep
from itda.checkins.tests.conftest import FINE, IN_PAIN, SELF_HARM, TUESDAY_MORNING, run, scripted

CALL_RESULTS = st.sampled_from([None, None, FINE, IN_PAIN, SELF_HARM])
WORKER_OUTCOMES = st.sampled_from(["NOT_REACHED", "NOT_REACHED", "REACHED", "CONCERN", "SELF_HARM"])
ACTIONS = st.lists(
    st.tuples(st.sampled_from(["call", "worker", "repeat", "wait"]), CALL_RESULTS, WORKER_OUTCOMES), min_size=1, max_size=14
)


class Rollback(Exception):
    pass


def _was_reached_since(escalation: Escalation) -> bool:
    by_a_worker = EscalationStep.objects.filter(
        escalation=escalation, outcome__in=["REACHED", "RISK", "SELF_HARM", "SUPERSEDED"]
    ).exists()
    by_answering = CheckinAttempt.objects.filter(
        due_contact__person_id=escalation.person_id, status="ANSWERED", finished_at__gte=escalation.opened_at
    ).exists()
    return by_a_worker or by_answering


def _check_invariants(person) -> None:
    assert Escalation.objects.filter(person=person, resolved_at__isnull=True).count() <= 1
    for escalation in Escalation.objects.filter(person=person):
        if escalation.state == State.RESOLVED:
            assert _was_reached_since(escalation), f"closed while unreached: {escalation.pk}"
        elif escalation.state == State.RETRY:
            waiting = CheckinAttempt.objects.filter(escalation=escalation, status="STARTED").exists()
            assert escalation.next_action_at is not None or waiting
        else:
            assert escalation.current_task is not None and escalation.current_task.is_open, f"no live step: {escalation.step_key}"
        steps = list(EscalationStep.objects.filter(escalation=escalation).values_list("key", "task_id", "state"))
        assert len({key for key, _task, _state in steps}) == len(steps)
        human_tasks = [task for _key, task, state in steps if state in HUMAN_STATES]
        assert None not in human_tasks
        assert len(set(human_tasks)) == len(human_tasks)
    keys = list(CareTask.objects.filter(person=person).exclude(dedupe_key="").values_list("dedupe_key", flat=True))
    assert len(keys) == len(set(keys))
    # A stalled human step is raised once, and only after its task was overdue by the district's grace.
    alerts = {task.dedupe_key: task for task in CareTask.objects.filter(person=person, dedupe_key__endswith=":stalled")}
    raised = EscalationStep.objects.filter(escalation__person=person, stall_alerted_at__isnull=False).select_related("task")
    assert {f"checkins:escalation:{step.escalation_id}:{step.key}:stalled" for step in raised} == set(alerts)
    for step in raised:
        assert step.state in HUMAN_STATES
        grace = ladder.stalled_after(step.state, services.policy_for(person.district_id))
        assert grace is not None and step.task.due_at + grace <= step.stall_alerted_at
        assert alerts[f"checkins:escalation:{step.escalation_id}:{step.key}:stalled"].created_at == step.stall_alerted_at


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(actions=ACTIONS)
def test_random_sequences_never_close_a_ladder_on_someone_unreached_nor_fire_a_step_twice(cast, teams, ai_plan, actions):
    person = ai_plan.person
    try:
        with transaction.atomic():
            now = TUESDAY_MORNING
            week = 0
            last_human = None
            for kind, call_result, worker_outcome in actions:
                escalation = Escalation.objects.filter(person=person, resolved_at__isnull=True).first()
                if escalation is not None and escalation.state == State.RETRY and escalation.next_action_at is not None:
                    now = max(now, escalation.next_action_at)
                    run(now, scripted(call_result)[0])
                elif kind == "worker" and escalation is not None and escalation.state in HUMAN_STATES:
                    now += timedelta(minutes=15)
                    last_human = (escalation.step_key, worker_outcome)
                    services.record_escalation_outcome(
                        actor=cast.social_worker,
                        escalation=escalation,
                        step_key=escalation.step_key,
                        outcome=worker_outcome,
                        now=now,
                    )
                elif kind == "wait" and escalation is not None and escalation.state in HUMAN_STATES:
                    # Nobody works the step: the clock passes its deadline and grace, the sweep raises it once.
                    before = (escalation.step_key, escalation.current_task_id)
                    task = escalation.current_task
                    now = max(now, task.due_at + timedelta(hours=2))
                    run(now, scripted(call_result)[0])
                    escalation.refresh_from_db()
                    if escalation.is_open and escalation.current_task_id == task.pk:
                        assert (escalation.step_key, escalation.current_task_id) == before
                        step = EscalationStep.objects.get(escalation=escalation, key=escalation.step_key)
                        assert step.stall_alerted_at is not None
                elif kind == "repeat" and escalation is not None and last_human is not None:
                    # The same outcome delivered twice (a double tap, a retried request): refused, nothing fires again.
                    before = EscalationStep.objects.count()
                    with pytest.raises(services.EscalationStepStale):
                        services.record_escalation_outcome(
                            actor=cast.social_worker,
                            escalation=escalation,
                            step_key=last_human[0] + "x",
                            outcome=last_human[1],
                            now=now,
                        )
                    assert EscalationStep.objects.count() == before
                else:
                    week += 1
                    now = max(now, TUESDAY_MORNING + timedelta(days=7 * (week - 1)))
                    run(now, scripted(call_result)[0])
                _check_invariants(person)
            raise Rollback
    except Rollback:
        pass
