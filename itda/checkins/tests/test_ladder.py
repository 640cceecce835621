"""The ladder's table, timing and day/night rule, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itda.checkins import ladder
from itda.checkins.ladder import Event, PolicyInvalid, State, Step
from itda.programs.hours import SEOUL

GURO = ladder.default_policy()
NOW = datetime(2026, 9, 15, 10, 0, tzinfo=SEOUL)


def test_the_default_policy_is_the_guro_practice():
    policy = ladder.default_policy()

    assert (policy.retry_count, policy.retry_interval_minutes) == (2, 30)
    assert (policy.staff_call_count, policy.staff_call_interval_minutes) == (2, 10)
    assert policy.visit_within_hours == 24
    assert policy.channel_ladder == ("VOICE", "SMS_LINK", "MESSENGER_LINK", "VOLUNTEER_CALL")


@pytest.mark.parametrize(
    ("reason", "expected"),
    [("NO_ANSWER", "RETRY:1"), ("NOT_REACHED", "STAFF_CALL:1"), ("RISK", "URGENT_CONTACT:1"), ("SELF_HARM", "CRISIS:1")],
)
def test_each_reason_starts_the_ladder_at_its_own_step(reason, expected):
    step = ladder.first_step(reason, GURO)

    assert step.key == expected


@pytest.mark.parametrize(
    ("current", "fired", "expected"),
    [
        (Step(State.RETRY, 1), {"RETRY:1"}, "RETRY:2"),
        (Step(State.RETRY, 2), {"RETRY:1", "RETRY:2"}, "STAFF_CALL:1"),
        (Step(State.STAFF_CALL, 1), {"RETRY:1", "RETRY:2", "STAFF_CALL:1"}, "STAFF_CALL:2"),
        (Step(State.STAFF_CALL, 2), {"STAFF_CALL:1", "STAFF_CALL:2"}, "VISIT:1"),
        (Step(State.VISIT, 1), {"VISIT:1"}, "DOOR_OPENING:1"),
        (Step(State.DOOR_OPENING, 1), {"VISIT:1", "DOOR_OPENING:1"}, "TRACE:1"),
        (Step(State.TRACE, 1), {"TRACE:1"}, "TRACE:2"),
        (Step(State.URGENT_CONTACT, 1), {"URGENT_CONTACT:1"}, "VISIT:1"),
        (Step(State.CRISIS, 1), {"CRISIS:1"}, "DOOR_OPENING:1"),
    ],
)
def test_not_reached_always_climbs_to_a_further_open_step(current, fired, expected):
    following = ladder.after_step_outcome(current, Event.NOT_REACHED, GURO, fired)

    assert following.key == expected


@pytest.mark.parametrize("state", sorted(ladder.OPEN_STATES))
def test_reaching_the_person_resolves_every_step(state):
    following = ladder.after_step_outcome(Step(state, 1), Event.REACHED, GURO, {f"{state}:1"})

    assert following.state == State.RESOLVED


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (State.RETRY, "URGENT_CONTACT:1"),
        (State.STAFF_CALL, "URGENT_CONTACT:1"),
        (State.VISIT, "URGENT_CONTACT:1"),
        (State.DOOR_OPENING, "URGENT_CONTACT:1"),
        (State.TRACE, "URGENT_CONTACT:1"),
        (State.URGENT_CONTACT, "RESOLVED:0"),
        (State.CRISIS, "RESOLVED:0"),
    ],
)
def test_risk_at_a_step_goes_to_a_counsellor_unless_a_counsellor_or_crisis_worker_already_has_them(state, expected):
    following = ladder.after_step_outcome(Step(state, 1), Event.RISK, GURO, {f"{state}:1"})

    assert following.key == expected


@pytest.mark.parametrize("state", sorted(ladder.OPEN_STATES - {State.CRISIS}))
def test_self_harm_at_any_step_opens_the_crisis_path(state):
    following = ladder.after_step_outcome(Step(state, 1), Event.SELF_HARM, GURO, {f"{state}:1"})

    assert following.key == "CRISIS:1"


def test_self_harm_recorded_by_the_crisis_worker_leaves_them_in_crisis_care():
    following = ladder.after_step_outcome(Step(State.CRISIS, 1), Event.SELF_HARM, GURO, {"CRISIS:1"})

    assert following.state == State.RESOLVED


def test_a_second_visit_in_one_escalation_gets_the_next_number():
    fired = {"RETRY:1", "STAFF_CALL:1", "VISIT:1", "URGENT_CONTACT:1"}

    following = ladder.after_step_outcome(Step(State.URGENT_CONTACT, 1), Event.NOT_REACHED, GURO, fired)

    assert following.key == "VISIT:2"


@pytest.mark.parametrize(
    ("state", "event", "expected"),
    [
        (State.STAFF_CALL, Event.REACHED, "RESOLVED:0"),
        (State.VISIT, Event.RISK, "URGENT_CONTACT:1"),
        (State.URGENT_CONTACT, Event.REACHED, None),
        (State.CRISIS, Event.REACHED, None),
        (State.CRISIS, Event.SELF_HARM, None),
        (State.URGENT_CONTACT, Event.SELF_HARM, "CRISIS:1"),
        (State.TRACE, Event.NOT_REACHED, None),
    ],
)
def test_events_from_outside_the_step_move_only_what_they_should(state, event, expected):
    following = ladder.after_outside_event(Step(state, 1), event, {f"{state}:1"})

    assert (following.key if following else None) == expected


def test_a_district_without_retries_starts_with_the_staff_call():
    policy = GURO.merged({"retry_count": 0})

    assert ladder.first_step("NO_ANSWER", policy).key == "STAFF_CALL:1"


def test_a_district_with_three_retries_calls_a_third_time():
    policy = GURO.merged({"retry_count": 3})

    following = ladder.after_step_outcome(Step(State.RETRY, 2), Event.NOT_REACHED, policy, {"RETRY:1", "RETRY:2"})

    assert following.key == "RETRY:3"


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (Step(State.RETRY, 1), timedelta(minutes=30)),
        (Step(State.STAFF_CALL, 1), timedelta(0)),
        (Step(State.STAFF_CALL, 2), timedelta(minutes=10)),
        (Step(State.VISIT, 1), timedelta(hours=24)),
        (Step(State.DOOR_OPENING, 1), timedelta(hours=2)),
        (Step(State.TRACE, 1), timedelta(hours=72)),
        (Step(State.URGENT_CONTACT, 1), timedelta(0)),
        (Step(State.CRISIS, 1), timedelta(0)),
    ],
)
def test_each_step_is_due_when_the_practice_says(step, expected):
    due_at = ladder.step_due_at(step, NOW, GURO)

    assert due_at - NOW == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 9, 15, 10, 0, tzinfo=SEOUL), True),  # Tuesday morning
        (datetime(2026, 9, 15, 8, 59, tzinfo=SEOUL), False),  # before the day starts
        (datetime(2026, 9, 15, 18, 0, tzinfo=SEOUL), False),  # the day ends at 18:00
        (datetime(2026, 9, 15, 22, 0, tzinfo=SEOUL), False),  # Tuesday night
        (datetime(2026, 9, 19, 23, 0, tzinfo=SEOUL), False),  # Saturday night
        (datetime(2026, 9, 19, 11, 0, tzinfo=SEOUL), False),  # Saturday morning
        (datetime(2026, 9, 25, 10, 0, tzinfo=SEOUL), False),  # Chuseok, a Friday
        (datetime(2026, 10, 5, 10, 0, tzinfo=SEOUL), False),  # substitute holiday for National Foundation Day
        (datetime(2026, 9, 16, 1, 0, tzinfo=SEOUL), False),  # the small hours of a weekday
    ],
)
def test_daytime_is_weekday_working_hours_outside_korean_public_holidays(moment, expected):
    assert ladder.is_daytime(moment, GURO) is expected


def test_daytime_is_judged_in_seoul_whatever_the_time_zone_of_the_moment():
    one_in_the_morning_utc = datetime(2026, 9, 15, 1, 0, tzinfo=UTC)  # 10:00 in Seoul

    assert ladder.is_daytime(one_in_the_morning_utc, GURO) is True


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"retry_count": 9}, "retry_count"),
        ({"unknown_key": 1}, "unknown_key"),
        ({"day_starts_at": "25:00"}, "day_starts_at"),
        ({"day_starts_at": "19:00", "day_ends_at": "18:00"}, "the day must start before it ends"),
        ({"channel_ladder": ["FAX"]}, "channel_ladder"),
        ({"visit_within_hours": "soon"}, "visit_within_hours"),
    ],
)
def test_a_bad_policy_value_is_refused_with_a_message_naming_it(overrides, message):
    with pytest.raises(PolicyInvalid) as error:
        GURO.merged(overrides)

    assert message in str(error.value)


def test_policy_times_are_read_as_hours_and_minutes():
    policy = GURO.merged({"day_starts_at": "08:30"})

    assert policy.day_starts_at == time(8, 30)


EVENTS = st.sampled_from(list(Event))


@settings(max_examples=400, deadline=None)
@given(
    reason=st.sampled_from(list(ladder.Reason)),
    events=st.lists(EVENTS, max_size=30),
    retries=st.integers(0, 4),
    calls=st.integers(0, 4),
)
def test_the_table_never_closes_unreached_and_never_numbers_a_step_twice(reason, events, retries, calls):
    policy = GURO.merged({"retry_count": retries, "staff_call_count": calls})
    step = ladder.first_step(reason, policy)
    fired = [step.key]
    reached = False

    for event in events:
        if step.state == State.RESOLVED:
            break
        step = ladder.after_step_outcome(step, event, policy, set(fired))
        reached = reached or event != Event.NOT_REACHED
        if step.state != State.RESOLVED:
            fired.append(step.key)

    assert len(fired) == len(set(fired))
    assert step.state != State.RESOLVED or reached
