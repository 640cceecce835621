"""Contact plans and the sweep that makes contacts due; switching channel after lapsed answers; retention."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import F

from itda.audit.services import record_access
from itda.cases.models import CareTask
from itda.cases.services import open_task
from itda.checkins import ladder
from itda.checkins.models import CheckinAttempt, ContactPlan, DueContact, EscalationPolicy, EscalationStep
from itda.checkins.services.escalations import route_team
from itda.checkins.services.policies import policy_for
from itda.checkins.services.rules import ContactPlanInvalid, user_or_none
from itda.lib.lookups import among_ids_sql
from itda.lib.sweeps import any_due
from itda.programs.hours import SEOUL

# Visiting health care (방문건강관리) groups: (default days between visits, the longest allowed).
NURSE_INTERVALS = {"INTENSIVE": (7, 14), "REGULAR": (90, 90), "HEALTHY": (180, 180)}
CARE_GROUP_MAX_DAYS = 7
AI_CALL_DAYS = 7
DEFAULT_CONTACT_TIME = time(9, 0)


# --- contact plans -----------------------------------------------------------------------------


def _next_slot(weekday: int, at_time: time, after: datetime, *, inclusive: bool) -> datetime:
    """The first moment on ``weekday`` at ``at_time`` (Seoul) at or after ``after``."""
    local = after.astimezone(SEOUL)
    day = local.date() + timedelta(days=(weekday - local.weekday()) % 7)
    candidate = datetime.combine(day, at_time, tzinfo=SEOUL)
    if candidate < after or (candidate == after and not inclusive):
        candidate += timedelta(days=7)
    return candidate


def _first_due_at(plan: ContactPlan, now: datetime) -> datetime:
    if plan.preferred_weekday is not None:
        return _next_slot(plan.preferred_weekday, plan.preferred_time or DEFAULT_CONTACT_TIME, now, inclusive=True)
    return now


def _following_due_at(plan: ContactPlan, previous: datetime, now: datetime) -> datetime:
    """The due moment after ``previous``; a plan the sweep fell behind on skips to the first one after now."""
    candidate = previous + timedelta(days=plan.interval_days)
    if candidate > now:
        return candidate
    if plan.preferred_weekday is not None and plan.interval_days == 7:
        return _next_slot(plan.preferred_weekday, plan.preferred_time or DEFAULT_CONTACT_TIME, now, inclusive=False)
    behind = (now - candidate) // timedelta(days=plan.interval_days) + 1
    return candidate + behind * timedelta(days=plan.interval_days)


def _nurse_interval(person, interval_days: int | None) -> int:
    try:
        from itda.households.queries import visiting_care_group
    except ImportError:
        visiting_care_group = None
    group = visiting_care_group(person) if visiting_care_group is not None else None
    if group is None:
        if interval_days is None:
            raise ContactPlanInvalid(
                "방문건강관리 군(집중·정기·자기역량)이 정해지지 않아 방문 주기를 알 수 없습니다 "
                "(the visiting-care group is not set, so the visit interval is unknown)"
            )
        if interval_days > NURSE_INTERVALS["HEALTHY"][1]:
            raise ContactPlanInvalid("방문 주기는 180일을 넘을 수 없습니다 (visits must be at most 180 days apart)")
        return interval_days
    default, longest = NURSE_INTERVALS[group]
    if interval_days is None:
        return default
    if interval_days > longest:
        raise ContactPlanInvalid(
            f"{group} 군은 {longest}일 안에 한 번 이상 방문해야 합니다 "
            f"(the {group.lower()} group needs a visit at least every {longest} days)"
        )
    return interval_days


def _plan_shape(*, person, kind: str, owner, interval_days, preferred_weekday, preferred_time, channel: str, existing):
    """Check the requested cadence and fill the defaults. Returns (interval, weekday, time, channel)."""
    if kind not in ContactPlan.Kind.values:
        raise ContactPlanInvalid(f"알 수 없는 계획 종류입니다: {kind} (unknown plan kind: {kind})")
    if preferred_weekday is not None and not 0 <= preferred_weekday <= 6:
        raise ContactPlanInvalid("요일은 0(월)–6(일) 사이여야 합니다 (weekday must be 0 (Monday) to 6 (Sunday))")
    if kind == ContactPlan.Kind.CARE_GROUP:
        if owner is None:
            raise ContactPlanInvalid(
                "돌봄단 안부확인에는 담당 자원봉사자가 필요합니다 (a care-group plan needs its named volunteer)"
            )
        interval = interval_days if interval_days is not None else CARE_GROUP_MAX_DAYS
        if not 1 <= interval <= CARE_GROUP_MAX_DAYS:
            raise ContactPlanInvalid(
                "돌봄단은 적어도 일주일에 한 번 연락해야 합니다 (the care group must be in touch at least weekly)"
            )
        return interval, preferred_weekday, preferred_time, ContactPlan.Channel.IN_PERSON
    if kind == ContactPlan.Kind.NURSE_VISIT:
        interval = _nurse_interval(person, interval_days)
        return interval, preferred_weekday, preferred_time, ContactPlan.Channel.IN_PERSON
    if interval_days not in (None, AI_CALL_DAYS):
        raise ContactPlanInvalid("AI 안부전화는 매주 한 번입니다 (the AI check-in call is weekly)")
    policy = policy_for(person.district_id)
    weekday = (
        preferred_weekday
        if preferred_weekday is not None
        else (existing.preferred_weekday if existing else policy.default_call_weekday)
    )
    slot_time = preferred_time or (existing.preferred_time if existing else policy.default_call_time)
    if channel and channel not in (
        ContactPlan.Channel.VOICE,
        ContactPlan.Channel.SMS_LINK,
        ContactPlan.Channel.MESSENGER_LINK,
        ContactPlan.Channel.VOLUNTEER_CALL,
    ):
        raise ContactPlanInvalid(
            f"AI 안부확인에 쓸 수 없는 연락 수단입니다: {channel} (channel not usable for AI check-ins: {channel})"
        )
    chosen = channel or (existing.channel if existing else ContactPlan.Channel.VOICE)
    return AI_CALL_DAYS, weekday, slot_time, chosen


def ensure_contact_plan(
    *,
    actor,
    person,
    kind: str,
    team,
    now: datetime,
    owner=None,
    interval_days: int | None = None,
    preferred_weekday: int | None = None,
    preferred_time: time | None = None,
    channel: str = "",
) -> ContactPlan:
    """Make sure the person has one active plan of this kind with this owner and cadence.

    Idempotent: calling again with the same values changes nothing; new values
    update the plan and its pending due contacts (owner, channel) and, when the
    cadence changes, its next due moment. For AI calls an empty channel or slot
    keeps the current one (a channel switched after lapsed answers stays
    switched). Raises ContactPlanInvalid when the cadence breaks the rules:
    care group at least weekly, nurse visits by visiting-care group (intensive
    every 7–14 days, regular ≤ 90, healthy ≤ 180), AI calls weekly.
    """
    with transaction.atomic():
        plan = ContactPlan.objects.select_for_update().filter(person=person, kind=kind, end_at__isnull=True).first()
        interval, weekday, slot_time, chosen_channel = _plan_shape(
            person=person,
            kind=kind,
            owner=owner,
            interval_days=interval_days,
            preferred_weekday=preferred_weekday,
            preferred_time=preferred_time,
            channel=channel,
            existing=plan,
        )
        owner_id = (
            owner.pk if owner is not None else (plan.owner_id if plan is not None and kind == ContactPlan.Kind.AI_CALL else None)
        )
        if plan is None:
            plan = ContactPlan(
                person=person,
                kind=kind,
                team=team,
                owner_id=owner_id,
                interval_days=interval,
                preferred_weekday=weekday,
                preferred_time=slot_time,
                channel=chosen_channel,
                start_at=now,
                created_by=user_or_none(actor),
            )
            plan.next_due_at = _first_due_at(plan, now)
            plan.save()
            record_access(
                actor=actor,
                action="CREATE",
                target=plan,
                person_id=person.pk,
                fields=["kind", "owner", "interval_days", "channel"],
                at=now,
            )
            return plan
        changes = {
            "team_id": team.pk,
            "owner_id": owner_id,
            "interval_days": interval,
            "preferred_weekday": weekday,
            "preferred_time": slot_time,
            "channel": chosen_channel,
        }
        changed = [name for name, value in changes.items() if getattr(plan, name) != value]
        if not changed:
            return plan
        cadence_changed = bool({"interval_days", "preferred_weekday", "preferred_time"} & set(changed))
        for name, value in changes.items():
            setattr(plan, name, value)
        if "channel" in changed:
            plan.missed_in_row = 0
        if cadence_changed:
            # Pending contacts of the old cadence still in the future give way to the new one.
            DueContact.objects.filter(plan=plan, status=DueContact.Status.PENDING, due_at__gt=now).update(
                status=DueContact.Status.CANCELLED, completed_at=now
            )
            plan.next_due_at = (
                _first_due_at(plan, now)
                if plan.preferred_weekday is not None
                else min(plan.next_due_at or now, now + timedelta(days=plan.interval_days))
            )
        plan.save()
        DueContact.objects.filter(plan=plan, status=DueContact.Status.PENDING).update(
            owner_id=plan.owner_id, channel=plan.channel, team_id=plan.team_id
        )
        record_access(
            actor=actor,
            action="UPDATE",
            target=plan,
            person_id=person.pk,
            fields=[name.removesuffix("_id") for name in changed],
            at=now,
        )
    return plan


def set_checkin_call(*, actor, person, preferred_weekday: int, preferred_time: time, channel: str, now: datetime) -> ContactPlan:
    """Set the person's weekly AI check-in call (day, time, channel) from the console, run by their dong or district centre.

    Raises ContactPlanInvalid, or NoTeamToRoute when the district has no centre.
    """
    team = route_team(person, purpose="FIELD", daytime=True, policy=policy_for(person.district_id))
    return ensure_contact_plan(
        actor=actor,
        person=person,
        kind=ContactPlan.Kind.AI_CALL,
        team=team,
        now=now,
        preferred_weekday=preferred_weekday,
        preferred_time=preferred_time,
        channel=channel,
    )


def end_contact_plan(*, actor, person, kind: str, now: datetime) -> ContactPlan | None:
    """End the person's active plan of this kind and cancel its pending contacts. Ending no plan changes nothing.

    Open escalations are left alone: a plan ending never closes a ladder on someone unreached.
    """
    with transaction.atomic():
        plan = ContactPlan.objects.select_for_update().filter(person=person, kind=kind, end_at__isnull=True).first()
        if plan is None:
            return None
        plan.end_at = now if now > plan.start_at else plan.start_at + timedelta(microseconds=1)
        plan.next_due_at = None
        plan.save(update_fields=["end_at", "next_due_at"])
        cancelled = DueContact.objects.filter(plan=plan, status=DueContact.Status.PENDING).update(
            status=DueContact.Status.CANCELLED, completed_at=now
        )
        record_access(
            actor=actor,
            action="UPDATE",
            target=plan,
            person_id=person.pk,
            fields=["end_at"],
            reason=f"{cancelled} pending cancelled",
            at=now,
        )
    return plan


def generate_due_contacts(*, now: datetime, horizon: timedelta = timedelta(hours=24), batch_size: int = 2000) -> int:
    """The sweep: turn every active plan's next due moment up to ``now + horizon`` into a DueContact.

    Idempotent and safe with several workers: plans are claimed with SELECT … FOR
    UPDATE SKIP LOCKED, and (plan, due moment) is unique, so a rerun or a crash
    between batches never makes a contact twice. Returns how many were made.
    """
    until = now + horizon
    made = 0
    due = ContactPlan.objects.filter(end_at__isnull=True, next_due_at__lte=until)
    if not any_due(due, by="next_due_at"):
        return made  # the usual minute: one read, no transaction
    while True:
        with transaction.atomic():
            plans = list(
                due.select_for_update(skip_locked=True)
                .order_by("next_due_at", "pk")
                .values_list("pk", "next_due_at", "interval_days", "preferred_weekday", "preferred_time")[:batch_size]
            )
            if not plans:
                return made
            _insert_due_contacts([pk for pk, *_rest in plans])
            by_interval: dict[int, list[int]] = {}
            behind = []
            for pk, next_due_at, interval_days, weekday, slot_time in plans:
                if next_due_at + timedelta(days=interval_days) > now:
                    by_interval.setdefault(interval_days, []).append(pk)
                else:
                    shape = ContactPlan(pk=pk, interval_days=interval_days, preferred_weekday=weekday, preferred_time=slot_time)
                    shape.next_due_at = _following_due_at(shape, next_due_at, now)
                    behind.append(shape)
            for days, ids in by_interval.items():
                ContactPlan.objects.filter(pk__any=ids).update(next_due_at=F("next_due_at") + timedelta(days=days))
            if behind:
                ContactPlan.objects.bulk_update(behind, ["next_due_at"])
            made += len(plans)


def _insert_due_contacts(plan_ids: list[int]) -> None:
    """INSERT … SELECT the due contacts of these plans at their next due moment, in one statement.

    The one raw statement of the app: a hundred thousand rows a week are made
    here, and building them as model objects cost more than the rest of the
    sweep. A (plan, moment) already made is kept (ON CONFLICT DO NOTHING; both
    PostgreSQL and SQLite ≥ 3.24 read it).
    """
    quote = connection.ops.quote_name
    chosen, params = among_ids_sql("id", plan_ids, connection)  # one array parameter on PostgreSQL
    columns = (
        "plan_id, person_id, kind, channel, team_id, owner_id, due_at, status, outcome, attempt_count, claimed_by, signals, note"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(DueContact._meta.db_table)} ({columns}) "  # noqa: S608 - table names from the models, values as parameters
            f"SELECT id, person_id, kind, channel, team_id, owner_id, next_due_at, 'PENDING', '', 0, '', '[]', '' "
            f"FROM {quote(ContactPlan._meta.db_table)} WHERE {chosen} ON CONFLICT DO NOTHING",
            params,
        )


# --- lapsed engagement -------------------------------------------------------------------------


def _lapse_threshold_floor() -> int:
    overrides = [row.get("lapsed_after_weeks") for row in EscalationPolicy.objects.values_list("overrides", flat=True)]
    return min([ladder.default_policy().lapsed_after_weeks, *[value for value in overrides if isinstance(value, int)]])


def count_missed(plan_ids: list[int], *, now: datetime, actor) -> None:
    """One more check-in in a row without an answer; after the policy's N weeks, switch the channel."""
    ContactPlan.objects.filter(pk__any=plan_ids, kind=ContactPlan.Kind.AI_CALL, end_at__isnull=True).update(
        missed_in_row=F("missed_in_row") + 1
    )
    floor = _lapse_threshold_floor()
    for plan in ContactPlan.objects.filter(pk__any=plan_ids, missed_in_row__gte=floor, end_at__isnull=True).select_related(
        "person"
    ):
        if plan.missed_in_row >= policy_for(plan.person.district_id).lapsed_after_weeks:
            switch_channel_after_lapse(plan=plan, now=now, actor=actor)


def switch_channel_after_lapse(*, plan: ContactPlan, now: datetime, actor=None) -> ContactPlan:
    """Someone stopped answering: try the next channel before anything closes.

    The order is the policy's ``channel_ladder`` (default: AI call → SMS link → messenger link → volunteer
    call). The messenger step is skipped where no messenger gateway is configured: a messenger message to
    someone it cannot reach goes out as the same text message, so the step would add nothing but weeks.

    After the last channel, the plan stays and its team gets a review task. A
    switch to volunteer calls names the person's volunteer, or asks the team to
    allocate one.
    """
    person = plan.person
    policy = policy_for(person.district_id)
    channels = list(policy.channel_ladder)
    if plan.channel != ContactPlan.Channel.MESSENGER_LINK and not _messenger_configured():
        # No messenger gateway here: the step would only repeat the text message, so the ladder skips it.
        channels = [channel for channel in channels if channel != ContactPlan.Channel.MESSENGER_LINK]
    position = channels.index(plan.channel) if plan.channel in channels else -1
    with transaction.atomic():
        if position + 1 >= len(channels):
            ContactPlan.objects.filter(pk=plan.pk).update(missed_in_row=0)
            team = route_team(person, purpose="FIELD", daytime=True, policy=policy)
            open_task(
                actor=actor,
                team=team,
                kind=CareTask.Kind.REVIEW,
                due_at=now + timedelta(days=3),
                now=now,
                person=person,
                priority=CareTask.Priority.HIGH,
                title="안부확인에 어떤 수단으로도 응답 없음: 계획 검토 (No answer on any channel: review the plan)",
                source_type="checkins.contactplan",
                source_id=plan.pk,
                dedupe_key=f"checkins:plan:{plan.pk}:lapsed:{now:%Y%m%d}",
            )
            record_access(
                actor=actor,
                action="UPDATE",
                target=plan,
                person_id=person.pk,
                fields=["missed_in_row"],
                reason="lapsed on every channel",
                at=now,
            )
            plan.missed_in_row = 0
            return plan
        channel = channels[position + 1]
        owner_id = plan.owner_id
        if channel == ContactPlan.Channel.VOLUNTEER_CALL:
            volunteer = _current_volunteer(person)
            owner_id = volunteer.pk if volunteer is not None else None
            if volunteer is None:
                open_task(
                    actor=actor,
                    team=plan.team,
                    kind=CareTask.Kind.ALLOCATION,
                    due_at=now + timedelta(days=2),
                    now=now,
                    person=person,
                    priority=CareTask.Priority.HIGH,
                    title="안부전화 무응답: 자원봉사자 배정 필요 (Check-ins unanswered: allocate a volunteer)",
                    source_type="checkins.contactplan",
                    source_id=plan.pk,
                    dedupe_key=f"checkins:plan:{plan.pk}:allocate",
                )
        ContactPlan.objects.filter(pk=plan.pk).update(channel=channel, owner_id=owner_id, missed_in_row=0)
        DueContact.objects.filter(plan=plan, status=DueContact.Status.PENDING).update(channel=channel, owner_id=owner_id)
        record_access(
            actor=actor,
            action="UPDATE",
            target=plan,
            person_id=person.pk,
            fields=["channel", "owner"],
            reason="lapsed engagement",
            at=now,
        )
    plan.refresh_from_db()
    return plan


def _messenger_configured() -> bool:
    from itda.checkins.adapters.messenger import is_configured

    return is_configured()


def _current_volunteer(person):
    try:
        from itda.volunteers.queries import current_volunteer_for
    except ImportError:
        return None
    return current_volunteer_for(person)


# --- retention -----------------------------------------------------------------------------------


def purge_checkin_answers(*, now: datetime) -> int:
    """Blank free-text answers and notes older than the policy's retention; signal codes stay. Returns rows changed."""
    cutoff = now - timedelta(days=ladder.default_policy().answer_retention_days)
    with transaction.atomic():
        changed = CheckinAttempt.objects.filter(finished_at__lt=cutoff).exclude(answers={}).update(answers={})
        changed += DueContact.objects.filter(completed_at__lt=cutoff).exclude(note="").update(note="")
        changed += EscalationStep.objects.filter(outcome_at__lt=cutoff).exclude(note="").update(note="")
        if changed:
            record_access(
                actor=None,
                action="UPDATE",
                target_type="checkins.answers",
                fields=["answers", "note"],
                reason=f"{changed} answers and notes past retention blanked",
                at=now,
            )
    return changed
