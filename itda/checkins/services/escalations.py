"""The escalation ladder in the database: opening, moving and firing steps as care tasks, routing them by time of day."""

from __future__ import annotations

import logging
import time as monotonic_time
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import CharField, F, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.db.models.signals import post_delete, post_save

from itda.accounts.models import Team
from itda.audit.services import record_access
from itda.cases.models import CareTask, CaseAssignment
from itda.cases.services import UNREACHABLE, NewTask, NextStep, complete_task, open_task, open_tasks_in_bulk
from itda.checkins import ladder, nlp
from itda.checkins.ladder import Event, Policy, State, Step
from itda.checkins.models import Escalation, EscalationStep
from itda.checkins.services.policies import policy_for
from itda.checkins.services.rules import MAX_NOTE_CHARS, EscalationStepStale, NoTeamToRoute, OutcomeRefused, user_or_none
from itda.lib.bulk import insert_rows

logger = logging.getLogger(__name__)

# Lead workers looked up once per batch (a sweep's pass, a webhook): they do not change within one.
_BATCH_MEMO: ContextVar[dict | None] = ContextVar("checkins_batch_memo", default=None)


@contextmanager
def batch_memo():
    """Remember routing look-ups for the length of one batch of work (nested uses share the outer memo)."""
    if _BATCH_MEMO.get() is not None:
        yield
        return
    token = _BATCH_MEMO.set({})
    try:
        yield
    finally:
        _BATCH_MEMO.reset(token)


def _memo(key, compute):
    memo = _BATCH_MEMO.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


# --- the ladder ----------------------------------------------------------------------------------


def lock_escalation(escalation_id: int) -> Escalation | None:
    return (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("person", "current_task")
        .filter(pk=escalation_id, resolved_at__isnull=True)
        .first()
    )


def raise_event(
    *, person, event: str, reason: str | None, due_contact_id: int | None, signals: list[str], now: datetime, actor, source: str
) -> None:
    """Feed an event into the person's open ladder, or open one for it (a plain answer opens nothing)."""
    open_id = Escalation.objects.filter(person_id=person.pk, resolved_at__isnull=True).values_list("pk", flat=True).first()
    if open_id is not None:
        escalation = lock_escalation(open_id)
        if escalation is not None:
            apply_outside_event(escalation, event=event, now=now, actor=actor, source=source, signals=signals)
            return
    if reason is None:
        return
    _open_escalation(
        person=person, reason=reason, due_contact_id=due_contact_id, signals=signals, now=now, actor=actor, source=source
    )


_REASON_EVENTS = {
    ladder.Reason.NO_ANSWER: Event.NOT_REACHED,
    ladder.Reason.NOT_REACHED: Event.NOT_REACHED,
    ladder.Reason.RISK: Event.RISK,
    ladder.Reason.SELF_HARM: Event.SELF_HARM,
}


def _open_escalation(
    *, person, reason: str, due_contact_id: int | None, signals: list[str], now: datetime, actor, source: str
) -> Escalation:
    policy = policy_for(person.district_id)
    step = ladder.first_step(reason, policy)
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                person=person,
                district_id=person.district_id,
                due_contact_id=due_contact_id,
                reason=reason,
                state=step.state,
                step=step.number,
                next_action_at=ladder.step_due_at(step, now, policy) if step.state == State.RETRY else None,
                signals=signals,
                opened_at=now,
            )
    except IntegrityError:
        # Another worker opened this person's ladder a moment ago: feed it instead.
        existing = lock_escalation(Escalation.objects.get(person_id=person.pk, resolved_at__isnull=True).pk)
        if existing is not None:
            apply_outside_event(existing, event=_REASON_EVENTS[reason], now=now, actor=actor, source=source, signals=signals)
        return existing
    record_access(
        actor=actor, action="CREATE", target=escalation, person_id=person.pk, fields=["reason", "state"], reason=source, at=now
    )
    if step.state in ladder.HUMAN_STATES:
        _fire(escalation, step, now=now, actor=actor)
    return escalation


@dataclass(frozen=True)
class Opening:
    """A reason to open a ladder for one person, found in a batch of check-ins."""

    person: object
    reason: str
    due_contact_id: int | None
    signals: tuple[str, ...] = ()
    source: str = ""


def open_escalations(openings: Iterable[Opening], *, now: datetime, actor) -> None:
    """Open ladders for a batch of people at once, then fire each first human step (counsellor, crisis, staff call).

    Someone whose ladder is already open keeps it and the reason is fed into it
    as an outside event; a ladder a concurrent worker opened a moment ago is
    found again by the partial unique index and fed the same way.
    """
    openings = list(openings)
    if not openings:
        return
    already_open = set(
        Escalation.objects.filter(person_id__any=[o.person.pk for o in openings], resolved_at__isnull=True).values_list(
            "person_id", flat=True
        )
    )
    fed = [o for o in openings if o.person.pk in already_open]
    new = [o for o in openings if o.person.pk not in already_open]
    steps = {}
    rows = []
    for opening in new:
        policy = policy_for(opening.person.district_id)
        step = ladder.first_step(opening.reason, policy)
        steps[opening.person.pk] = step
        rows.append(
            Escalation(
                person=opening.person,
                district_id=opening.person.district_id,
                due_contact_id=opening.due_contact_id,
                reason=opening.reason,
                state=step.state,
                step=step.number,
                next_action_at=ladder.step_due_at(step, now, policy) if step.state == State.RETRY else None,
                signals=list(opening.signals),
                opened_at=now,
            )
        )
    Escalation.objects.bulk_create(rows, ignore_conflicts=True)
    created = {
        escalation.person_id: escalation
        for escalation in Escalation.objects.filter(
            person_id__any=[o.person.pk for o in new], resolved_at__isnull=True, opened_at=now, version=0
        )
    }
    fed += [o for o in new if o.person.pk not in created]
    if created:
        record_access(
            actor=actor,
            action="CREATE",
            target_type="checkins.escalation",
            listed_person_ids=sorted(created),
            fields=["reason", "state"],
            reason=f"{len(created)} ladders opened",
            at=now,
        )
    prefetch_leads([o.person.pk for o in new if steps[o.person.pk].state in ladder.HUMAN_STATES])
    firing = []
    for opening in new:
        escalation = created.get(opening.person.pk)
        if escalation is not None and steps[opening.person.pk].state in ladder.HUMAN_STATES:
            escalation.person = opening.person
            firing.append((escalation, steps[opening.person.pk]))
    fire_many(firing, now=now, actor=actor)
    for opening in fed:
        raise_event(
            person=opening.person,
            event=_REASON_EVENTS[opening.reason],
            reason=opening.reason,
            due_contact_id=opening.due_contact_id,
            signals=list(opening.signals),
            now=now,
            actor=actor,
            source=opening.source,
        )


def finish_retries(retries: list, *, now: datetime, actor) -> None:
    """Move the ladders of finished automatic retries, given as (escalation id, step key, event) triples.

    An answer resolves, an unanswered retry schedules the next one and a move to
    a human step (staff call, counsellor) fires it, each set-based for the batch;
    a crisis goes one by one, down the screening's crisis path. A retry whose
    ladder moved on while it rang (a worker reached the person first) still
    counts, as an outside event.
    """
    if not retries:
        return
    escalations = {
        escalation.pk: escalation
        for escalation in Escalation.objects.select_for_update(of=("self",))
        .select_related("person", "current_task")
        .filter(pk__any=[escalation_id for escalation_id, _key, _event in retries], resolved_at__isnull=True)
        .order_by("pk")
    }
    prefetch_leads([escalation.person_id for escalation in escalations.values()])
    fired: dict[int, set[str]] = {}
    for escalation_id, key in EscalationStep.objects.filter(escalation_id__any=list(escalations)).values_list(
        "escalation_id", "key"
    ):
        fired.setdefault(escalation_id, set()).add(key)
    resolved: list[Escalation] = []
    rescheduled: dict[tuple[datetime, int], list[int]] = {}
    outcomes: dict[tuple[str, str], list[int]] = {}
    firing: list[tuple[Escalation, Step]] = []
    after_firing: list[tuple[Escalation, str]] = []  # a second outcome for a ladder that moves in this batch
    moving: set[int] = set()
    for escalation_id, key, event in retries:
        escalation = escalations.get(escalation_id)
        if escalation is None:
            continue
        if escalation_id in moving:
            after_firing.append((escalation, event))
            continue
        if escalation.step_key != key:
            apply_outside_event(escalation, event=event, now=now, actor=actor, source="AI 안부확인 재통화 (AI check-in retry)")
            continue
        policy = policy_for(escalation.district_id)
        following = ladder.after_step_outcome(
            Step(State(escalation.state), escalation.step), event, policy, fired.get(escalation_id, set())
        )
        outcomes.setdefault((key, str(event)), []).append(escalation_id)
        if following.state == State.RESOLVED:
            resolved.append(escalation)
        elif following.state == State.RETRY:
            rescheduled.setdefault((ladder.step_due_at(following, now, policy), following.number), []).append(escalation_id)
        else:
            firing.append((escalation, following))  # a retry step has no task of its own to close
            moving.add(escalation_id)
    for (key, event), ids in outcomes.items():
        EscalationStep.objects.filter(escalation_id__any=ids, key=key).update(outcome=event, outcome_at=now)
    fire_many(firing, now=now, actor=actor)
    for escalation, event in after_firing:
        apply_outside_event(escalation, event=event, now=now, actor=actor, source="AI 안부확인 재통화 (AI check-in retry)")
    for (due_at, number), ids in rescheduled.items():
        Escalation.objects.filter(pk__any=ids).update(step=number, next_action_at=due_at, version=F("version") + 1)
    if resolved:
        Escalation.objects.filter(pk__any=[e.pk for e in resolved]).update(
            state=State.RESOLVED,
            resolved_at=now,
            resolution="AI 안부확인 재통화에 응답 (answered a retry)",
            next_action_at=None,
            version=F("version") + 1,
        )
        record_access(
            actor=actor,
            action="UPDATE",
            target_type="checkins.escalation",
            listed_person_ids=sorted(e.person_id for e in resolved),
            fields=["state"],
            reason=f"{len(resolved)} ladders resolved",
            at=now,
        )


def _fired_keys(escalation: Escalation) -> set[str]:
    return set(EscalationStep.objects.filter(escalation=escalation).values_list("key", flat=True))


_OUTCOME_WORDS = {
    Event.REACHED: "연락됨 (reached)",
    Event.NOT_REACHED: UNREACHABLE,
    Event.RISK: "연락됨, 걱정되는 점 있음 (reached, with a concern)",
    Event.SELF_HARM: "연락됨, 자해 위험 (reached, self-harm risk)",
}


def apply_step_outcome(
    escalation: Escalation,
    *,
    step_key: str,
    event: str,
    now: datetime,
    actor,
    note: str = "",
    task_closed_elsewhere: bool = False,
) -> bool:
    """Move a locked escalation on the outcome of its current step. False when ``step_key`` is not the current step."""
    if not escalation.is_open or escalation.step_key != step_key:
        return False
    policy = policy_for(escalation.district_id)
    current = Step(State(escalation.state), escalation.step)
    following = ladder.after_step_outcome(current, event, policy, _fired_keys(escalation))
    EscalationStep.objects.filter(escalation=escalation, key=step_key).update(
        outcome=str(event), outcome_at=now, outcome_by=user_or_none(actor), note=note[:MAX_NOTE_CHARS]
    )
    task = escalation.current_task
    closing = None
    if task is not None and task.is_open and not task_closed_elsewhere:
        if event == Event.NOT_REACHED and following.state in ladder.HUMAN_STATES and following.state != State.CRISIS:
            closing = task  # closed as UNREACHABLE together with the next step's task, in _fire
        else:
            complete_task(actor=actor, task=task, outcome=_OUTCOME_WORDS[Event(event)], now=now)
    adopted = None
    if task_closed_elsewhere and task is not None and event == Event.NOT_REACHED and following.state in ladder.TASK_SPECS:
        follow_up = CareTask.objects.filter(dedupe_key=f"caretask:{task.pk}:next").first()
        if follow_up is not None and follow_up.kind == ladder.TASK_SPECS[following.state].kind:
            adopted = follow_up
    _move(
        escalation,
        following,
        now=now,
        actor=actor,
        resolution=_OUTCOME_WORDS[Event(event)],
        closing_task=closing,
        adopted_task=adopted,
    )
    return True


def apply_outside_event(
    escalation: Escalation, *, event: str, now: datetime, actor, source: str, signals: list[str] | None = None
) -> bool:
    """Move a locked escalation on an event from outside its current step; False when it changes nothing."""
    following = ladder.after_outside_event(Step(State(escalation.state), escalation.step), event, _fired_keys(escalation))
    if following is None:
        return False
    EscalationStep.objects.filter(escalation=escalation, key=escalation.step_key, outcome="").update(
        outcome="SUPERSEDED", outcome_at=now, outcome_by=user_or_none(actor)
    )
    task = escalation.current_task
    if task is not None and task.is_open:
        complete_task(actor=actor, task=task, outcome=f"다른 경로로 연락됨: {source} (reached another way)"[:200], now=now)
    if signals:
        Escalation.objects.filter(pk=escalation.pk).update(signals=sorted(set(escalation.signals) | set(signals)))
    _move(escalation, following, now=now, actor=actor, resolution=source)
    return True


def _move(
    escalation: Escalation, following: Step, *, now: datetime, actor, resolution: str, closing_task=None, adopted_task=None
) -> None:
    if following.state == State.RESOLVED:
        Escalation.objects.filter(pk=escalation.pk).update(
            state=State.RESOLVED, resolved_at=now, resolution=resolution[:200], next_action_at=None, version=F("version") + 1
        )
        record_access(
            actor=actor,
            action="UPDATE",
            target=escalation,
            person_id=escalation.person_id,
            fields=["state"],
            reason="resolved",
            at=now,
        )
        escalation.state, escalation.resolved_at = State.RESOLVED, now
        return
    if following.state == State.RETRY:
        policy = policy_for(escalation.district_id)
        Escalation.objects.filter(pk=escalation.pk).update(
            state=following.state,
            step=following.number,
            next_action_at=ladder.step_due_at(following, now, policy),
            current_task=None,
            version=F("version") + 1,
        )
        escalation.state, escalation.step = following.state, following.number
        return
    _fire(escalation, following, now=now, actor=actor, closing_task=closing_task, adopted_task=adopted_task)


def _fire(escalation: Escalation, step: Step, *, now: datetime, actor, closing_task=None, adopted_task=None) -> None:
    """Fire a human step once: route it, open (or adopt) its care task, record the step, move the escalation.

    Call with the escalation locked (``lock_escalation``) or just created. The
    task comes first: its dedupe key (or the crisis path's source) names this
    step, so a second firing would find the same task, and the unique step key
    would then abort the transaction rather than record the step twice.
    """
    planned, daytime = _plan_task(escalation, step, now=now)
    person, team = escalation.person, planned.team
    if adopted_task is not None:
        task = adopted_task
    elif closing_task is not None:
        _closed, task = complete_task(
            actor=actor,
            task=closing_task,
            outcome=UNREACHABLE,
            now=now,
            next_step=NextStep(
                kind=planned.kind,
                title=planned.title,
                due_at=planned.due_at,
                team=team,
                assignee=planned.assignee,
                priority=planned.priority,
            ),
        )
    elif step.state == State.CRISIS:
        task = _open_crisis(escalation, step=step, person=person, team=team, now=now, actor=actor, title=planned.title)
    else:
        task, _created = open_task(
            actor=actor,
            team=team,
            kind=planned.kind,
            title=planned.title,
            due_at=planned.due_at,
            now=now,
            person=person,
            assignee=planned.assignee,
            priority=planned.priority,
            detail=planned.detail,
            source_type=planned.source_type,
            source_id=planned.source_id,
            dedupe_key=planned.dedupe_key,
        )
    step_row = _step_row(escalation, step, task=task, team=team, daytime=daytime, now=now)
    # Every caller holds the escalation's row lock (or has just created it), so no one else can fire this step
    # now; the unique key stays as the database's own guard: a violation aborts the whole transaction.
    step_row.save(force_insert=True)
    Escalation.objects.filter(pk=escalation.pk).update(
        state=step.state, step=step.number, current_task=task, next_action_at=None, version=F("version") + 1
    )
    record_access(
        actor=actor,
        action="UPDATE",
        target=escalation,
        person_id=person.pk,
        fields=["state", "current_task"],
        reason=step.key,
        at=now,
    )
    escalation.state, escalation.step, escalation.current_task = step.state, step.number, task


def fire_many(firing: list[tuple[Escalation, Step]], *, now: datetime, actor) -> None:
    """Fire the human steps of a batch of ladders at once: what ``_fire`` does for one, set-based.

    Every escalation must be locked by the caller (or just created) and have no
    open task of its own to close or adopt. The care tasks open through
    ``open_tasks_in_bulk`` under the same dedupe keys ``_fire`` uses, the steps
    are inserted together (their unique key still aborts the transaction on a
    second firing) and one audit entry lists the people whose ladders moved. A
    crisis step still goes one by one, down the screening's crisis path.
    """
    plain = []
    for escalation, step in firing:
        if step.state == State.CRISIS:
            _fire(escalation, step, now=now, actor=actor)
        else:
            plain.append((escalation, step))
    if not plain:
        return
    if len(plain) == 1:
        _fire(*plain[0], now=now, actor=actor)
        return
    prefetch_leads([escalation.person_id for escalation, _step in plain])
    planned = [(escalation, step, *_plan_task(escalation, step, now=now)) for escalation, step in plain]
    created, existing = open_tasks_in_bulk(
        actor=actor, tasks=[new_task for _e, _s, new_task, _d in planned], now=now, source_type="checkins.escalation"
    )
    tasks = {task.dedupe_key: task for task in (*created, *existing)}
    for escalation, step, new_task, _daytime in planned:
        escalation.current_task = tasks[new_task.dedupe_key]
        escalation.state, escalation.step, escalation.next_action_at = step.state, step.number, None
        escalation.version += 1
    insert_rows(
        EscalationStep,
        [
            _step_row(escalation, step, task=escalation.current_task, team=new_task.team, daytime=daytime, now=now)
            for escalation, step, new_task, daytime in planned
        ],
    )
    by_step: dict[Step, list[int]] = {}
    for escalation, step, _t, _d in planned:
        by_step.setdefault(step, []).append(escalation.pk)
    for step, ids in by_step.items():
        # Each ladder's task is the one under its own dedupe key: one UPDATE per step for the whole batch.
        own_task = CareTask.objects.filter(
            dedupe_key=Concat(
                Value("checkins:escalation:"), Cast(OuterRef("pk"), CharField()), Value(f":{step.key}"), output_field=CharField()
            )
        ).exclude(dedupe_key="")
        Escalation.objects.filter(pk__any=ids).update(
            state=step.state,
            step=step.number,
            current_task=Subquery(own_task.values("pk")[:1]),
            next_action_at=None,
            version=F("version") + 1,
        )
    keys = sorted({step.key for _e, step, _t, _d in planned})
    record_access(
        actor=actor,
        action="UPDATE",
        target_type="checkins.escalation",
        listed_person_ids=sorted(escalation.person_id for escalation, _s, _t, _d in planned),
        fields=["state", "current_task"],
        reason=f"{len(planned)} ladder steps fired: {', '.join(keys)}",
        at=now,
    )


def _plan_task(escalation: Escalation, step: Step, *, now: datetime) -> tuple[NewTask, bool]:
    """The care task a human step opens, routed by time of day (the day's lead worker named), and whether it is day."""
    policy = policy_for(escalation.district_id)
    spec = ladder.TASK_SPECS[step.state]
    daytime = ladder.is_daytime(now, policy)
    person = escalation.person
    team = route_team(person, purpose=spec.purpose, daytime=daytime, policy=policy)
    task = NewTask(
        team=team,
        kind=spec.kind,
        title=spec.title,
        due_at=ladder.step_due_at(step, now, policy),
        dedupe_key=f"checkins:escalation:{escalation.pk}:{step.key}",
        person=person,
        assignee=_lead_worker(person, team) if daytime else None,
        priority=spec.priority,
        detail=_task_detail(escalation, step),
        source_type="checkins.escalation",
        source_id=escalation.pk,
    )
    return task, daytime


def _step_row(escalation: Escalation, step: Step, *, task, team, daytime: bool, now: datetime) -> EscalationStep:
    return EscalationStep(
        escalation=escalation,
        key=step.key,
        state=step.state,
        number=step.number,
        fired_at=now,
        team=team,
        task=task,
        is_night_route=not daytime,
    )


def _task_detail(escalation: Escalation, step: Step) -> str:
    signals = ", ".join(nlp.signal_label(signal) for signal in escalation.signals)
    lines = [f"안부확인 단계 {step.key} (check-in ladder step {step.key})"]
    if signals:
        lines.append(f"신호 (signals): {signals}")
    return "\n".join(lines)


def _open_crisis(escalation: Escalation, *, step: Step, person, team, now: datetime, actor, title: str):
    """Self-harm: the screening's crisis path (a named worker within the hour) when it is installed and has a
    responder; otherwise a crisis task for the team the ladder routed to. One per crisis step of the escalation."""
    try:
        from itda.screenings.services import NoCrisisResponder, open_crisis_path
    except ImportError:  # the screening work is not installed: the routed team takes the crisis task
        NoCrisisResponder, open_crisis_path = None, None
    reason = f"안부확인에서 자해 위험 발언, 단계 {step.key} (self-harm risk in a check-in, step {step.key})"
    source = f"{escalation.pk}:{step.key}"
    if open_crisis_path is not None:
        try:
            return open_crisis_path(
                actor=actor, person=person, source_type="checkins.escalationstep", source_id=source, now=now, reason=reason
            )
        except NoCrisisResponder:
            logger.warning("no crisis responder for escalation %s; the routed team gets the crisis task", escalation.pk)
    task, _created = open_task(
        actor=actor,
        team=team,
        kind=CareTask.Kind.CRISIS_RESPONSE,
        title=title,
        due_at=now,
        now=now,
        person=person,
        priority=CareTask.Priority.CRISIS,
        detail=reason,
        source_type="checkins.escalationstep",
        source_id=source,
        dedupe_key=f"checkins:escalation:{escalation.pk}:{step.key}",
    )
    return task


_CITY_WIDE_KINDS = {Team.Kind.CONTROL_ROOM, Team.Kind.HELPLINE}
_TEAMS_CACHE_SECONDS = 30.0
_TEAMS: list = [0.0, None]  # [loaded at (monotonic), _TeamIndex or None]


@dataclass(frozen=True)
class _TeamIndex:
    """Every team, looked up by (kind, dong), (kind, district) and, for teams of no district, kind; first by id."""

    by_dong: dict[tuple[str, int], Team]
    by_district: dict[tuple[str, int], Team]
    city_wide: dict[str, Team]


def _team_index() -> _TeamIndex:
    """All teams, read in one query and kept for 30 seconds per process (a few hundred rows in a city).

    Routing asks for a team per step and per dong; asked of the database, that
    was a query for every new dong in every batch. A team created or moved in
    another process is routed to within 30 seconds (this process forgets at once);
    until then its steps go where they went before, never nowhere.
    """
    loaded_at, index = _TEAMS
    if index is None or monotonic_time.monotonic() - loaded_at >= _TEAMS_CACHE_SECONDS:
        by_dong: dict[tuple[str, int], Team] = {}
        by_district: dict[tuple[str, int], Team] = {}
        city_wide: dict[str, Team] = {}
        for team in Team.objects.order_by("pk"):
            if team.dong_id is not None:
                by_dong.setdefault((team.kind, team.dong_id), team)
            if team.district_id is not None:
                by_district.setdefault((team.kind, team.district_id), team)
            else:
                city_wide.setdefault(team.kind, team)
        index = _TeamIndex(by_dong, by_district, city_wide)
        _TEAMS[:] = [monotonic_time.monotonic(), index]
    return index


def forget_teams(**_signal) -> None:
    """Drop the cached teams (a team was saved or deleted in this process; tests start without them)."""
    _TEAMS[:] = [0.0, None]


post_save.connect(forget_teams, sender=Team, dispatch_uid="checkins_forget_teams_on_save")
post_delete.connect(forget_teams, sender=Team, dispatch_uid="checkins_forget_teams_on_delete")


def _team_of_kind(kind: str, person) -> Team | None:
    teams = _team_index()
    if kind == Team.Kind.DONG_CENTRE:
        return teams.by_dong.get((kind, person.dong_id)) if person.dong_id else None
    local = teams.by_district.get((kind, person.district_id))
    if local is not None or kind not in _CITY_WIDE_KINDS:
        return local
    return teams.city_wide.get(kind)


def route_team(person, *, purpose: str, daytime: bool, policy: Policy) -> Team:
    """The team a ladder step goes to: the policy's day or night list, first kind that exists for the person.

    Falls back to the district centre and then the city's control room rather
    than dropping a step. Raises NoTeamToRoute when not even those exist.
    """
    route = policy.routes[purpose]
    kinds = (*(route.day if daytime else route.night), Team.Kind.DISTRICT_CENTRE, Team.Kind.CONTROL_ROOM)
    for kind in kinds:
        team = _team_of_kind(kind, person)
        if team is not None:
            return team
    raise NoTeamToRoute("연결할 팀이 없습니다: 관제센터 팀을 만드세요 (no team to route to: create the control room team)")


def _leads(person_ids) -> dict[int, dict[int, object]]:
    """person id → {team id: lead worker} for the active LEAD assignments of these people."""
    found: dict[int, dict[int, object]] = {person_id: {} for person_id in person_ids}
    assignments = CaseAssignment.objects.filter(
        person_id__any=list(found), role=CaseAssignment.Role.LEAD, end_at__isnull=True
    ).select_related("worker")
    for assignment in assignments:
        found[assignment.person_id][assignment.team_id] = assignment.worker
    return found


def prefetch_leads(person_ids) -> None:
    """Look up the lead workers of a whole batch in one query (inside ``batch_memo``)."""
    memo = _BATCH_MEMO.get()
    if memo is None:
        return
    missing = [person_id for person_id in person_ids if ("leads", person_id) not in memo]
    for person_id, leads in _leads(missing).items():
        memo[("leads", person_id)] = leads


def _lead_worker(person, team: Team):
    return _memo(("leads", person.pk), lambda: _leads([person.pk])[person.pk]).get(team.pk)


STEP_OUTCOMES = {
    "REACHED": Event.REACHED,
    "NOT_REACHED": Event.NOT_REACHED,
    "CONCERN": Event.RISK,
    "SELF_HARM": Event.SELF_HARM,
}


def record_escalation_outcome(
    *, actor, escalation: Escalation, step_key: str, outcome: str, now: datetime, note: str = ""
) -> Escalation:
    """Record what a worker found at the current ladder step (a call, a visit, a door opening) and climb on.

    ``outcome`` is REACHED, NOT_REACHED, CONCERN or SELF_HARM; a note that reads
    as self-harm counts as SELF_HARM. The step's care task is closed here (as
    UNREACHABLE with the next step when not reached). Raises OutcomeRefused,
    or EscalationStepStale when the ladder already moved past ``step_key``.
    """
    note = (note or "").strip()
    if outcome not in STEP_OUTCOMES:
        raise OutcomeRefused("결과를 골라 주세요 (choose an outcome)")
    if len(note) > MAX_NOTE_CHARS:
        raise OutcomeRefused(f"메모는 {MAX_NOTE_CHARS}자까지 쓸 수 있습니다 (notes can be up to {MAX_NOTE_CHARS} characters)")
    event = STEP_OUTCOMES[outcome]
    if note and nlp.analyse(note).has_self_harm:
        event = Event.SELF_HARM
    with transaction.atomic():
        locked = lock_escalation(escalation.pk)
        if (
            locked is None
            or locked.state in ladder.AUTOMATIC_STATES
            or not apply_step_outcome(locked, step_key=step_key, event=event, now=now, actor=actor, note=note)
        ):
            raise EscalationStepStale(
                "이미 다음 단계로 넘어갔습니다. 화면을 새로 고치세요 (the ladder has moved on; reload the page)"
            )
    escalation.refresh_from_db()
    return escalation
