"""The escalation ladder: states, the table of moves between them, routing by time of day. Pure: no database.

Default (Guro-gu practice, data/checkins/escalation_policy.json; a district may
override any number in it)::

    reason          first step
    NO_ANSWER    -> RETRY:1            (automatic call again, 30 min later)
    NOT_REACHED  -> STAFF_CALL:1       (a volunteer or nurse could not reach them)
    RISK         -> URGENT_CONTACT:1   (a counsellor calls now)
    SELF_HARM    -> CRISIS:1           (screenings' crisis path: a named worker now)

    outcome of the current step   NOT_REACHED                 REACHED    RISK              SELF_HARM
    RETRY:n          (auto)       RETRY:n+1 while n < 2,      RESOLVED   URGENT_CONTACT    CRISIS
                                  then STAFF_CALL:1
    STAFF_CALL:n     (call task)  STAFF_CALL:n+1 (10 min)     RESOLVED   URGENT_CONTACT    CRISIS
                                  while n < 2, then VISIT
    VISIT            (visit task, due within 24 h)
                                  DOOR_OPENING                RESOLVED   URGENT_CONTACT    CRISIS
    DOOR_OPENING     (police/fire) TRACE                      RESOLVED   URGENT_CONTACT    CRISIS
    TRACE:n          (find where they are; every 72 h)
                                  TRACE:n+1                   RESOLVED   URGENT_CONTACT    CRISIS
    URGENT_CONTACT   (counsellor) VISIT                       RESOLVED   RESOLVED *        CRISIS
    CRISIS           (crisis path) DOOR_OPENING               RESOLVED   RESOLVED *        RESOLVED *

    * the counsellor or crisis worker reached the person: the concern is in their hands now.

RESOLVED is the only closed state and every edge into it is an outcome in which
someone reached the person: "not reached" never closes an escalation, it only
climbs (TRACE repeats for as long as nobody knows where the person is).

Events from outside the current step (next week's AI call, an SMS answer) move
an open escalation too: a plain answer resolves a no-answer ladder (RETRY …
TRACE) but not a risk ladder (URGENT_CONTACT, CRISIS), which needs its human;
risk moves a no-answer ladder to URGENT_CONTACT; self-harm moves any ladder to
CRISIS; "not reached" from outside changes nothing — the ladder is already on it.

A step is named ``STATE:number``; the number counts the times this escalation
entered the state, so a key is never fired twice (the database holds it unique).
Every step is an ``EscalationStep`` row. A human step is also a care task, opened
through ``cases.services`` with the dedupe key ``checkins:escalation:<id>:<step>``
(self-harm through the screening's crisis path); an automatic RETRY is a call,
recorded as a check-in attempt, not a task in anyone's queue.

A human step nobody works does not stall the ladder: once its task is past its
deadline by the policy's ``stalled_step_grace_minutes`` for that state, the cycle
raises it once (``cycle.alert_stalled_steps``): an urgent alert task for the team
on duty now and a higher priority on the stalled task. The ladder itself does not
move (only a person's outcome moves it), and nothing calls police or fire without
a person: for a door opening the alert is the action.

Human steps are routed when they fire: weekday daytime (not a Korean public
holiday) to the person's dong centre or district centre, nights, weekends and
public holidays to the city's isolation-prevention control room.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from itda.programs.hours import SEOUL, holiday_name


class State(StrEnum):
    RETRY = "RETRY"
    STAFF_CALL = "STAFF_CALL"
    VISIT = "VISIT"
    DOOR_OPENING = "DOOR_OPENING"
    TRACE = "TRACE"
    URGENT_CONTACT = "URGENT_CONTACT"
    CRISIS = "CRISIS"
    RESOLVED = "RESOLVED"


class Event(StrEnum):
    REACHED = "REACHED"
    NOT_REACHED = "NOT_REACHED"
    RISK = "RISK"
    SELF_HARM = "SELF_HARM"


class Reason(StrEnum):
    NO_ANSWER = "NO_ANSWER"
    NOT_REACHED = "NOT_REACHED"
    RISK = "RISK"
    SELF_HARM = "SELF_HARM"


AUTOMATIC_STATES = frozenset({State.RETRY})
HUMAN_STATES = frozenset({State.STAFF_CALL, State.VISIT, State.DOOR_OPENING, State.TRACE, State.URGENT_CONTACT, State.CRISIS})
NO_ANSWER_STATES = frozenset({State.RETRY, State.STAFF_CALL, State.VISIT, State.DOOR_OPENING, State.TRACE})
OPEN_STATES = AUTOMATIC_STATES | HUMAN_STATES

_FIRST_STEP = {
    Reason.NO_ANSWER: State.RETRY,
    Reason.NOT_REACHED: State.STAFF_CALL,
    Reason.RISK: State.URGENT_CONTACT,
    Reason.SELF_HARM: State.CRISIS,
}

# The table of the module docstring. RETRY and STAFF_CALL repeat up to the policy's count.
_ON_STEP_OUTCOME: dict[Event, dict[State, State]] = {
    Event.NOT_REACHED: {
        State.RETRY: State.RETRY,
        State.STAFF_CALL: State.STAFF_CALL,
        State.VISIT: State.DOOR_OPENING,
        State.DOOR_OPENING: State.TRACE,
        State.TRACE: State.TRACE,
        State.URGENT_CONTACT: State.VISIT,
        State.CRISIS: State.DOOR_OPENING,
    },
    Event.REACHED: {state: State.RESOLVED for state in OPEN_STATES},
    Event.RISK: {
        **{state: State.URGENT_CONTACT for state in NO_ANSWER_STATES},
        State.URGENT_CONTACT: State.RESOLVED,
        State.CRISIS: State.RESOLVED,
    },
    Event.SELF_HARM: {**{state: State.CRISIS for state in OPEN_STATES - {State.CRISIS}}, State.CRISIS: State.RESOLVED},
}

_ON_OUTSIDE_EVENT: dict[Event, dict[State, State]] = {
    Event.REACHED: {state: State.RESOLVED for state in NO_ANSWER_STATES},
    Event.NOT_REACHED: {},
    Event.RISK: {state: State.URGENT_CONTACT for state in NO_ANSWER_STATES},
    Event.SELF_HARM: {state: State.CRISIS for state in OPEN_STATES - {State.CRISIS}},
}

_AFTER_REPEATS = {State.RETRY: State.STAFF_CALL, State.STAFF_CALL: State.VISIT}


@dataclass(frozen=True)
class Route:
    day: tuple[str, ...]
    night: tuple[str, ...]


# A staff call nobody made within the hour, a visit or a door opening not done by its own deadline (24 h, 2 h),
# a trace not renewed by its 72 h, a counsellor or crisis worker not there within the hour.
DEFAULT_STALLED_STEP_GRACE_MINUTES = {
    "STAFF_CALL": 60,
    "VISIT": 0,
    "DOOR_OPENING": 0,
    "TRACE": 0,
    "URGENT_CONTACT": 60,
    "CRISIS": 60,
}


@dataclass(frozen=True)
class Policy:
    """The numbers of the ladder for one district. Durations in minutes or hours as named."""

    retry_count: int = 2
    retry_interval_minutes: int = 30
    staff_call_count: int = 2
    staff_call_interval_minutes: int = 10
    visit_within_hours: int = 24
    door_opening_within_hours: int = 2
    trace_interval_hours: int = 72
    lapsed_after_weeks: int = 3
    day_starts_at: time = time(9, 0)
    day_ends_at: time = time(18, 0)
    voice_answer_window_minutes: int = 10
    sms_answer_window_minutes: int = 180
    sms_link_valid_hours: int = 48
    overdue_alert_after_hours: int = 48
    answer_retention_days: int = 365
    channel_ladder: tuple[str, ...] = ("VOICE", "SMS_LINK", "MESSENGER_LINK", "VOLUNTEER_CALL")
    default_call_weekday: int = 1
    default_call_time: time = time(10, 0)
    routes: dict[str, Route] = field(default_factory=dict)
    # Minutes past a human step's task deadline before the sweep raises it (a state left out is never raised;
    # a district's override sets a state to null to leave it out).
    stalled_step_grace_minutes: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_STALLED_STEP_GRACE_MINUTES))

    @classmethod
    def from_mapping(cls, mapping: dict) -> Policy:
        """Build a policy from JSON-like data. Raises PolicyInvalid naming the first bad key (Korean first)."""
        known = {item.name for item in fields(cls)}
        values: dict = {}
        for key, raw in mapping.items():
            if key not in known:
                raise PolicyInvalid(f"알 수 없는 설정입니다: {key} (unknown policy key: {key})")
            values[key] = _read_value(key, raw)
        policy = cls(**values)
        if policy.day_starts_at >= policy.day_ends_at:
            raise PolicyInvalid("낮 근무 시작은 끝보다 빨라야 합니다 (the day must start before it ends)")
        return policy

    def merged(self, overrides: dict) -> Policy:
        current = {item.name: getattr(self, item.name) for item in fields(self)}
        current["routes"] = {
            purpose: {"day": list(route.day), "night": list(route.night)} for purpose, route in self.routes.items()
        }
        current["day_starts_at"] = self.day_starts_at.strftime("%H:%M")
        current["day_ends_at"] = self.day_ends_at.strftime("%H:%M")
        current["default_call_time"] = self.default_call_time.strftime("%H:%M")
        current["channel_ladder"] = list(self.channel_ladder)
        grace = overrides.get("stalled_step_grace_minutes")
        overrides = dict(overrides)
        if isinstance(grace, dict):  # a district changes the states it names, keeps the others, drops those set to null
            merged = {**self.stalled_step_grace_minutes, **grace}
            overrides["stalled_step_grace_minutes"] = {state: value for state, value in merged.items() if value is not None}
        current.update(overrides)
        return Policy.from_mapping(current)


class PolicyInvalid(ValueError):
    """A policy value that cannot be used; the message says which (Korean first)."""


_MINIMUMS = {
    "retry_count": 0,
    "staff_call_count": 0,
    "retry_interval_minutes": 1,
    "staff_call_interval_minutes": 1,
    "visit_within_hours": 1,
    "door_opening_within_hours": 1,
    "trace_interval_hours": 1,
    "lapsed_after_weeks": 1,
    "voice_answer_window_minutes": 1,
    "sms_answer_window_minutes": 1,
    "sms_link_valid_hours": 1,
    "overdue_alert_after_hours": 1,
    "answer_retention_days": 30,
    "default_call_weekday": 0,
}
_MAXIMUMS = {"retry_count": 5, "staff_call_count": 5, "default_call_weekday": 6, "visit_within_hours": 72}


def _read_value(key: str, raw):
    if key in ("day_starts_at", "day_ends_at", "default_call_time"):
        try:
            return time.fromisoformat(raw) if isinstance(raw, str) else raw
        except ValueError:
            raise PolicyInvalid(f"{key}: 시각은 HH:MM 으로 적으세요 ({key} must be HH:MM)") from None
    if key == "routes":
        try:
            return {purpose: Route(tuple(spec["day"]), tuple(spec["night"])) for purpose, spec in raw.items()}
        except (KeyError, TypeError, AttributeError):
            raise PolicyInvalid(
                "routes: 목적마다 day 와 night 팀 종류 목록이 필요합니다 (each route needs day and night lists)"
            ) from None
    if key == "stalled_step_grace_minutes":
        if not isinstance(raw, dict) or not set(raw) <= {str(state) for state in HUMAN_STATES}:
            raise PolicyInvalid(
                "stalled_step_grace_minutes: 사람이 맡는 단계마다 분을 적으세요 "
                "(stalled_step_grace_minutes: minutes for each human step)"
            )
        for minutes in raw.values():
            if not isinstance(minutes, int) or isinstance(minutes, bool) or not 0 <= minutes <= 7 * 24 * 60:
                raise PolicyInvalid(
                    "stalled_step_grace_minutes: 0–10080 분으로 적으세요 (stalled_step_grace_minutes must be 0–10080 minutes)"
                )
        return dict(raw)
    if key == "channel_ladder":
        channels = tuple(raw)
        if not channels or not set(channels) <= {"VOICE", "SMS_LINK", "MESSENGER_LINK", "VOLUNTEER_CALL"}:
            raise PolicyInvalid(
                "channel_ladder: VOICE, SMS_LINK, MESSENGER_LINK, VOLUNTEER_CALL 중에서 고르세요 "
                "(choose from VOICE, SMS_LINK, MESSENGER_LINK, VOLUNTEER_CALL)"
            )
        if len(set(channels)) != len(channels):
            raise PolicyInvalid("channel_ladder: 같은 수단을 두 번 넣을 수 없습니다 (a channel can appear only once)")
        return channels
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise PolicyInvalid(f"{key}: 정수로 적으세요 ({key} must be a whole number)")
    if raw < _MINIMUMS.get(key, 0) or raw > _MAXIMUMS.get(key, 10_000):
        raise PolicyInvalid(f"{key}: 허용 범위를 벗어났습니다 ({key} is out of range)")
    return raw


def default_policy_path() -> Path:
    from django.conf import settings  # the data folder is a setting; read it only when the policy is needed

    return Path(settings.ITDA_DATA_DIR) / "checkins" / "escalation_policy.json"


@lru_cache(maxsize=1)
def _policy_file() -> dict:
    return json.loads(default_policy_path().read_text(encoding="utf-8"))


def default_policy(district_code: str | None = None) -> Policy:
    """The data file's default, with the file's own changes for ``district_code`` if it lists any."""
    data = _policy_file()
    policy = Policy.from_mapping(data["default"])
    overrides = data.get("districts", {}).get(district_code or "", {})
    return policy.merged({key: value for key, value in overrides.items() if key != "note"}) if overrides else policy


# --- moves -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    state: State
    number: int

    @property
    def key(self) -> str:
        return f"{self.state}:{self.number}"


def _skip_empty(state: State, policy: Policy) -> State:
    """A district may set zero retries or zero staff calls: those steps are then passed over."""
    while state in _AFTER_REPEATS and _repeat_limit(state, policy) == 0:
        state = _AFTER_REPEATS[state]
    return state


def _repeat_limit(state: State, policy: Policy) -> int:
    return policy.retry_count if state == State.RETRY else policy.staff_call_count


def _numbered(target: State, fired_keys: frozenset[str] | set[str]) -> Step:
    number = 1 + sum(1 for key in fired_keys if key.split(":")[0] == target)
    return Step(target, number)


def first_step(reason: str, policy: Policy) -> Step:
    return Step(_skip_empty(_FIRST_STEP[Reason(reason)], policy), 1)


def after_step_outcome(current: Step, event: str, policy: Policy, fired_keys: frozenset[str] | set[str]) -> Step:
    """The step that follows when the current step ends with ``event``. Never a closed step on NOT_REACHED."""
    target = _ON_STEP_OUTCOME[Event(event)][current.state]
    if target == State.RESOLVED:
        return Step(State.RESOLVED, 0)
    if target == current.state and target in _AFTER_REPEATS and current.number >= _repeat_limit(target, policy):
        target = _skip_empty(_AFTER_REPEATS[target], policy)
    return _numbered(target, fired_keys)


def after_outside_event(current: Step, event: str, fired_keys: frozenset[str] | set[str]) -> Step | None:
    """The step an event from outside the current step leads to, or None when it changes nothing."""
    target = _ON_OUTSIDE_EVENT[Event(event)].get(current.state)
    if target is None:
        return None
    if target == State.RESOLVED:
        return Step(State.RESOLVED, 0)
    return _numbered(target, fired_keys)


def event_for(*, answered: bool, signals: set[str] | frozenset[str] | list[str]) -> Event:
    """What an answer means for the ladder: self-harm above any other signal, any signal is a risk."""
    if not answered:
        return Event.NOT_REACHED
    if "SELF_HARM" in signals:
        return Event.SELF_HARM
    if signals:
        return Event.RISK
    return Event.REACHED


# --- timing and routing ------------------------------------------------------------------------


def step_due_at(step: Step, now: datetime, policy: Policy) -> datetime:
    """When the step is due: an automatic retry waits, a first staff call or a counsellor is now."""
    if step.state == State.RETRY:
        return now + timedelta(minutes=policy.retry_interval_minutes)
    if step.state == State.STAFF_CALL:
        return now if step.number == 1 else now + timedelta(minutes=policy.staff_call_interval_minutes)
    if step.state == State.VISIT:
        return now + timedelta(hours=policy.visit_within_hours)
    if step.state == State.DOOR_OPENING:
        return now + timedelta(hours=policy.door_opening_within_hours)
    if step.state == State.TRACE:
        return now + timedelta(hours=policy.trace_interval_hours)
    return now


def is_daytime(at: datetime, policy: Policy) -> bool:
    """Weekday working hours in Seoul, not on a Korean public holiday (Chuseok, substitute holidays included)."""
    local = at.astimezone(SEOUL)
    if local.weekday() >= 5 or holiday_name(local.date()) is not None:
        return False
    return policy.day_starts_at <= local.time() < policy.day_ends_at


@dataclass(frozen=True)
class TaskSpec:
    kind: str  # a cases.CareTask.Kind value
    priority: int  # a cases.CareTask.Priority value
    purpose: str  # a key of Policy.routes
    title: str


# Titles are stored on the task, so they carry both languages; no person's name goes into them.
TASK_SPECS = {
    State.STAFF_CALL: TaskSpec(
        "FOLLOW_UP_CALL", 3, "FIELD", "안부확인 무응답: 전화 확인 (No answer to the check-in: call the person)"
    ),
    State.VISIT: TaskSpec("VISIT", 3, "FIELD", "안부확인 무응답: 가정 방문 (No answer to the check-in: visit at home)"),
    State.DOOR_OPENING: TaskSpec(
        "DOOR_OPENING",
        1,
        "FIELD",
        "방문에도 응답 없음: 경찰·소방과 문 개방 (No answer at the door: open it with police or fire service)",
    ),
    State.TRACE: TaskSpec(
        "REVIEW", 3, "FIELD", "행방 확인: 가족·병원·이웃에 연락 (Find where the person is: family, hospital, neighbours)"
    ),
    State.URGENT_CONTACT: TaskSpec(
        "URGENT_CONTACT", 2, "COUNSELLING", "안부확인 위험 발언: 지금 상담 전화 (Risk in the check-in: counsellor call now)"
    ),
    State.CRISIS: TaskSpec(
        "CRISIS_RESPONSE", 1, "COUNSELLING", "안부확인 자해 위험: 위기 대응 (Self-harm risk in the check-in: crisis response)"
    ),
}


# --- a human step nobody worked ----------------------------------------------------------------


def stalled_after(state: str, policy: Policy) -> timedelta | None:
    """How long past its task's deadline a human step may stay unworked before it is raised; None: never raised."""
    minutes = policy.stalled_step_grace_minutes.get(str(state))
    return None if minutes is None else timedelta(minutes=minutes)


# The alert a stalled step raises: an urgent task for the team on duty now. It never calls police or fire
# itself: for a door opening the alert asks a person to decide and act.
STALL_ALERT_TITLES = {
    State.STAFF_CALL: "안부확인 전화가 처리되지 않음: 지금 확인 (Ladder staff call not made: act now)",
    State.VISIT: "안부확인 방문이 기한을 넘김: 지금 확인 (Ladder visit past its deadline: act now)",
    State.DOOR_OPENING: (
        "문 개방 단계가 처리되지 않음: 담당자가 경찰·소방 요청 판단 "
        "(Door opening not done: a person decides on police or fire service now)"
    ),
    State.TRACE: "행방 확인이 기한을 넘김: 지금 확인 (Finding the person is past its deadline: act now)",
    State.URGENT_CONTACT: "위험 발언 상담 전화가 처리되지 않음: 지금 확인 (Counsellor call not made: act now)",
    State.CRISIS: "위기 대응이 처리되지 않음: 지금 확인 (Crisis response not taken up: act now)",
}
