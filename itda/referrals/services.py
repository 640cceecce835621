"""Sending referrals, moving them through the machine, the overdue sweep, and the 120 line's follow-ups.

Every write runs in one transaction with its audit entry. The exceptions::

    ReferralRefused                 .message, Korean first
    ├── ReferralInvalid             bad input: same team, unknown risk or programme, empty reason, a chain that does not fit
    ├── TransitionNotAllowed        the step is not an edge of the machine (models.TRANSITIONS)
    ├── NotYourMove                 the actor's team is not the side that takes this step
    ├── DetailsNeeded               declining needs a reason, closing an outcome, "unreachable" the steps tried,
    │                               closing as "could not contact" two different ways of reaching the person tried
    └── ReferralChanged             someone else moved the referral first; reload and look again

Deadlines are a policy kept as data (``DEADLINE_POLICY``): how long a referral may
wait in each open status before its hop is overdue, by risk. A deployment can
override any entry with the ``REFERRAL_DEADLINE_HOURS`` setting (same shape, in
hours), read when a deadline is computed, never at import.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import translation

from itda.accounts.models import Team
from itda.audit.models import AuditEntry
from itda.audit.services import record_access
from itda.cases.models import CareTask
from itda.cases.services import NextStep, TaskError, complete_task, open_task
from itda.lib.privacy import contains_resident_registration_number
from itda.people.models import Consent, Person
from itda.people.permissions import get_people_for_worker
from itda.programs.models import Program
from itda.referrals.models import (
    CLOSING_OUTCOMES,
    DECLINE_REASONS,
    FINISHED_STATUSES,
    OPEN_STATUSES,
    STATUS_TIMESTAMPS,
    TRANSITIONS,
    Milestone,
    Referral,
    ReferralEvent,
    ServiceLink,
)
from itda.referrals.permissions import can_send_referrals, sides_for

Status = Referral.Status
Risk = Referral.Risk
Step = Referral.Step

_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)
_UNTIL_NEXT_STEP = {Risk.CRISIS: 24 * _HOUR, Risk.HIGH: 72 * _HOUR, Risk.MEDIUM: 7 * _DAY, Risk.LOW: 14 * _DAY}

# How long a referral may wait in each open status before the hop is overdue.
# SENT/RECEIVED: the receiving team takes it on or declines; ACCEPTED: they reach the
# person; UNREACHABLE: the next attempt; CONTACTED: the service starts; SERVICE_STARTED:
# the outcome is recorded.
DEADLINE_POLICY: dict[str, dict[str, timedelta]] = {
    Status.SENT: _UNTIL_NEXT_STEP,
    Status.RECEIVED: _UNTIL_NEXT_STEP,
    Status.ACCEPTED: _UNTIL_NEXT_STEP,
    Status.UNREACHABLE: _UNTIL_NEXT_STEP,
    Status.CONTACTED: _UNTIL_NEXT_STEP,
    Status.SERVICE_STARTED: {Risk.CRISIS: 14 * _DAY, Risk.HIGH: 30 * _DAY, Risk.MEDIUM: 60 * _DAY, Risk.LOW: 90 * _DAY},
}

# The next way of reaching a person nobody could reach: the first step of the ladder not yet
# tried; once every step was tried, the last resort. Higher risk goes to the door sooner.
_LADDERS: dict[str, tuple[tuple[str, ...], str]] = {
    Risk.CRISIS: ((Step.PHONE, Step.VISIT, Step.FAMILY_OR_NEIGHBOUR), "DOOR_OPENING"),
    Risk.HIGH: ((Step.PHONE, Step.SMS, Step.VISIT, Step.FAMILY_OR_NEIGHBOUR), "VISIT_AGAIN"),
    Risk.MEDIUM: ((Step.PHONE, Step.SMS, Step.MESSENGER, Step.FAMILY_OR_NEIGHBOUR, Step.VISIT), "VISIT_AGAIN"),
    Risk.LOW: ((Step.PHONE, Step.SMS, Step.MESSENGER, Step.FAMILY_OR_NEIGHBOUR, Step.VISIT), "VISIT_AGAIN"),
}
# Task kind and (stored, Korean) title for each next step.
_NEXT_STEP_TASKS: dict[str, tuple[str, str]] = {
    Step.PHONE: (CareTask.Kind.FOLLOW_UP_CALL, "다른 시간대에 다시 전화하기"),
    Step.SMS: (CareTask.Kind.URGENT_CONTACT, "문자를 보내고 다시 연락하기"),
    Step.MESSENGER: (CareTask.Kind.URGENT_CONTACT, "메신저로 연락하기"),
    Step.FAMILY_OR_NEIGHBOUR: (CareTask.Kind.URGENT_CONTACT, "가족·이웃을 통해 안부 확인하기"),
    Step.VISIT: (CareTask.Kind.VISIT, "집으로 찾아가기"),
    "VISIT_AGAIN": (CareTask.Kind.VISIT, "동 주민센터와 함께 다시 찾아가기"),
    "DOOR_OPENING": (CareTask.Kind.DOOR_OPENING, "경찰·소방과 함께 안전 확인하기 (필요하면 문 개방)"),
}

_TASK_PRIORITY = {
    Risk.CRISIS: CareTask.Priority.CRISIS,
    Risk.HIGH: CareTask.Priority.URGENT,
    Risk.MEDIUM: CareTask.Priority.HIGH,
    Risk.LOW: CareTask.Priority.NORMAL,
}
# How soon an overdue alert itself is due.
_OVERDUE_TASK_DUE = {Risk.CRISIS: _HOUR, Risk.HIGH: 4 * _HOUR, Risk.MEDIUM: _DAY, Risk.LOW: 3 * _DAY}


class ReferralRefused(Exception):
    """A referral change that cannot be made; ``message`` says why, Korean first."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ReferralInvalid(ReferralRefused):
    """The referral as given cannot be sent."""


class TransitionNotAllowed(ReferralRefused):
    """The step is not an edge of the state machine."""


class NotYourMove(ReferralRefused):
    """The step belongs to the other side (or to nobody this user works for)."""


class DetailsNeeded(ReferralRefused):
    """The step needs a reason, an outcome or the steps tried."""


class ReferralChanged(ReferralRefused):
    """Someone else moved the referral between reading and writing it."""


def deadline_policy() -> dict[str, dict[str, timedelta]]:
    """The deadline policy in force: ``DEADLINE_POLICY`` with any ``REFERRAL_DEADLINE_HOURS`` overrides."""
    overrides = getattr(settings, "REFERRAL_DEADLINE_HOURS", None) or {}
    policy = {status: dict(by_risk) for status, by_risk in DEADLINE_POLICY.items()}
    for status, by_risk in overrides.items():
        for risk, hours in by_risk.items():
            policy.setdefault(status, {})[risk] = timedelta(hours=hours)
    return policy


def deadline_for(*, status: str, risk: str, start_at: datetime) -> datetime | None:
    """When a hop that starts at ``start_at`` in ``status`` is due; None for finished statuses."""
    if status in FINISHED_STATUSES:
        return None
    return start_at + deadline_policy()[status][risk]


def next_step_for(*, risk: str, steps_tried: list[str]) -> str:
    """The next way of reaching the person (a ``Referral.Step`` or a last resort), given the steps tried."""
    ladder, last_resort = _LADDERS[risk]
    for step in ladder:
        if step not in steps_tried:
            return step
    return last_resort


def _check_text(text: str, what: str) -> None:
    if contains_resident_registration_number(text):
        raise ReferralInvalid(f"{what}에 주민등록번호를 적지 마세요 (resident registration numbers are never stored)")


def _is_member(actor, team: Team) -> bool:
    return bool(getattr(actor, "is_authenticated", False)) and actor.team_id == team.pk


def send_referral(
    *,
    actor,
    person: Person,
    from_team: Team,
    to_team: Team,
    reason: str,
    risk: str,
    now: datetime,
    program_slug: str = "",
    parent: Referral | None = None,
    source_type: str = "",
    source_id: str | int = "",
) -> Referral:
    """Send a person to another team; the first hop's deadline comes from the policy.

    The actor works on ``from_team`` (or is an administrator) and may see the person,
    either under the person-record rules or as the receiving side of ``parent``.
    A ``parent`` makes this the next link of a chain: it must be a referral of the
    same person that ``from_team`` received. With a ``source_type`` the call is
    idempotent per source and receiving team: a second call returns the first
    referral. Raises ReferralInvalid or NotYourMove.
    """
    if not can_send_referrals(actor):
        raise NotYourMove("의뢰를 보낼 수 없는 계정입니다 (this account cannot send referrals)")
    if not (actor.is_administrator or _is_member(actor, from_team)):
        raise NotYourMove("자기 팀 이름으로만 의뢰를 보낼 수 있습니다 (send referrals only for your own team)")
    receives_parent = parent is not None and Referral.Side.RECEIVER in sides_for(actor, parent)
    if not (receives_parent or get_people_for_worker(actor).filter(pk=person.pk).exists()):
        raise NotYourMove("볼 수 없는 사람입니다 (this person is outside your scope)")
    if risk not in Risk.values:
        raise ReferralInvalid("위험도를 골라 주세요: 위기, 높음, 중간, 낮음 (choose a risk: crisis, high, medium, low)")
    if from_team.pk == to_team.pk:
        raise ReferralInvalid("다른 팀으로만 의뢰할 수 있습니다 (refer to another team)")
    reason = (reason or "").strip()
    if not reason:
        raise ReferralInvalid("의뢰 사유를 적어 주세요 (write the reason for the referral)")
    _check_text(reason, "의뢰 사유")
    program = None
    if program_slug:
        program = Program.objects.filter(slug=program_slug).first()
        if program is None:
            raise ReferralInvalid("목록에 없는 사업입니다 (no such programme in the directory)")
    chain_position = 1
    if parent is not None:
        if parent.person_id != person.pk or parent.to_team_id != from_team.pk:
            raise ReferralInvalid(
                "이어 보내는 의뢰는 같은 사람, 받은 팀에서 시작해야 합니다 (a chain continues from the team that received it)"
            )
        if parent.status in (Status.DECLINED, Status.CANCELLED):
            raise ReferralInvalid(
                "거절되거나 취소된 의뢰에서는 이어 보낼 수 없습니다 (a declined or cancelled referral ends its chain)"
            )
        chain_position = parent.chain_position + 1
    if source_type:
        existing = Referral.objects.filter(source_type=source_type, source_id=str(source_id), to_team=to_team).first()
        if existing is not None:
            return existing
    has_consent = Consent.objects.filter(
        person=person, purpose=Consent.Purpose.SHARE_WITH_SERVICES, withdrawn_at__isnull=True
    ).exists()
    with transaction.atomic():
        referral = Referral.objects.create(
            person=person,
            from_team=from_team,
            to_team=to_team,
            sent_by=actor,
            program=program,
            reason=reason,
            risk=risk,
            status=Status.SENT,
            parent=parent,
            chain_position=chain_position,
            hop=1,
            due_at=deadline_for(status=Status.SENT, risk=risk, start_at=now),
            has_consent_to_share=has_consent,
            sent_at=now,
            source_type=source_type,
            source_id=str(source_id),
        )
        ReferralEvent.objects.create(referral=referral, from_status="", to_status=Status.SENT, hop=1, actor=actor, at=now)
        record_access(
            actor=actor,
            action="CREATE",
            target=referral,
            person_id=person.pk,
            fields=["status", "reason", "risk", "to_team"],
            at=now,
        )
    return referral


# Closing as "could not contact" needs this many different ways of reaching the person recorded
# as tried (through UNREACHABLE steps), e.g. a phone call and a home visit.
COULD_NOT_CONTACT_MIN_STEPS = 2


def _required_details(*, to_status: str, note: str, outcome: str, steps_tried: list[str], recorded_steps: list[str]) -> None:
    if to_status == Status.DECLINED and outcome not in DECLINE_REASONS:
        raise DetailsNeeded("거절 사유를 골라 주세요 (choose why the referral is declined)")
    if to_status == Status.CLOSED and outcome not in CLOSING_OUTCOMES:
        raise DetailsNeeded("결과를 골라야 종결할 수 있습니다 (choose an outcome to close the referral)")
    if to_status == Status.CLOSED and outcome == Referral.Outcome.COULD_NOT_CONTACT:
        tried = list(dict.fromkeys(step for step in recorded_steps if step in Step.values))
        if len(tried) < COULD_NOT_CONTACT_MIN_STEPS:
            with translation.override("ko"):
                so_far_ko = ", ".join(str(Step(step).label) for step in tried) or "없음"
            so_far_en = ", ".join(tried) or "none"
            raise DetailsNeeded(
                "'연락 불가'로 종결하려면 서로 다른 연락 방법(예: 전화와 방문)을 두 가지 이상 시도하고 "
                f"'연락 안 됨'으로 기록해야 합니다. 지금까지 시도: {so_far_ko} "
                "(closing as could-not-contact needs at least two different ways of reaching the person, "
                f"e.g. a phone call and a home visit, recorded as unreachable first; tried so far: {so_far_en})"
            )
    if to_status == Status.UNREACHABLE:
        if not steps_tried:
            raise DetailsNeeded("시도한 연락 방법을 하나 이상 골라 주세요 (choose the steps tried)")
        unknown = [step for step in steps_tried if step not in Step.values]
        if unknown:
            raise DetailsNeeded("알 수 없는 연락 방법입니다 (unknown step tried)")
    if to_status == Status.CANCELLED and not note.strip():
        raise DetailsNeeded("취소하는 이유를 적어 주세요 (write why the referral is cancelled)")


def transition(
    *,
    actor,
    referral: Referral,
    to_status: str,
    now: datetime,
    note: str = "",
    outcome: str = "",
    steps_tried: list[str] | None = None,
    milestone: str = "",
) -> Referral:
    """Move a referral along one edge of the machine, as the side that owns that edge.

    ``milestone`` (a ``models.Milestone``) types the step's event; see ``record_milestone``.

    Moving into an open status starts the next hop with a fresh deadline; moving
    into a finished one clears the deadline. UNREACHABLE keeps the referral open,
    adds the steps tried and opens the next step as a care task for the receiving
    team (once per hop). Closing as COULD_NOT_CONTACT needs two different steps already
    recorded as tried. Moving into a finished status (closed, declined, cancelled) marks
    the referral's open care tasks (next steps, overdue alerts) done, through cases.services.
    Two workers moving the same referral at once: one wins, the other gets ReferralChanged.
    Raises TransitionNotAllowed, NotYourMove, DetailsNeeded or ReferralChanged; nothing is
    written when it raises.
    """
    steps = list(dict.fromkeys(steps_tried or []))
    current = Referral.objects.select_related("person", "to_team", "from_team").get(pk=referral.pk)
    if to_status not in TRANSITIONS.get(current.status, {}):
        raise TransitionNotAllowed(
            f"{current.status}에서 {to_status}(으)로는 옮길 수 없습니다 (this step is not allowed from {current.status})"
        )
    side = TRANSITIONS[current.status][to_status]
    if side not in sides_for(actor, current):
        raise NotYourMove("이 단계는 상대 팀이 처리합니다 (the other team takes this step)")
    _required_details(
        to_status=to_status, note=note, outcome=outcome, steps_tried=steps, recorded_steps=list(current.steps_tried)
    )
    _check_text(note, "메모")
    is_finished = to_status in FINISHED_STATUSES
    hop = current.hop if is_finished else current.hop + 1
    changes: dict = {
        "status": to_status,
        STATUS_TIMESTAMPS[to_status]: now,
        "hop": hop,
        "due_at": deadline_for(status=to_status, risk=current.risk, start_at=now),
    }
    if side == Referral.Side.RECEIVER and getattr(actor, "pk", None):
        changes["handled_by"] = actor
    if to_status in (Status.DECLINED, Status.CLOSED):
        changes["outcome"] = outcome
        changes["outcome_note"] = note.strip()
    if to_status == Status.UNREACHABLE:
        changes["steps_tried"] = list(dict.fromkeys([*current.steps_tried, *steps]))
    with transaction.atomic():
        # The status and hop read above must still hold: a conditional update, so two workers never both move it.
        moved = Referral.objects.filter(pk=current.pk, status=current.status, hop=current.hop).update(**changes)
        if not moved:
            raise ReferralChanged("다른 사람이 먼저 이 의뢰를 옮겼습니다. 새로 고쳐 보세요 (someone else moved it first; reload)")
        event_note = note.strip()
        if to_status == Status.UNREACHABLE:
            event_note = (event_note + " · " if event_note else "") + ", ".join(steps)
        ReferralEvent.objects.create(
            referral=current,
            from_status=current.status,
            to_status=to_status,
            hop=hop,
            actor=actor,
            at=now,
            note=event_note,
            milestone=milestone,
        )
        record_access(actor=actor, action="UPDATE", target=current, person_id=current.person_id, fields=sorted(changes), at=now)
        if to_status == Status.UNREACHABLE:
            _open_next_step(
                actor=actor, referral=current, hop=hop, steps_tried=changes["steps_tried"], due_at=changes["due_at"], now=now
            )
        if is_finished:
            _finish_open_tasks(actor=actor, referral=current, to_status=to_status, outcome=outcome, now=now)
    current.refresh_from_db()
    return current


def open_tasks_of(referral: Referral):
    """The referral's care tasks still open: next steps after "unreachable" and overdue alerts, on either team."""
    return CareTask.objects.filter(
        source_type="referrals.referral",
        source_id=str(referral.pk),
        status__in=[CareTask.Status.OPEN, CareTask.Status.IN_PROGRESS],
    ).select_related("person")


def _finish_open_tasks(*, actor, referral: Referral, to_status: str, outcome: str, now: datetime) -> list[CareTask]:
    """Mark the referral's open tasks done, through cases.services (each audited there), when it finishes.

    A closed, declined or cancelled referral needs no more next steps or overdue chasing;
    the task's outcome says why it ended. A task someone else finished meanwhile is left as it is.
    """
    reason = outcome or to_status
    text = f"의뢰 #{referral.pk} 종료({to_status}: {reason})로 함께 마감 (closed with referral #{referral.pk}: {reason})"
    finished = []
    for task in open_tasks_of(referral).order_by("pk"):
        try:
            done, _next = complete_task(actor=actor, task=task, outcome=text, now=now)
        except TaskError:
            continue
        finished.append(done)
    return finished


def _open_next_step(*, actor, referral: Referral, hop: int, steps_tried: list[str], due_at: datetime, now: datetime) -> CareTask:
    step = next_step_for(risk=referral.risk, steps_tried=steps_tried)
    kind, title = _NEXT_STEP_TASKS[step]
    assignee = actor if _is_member(actor, referral.to_team) else None
    next_step = NextStep(
        kind=kind,
        title=f"{title} (의뢰 #{referral.pk})",
        due_at=due_at,
        team=referral.to_team,
        assignee=assignee,
        priority=_TASK_PRIORITY[referral.risk],
    )
    task, _created = open_task(
        actor=actor,
        team=next_step.team,
        kind=next_step.kind,
        title=next_step.title,
        due_at=next_step.due_at,
        now=now,
        person=referral.person,
        assignee=next_step.assignee,
        priority=next_step.priority,
        detail="연락이 닿지 않음. 시도한 방법: " + ", ".join(steps_tried),
        source_type="referrals.referral",
        source_id=referral.pk,
        dedupe_key=f"referral:{referral.pk}:hop:{hop}:next-step",
    )
    return task


@dataclass(frozen=True)
class SweepResult:
    referrals_alerted: int
    tasks_opened: int


def sweep_overdue_referrals(*, now: datetime) -> SweepResult:
    """Alert both teams, once, for every open referral whose current hop is past its deadline.

    Set-based, in one transaction, whatever the number of referrals:

    1. one conditional UPDATE claims every overdue hop not yet alerted
       (``overdue_alerted_hop < hop``) and stamps it with this sweep's token, so a
       second sweeper, concurrent or later, finds nothing left to claim for that hop
       (on PostgreSQL it waits for the first one's row locks, then re-checks);
    2. one INSERT … SELECT per side opens a REFERRAL_OVERDUE care task for the
       receiving team of every claimed referral (``referral:<id>:hop:<n>:overdue:to``)
       and one for the sending team (``…:overdue:from``), both in the team's queue;
       the unique dedupe key makes a second task for the same hop impossible;
    3. one INSERT … SELECT writes an audit entry per claimed referral.

    Safe to run twice and from two processes. Returns how many referrals were alerted
    and how many tasks were opened.
    """
    claim = uuid.uuid4().hex
    with transaction.atomic():
        claimed = Referral.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now, overdue_alerted_hop__lt=F("hop")).update(
            overdue_alerted_hop=F("hop"), overdue_claim=claim
        )
        if not claimed:
            return SweepResult(referrals_alerted=0, tasks_opened=0)
        with connection.cursor() as cursor:
            opened = 0
            for side in ("to", "from"):
                cursor.execute(*_overdue_tasks_sql(side=side, claim=claim, now=now))
                opened += cursor.rowcount
            cursor.execute(*_overdue_audit_sql(claim=claim, now=now))
    return SweepResult(referrals_alerted=claimed, tasks_opened=opened)


# cases.services.open_task opens one task per call (three queries each, with its audit entry):
# 100,000 overdue referrals would take minutes. The sweep writes the same rows with one
# INSERT … SELECT per side instead, straight from the claimed referrals (a bulk variant of
# open_task belongs in cases.services; asked for in the report of issue 3). Table and column
# names come from the models, so a renamed field cannot silently break it. The tasks go to
# the team, unassigned: an overdue referral is exactly the case where one person may be away.
_OVERDUE_TITLES = {
    "to": ("받은 의뢰 #", " 기한 지남 — 처리해 주세요"),
    "from": ("보낸 의뢰 #", " 기한 지남 — 받은 팀에 확인해 주세요"),
}


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _referral_column(name: str) -> str:
    return "r." + _quote(Referral._meta.get_field(name).column)


def _as_text(expression: str) -> str:
    return f"CAST({expression} AS TEXT)"


def _when(value: datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _by_risk(values: dict) -> tuple[str, list]:
    """A CASE over the referral's risk, and its parameters."""
    params: list = []
    for risk, value in values.items():
        params.extend([risk, value])
    return f"CASE {_referral_column('risk')} " + "WHEN %s THEN %s " * len(values) + "END", params


def _insert_from_claimed(model, values: list[tuple[str, str, list]], *, claim: str, now: datetime, on_conflict: str = ""):
    """INSERT INTO the model's table one row per referral claimed by this sweep; ``values`` is (field, SQL, parameters)."""
    columns = ", ".join(_quote(model._meta.get_field(field).column) for field, _sql, _params in values)
    select = ", ".join(sql for _field, sql, _params in values)
    params = [param for _field, _sql, field_params in values for param in field_params]
    # Only quoted identifiers from the models are formatted in; every value is a parameter.
    sql = (
        f"INSERT INTO {_quote(model._meta.db_table)} ({columns}) SELECT {select} "  # noqa: S608
        f"FROM {_quote(Referral._meta.db_table)} r "
        f"WHERE {_referral_column('overdue_claim')} = %s AND {_referral_column('due_at')} < %s {on_conflict}"
    )
    return sql, [*params, claim, _when(now)]


def _overdue_tasks_sql(*, side: str, claim: str, now: datetime) -> tuple[str, list]:
    prefix, suffix = _OVERDUE_TITLES[side]
    referral_id = _as_text(_referral_column("id"))
    hop = _as_text(_referral_column("overdue_alerted_hop"))
    priority = _by_risk({risk: int(priority) for risk, priority in _TASK_PRIORITY.items()})
    due_at = _by_risk({risk: _when(now + delay) for risk, delay in _OVERDUE_TASK_DUE.items()})
    values = [
        ("person", _referral_column("person"), []),
        ("team", _referral_column("to_team" if side == "to" else "from_team"), []),
        ("household_ref", "%s", [""]),
        ("kind", "%s", [CareTask.Kind.REFERRAL_OVERDUE]),
        ("priority", *priority),
        ("title", f"%s || {referral_id} || %s", [prefix, suffix]),
        ("detail", "%s", [""]),
        ("due_at", *due_at),
        ("status", "%s", [CareTask.Status.OPEN]),
        ("source_type", "%s", ["referrals.referral"]),
        ("source_id", referral_id, []),
        ("dedupe_key", f"%s || {referral_id} || %s || {hop} || %s", ["referral:", ":hop:", f":overdue:{side}"]),
        ("outcome", "%s", [""]),
        ("created_at", "%s", [_when(now)]),
    ]
    return _insert_from_claimed(CareTask, values, claim=claim, now=now, on_conflict="ON CONFLICT DO NOTHING")


def _overdue_audit_sql(*, claim: str, now: datetime) -> tuple[str, list]:
    json_value = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    values = [
        ("at", "%s", [_when(now)]),
        ("actor_role", "%s", [""]),
        ("action", "%s", [AuditEntry.Action.UPDATE]),
        ("target_type", "%s", ["referrals.referral"]),
        ("target_id", _as_text(_referral_column("id")), []),
        ("person_id", _referral_column("person"), []),
        ("listed_person_ids", json_value, ["[]"]),
        ("fields", json_value, ['["overdue_alerted_hop"]']),
        ("reason", f"%s || {_as_text(_referral_column('overdue_alerted_hop'))}", ["overdue alert for hop "]),
        ("path", "%s", [""]),
    ]
    return _insert_from_claimed(AuditEntry, values, claim=claim, now=now)


# --- The 120 line: services linked during a call, and the outbound follow-up call ------------------------------


def link_program(*, actor, contact, program_slug: str, now: datetime) -> ServiceLink:
    """Record that a programme was given to the caller during ``contact`` (signposting, no referral).

    Idempotent per contact and programme. Raises ReferralInvalid for an unknown programme
    and NotYourMove when the contact belongs to another team.
    """
    if not _is_member(actor, contact.team) and not getattr(actor, "is_administrator", False):
        raise NotYourMove("다른 팀의 상담 기록입니다 (this contact belongs to another team)")
    program = Program.objects.filter(slug=program_slug).first()
    if program is None:
        raise ReferralInvalid("목록에 없는 사업입니다 (no such programme in the directory)")
    with transaction.atomic():
        link, created = ServiceLink.objects.get_or_create(
            contact=contact, program=program, defaults={"linked_by": actor, "linked_at": now}
        )
        if created:
            record_access(actor=actor, action="CREATE", target=link, person_id=contact.person_id, fields=["program"], at=now)
    return link


def schedule_follow_up_call(*, actor, contact, due_at: datetime, now: datetime, note: str = "") -> CareTask:
    """Open an outbound FOLLOW_UP_CALL task for the counsellor, once per contact.

    Needs a known person (an anonymous caller has no number to call back) and a time
    in the future, within 90 days. Raises ReferralInvalid or NotYourMove.
    """
    if not _is_member(actor, contact.team) and not getattr(actor, "is_administrator", False):
        raise NotYourMove("다른 팀의 상담 기록입니다 (this contact belongs to another team)")
    if contact.person_id is None:
        raise ReferralInvalid(
            "익명 상담에는 다시 걸 번호가 없습니다. 먼저 사람을 연결해 주세요 (an anonymous caller cannot be called back)"
        )
    if not now < due_at <= now + timedelta(days=90):
        raise ReferralInvalid("다시 걸 시간은 지금부터 90일 안이어야 합니다 (the call-back time must be within the next 90 days)")
    _check_text(note, "메모")
    task, _created = open_task(
        actor=actor,
        team=contact.team,
        kind=CareTask.Kind.FOLLOW_UP_CALL,
        title="120 상담 후 다시 전화하기",
        detail=note.strip(),
        due_at=due_at,
        now=now,
        person=contact.person,
        assignee=actor if _is_member(actor, contact.team) else None,
        priority=CareTask.Priority.NORMAL,
        source_type="contacts.contactlog",
        source_id=contact.pk,
        dedupe_key=f"contact:{contact.pk}:follow-up",
    )
    return task


# --- The life-linking stethoscope: a clinic's screening result sent on, and the chain's typed steps ----------------

STETHOSCOPE_PROGRAM = "life-linking-stethoscope"
SCREENING_SOURCE = "screenings.screeningresult"

# The referral risk a triage level (screenings.triage.LEVELS) suggests. A worker may raise it;
# lowering it needs a written reason, and a crisis answer is never lowered.
RISK_BY_LEVEL: dict[str, str] = {
    "CRISIS": Risk.CRISIS,
    "URGENT": Risk.HIGH,
    "SUPPORT": Risk.MEDIUM,
    "WATCH": Risk.LOW,
    "NONE": Risk.LOW,
}
RISK_ORDER: tuple[str, ...] = (Risk.LOW, Risk.MEDIUM, Risk.HIGH, Risk.CRISIS)

# The typed step each receiving team records on a stethoscope referral, and the way there along the machine.
MILESTONE_TEAM_KINDS: dict[str, str] = {
    Milestone.COUNSELLED: Team.Kind.HEALTH_CENTRE,
    Milestone.REGISTERED_HIGH_RISK: Team.Kind.MENTAL_HEALTH_CENTRE,
}
_TOWARDS_SERVICE: dict[str, str] = {
    Status.SENT: Status.ACCEPTED,
    Status.RECEIVED: Status.ACCEPTED,
    Status.ACCEPTED: Status.CONTACTED,
    Status.UNREACHABLE: Status.CONTACTED,
    Status.CONTACTED: Status.SERVICE_STARTED,
}
_MILESTONE_NOTES = {
    Milestone.COUNSELLED: "보건소 심층상담 완료 (counselled at the public health centre)",
    Milestone.REGISTERED_HIGH_RISK: "자살 고위험군 등록 (registered as suicide high-risk)",
}


def risk_for_level(level: str) -> str:
    """The referral risk a triage level suggests (LOW for an unknown level)."""
    return RISK_BY_LEVEL.get(level, Risk.LOW)


def risk_rank(risk: str) -> int:
    return RISK_ORDER.index(risk)


def health_centre_for(person: Person) -> Team | None:
    """The public health centre of the person's district: the first link of the stethoscope chain goes there."""
    return Team.objects.filter(kind=Team.Kind.HEALTH_CENTRE, district_id=person.district_id).order_by("pk").first()


def _result_summary_ko(result) -> str:
    from itda.screenings.models import Level
    from itda.screenings.scoring import InstrumentDefinition

    definition = InstrumentDefinition.from_dict(result.instrument.definition)
    band = definition.band(result.band)
    with translation.override("ko"):
        level = str(Level(result.level).label) if result.level in Level.values else result.level
    summary = (
        f"{definition.short_name.ko} v{result.instrument.version} · 총점 {result.total}/{definition.maximum}"
        f" · {band.label.ko if band is not None else result.band} · 분류 {level}"
    )
    if result.is_crisis:
        summary += " · 위기 응답 있음"
    return summary


def send_screening_referral(
    *,
    actor,
    result,
    now: datetime,
    risk: str = "",
    note: str = "",
    lower_reason: str = "",
    to_team: Team | None = None,
) -> Referral:
    """Send a stored screening result on: a referral from the actor's team with the result attached.

    The referral goes to ``to_team``, by default the public health centre of the person's
    district (the stethoscope's first link), under the stethoscope programme. Its risk
    comes from the result's triage level (``RISK_BY_LEVEL``); ``risk`` may raise it, and
    lowers it only with a ``lower_reason`` (kept in the referral's reason) — never below
    CRISIS after a crisis answer. The first hop's deadline follows from the risk as for
    every referral. The reason summarises the result (instrument, total, band, level; never
    the answers), then the worker's ``note``. Idempotent per result and receiving team (the
    referral already sent is returned). The actor must be allowed to see the result.
    Raises NotYourMove, ReferralInvalid or DetailsNeeded.
    """
    from itda.screenings.permissions import can_see_sensitive_results

    if getattr(actor, "team_id", None) is None:
        raise NotYourMove("팀에 속한 직원만 의뢰를 보낼 수 있습니다 (only a team's staff send referrals)")
    if not can_see_sensitive_results(actor, result.person):
        raise NotYourMove("볼 수 없는 검사 결과입니다 (this result is outside your scope)")
    suggested = risk_for_level(result.level)
    chosen = risk or suggested
    if chosen not in Risk.values:
        raise ReferralInvalid("위험도를 골라 주세요: 위기, 높음, 중간, 낮음 (choose a risk: crisis, high, medium, low)")
    lower_reason = (lower_reason or "").strip()
    if risk_rank(chosen) < risk_rank(suggested):
        if result.is_crisis:
            raise ReferralInvalid(
                "위기 응답이 있는 결과는 위험도를 낮출 수 없습니다 (a result with a crisis answer is always sent as a crisis)"
            )
        if not lower_reason:
            raise DetailsNeeded(
                "분류가 제안한 위험도보다 낮추려면 이유를 적어 주세요 (write why the risk is lower than the triage suggests)"
            )
        _check_text(lower_reason, "위험도를 낮춘 이유")
    destination = to_team or health_centre_for(result.person)
    if destination is None:
        raise ReferralInvalid(
            "이 자치구에 등록된 보건소 팀이 없습니다. 관리자에게 알려 주세요 "
            "(no public health centre team is set up for this district; tell an administrator)"
        )
    note = (note or "").strip()
    _check_text(note, "의뢰 사유")
    lines = [_result_summary_ko(result)]
    if chosen != suggested:
        lines.append(f"위험도 조정: 분류 제안 {suggested} → {chosen}" + (f" · 이유: {lower_reason}" if lower_reason else ""))
    if note:
        lines.append(note)
    program_slug = STETHOSCOPE_PROGRAM if Program.objects.filter(slug=STETHOSCOPE_PROGRAM).exists() else ""
    return send_referral(
        actor=actor,
        person=result.person,
        from_team=actor.team,
        to_team=destination,
        reason="\n".join(lines),
        risk=chosen,
        now=now,
        program_slug=program_slug,
        source_type=SCREENING_SOURCE,
        source_id=result.pk,
    )


def is_stethoscope_referral(referral: Referral) -> bool:
    """A referral of the stethoscope chain: under that programme, or in a chain a primary clinic started."""
    link: Referral | None = referral
    while link is not None:
        if link.program_id is not None and link.program.slug == STETHOSCOPE_PROGRAM:
            return True
        if link.from_team.kind == Team.Kind.PRIMARY_CLINIC:
            return True
        link = link.parent
    return False


def milestone_for(referral: Referral) -> str:
    """The typed step the receiving team of this referral records ("" when there is none)."""
    # The team's kind first: only then walk the chain (a query per link), so lists of other teams pay nothing.
    milestone = next((m for m, kind in MILESTONE_TEAM_KINDS.items() if kind == referral.to_team.kind), "")
    return milestone if milestone and is_stethoscope_referral(referral) else ""


def recorded_milestone(referral: Referral) -> ReferralEvent | None:
    return referral.events.exclude(milestone="").order_by("at", "pk").first()


def record_milestone(*, actor, referral: Referral, milestone: str, now: datetime, note: str = "") -> Referral:
    """Record the receiving team's typed step of the stethoscope chain as the machine's SERVICE_STARTED.

    The public health centre records COUNSELLED, the mental health welfare centre
    REGISTERED_HIGH_RISK, on a referral of the chain they received. Steps the machine needs
    on the way and not yet taken (accepted, reached the person) are recorded first, by the
    same worker at the same moment, each an edge of the machine; everything is written or
    nothing. Recording the same milestone again changes nothing. Raises ReferralInvalid
    (wrong milestone for this team, not a stethoscope referral), TransitionNotAllowed
    (finished, or service already started without it), NotYourMove, DetailsNeeded or
    ReferralChanged.
    """
    current = Referral.objects.select_related("to_team", "from_team", "program", "parent").get(pk=referral.pk)
    if milestone not in Milestone.values or milestone_for(current) != milestone:
        raise ReferralInvalid("이 팀이 기록할 수 있는 단계가 아닙니다 (this team does not record that step)")
    if Referral.Side.RECEIVER not in sides_for(actor, current):
        raise NotYourMove("받은 팀만 기록할 수 있습니다 (only the receiving team records this step)")
    existing = recorded_milestone(current)
    if existing is not None and existing.milestone == milestone:
        return current
    if current.status not in _TOWARDS_SERVICE:
        raise TransitionNotAllowed(
            f"{current.status} 상태에서는 기록할 수 없습니다. 결과를 골라 종결해 주세요 "
            f"(cannot be recorded from {current.status}; close it with an outcome)"
        )
    note = (note or "").strip()
    typed_note = _MILESTONE_NOTES[milestone] + (f" · {note}" if note else "")
    with transaction.atomic():
        while current.status != Status.SERVICE_STARTED:
            step = _TOWARDS_SERVICE[current.status]
            is_last = step == Status.SERVICE_STARTED
            current = transition(
                actor=actor,
                referral=current,
                to_status=step,
                now=now,
                note=typed_note if is_last else "",
                milestone=milestone if is_last else "",
            )
    return current
