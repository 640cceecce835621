"""The check-in cycle: the periodic sweep that makes contacts due, dials them, retries and expires.

Each step claims a batch of rows in one transaction: SELECT … FOR UPDATE SKIP
LOCKED (PostgreSQL; SQLite's IMMEDIATE transactions serialise writers instead)
followed by a conditional UPDATE … WHERE status = 'PENDING' that marks them as
taken by this worker. A synchronous channel (the simulator) answers inside the
same transaction, so a worker killed mid-batch leaves nothing half-done: the
rows roll back to PENDING and the next sweep takes them. An asynchronous
channel (voice, SMS, messenger) commits the attempt first and sends after commit, at most
once (a messenger message the gateway refuses for this recipient goes out as a text
instead); if the worker dies before sending, the attempt's deadline turns it into
"no answer" and the ladder retries — a check-in is never lost, never doubled.

``run_cycle`` runs every step until there is no work left for ``now``; the
``run_checkin_cycle`` command runs it once, or in a loop every minute.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Min, Q

from itda.audit.services import record_access
from itda.cases.models import CareTask
from itda.cases.services import NewTask, open_task, open_tasks_in_bulk
from itda.checkins import ladder, services
from itda.checkins.adapters import FALLBACK_CHANNELS, AdapterSet, CallRequest, ChannelNotConfigured
from itda.checkins.adapters.messenger import RecipientRefused
from itda.checkins.adapters.transport import TransportError
from itda.checkins.ladder import State
from itda.checkins.models import CheckinAttempt, ContactPlan, DueContact, Escalation, EscalationStep
from itda.lib.bulk import insert_rows, unsaved
from itda.lib.sweeps import any_due
from itda.programs.hours import SEOUL

logger = logging.getLogger(__name__)

DEFAULT_BATCH = 500
# Channels answered on the check-in page behind a link: they share the (longer) link answer window.
LINK_CHANNELS = (ContactPlan.Channel.SMS_LINK, ContactPlan.Channel.MESSENGER_LINK)
_PROVIDER_PREFIX = {ContactPlan.Channel.SMS_LINK: "sms:", ContactPlan.Channel.MESSENGER_LINK: "msg:"}


@dataclass
class CycleReport:
    scheduled: int = 0
    dialled: int = 0
    retried: int = 0
    expired: int = 0
    overdue_alerts: int = 0
    reconciled: int = 0
    stall_alerts: int = 0
    purged: int = 0
    to_send: list[int] = field(default_factory=list)

    def add(self, other: CycleReport) -> None:
        for name in (
            "scheduled",
            "dialled",
            "retried",
            "expired",
            "overdue_alerts",
            "reconciled",
            "stall_alerts",
            "purged",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.to_send.extend(other.to_send)


def _claim_token(worker_id: str) -> str:
    return f"{worker_id[:40]}:{uuid.uuid4().hex[:12]}"


def _answer_window(channel: str, policy: ladder.Policy) -> timedelta:
    minutes = policy.sms_answer_window_minutes if channel in LINK_CHANNELS else policy.voice_answer_window_minutes
    return timedelta(minutes=minutes)


_CLAIMED_FIELDS = (
    "plan_id",
    "team_id",
    "channel",
    "attempt_count",
    "person__district_id",
    "person__dong_id",
    "person__phone",
)


def _claimed_contacts(ids: list[int]) -> dict[int, DueContact]:
    """The claimed contacts with the few person fields the call and the ladder need."""
    return {due.pk: due for due in DueContact.objects.filter(pk__any=ids).select_related("person").only(*_CLAIMED_FIELDS)}


def _start(
    attempts: list[CheckinAttempt], *, adapters: AdapterSet, now: datetime, report: CycleReport, claimed_by: str = ""
) -> None:
    """Hand unsaved attempts (their due contact attached) to their channels.

    A synchronous channel answers now: each attempt is stored once, finished, in
    the claiming transaction (``claimed_by``: first attempts whose contacts are
    only locked, not yet marked as taken). Otherwise the attempts are stored as
    started and queued to be sent after commit, at most once.
    """
    synchronous: dict[str, list[CheckinAttempt]] = {}
    later: list[CheckinAttempt] = []
    for attempt in attempts:
        if adapters.for_channel(attempt.channel).is_synchronous:
            synchronous.setdefault(attempt.channel, []).append(attempt)
        else:
            later.append(attempt)
    for channel, group in synchronous.items():
        # The attempt is not stored yet: within the batch, its place in the list stands for its id.
        requests = [
            CallRequest(
                attempt_id=index,
                due_contact_id=attempt.due_contact_id,
                person_id=attempt.due_contact.person_id,
                number=attempt.number,
                channel=channel,
                phone=attempt.due_contact.person.phone,
            )
            for index, attempt in enumerate(group)
        ]
        results = {result.attempt_id: result for result in adapters.for_channel(channel).start(requests, now=now)}
        outcomes = [
            services.AttemptOutcome(
                index, answered=results[index].answered, answers=results[index].answers, failed=results[index].failed
            )
            for index in range(len(group))
        ]
        services.store_answered_attempts(attempts=group, outcomes=outcomes, now=now, claimed_by=claimed_by)
    if later:
        insert_rows(CheckinAttempt, later)
        ids = [attempt.pk for attempt in later]
        from itda.checkins import tasks  # tasks import this module

        transaction.on_commit(lambda: tasks.send_checkin_attempts.enqueue(attempt_ids=ids))
        report.to_send.extend(ids)


def dispatch_due_contacts(*, now: datetime, adapters: AdapterSet, worker_id: str, batch_size: int = DEFAULT_BATCH) -> CycleReport:
    """Claim one batch of automatic contacts that are due and make their first attempt."""
    report = CycleReport()
    due = DueContact.objects.filter(status=DueContact.Status.PENDING, due_at__lte=now, channel__in=services.AUTOMATIC_CHANNELS)
    if not any_due(due, by="due_at"):
        return report  # the usual minute: one read, no transaction
    token = _claim_token(worker_id)
    with transaction.atomic(), services.batch_memo():
        claimed = list(
            due.select_for_update(skip_locked=True, of=("self",))
            .select_related("person")
            .only(*_CLAIMED_FIELDS)
            .order_by("due_at", "pk")[:batch_size]
        )
        if not claimed:
            return report
        # The row lock is the claim while this transaction lasts. A channel that answers at once (the
        # simulator) is done before it ends, and the write that closes its contacts records the claim too
        # (claimed_by, attempt_count); a contact that waits for a call or a text is marked as taken now.
        waiting = [due.pk for due in claimed if not adapters.for_channel(due.channel).is_synchronous]
        if waiting:
            DueContact.objects.filter(pk__any=waiting, status=DueContact.Status.PENDING).update(
                status=DueContact.Status.IN_PROGRESS, claimed_by=token, attempt_count=F("attempt_count") + 1
            )
        attempts = []
        for due in claimed:
            due.attempt_count += 1
            policy = services.policy_for(due.person.district_id)
            attempt = unsaved(
                CheckinAttempt,
                number=due.attempt_count,
                channel=due.channel,
                started_at=now,
                deadline_at=now + _answer_window(due.channel, policy),
                worker_id=worker_id[:64],
            )
            attempt.due_contact = due
            attempts.append(attempt)
        _start(attempts, adapters=adapters, now=now, report=report, claimed_by=token)
        report.dialled = len(attempts)
    return report


def fire_due_retries(*, now: datetime, adapters: AdapterSet, worker_id: str, batch_size: int = DEFAULT_BATCH) -> CycleReport:
    """Claim one batch of ladders whose automatic retry is due and call again (RETRY:n)."""
    report = CycleReport()
    due = Escalation.objects.filter(state=State.RETRY, next_action_at__lte=now, resolved_at__isnull=True)
    if not any_due(due, by="next_action_at"):
        return report
    token = _claim_token(worker_id)
    with transaction.atomic(), services.batch_memo():
        ids = list(
            due.select_for_update(skip_locked=True).order_by("next_action_at", "pk").values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return report
        Escalation.objects.filter(pk__any=ids, state=State.RETRY, next_action_at__lte=now).update(
            next_action_at=None, claimed_by=token, version=F("version") + 1
        )
        claimed = list(
            Escalation.objects.filter(pk__any=ids, claimed_by=token, state=State.RETRY, next_action_at__isnull=True).values_list(
                "pk", "step", "due_contact_id", "district_id"
            )
        )
        for pk, _step, due_contact_id, _district in claimed:
            if due_contact_id is None:
                # Nothing left to call again (the contact was removed): the retry counts as unanswered.
                escalation = services.lock_escalation(pk)
                if escalation is not None:
                    services.apply_step_outcome(
                        escalation, step_key=escalation.step_key, event=ladder.Event.NOT_REACHED, now=now, actor=None
                    )
        claimed = [row for row in claimed if row[2] is not None]
        if not claimed:
            return report
        due_ids = [row[2] for row in claimed]
        DueContact.objects.filter(pk__any=due_ids).update(attempt_count=F("attempt_count") + 1)
        contacts = _claimed_contacts(due_ids)
        steps, attempts = [], []
        for pk, step, due_contact_id, district_id in claimed:
            due = contacts[due_contact_id]
            key = f"{State.RETRY}:{step}"
            steps.append(EscalationStep(escalation_id=pk, key=key, state=State.RETRY, number=step, fired_at=now))
            attempt = unsaved(
                CheckinAttempt,
                escalation_id=pk,
                step_key=key,
                number=due.attempt_count,
                channel=due.channel,
                started_at=now,
                deadline_at=now + _answer_window(due.channel, services.policy_for(district_id)),
                worker_id=worker_id[:64],
            )
            attempt.due_contact = due
            attempts.append(attempt)
        insert_rows(EscalationStep, steps)
        _start(attempts, adapters=adapters, now=now, report=report)
        report.retried = len(attempts)
    return report


def expire_attempts(*, now: datetime, batch_size: int = DEFAULT_BATCH) -> CycleReport:
    """Attempts nobody answered by their deadline (a call that never came back, an unanswered text): no answer."""
    report = CycleReport()
    expired = CheckinAttempt.objects.filter(status=CheckinAttempt.Status.STARTED, deadline_at__lte=now)
    if not expired.exists():
        return report
    with transaction.atomic():
        ids = list(
            expired.select_for_update(skip_locked=True).order_by("deadline_at", "pk").values_list("pk", flat=True)[:batch_size]
        )
        if ids:
            recorded = services.record_attempt_outcomes(
                outcomes=[services.AttemptOutcome(pk, answered=False) for pk in ids], now=now
            )
            report.expired = len(recorded)
    return report


def send_attempts(*, attempt_ids: list[int], adapters: AdapterSet, now: datetime) -> int:
    """Place the calls and send the texts of asynchronous attempts, at most once each. Returns how many went out.

    The claim (``sent`` marker in ``worker_id``) commits before the provider is
    called: a crash after it leaves the attempt unsent, and its deadline makes
    it "no answer", which the ladder retries. A channel without a provider, or
    a provider that refuses, fails the attempt at once.
    """
    sent = 0
    for attempt in CheckinAttempt.objects.filter(pk__any=attempt_ids, status=CheckinAttempt.Status.STARTED).select_related(
        "due_contact__person"
    ):
        with transaction.atomic():
            claimed = (
                CheckinAttempt.objects.filter(pk=attempt.pk, status=CheckinAttempt.Status.STARTED, provider_call_id__isnull=True)
                .exclude(worker_id__startswith="sent:")
                .update(worker_id=f"sent:{attempt.worker_id}"[:64])
            )
        if not claimed:
            continue
        request = CallRequest(
            attempt_id=attempt.pk,
            due_contact_id=attempt.due_contact_id,
            person_id=attempt.due_contact.person_id,
            number=attempt.number,
            channel=attempt.channel,
            phone=attempt.due_contact.person.phone,
        )
        via = attempt.channel
        try:
            try:
                provider_id = adapters.for_channel(attempt.channel).send(request, now=now)
            except RecipientRefused as refusal:
                via = FALLBACK_CHANNELS.get(attempt.channel, "")
                if not via:
                    raise
                # Recorded before the text goes out, so a failing fallback still shows why it was tried.
                CheckinAttempt.objects.filter(pk=attempt.pk).update(fallback_reason=refusal.code[:60])
                logger.info("check-in attempt %s: recipient refused (%s), sending %s", attempt.pk, refusal.code, via)
                provider_id = adapters.for_channel(via).send(replace(request, channel=via), now=now)
        except (ChannelNotConfigured, TransportError) as error:
            logger.warning("check-in attempt %s could not be sent: %s", attempt.pk, error)
            services.record_attempt_outcomes(outcomes=[services.AttemptOutcome(attempt.pk, answered=False, failed=True)], now=now)
            continue
        changes = {} if via == attempt.channel else {"sent_via": via}
        if provider_id:
            changes["provider_call_id"] = f"{_PROVIDER_PREFIX.get(via, '')}{provider_id}"[:64]
        if changes:
            CheckinAttempt.objects.filter(pk=attempt.pk, provider_call_id__isnull=True).update(**changes)
        sent += 1
    return sent


def alert_overdue_contacts(*, now: datetime, batch_size: int = DEFAULT_BATCH) -> CycleReport:
    """Contacts a named person should have made and has not logged for too long: a follow-up task for the centre."""
    report = CycleReport()
    floor = timedelta(hours=min(ladder.default_policy().overdue_alert_after_hours, 24))
    rows = list(
        DueContact.objects.filter(
            status=DueContact.Status.PENDING,
            channel__in=services.HUMAN_CHANNELS,
            due_at__lte=now - floor,
            overdue_alerted_at__isnull=True,
        )
        .select_related("person")
        .order_by("due_at", "pk")[:batch_size]
    )
    for due in rows:
        policy = services.policy_for(due.person.district_id)
        if due.due_at > now - timedelta(hours=policy.overdue_alert_after_hours):
            continue
        with transaction.atomic():
            if not DueContact.objects.filter(pk=due.pk, overdue_alerted_at__isnull=True).update(overdue_alerted_at=now):
                continue
            team = services.route_team(due.person, purpose="FIELD", daytime=True, policy=policy)
            open_task(
                actor=None,
                team=team,
                kind=CareTask.Kind.FOLLOW_UP_CALL,
                due_at=now,
                now=now,
                person=due.person,
                priority=CareTask.Priority.HIGH,
                title="안부 연락이 밀려 있음: 확인 전화 (Check-in contact overdue: call the person)",
                detail=f"{due.get_kind_display()} · {due.due_at:%Y-%m-%d}",
                source_type="checkins.duecontact",
                source_id=due.pk,
                dedupe_key=f"checkins:due:{due.pk}:overdue",
            )
        report.overdue_alerts += 1
    return report


def reconcile_closed_steps(*, now: datetime, batch_size: int = DEFAULT_BATCH) -> CycleReport:
    """Ladders whose current task was closed in the general task queue: read its outcome and climb on.

    UNREACHABLE counts as not reached (the follow-up opened by the task queue is
    adopted when it is the kind the ladder wants); any other outcome, as reached.
    """
    report = CycleReport()
    ids = list(
        Escalation.objects.filter(
            resolved_at__isnull=True,
            state__in=list(ladder.HUMAN_STATES),
            current_task__status__in=[
                CareTask.Status.DONE,
                CareTask.Status.CANCELLED,
            ],
        ).values_list("pk", flat=True)[:batch_size]
    )
    for pk in ids:
        with transaction.atomic():
            escalation = services.lock_escalation(pk)
            if escalation is None or escalation.current_task is None or escalation.current_task.is_open:
                continue
            task = escalation.current_task
            event = (
                ladder.Event.NOT_REACHED
                if task.outcome == services.UNREACHABLE or task.status == CareTask.Status.CANCELLED
                else ladder.Event.REACHED
            )
            if services.apply_step_outcome(
                escalation, step_key=escalation.step_key, event=event, now=now, actor=None, task_closed_elsewhere=True
            ):
                report.reconciled += 1
    return report


_OPEN_TASK = [CareTask.Status.OPEN, CareTask.Status.IN_PROGRESS]


def _unworked_current_steps():
    """Human steps that are still their ladder's current step, unalerted, with their task still open."""
    return EscalationStep.objects.filter(
        stall_alerted_at__isnull=True,
        outcome_at__isnull=True,
        state__in=list(ladder.HUMAN_STATES),
        state=F("escalation__state"),
        number=F("escalation__step"),
        escalation__resolved_at__isnull=True,
        escalation__current_task__status__in=_OPEN_TASK,
    )


def _stalled_steps_filter(now: datetime) -> Q | None:
    """Current human steps whose task has been open past its deadline by their district's grace, as one filter.

    None when there are none, which is most minutes: one short grouped query
    gives, per district and state (at most 25 × 6 rows), the earliest deadline
    among the unworked current steps, and only the pairs already past their
    grace go into the filter (pairs with the same grace share one condition).
    That grouped query is cheap to plan; the filter, an OR of joins, is not
    (about 2 ms a plan, every minute, before this check).
    """
    earliest = (
        _unworked_current_steps()
        .values("escalation__district_id", "state")
        .annotate(due=Min("escalation__current_task__due_at"))
        .values_list("escalation__district_id", "state", "due")
    )
    by_grace: dict[tuple[str, timedelta], list[int]] = {}
    for district_id, state, due in earliest:
        grace = ladder.stalled_after(state, services.policy_for(district_id))
        if grace is not None and due is not None and due <= now - grace:
            by_grace.setdefault((state, grace), []).append(district_id)
    if not by_grace:
        return None
    condition = Q()
    for (state, grace), ids in by_grace.items():
        condition |= Q(state=state, escalation__district_id__in=ids, escalation__current_task__due_at__lte=now - grace)
    return condition


def alert_stalled_steps(*, now: datetime, batch_size: int = DEFAULT_BATCH) -> CycleReport:
    """Raise, once per step, the human steps nobody worked: an urgent alert for the team on duty, a higher priority.

    A staff call, visit, door opening, trace, counsellor call or crisis response
    waits for a person (its ``next_action_at`` is empty), so without this sweep an
    unworked task would stall the ladder silently. A step is stalled when it is
    still the ladder's current step and its task is still open past its deadline
    by the district's ``stalled_step_grace_minutes``. Each batch is claimed with
    SELECT … FOR UPDATE SKIP LOCKED and a conditional UPDATE of the step's
    ``stall_alerted_at`` (two workers take disjoint rows; SQLite serialises them);
    the alert's dedupe key ``checkins:escalation:<id>:<step>:stalled`` is the
    database's own guard on top. The alert goes to the team the FIELD route names
    now (dong centre by day, the city control room at night, at weekends and on
    public holidays); the stalled task's priority goes up one level (once, with the
    alert). The ladder itself does not move, and nothing calls police or fire.
    """
    report = CycleReport()
    while True:
        alerted, full = _alert_stalled_batch(now=now, batch_size=batch_size)
        report.stall_alerts += alerted
        if not full:
            return report


def _alert_stalled_batch(*, now: datetime, batch_size: int) -> tuple[int, bool]:
    """Alert one batch; returns how many were alerted and whether the batch was full (more may be waiting)."""
    condition = _stalled_steps_filter(now)
    if condition is None:
        return 0, False
    stalled = _unworked_current_steps().filter(condition)
    # The usual minute: one read without a transaction finds nothing.
    candidates = list(stalled.order_by("pk").values_list("pk", flat=True)[:batch_size])
    if not candidates:
        return 0, False
    full = len(candidates) == batch_size
    with transaction.atomic(), services.batch_memo():
        # Locked and checked again: another worker may have taken some, or someone worked the task meanwhile.
        ids = list(
            stalled.filter(pk__any=candidates).select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True)
        )
        if not ids:
            return 0, full
        rows = list(
            EscalationStep.objects.filter(pk__any=ids, stall_alerted_at__isnull=True)
            .select_related("escalation__person", "escalation__current_task")
            .order_by("pk")
        )
        alerts: list[NewTask] = []
        stalled_tasks: dict[str, tuple[int, int]] = {}  # alert dedupe key -> (stalled task id, person id)
        routed: list[int] = []
        for step in rows:
            escalation = step.escalation
            policy = services.policy_for(escalation.district_id)
            daytime = ladder.is_daytime(now, policy)
            try:
                team = services.route_team(escalation.person, purpose="FIELD", daytime=daytime, policy=policy)
            except services.NoTeamToRoute:
                logger.error("stalled ladder step %s cannot be raised: no team to route to", step.pk)
                continue
            task = escalation.current_task
            key = f"checkins:escalation:{escalation.pk}:{step.key}:stalled"
            critical = step.state in (State.DOOR_OPENING, State.CRISIS)
            alerts.append(
                NewTask(
                    team=team,
                    kind=CareTask.Kind.STALLED_STEP,
                    title=ladder.STALL_ALERT_TITLES[State(step.state)],
                    due_at=now,
                    dedupe_key=key,
                    person=escalation.person,
                    priority=CareTask.Priority.CRISIS if critical else CareTask.Priority.URGENT,
                    detail=(
                        f"안부확인 단계 {step.key}, 할 일 #{task.pk} 기한 {task.due_at.astimezone(SEOUL):%Y-%m-%d %H:%M} "
                        f"(ladder step {step.key}, task #{task.pk} due {task.due_at.astimezone(SEOUL):%Y-%m-%d %H:%M})"
                        + (
                            "\n경찰·소방 요청은 담당자가 판단합니다 (a person decides whether to call police or fire service)"
                            if step.state == State.DOOR_OPENING
                            else ""
                        )
                    ),
                )
            )
            stalled_tasks[key] = (task.pk, escalation.person_id)
            routed.append(step.pk)
        if not routed:
            return 0, full
        EscalationStep.objects.filter(pk__any=routed, stall_alerted_at__isnull=True).update(stall_alerted_at=now)
        created, _existing = open_tasks_in_bulk(
            actor=None, tasks=alerts, now=now, source_type="checkins.escalationstep", source_id="stalled"
        )
        raised = [stalled_tasks[task.dedupe_key] for task in created]
        if raised:
            CareTask.objects.filter(
                pk__any=[task_id for task_id, _person in raised], status__in=_OPEN_TASK, priority__gt=CareTask.Priority.CRISIS
            ).update(priority=F("priority") - 1)
            record_access(
                actor=None,
                action="UPDATE",
                target_type="cases.caretask",
                listed_person_ids=sorted({person_id for _task, person_id in raised}),
                fields=["priority"],
                reason=f"{len(raised)} stalled ladder steps raised",
                at=now,
            )
        return len(routed), full


def _drain(step, **kwargs) -> CycleReport:
    total = CycleReport()
    while True:
        report = step(**kwargs)
        total.add(report)
        if not (report.dialled or report.retried or report.expired):
            return total


def run_cycle(
    *,
    now: datetime,
    adapters: AdapterSet,
    worker_id: str,
    batch_size: int = DEFAULT_BATCH,
    pace_seconds: float = 0.0,
    purge: bool = True,
) -> CycleReport:
    """One pass of every sweep for the moment ``now``, until no work is left. Safe to run on several workers at once.

    The routing look-ups (which team, whose lead worker) are remembered for the
    pass, a few seconds, rather than for each batch.
    """
    with services.batch_memo():
        return _run_steps(
            now=now, adapters=adapters, worker_id=worker_id, batch_size=batch_size, pace_seconds=pace_seconds, purge=purge
        )


def _run_steps(
    *, now: datetime, adapters: AdapterSet, worker_id: str, batch_size: int, pace_seconds: float, purge: bool
) -> CycleReport:
    report = CycleReport()
    report.scheduled = services.generate_due_contacts(now=now)

    def paced(step):
        def run(**kwargs):
            result = step(**kwargs)
            if pace_seconds:
                time.sleep(pace_seconds)
            return result

        return run

    report.add(_drain(paced(dispatch_due_contacts), now=now, adapters=adapters, worker_id=worker_id, batch_size=batch_size))
    report.add(_drain(paced(expire_attempts), now=now, batch_size=batch_size))
    report.add(_drain(paced(fire_due_retries), now=now, adapters=adapters, worker_id=worker_id, batch_size=batch_size))
    report.add(alert_overdue_contacts(now=now, batch_size=batch_size))
    report.add(reconcile_closed_steps(now=now, batch_size=batch_size))
    report.add(alert_stalled_steps(now=now, batch_size=batch_size))
    if purge:
        report.purged = services.purge_checkin_answers(now=now)
    return report
