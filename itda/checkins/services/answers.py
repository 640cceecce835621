"""Outcomes: what a volunteer or nurse logs, and how automatic calls and texts ended.

``record_attempt_outcomes`` is the one path for the simulator, the telephony webhooks, the SMS page and the deadlines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import CharField, F, JSONField, Value
from django.db.models.functions import Cast

from itda.audit.services import record_access
from itda.checkins import campaign, ladder, nlp
from itda.checkins.ladder import Event
from itda.checkins.models import CheckinAttempt, ContactPlan, DueContact, Escalation
from itda.checkins.services.escalations import Opening, batch_memo, finish_retries, open_escalations, raise_event
from itda.checkins.services.plans import count_missed
from itda.checkins.services.rules import MAX_NOTE_CHARS, CallMismatch, DueContactClosed, OutcomeRefused, user_or_none
from itda.contacts.models import ContactLog
from itda.contacts.services import ContactRefused, SelectedContacts, log_contact, log_selected_contacts
from itda.lib.bulk import insert_rows
from itda.people.models import Person

# --- human outcomes ----------------------------------------------------------------------------

_HUMAN_OUTCOMES = {
    DueContact.Outcome.REACHED_BY_PHONE: (ContactLog.Channel.PHONE, ContactLog.Outcome.REACHED),
    DueContact.Outcome.VISITED: (ContactLog.Channel.VISIT, ContactLog.Outcome.REACHED),
    DueContact.Outcome.NOT_REACHED: (ContactLog.Channel.PHONE, ContactLog.Outcome.NOT_REACHED),
    DueContact.Outcome.CONCERN: (ContactLog.Channel.PHONE, ContactLog.Outcome.CONCERN),
}


def log_due_contact_outcome(*, actor, due_contact: DueContact, outcome: str, now: datetime, note: str = "") -> DueContact:
    """Log what happened on a contact from a worklist, write the person's timeline and start any escalation.

    "Not reached" starts the ladder at the staff call; "concern" (which needs a
    note) goes to a counsellor now; a note that reads as self-harm opens the
    crisis path whatever was tapped. Raises OutcomeRefused or DueContactClosed.
    """
    note = (note or "").strip()
    if outcome not in _HUMAN_OUTCOMES:
        raise OutcomeRefused("결과를 골라 주세요 (choose an outcome)")
    if outcome == DueContact.Outcome.CONCERN and not note:
        raise OutcomeRefused("걱정되는 점을 한 줄 적어 주세요 (write a line about the concern)")
    if len(note) > MAX_NOTE_CHARS:
        raise OutcomeRefused(f"메모는 {MAX_NOTE_CHARS}자까지 쓸 수 있습니다 (notes can be up to {MAX_NOTE_CHARS} characters)")
    signals = sorted(nlp.analyse(note).signals) if note else []
    channel, contact_outcome = _HUMAN_OUTCOMES[outcome]
    if "SELF_HARM" in signals:
        contact_outcome = ContactLog.Outcome.CRISIS
    with transaction.atomic():
        claimed = DueContact.objects.filter(pk=due_contact.pk, status=DueContact.Status.PENDING).update(
            status=DueContact.Status.DONE,
            outcome=outcome,
            note=note,
            signals=signals,
            completed_at=now,
            completed_by=user_or_none(actor),
        )
        if not claimed:
            raise DueContactClosed("이미 기록된 연락입니다 (this contact has already been logged)")
        person = Person.objects.get(pk=due_contact.person_id)
        try:
            contact = log_contact(
                actor=actor,
                team=due_contact.team,
                channel=channel,
                direction=ContactLog.Direction.OUTBOUND,
                outcome=contact_outcome,
                started_at=now,
                person=person,
                topics=["checkin", *signals],
                note=note,
                source_type="checkins.duecontact",
                source_id=due_contact.pk,
            )
        except ContactRefused as error:
            raise OutcomeRefused(str(error)) from None
        DueContact.objects.filter(pk=due_contact.pk).update(contact_log=contact)
        record_access(
            actor=actor, action="UPDATE", target=due_contact, person_id=person.pk, fields=["status", "outcome", "note"], at=now
        )
        if due_contact.kind == ContactPlan.Kind.AI_CALL:
            if outcome == DueContact.Outcome.NOT_REACHED:
                count_missed([due_contact.plan_id], now=now, actor=actor)
            else:
                ContactPlan.objects.filter(pk=due_contact.plan_id, missed_in_row__gt=0).update(missed_in_row=0)
        source = "자원봉사자·방문간호 연락 (volunteer or nurse contact)"
        if "SELF_HARM" in signals:
            raise_event(
                person=person,
                event=Event.SELF_HARM,
                reason=ladder.Reason.SELF_HARM,
                due_contact_id=due_contact.pk,
                signals=signals,
                now=now,
                actor=actor,
                source=source,
            )
        elif outcome == DueContact.Outcome.CONCERN:
            raise_event(
                person=person,
                event=Event.RISK,
                reason=ladder.Reason.RISK,
                due_contact_id=due_contact.pk,
                signals=signals,
                now=now,
                actor=actor,
                source=source,
            )
        elif outcome == DueContact.Outcome.NOT_REACHED:
            raise_event(
                person=person,
                event=Event.NOT_REACHED,
                reason=ladder.Reason.NOT_REACHED,
                due_contact_id=due_contact.pk,
                signals=signals,
                now=now,
                actor=actor,
                source=source,
            )
        else:
            raise_event(
                person=person,
                event=Event.REACHED,
                reason=None,
                due_contact_id=due_contact.pk,
                signals=signals,
                now=now,
                actor=actor,
                source=source,
            )
    due_contact.refresh_from_db()
    return due_contact


# --- automatic attempts ------------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptOutcome:
    attempt_id: int
    answered: bool
    answers: dict = field(default_factory=dict)
    failed: bool = False
    late_answer_allowed: bool = False


_CONTACT_CHANNEL = {
    ContactPlan.Channel.VOICE: ContactLog.Channel.AI_CALL,
    ContactPlan.Channel.SMS_LINK: ContactLog.Channel.SMS,
    ContactPlan.Channel.MESSENGER_LINK: ContactLog.Channel.MESSENGER,
}


def _contact_outcome(answered: bool, signals: list[str]) -> str:
    if not answered:
        return ContactLog.Outcome.NOT_REACHED
    if "SELF_HARM" in signals:
        return ContactLog.Outcome.CRISIS
    return ContactLog.Outcome.CONCERN if signals else ContactLog.Outcome.REACHED


def _log_attempts_on_timeline(attempts: list[CheckinAttempt], now: datetime) -> None:
    """One ContactLog per stored attempt, and one audit entry naming every person in the batch.

    The entries are copied from the attempts and their due contacts in the
    database, one INSERT … SELECT per kind of entry (channel, outcome, signals):
    a batch of a thousand calls has a handful of kinds. Answers stay on the
    attempt (purged after a year); the timeline keeps the outcome and the
    signal codes only.
    """
    kinds: dict[tuple[str, str, tuple[str, ...]], list[int]] = {}
    for attempt in attempts:
        # The channel it went out on: a messenger message the gateway refused went as a text.
        channel = _CONTACT_CHANNEL.get(attempt.sent_via or attempt.channel, ContactLog.Channel.AI_CALL)
        outcome = _contact_outcome(attempt.status == CheckinAttempt.Status.ANSWERED, attempt.signals)
        kinds.setdefault((channel, outcome, tuple(attempt.signals)), []).append(attempt.pk)
    groups = [
        SelectedContacts(
            rows=CheckinAttempt.objects.filter(pk__any=ids),
            values={
                "person": F("due_contact__person_id"),
                "team": F("due_contact__team_id"),
                "channel": Value(channel),
                "direction": Value(ContactLog.Direction.OUTBOUND.value),
                "outcome": Value(outcome),
                "started_at": F("started_at"),
                "topics": Value(["checkin", *signals], output_field=JSONField()),
                "source_type": Value("checkins.attempt"),
                "source_id": Cast("pk", CharField(max_length=40)),
            },
        )
        for (channel, outcome, signals), ids in kinds.items()
    ]
    log_selected_contacts(
        groups,
        person_ids=[attempt.due_contact.person_id for attempt in attempts],
        at=now,
        reason=f"{len(attempts)} check-in attempts",
    )


def _finish(attempt: CheckinAttempt, outcome: AttemptOutcome, now: datetime) -> None:
    attempt.answers = campaign.clean_answers(outcome.answers) if outcome.answered else {}
    attempt.signals = sorted(campaign.signals_in(attempt.answers))
    if outcome.answered:
        attempt.status = CheckinAttempt.Status.ANSWERED
    else:
        attempt.status = CheckinAttempt.Status.FAILED if outcome.failed else CheckinAttempt.Status.NO_ANSWER
    attempt.finished_at = now


def record_attempt_outcomes(*, outcomes: list[AttemptOutcome], now: datetime, actor=None) -> list[int]:
    """Record how automatic attempts ended and act on them: the path of webhooks, the SMS page and deadlines.

    Idempotent: an attempt already finished is skipped (a repeated webhook, a
    second worker), except that an SMS answer arriving after its attempt timed
    out is still taken (``late_answer_allowed``) as a sign of life. For a first
    attempt the due contact is closed; no answer opens a ladder at RETRY:1, risk
    goes to a counsellor now, self-harm to the crisis path, a plain answer
    resolves a no-answer ladder already open. A retry's outcome moves its ladder.
    Returns the ids of the attempts recorded now.
    """
    if not outcomes:
        return []
    by_id = {outcome.attempt_id: outcome for outcome in outcomes}
    with transaction.atomic(), batch_memo():
        candidates = list(
            CheckinAttempt.objects.select_for_update(of=("self",))
            .filter(pk__any=list(by_id), status__in=[CheckinAttempt.Status.STARTED, CheckinAttempt.Status.NO_ANSWER])
            .select_related("due_contact", "due_contact__person")
            .order_by("pk")
        )
        fresh, late = [], []
        for attempt in candidates:
            outcome = by_id[attempt.pk]
            if attempt.status == CheckinAttempt.Status.STARTED:
                fresh.append(attempt)
            elif outcome.answered and outcome.late_answer_allowed and not attempt.answers:
                late.append(attempt)
        for attempt in fresh + late:
            _finish(attempt, by_id[attempt.pk], now)
        answered = [attempt for attempt in fresh + late if attempt.status == CheckinAttempt.Status.ANSWERED]
        if answered:
            CheckinAttempt.objects.bulk_update(answered, ["status", "finished_at", "answers", "signals"])
        for status in (CheckinAttempt.Status.NO_ANSWER, CheckinAttempt.Status.FAILED):
            ids = [attempt.pk for attempt in fresh if attempt.status == status]
            if ids:
                CheckinAttempt.objects.filter(pk__any=ids).update(status=status, finished_at=now)
        if not fresh and not late:
            return []
        _act_on_finished(fresh, now=now, actor=actor)
        for attempt in late:
            _log_attempts_on_timeline([attempt], now)
            _take_late_answer(attempt, now=now, actor=actor)
    return [attempt.pk for attempt in fresh + late]


def store_answered_attempts(
    *, attempts: list[CheckinAttempt], outcomes: list[AttemptOutcome], now: datetime, actor=None, claimed_by: str = ""
) -> None:
    """Store attempts whose channel answered at once (the simulator), finished, and act on them as above.

    ``attempts`` are unsaved, each with its claimed due contact (and person)
    attached; ``outcomes[i]`` is how ``attempts[i]`` ended. Writing the attempt
    once, already finished, is what lets a weekly cycle of a hundred thousand
    calls stay set-based. Call inside the transaction that claimed the contacts.
    With ``claimed_by``, the first attempts' contacts were locked but not marked
    as taken: closing them records the claim (the token, one more attempt) in
    the same write.
    """
    for attempt, outcome in zip(attempts, outcomes, strict=True):
        _finish(attempt, outcome, now)
    # No savepoint (two round trips a batch): nothing here is retried on its own, a failure rolls back the claim too.
    with transaction.atomic(savepoint=False), batch_memo():
        insert_rows(CheckinAttempt, attempts)
        _act_on_finished(attempts, now=now, actor=actor, claimed_by=claimed_by)


def _act_on_finished(attempts: list[CheckinAttempt], *, now: datetime, actor, claimed_by: str = "") -> None:
    _log_attempts_on_timeline(attempts, now)
    _close_first_attempts(
        [attempt for attempt in attempts if attempt.escalation_id is None], now=now, actor=actor, claimed_by=claimed_by
    )
    retries = [attempt for attempt in attempts if attempt.escalation_id is not None]
    if not retries:
        return
    # An answered retry also closes the week's check-in as answered, late.
    answered = [attempt for attempt in retries if attempt.status == CheckinAttempt.Status.ANSWERED]
    for (outcome, signals), ids in _group_by_outcome(answered).items():
        DueContact.objects.filter(pk__any=ids, outcome=DueContact.Outcome.NO_ANSWER).update(
            outcome=outcome, signals=list(signals)
        )
    if answered:
        ContactPlan.objects.filter(pk__any={a.due_contact.plan_id for a in answered}, missed_in_row__gt=0).update(missed_in_row=0)
    finish_retries(
        [
            (
                attempt.escalation_id,
                attempt.step_key,
                ladder.event_for(answered=attempt.status == "ANSWERED", signals=attempt.signals),
            )
            for attempt in retries
        ],
        now=now,
        actor=actor,
    )


def _group_by_outcome(attempts: list[CheckinAttempt]) -> dict[tuple[str, tuple[str, ...]], list[int]]:
    groups: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    for attempt in attempts:
        outcome = DueContact.Outcome.CONCERN if attempt.signals else DueContact.Outcome.ANSWERED
        groups.setdefault((outcome, tuple(attempt.signals)), []).append(attempt.due_contact_id)
    return groups


def _close_first_attempts(attempts: list[CheckinAttempt], *, now: datetime, actor, claimed_by: str = "") -> None:
    """Close the due contacts of first attempts in bulk and hand anything short of a plain answer to the ladder."""
    if not attempts:
        return
    claim = {"claimed_by": claimed_by, "attempt_count": F("attempt_count") + 1} if claimed_by else {}
    answered = [a for a in attempts if a.status == CheckinAttempt.Status.ANSWERED]
    silent = [a for a in attempts if a.status != CheckinAttempt.Status.ANSWERED]
    for (outcome, signals), ids in _group_by_outcome(answered).items():
        DueContact.objects.filter(pk__any=ids).update(
            status=DueContact.Status.DONE, outcome=outcome, signals=list(signals), completed_at=now, **claim
        )
    if silent:
        DueContact.objects.filter(pk__any=[a.due_contact_id for a in silent]).update(
            status=DueContact.Status.DONE, outcome=DueContact.Outcome.NO_ANSWER, completed_at=now, **claim
        )
    if answered:
        ContactPlan.objects.filter(pk__any={a.due_contact.plan_id for a in answered}, missed_in_row__gt=0).update(missed_in_row=0)
    if silent:
        count_missed(sorted({a.due_contact.plan_id for a in silent}), now=now, actor=actor)
    openings = []
    for attempt in silent + [a for a in answered if a.signals]:
        event = ladder.event_for(answered=attempt.status == CheckinAttempt.Status.ANSWERED, signals=attempt.signals)
        reason = ladder.Reason.NO_ANSWER if event == Event.NOT_REACHED else ladder.Reason(event)
        openings.append(
            Opening(
                person=attempt.due_contact.person,
                reason=reason,
                due_contact_id=attempt.due_contact_id,
                signals=tuple(attempt.signals),
                source="AI 안부확인 (AI check-in)",
            )
        )
    open_escalations(openings, now=now, actor=actor)
    plain = [a for a in answered if not a.signals]
    if plain:
        open_for = set(
            Escalation.objects.filter(
                person_id__any=[a.due_contact.person_id for a in plain], resolved_at__isnull=True
            ).values_list("person_id", flat=True)
        )
        for attempt in plain:
            if attempt.due_contact.person_id in open_for:
                raise_event(
                    person=attempt.due_contact.person,
                    event=Event.REACHED,
                    reason=None,
                    due_contact_id=attempt.due_contact_id,
                    signals=[],
                    now=now,
                    actor=actor,
                    source="AI 안부확인 응답 (answered the AI check-in)",
                )


def _take_late_answer(attempt: CheckinAttempt, *, now: datetime, actor) -> None:
    """An SMS check-in answered after its attempt timed out: a sign of life, and maybe a worry."""
    event = ladder.event_for(answered=True, signals=attempt.signals)
    outcome = DueContact.Outcome.CONCERN if attempt.signals else DueContact.Outcome.ANSWERED
    DueContact.objects.filter(pk=attempt.due_contact_id, outcome=DueContact.Outcome.NO_ANSWER).update(
        outcome=outcome, signals=attempt.signals
    )
    ContactPlan.objects.filter(pk=attempt.due_contact.plan_id, missed_in_row__gt=0).update(missed_in_row=0)
    reason = None if event == Event.REACHED else ladder.Reason(event)
    raise_event(
        person=attempt.due_contact.person,
        event=event,
        reason=reason,
        due_contact_id=attempt.due_contact_id,
        signals=attempt.signals,
        now=now,
        actor=actor,
        source="안부확인 문자 응답 (answered the check-in text)",
    )


def record_call_answer(
    *, attempt_id: int, provider_call_id: str, question: str, digits: str, speech: str, now: datetime
) -> CheckinAttempt:
    """Store one answer of a call in progress (a Gather callback). Idempotent on (call, question).

    The first webhook binds the provider's call id to the attempt; a webhook
    naming another call raises CallMismatch. An answer to a question already
    answered, or after the attempt ended, changes nothing.
    """
    with transaction.atomic():
        attempt = _bind_call(attempt_id, provider_call_id)
        if attempt.is_open and question and question not in attempt.answers:
            cleaned = campaign.clean_answers({question: {"digits": digits, "speech": speech}})
            answers = {**attempt.answers, **cleaned} if cleaned else {**attempt.answers, question: {}}
            CheckinAttempt.objects.filter(pk=attempt.pk).update(answers=answers)
            attempt.answers = answers
    return attempt


def finish_call(*, attempt_id: int, provider_call_id: str, completed: bool, failed: bool, now: datetime) -> CheckinAttempt:
    """The call ended: answered when it completed with at least one answer, otherwise no answer. Idempotent."""
    with transaction.atomic():
        attempt = _bind_call(attempt_id, provider_call_id)
        if attempt.is_open:
            answers = {code: answer for code, answer in attempt.answers.items() if answer}
            answered = completed and bool(answers)
            record_attempt_outcomes(
                outcomes=[AttemptOutcome(attempt.pk, answered=answered, answers=answers, failed=failed and not answered)], now=now
            )
    attempt.refresh_from_db()
    return attempt


def _bind_call(attempt_id: int, provider_call_id: str) -> CheckinAttempt:
    attempt = CheckinAttempt.objects.select_for_update().filter(pk=attempt_id).first()
    if attempt is None:
        raise CallMismatch("알 수 없는 통화입니다 (unknown call)")
    call_id = (provider_call_id or "")[:64]
    if not call_id:
        raise CallMismatch("통화 번호(CallSid)가 없습니다 (CallSid is missing)")
    if attempt.provider_call_id and attempt.provider_call_id != call_id:
        raise CallMismatch("다른 통화에 대한 요청입니다 (the request names another call)")
    if not attempt.provider_call_id:
        try:
            with transaction.atomic():
                CheckinAttempt.objects.filter(pk=attempt.pk).update(provider_call_id=call_id)
        except IntegrityError:
            raise CallMismatch("이미 다른 시도에 연결된 통화입니다 (the call belongs to another attempt)") from None
        attempt.provider_call_id = call_id
    return attempt


def take_sms_answer(*, attempt_id: int, answers: dict, now: datetime) -> CheckinAttempt:
    """Answers from the check-in page behind an SMS link. One-time: a second submission changes nothing.

    Raises OutcomeRefused when no question was answered.
    """
    cleaned = campaign.clean_answers(answers)
    if not cleaned:
        raise OutcomeRefused("하나 이상 답해 주세요 (please answer at least one question)")
    record_attempt_outcomes(
        outcomes=[AttemptOutcome(attempt_id, answered=True, answers=cleaned, late_answer_allowed=True)], now=now
    )
    return CheckinAttempt.objects.get(pk=attempt_id)
