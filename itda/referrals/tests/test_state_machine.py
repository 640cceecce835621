"""Properties over random sequences.

Every step outside the machine is refused; every overdue hop alerts exactly once; closing as
"could not contact" needs two different ways tried, and closing leaves none of the referral's tasks open.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itda.cases.models import CareTask
from itda.referrals.models import CLOSING_OUTCOMES, OPEN_STATUSES, TRANSITIONS, Referral
from itda.referrals.services import (
    DetailsNeeded,
    NotYourMove,
    ReferralRefused,
    TransitionNotAllowed,
    open_tasks_of,
    sweep_overdue_referrals,
    transition,
)
from itda.referrals.tests.factories import make_person, send

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
Status = Referral.Status
STATUSES = list(Status.values)
ACTORS = ["sender", "receiver", "outsider", "administrator"]
# Details that satisfy every step's requirements, so a refusal can only come from the machine or the side.
DETAILS = {
    Status.CLOSED: {"outcome": "GOT_HELP"},
    Status.DECLINED: {"outcome": "NOT_ELIGIBLE"},
    Status.UNREACHABLE: {"steps_tried": ["PHONE"]},
    Status.CANCELLED: {"note": "잘못 보냄"},
}
EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _actors(cast):
    return {
        "sender": cast.social_worker,
        "receiver": cast.health_staff,
        "outsider": cast.other_worker,
        "administrator": cast.administrator,
    }


def _state(referral_id):
    referral = Referral.objects.get(pk=referral_id)
    return referral.status, referral.hop, referral.due_at, referral.events.count()


@pytest.mark.django_db
@EXAMPLES
@given(steps=st.lists(st.tuples(st.sampled_from(ACTORS), st.sampled_from(STATUSES)), min_size=1, max_size=12))
def test_a_step_is_taken_only_when_it_is_an_edge_of_the_machine_owned_by_the_actors_side(cast, steps):
    actors = _actors(cast)
    with transaction.atomic():
        referral = send(cast, make_person(), now=NOW)
        for index, (who, to_status) in enumerate(steps):
            before = _state(referral.pk)
            current = before[0]
            side = TRANSITIONS[current].get(to_status)
            may = side is not None and (
                who == "administrator"
                or (who == "sender" and side == Referral.Side.SENDER)
                or (who == "receiver" and side == Referral.Side.RECEIVER)
            )
            now = NOW + timedelta(hours=index + 1)

            if may:
                moved = transition(
                    actor=actors[who], referral=referral, to_status=to_status, now=now, **DETAILS.get(to_status, {})
                )
                assert moved.status == to_status
                assert moved.hop == (before[1] if to_status not in OPEN_STATUSES else before[1] + 1)
                assert _state(referral.pk)[3] == before[3] + 1
            else:
                expected = TransitionNotAllowed if side is None else NotYourMove
                with pytest.raises(expected):
                    transition(actor=actors[who], referral=referral, to_status=to_status, now=now, **DETAILS.get(to_status, {}))
                assert _state(referral.pk) == before
        transaction.set_rollback(True)


MOVES = st.sampled_from(
    [Status.RECEIVED, Status.ACCEPTED, Status.CONTACTED, Status.UNREACHABLE, Status.SERVICE_STARTED, Status.CLOSED]
)
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("wait"), st.integers(min_value=1, max_value=24 * 20)),
        st.tuples(st.just("sweep"), st.just(0)),
        st.tuples(st.just("move"), MOVES),
    ),
    min_size=1,
    max_size=15,
)


@pytest.mark.django_db
@EXAMPLES
@given(risk=st.sampled_from(Referral.Risk.values), operations=OPERATIONS)
def test_every_hop_found_overdue_by_a_sweep_alerts_both_teams_exactly_once(cast, risk, operations):
    with transaction.atomic():
        referral = send(cast, make_person(), now=NOW, risk=risk)
        now = NOW
        alerted_hops: set[int] = set()
        for operation, value in operations:
            if operation == "wait":
                now += timedelta(hours=value)
            elif operation == "sweep":
                current = Referral.objects.get(pk=referral.pk)
                if current.is_overdue(now):
                    alerted_hops.add(current.hop)
                sweep_overdue_referrals(now=now)
            else:
                try:
                    transition(actor=cast.health_staff, referral=referral, to_status=value, now=now, **DETAILS.get(value, {}))
                except ReferralRefused:
                    pass

        keys = sorted(CareTask.objects.filter(kind=CareTask.Kind.REFERRAL_OVERDUE).values_list("dedupe_key", flat=True))
        expected = sorted(f"referral:{referral.pk}:hop:{hop}:overdue:{side}" for hop in alerted_hops for side in ("to", "from"))
        assert keys == expected
        transaction.set_rollback(True)


ATTEMPTS = st.lists(st.lists(st.sampled_from(Referral.Step.values), min_size=1, max_size=3), min_size=0, max_size=4)


@pytest.mark.django_db
@EXAMPLES
@given(
    risk=st.sampled_from(Referral.Risk.values),
    contacted_first=st.booleans(),
    attempts=ATTEMPTS,
    outcome=st.sampled_from(sorted(CLOSING_OUTCOMES)),
    overdue=st.booleans(),
)
def test_could_not_contact_closes_only_after_two_different_ways_and_closing_leaves_no_open_task(
    cast, risk, contacted_first, attempts, outcome, overdue
):
    with transaction.atomic():
        referral = send(cast, make_person(), now=NOW, risk=risk)
        now = NOW
        referral = transition(actor=cast.health_staff, referral=referral, to_status=Status.ACCEPTED, now=now)
        if contacted_first or not attempts:  # ACCEPTED cannot close: the person is reached or tried first
            referral = transition(actor=cast.health_staff, referral=referral, to_status=Status.CONTACTED, now=now)
        for steps in attempts:
            now += timedelta(hours=1)
            referral = transition(
                actor=cast.health_staff, referral=referral, to_status=Status.UNREACHABLE, now=now, steps_tried=steps
            )
        if overdue:
            now += timedelta(days=30)
            sweep_overdue_referrals(now=now)
        tried = {step for steps in attempts for step in steps}
        before = _state(referral.pk)
        open_before = set(open_tasks_of(referral).values_list("pk", flat=True))

        may_close = outcome != Referral.Outcome.COULD_NOT_CONTACT or len(tried) >= 2
        if may_close:
            closed = transition(actor=cast.health_staff, referral=referral, to_status=Status.CLOSED, now=now, outcome=outcome)
            assert (closed.status, closed.outcome) == (Status.CLOSED, outcome)
            assert not open_tasks_of(referral).exists()
            assert set(CareTask.objects.filter(pk__in=open_before).values_list("status", flat=True)) <= {CareTask.Status.DONE}
        else:
            with pytest.raises(DetailsNeeded):
                transition(actor=cast.health_staff, referral=referral, to_status=Status.CLOSED, now=now, outcome=outcome)
            assert _state(referral.pk) == before
            assert set(open_tasks_of(referral).values_list("pk", flat=True)) == open_before
        transaction.set_rollback(True)
