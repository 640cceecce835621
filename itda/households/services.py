"""Write use-cases of the registry of monitored people. Each runs in one transaction and writes its audit entry.

Exceptions: ``RegistryChangeRefused`` (the actor may not change this person's registry) and
``RegistryDataInvalid`` (``errors`` maps field names to Korean-first messages). Both leave nothing changed.

Side effects on other apps go through their services: a level lowered to LOW or an ended monitoring
releases the household's volunteer (``itda.volunteers.services.release_allocation``); visiting care keeps
the nurses' contact plan in step (``itda.checkins.services.ensure_contact_plan`` / ``end_contact_plan``)
and puts the named nurse on the case (``itda.cases.services.assign_worker``); a high- or medium-risk
assessment of someone who agreed to be contacted can start the weekly AI check-in call at the slot of
their preferred channel (``start_checkin_calls``).
"""

from __future__ import annotations

import re
from datetime import datetime, time

from django.db import transaction

from itda.accounts.models import Team, User
from itda.audit.services import record_access
from itda.households.models import ContactChannel, Guardian, MonitoringEnrolment, RiskLevel, VisitingCareEnrolment
from itda.households.permissions import can_change_registry
from itda.lib.privacy import contains_resident_registration_number
from itda.people.models import Person

GUARDIAN_CONSENT_WORDING_VERSION = "guardian-2026-01"
CONTACT_CONSENT_WORDING_VERSION = "care-contact-2026-01"
VISITING_CARE_MINIMUM_AGE = 65
_RRN_MESSAGE = "주민등록번호는 저장하지 않습니다. 지워 주세요. (Resident registration numbers are never stored.)"
_PHONE = re.compile(r"^0\d{8,10}$")


class RegistryChangeRefused(Exception):
    """The acting user may not change this person's registry."""


class RegistryDataInvalid(Exception):
    """The data cannot be stored; ``errors`` maps field names to Korean-first messages."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


def _authorise(actor, person: Person) -> None:
    if not can_change_registry(actor, person):
        raise RegistryChangeRefused("scope")


def _check_text(errors: dict[str, str], field: str, value: str, *, required: bool, label: str, limit: int) -> None:
    if contains_resident_registration_number(value):
        errors[field] = _RRN_MESSAGE
    elif required and not value.strip():
        errors[field] = label
    elif len(value) > limit:
        errors[field] = f"{limit}자 이내로 입력하세요. (At most {limit} characters.)"


def is_valid_phone(value: str) -> bool:
    """A Korean phone number: 9–11 digits starting with 0, dashes and spaces allowed (010-0000-0001)."""
    return bool(_PHONE.match(re.sub(r"[\s-]", "", value or "")))


def _active(queryset):
    return queryset.select_for_update().filter(end_at__isnull=True).first()


def record_risk_assessment(
    *,
    actor,
    person: Person,
    level: str,
    basis: str,
    reason: str,
    now: datetime,
    source_type: str = "",
    source_id: str | int = "",
    source=None,
    contact_consent_wording_version: str = "",
    start_checkin_calls: bool = False,
) -> MonitoringEnrolment:
    """Record a lonely-death risk level for a person, from a screening, a survey or a worker's judgement.

    The new assessment starts a new monitoring period and ends the previous one (history is kept). A
    level lowered to LOW releases the household's care-group volunteer (the Seoul model follows low risk
    with smart check-ins instead). With ``contact_consent_wording_version``, the person's consent to be
    contacted by the care team (care-group volunteers included) is recorded in the same transaction;
    without it (and without an earlier one) the household is not given a volunteer.

    ``source`` is the screening result the level was read from (``itda.screenings.models.ScreeningResult``
    of this person, which the actor may see): the basis must then be SCREENING and the result is kept as
    the assessment's source. The level stays the worker's decision, with their reason.

    With ``start_checkin_calls``, a HIGH or MEDIUM level of someone with an active consent to be contacted
    also starts the weekly AI check-in call (``start_checkin_calls``) unless one runs already; the plan made
    is on ``enrolment.checkin_plan`` (None when none was made). Raises RegistryChangeRefused or
    RegistryDataInvalid.
    """
    _authorise(actor, person)
    errors: dict[str, str] = {}
    if level not in RiskLevel.values:
        errors["level"] = "위험 수준을 고르세요: 고위험, 중위험, 저위험. (Choose high, medium or low risk.)"
    if basis not in MonitoringEnrolment.Basis.values:
        errors["basis"] = "판단 근거를 고르세요. (Choose what the level is based on.)"
    _check_text(errors, "reason", reason, required=True, label="판단 이유를 적어 주세요. (Say why.)", limit=2000)
    if source is not None:
        source_type, source_id = _screening_source(errors, actor=actor, person=person, basis=basis, source=source)
    if errors:
        raise RegistryDataInvalid(errors)
    with transaction.atomic():
        previous = _active(MonitoringEnrolment.objects.filter(person=person))
        if previous is not None and previous.start_at >= now:
            raise RegistryDataInvalid(
                {"level": "이전 평가보다 나중 시각이어야 합니다. (Must be later than the previous assessment.)"}
            )
        if previous is not None:
            previous.end_at, previous.ended_by, previous.end_reason = now, actor, MonitoringEnrolment.SUPERSEDED
            previous.save(update_fields=["end_at", "ended_by", "end_reason"])
            record_access(actor=actor, action="UPDATE", target=previous, person_id=person.pk, fields=["end_at"], at=now)
        enrolment = MonitoringEnrolment.objects.create(
            person=person,
            risk_level=level,
            basis=basis,
            reason=reason.strip(),
            source_type=source_type,
            source_id=str(source_id),
            decided_by=actor,
            start_at=now,
        )
        fields = ["risk_level", "basis", "reason", *(["source"] if source_type else [])]
        record_access(
            actor=actor,
            action="CREATE",
            target=enrolment,
            person_id=person.pk,
            fields=fields,
            reason=f"from {source_type} {source_id}" if source_type else "",
            at=now,
        )
        if contact_consent_wording_version:
            from itda.people.models import Consent
            from itda.people.services import record_consent

            version = contact_consent_wording_version
            record_consent(actor=actor, person=person, purpose=Consent.Purpose.CONTACT, wording_version=version, now=now)
        if level == RiskLevel.LOW:
            _release_volunteer(actor=actor, person=person, end_reason="RISK_LOWERED", now=now)
        enrolment.checkin_plan = None
        if start_checkin_calls and level in (RiskLevel.HIGH, RiskLevel.MEDIUM):
            from itda.households.queries import has_contact_consent

            if has_contact_consent(person):
                enrolment.checkin_plan = start_checkin_calls_for(actor=actor, person=person, now=now)
    return enrolment


SCREENING_SOURCE_TYPE = "screenings.screeningresult"


def _screening_source(errors: dict[str, str], *, actor, person: Person, basis: str, source) -> tuple[str, str]:
    """Check a screening result given as the source of an assessment. Returns (source_type, source_id)."""
    from itda.screenings.models import ScreeningResult
    from itda.screenings.permissions import can_see_sensitive_results

    if not isinstance(source, ScreeningResult) or source.person_id != person.pk:
        errors["source"] = "이 사람의 선별검사 결과가 아닙니다. (Not a screening result of this person.)"
        return "", ""
    if not can_see_sensitive_results(actor, person):
        raise RegistryChangeRefused("screening result not visible")
    if basis != MonitoringEnrolment.Basis.SCREENING:
        errors["basis"] = (
            "선별검사 결과에서 정한 수준은 근거가 '선별검사'입니다. (A level from a screening has the basis 'screening'.)"
        )
    return SCREENING_SOURCE_TYPE, str(source.pk)


# The check-in page offers calls from 07:00 to 21:00; a preferred slot outside them falls back to the default.
_CALL_HOURS = (time(7, 0), time(21, 0))
_CALL_CHANNEL_BY_KIND = {"PHONE": "VOICE", "LANDLINE": "VOICE", "SMS": "SMS_LINK", "MESSENGER": "MESSENGER_LINK"}


def start_checkin_calls_for(*, actor, person: Person, now: datetime):
    """Start the person's weekly AI check-in call at the slot and on the kind of their preferred channel.

    A plan already running is left as it is (a worker may have set it). Without a preferred slot the
    district policy's default (Tuesday 10:00) is used. Returns the new plan, or None when one runs already
    or the district has no team to run it. Called inside the caller's transaction.
    """
    from itda.checkins.models import ContactPlan
    from itda.checkins.services import NoTeamToRoute, ensure_contact_plan, policy_for, route_team
    from itda.households.queries import preferred_contact

    if ContactPlan.objects.filter(person=person, kind=ContactPlan.Kind.AI_CALL, end_at__isnull=True).exists():
        return None
    slot = preferred_contact(person)
    weekday = slot.weekday if slot is not None else None
    at = slot.time if slot is not None and slot.time is not None and _CALL_HOURS[0] <= slot.time <= _CALL_HOURS[1] else None
    try:
        team = route_team(person, purpose="FIELD", daytime=True, policy=policy_for(person.district_id))
    except NoTeamToRoute:
        return None
    return ensure_contact_plan(
        actor=actor,
        person=person,
        kind=ContactPlan.Kind.AI_CALL,
        team=team,
        now=now,
        preferred_weekday=weekday,
        preferred_time=at,
        channel=_CALL_CHANNEL_BY_KIND.get(slot.kind, "") if slot is not None else "",
    )


def end_monitoring(*, actor, person: Person, reason: str, now: datetime) -> MonitoringEnrolment | None:
    """End the person's monitoring (moved away, died, declined, no longer at risk) and release their volunteer.

    Returns the ended period, or None when the person was not monitored. Raises RegistryChangeRefused or
    RegistryDataInvalid (a reason is required).
    """
    _authorise(actor, person)
    errors: dict[str, str] = {}
    _check_text(errors, "reason", reason, required=True, label="종료 이유를 적어 주세요. (Say why monitoring ends.)", limit=200)
    if errors:
        raise RegistryDataInvalid(errors)
    with transaction.atomic():
        enrolment = _active(MonitoringEnrolment.objects.filter(person=person))
        if enrolment is None:
            return None
        if enrolment.start_at >= now:
            raise RegistryDataInvalid({"reason": "시작 시각보다 나중이어야 합니다. (Must be later than the start.)"})
        enrolment.end_at, enrolment.ended_by, enrolment.end_reason = now, actor, reason.strip()
        enrolment.save(update_fields=["end_at", "ended_by", "end_reason"])
        record_access(
            actor=actor, action="UPDATE", target=enrolment, person_id=person.pk, fields=["end_at", "end_reason"], at=now
        )
        _release_volunteer(actor=actor, person=person, end_reason="MONITORING_ENDED", now=now)
    return enrolment


def _release_volunteer(*, actor, person: Person, end_reason: str, now: datetime) -> None:
    from itda.volunteers.services import release_allocation

    release_allocation(actor=actor, person=person, end_reason=end_reason, now=now)


def _health_centre_team(*, actor, person: Person, nurse) -> Team | None:
    if nurse is not None:
        return nurse.team
    team = getattr(actor, "team", None)
    if team is not None and team.kind == Team.Kind.HEALTH_CENTRE and team.district_id == person.district_id:
        return team
    return Team.objects.filter(kind=Team.Kind.HEALTH_CENTRE, district_id=person.district_id).order_by("pk").first()


def enrol_in_visiting_care(
    *, actor, person: Person, group: str, now: datetime, reason: str = "", nurse: User | None = None
) -> VisitingCareEnrolment:
    """Enrol a person aged 65+ in visiting health care, or move them to another group or nurse.

    The previous group's period ends; the nurses' contact plan (kind NURSE_VISIT) gets the group's
    cadence — intensive every 7 days, regular 90, healthy 180 — and the named nurse as owner; the nurse
    joins the case. Raises RegistryChangeRefused or RegistryDataInvalid.
    """
    _authorise(actor, person)
    errors: dict[str, str] = {}
    if group not in VisitingCareEnrolment.Group.values:
        errors["group"] = "관리군을 고르세요: 집중, 정기, 건강. (Choose intensive, regular or healthy.)"
    age = person.age_on(now.date())
    if age is None:
        errors["group"] = "출생연도를 먼저 입력하세요. (Enter the birth year first.)"
    elif age < VISITING_CARE_MINIMUM_AGE:
        errors["group"] = "방문건강관리는 65세 이상만 등록할 수 있습니다. (Visiting health care is for people aged 65 and over.)"
    if nurse is not None and (nurse.role != User.Role.HEALTH_STAFF or nurse.district_id_scope != person.district_id):
        errors["nurse"] = "같은 자치구 보건소 직원을 고르세요. (Choose health-centre staff of the same district.)"
    _check_text(errors, "reason", reason, required=False, label="", limit=2000)
    team = _health_centre_team(actor=actor, person=person, nurse=nurse) if not errors else None
    if not errors and team is None:
        errors["group"] = (
            "이 자치구의 보건소 팀이 등록되어 있지 않습니다. (No health-centre team is registered for this district.)"
        )
    if errors:
        raise RegistryDataInvalid(errors)
    with transaction.atomic():
        previous = _active(VisitingCareEnrolment.objects.filter(person=person))
        if previous is not None and previous.group == group and previous.nurse_id == (nurse.pk if nurse else None):
            return previous
        if previous is not None and previous.start_at >= now:
            raise RegistryDataInvalid(
                {"group": "이전 등록보다 나중 시각이어야 합니다. (Must be later than the previous enrolment.)"}
            )
        if previous is not None:
            previous.end_at, previous.ended_by = now, actor
            previous.save(update_fields=["end_at", "ended_by"])
            record_access(actor=actor, action="UPDATE", target=previous, person_id=person.pk, fields=["end_at"], at=now)
        enrolment = VisitingCareEnrolment.objects.create(
            person=person, group=group, reason=reason.strip(), team=team, nurse=nurse, decided_by=actor, start_at=now
        )
        record_access(
            actor=actor, action="CREATE", target=enrolment, person_id=person.pk, fields=["group", "nurse", "reason"], at=now
        )
        _update_nurse_on_case(actor=actor, person=person, previous=previous, enrolment=enrolment, now=now)
        from itda.checkins.services import ensure_contact_plan

        ensure_contact_plan(
            actor=actor,
            person=person,
            kind="NURSE_VISIT",
            team=team,
            now=now,
            owner=nurse,
            interval_days=enrolment.visit_interval_days,
        )
    return enrolment


def _update_nurse_on_case(*, actor, person: Person, previous: VisitingCareEnrolment | None, enrolment, now: datetime) -> None:
    from itda.cases.models import CaseAssignment
    from itda.cases.services import assign_worker, end_assignment

    old_nurse_id = previous.nurse_id if previous is not None else None
    new_nurse_id = enrolment.nurse_id if enrolment is not None else None
    if old_nurse_id is not None and old_nurse_id != new_nurse_id:
        for assignment in CaseAssignment.objects.filter(
            person=person, worker_id=old_nurse_id, role=CaseAssignment.Role.NURSE, end_at__isnull=True
        ):
            end_assignment(actor=actor, assignment=assignment, now=now)
    if new_nurse_id is not None and new_nurse_id != old_nurse_id:
        assign_worker(
            actor=actor, person=person, worker=enrolment.nurse, team=enrolment.team, role=CaseAssignment.Role.NURSE, now=now
        )


def end_visiting_care(*, actor, person: Person, now: datetime) -> VisitingCareEnrolment | None:
    """End visiting health care: the period ends, the nurses' contact plan ends and the nurse leaves the case.

    Returns the ended period, or None when the person was not enrolled. Raises RegistryChangeRefused.
    """
    _authorise(actor, person)
    with transaction.atomic():
        enrolment = _active(VisitingCareEnrolment.objects.filter(person=person))
        if enrolment is None:
            return None
        if enrolment.start_at >= now:
            raise RegistryDataInvalid({"group": "시작 시각보다 나중이어야 합니다. (Must be later than the start.)"})
        enrolment.end_at, enrolment.ended_by = now, actor
        enrolment.save(update_fields=["end_at", "ended_by"])
        record_access(actor=actor, action="UPDATE", target=enrolment, person_id=person.pk, fields=["end_at"], at=now)
        _update_nurse_on_case(actor=actor, person=person, previous=enrolment, enrolment=None, now=now)
        from itda.checkins.services import end_contact_plan

        end_contact_plan(actor=actor, person=person, kind="NURSE_VISIT", now=now)
    return enrolment


def add_contact_channel(
    *,
    actor,
    person: Person,
    kind: str,
    value: str,
    now: datetime,
    is_preferred: bool = False,
    preferred_weekday: int | None = None,
    preferred_time: time | None = None,
) -> ContactChannel:
    """Add a way to reach the person. A new preferred channel takes over from the previous preferred one.

    Raises RegistryChangeRefused or RegistryDataInvalid.
    """
    _authorise(actor, person)
    errors: dict[str, str] = {}
    if kind not in ContactChannel.Kind.values:
        errors["kind"] = "연락 수단을 고르세요. (Choose a channel.)"
    _check_text(errors, "value", value, required=True, label="번호나 계정을 입력하세요. (Enter a number or account.)", limit=60)
    if "value" not in errors and kind in {"PHONE", "SMS", "LANDLINE"} and not is_valid_phone(value):
        errors["value"] = "전화번호 형식이 아닙니다 (예: 010-0000-0000). (Not a phone number, e.g. 010-0000-0000.)"
    if preferred_weekday is not None and not 0 <= preferred_weekday <= 6:
        errors["preferred_weekday"] = "요일을 고르세요. (Choose a day of the week.)"
    if (preferred_weekday is not None or preferred_time is not None) and not is_preferred:
        errors["is_preferred"] = "연락 시간대는 선호 연락 수단에만 정합니다. (A time slot belongs to the preferred channel.)"
    if errors:
        raise RegistryDataInvalid(errors)
    with transaction.atomic():
        if is_preferred:
            for channel in ContactChannel.objects.select_for_update().filter(
                person=person, is_preferred=True, end_at__isnull=True
            ):
                channel.is_preferred = False
                channel.save(update_fields=["is_preferred"])
                record_access(actor=actor, action="UPDATE", target=channel, person_id=person.pk, fields=["is_preferred"], at=now)
        channel = ContactChannel.objects.create(
            person=person,
            kind=kind,
            value=value.strip(),
            is_preferred=is_preferred,
            preferred_weekday=preferred_weekday,
            preferred_time=preferred_time,
            added_by=actor,
            start_at=now,
        )
        fields = ["kind", "value", "is_preferred", "preferred_weekday", "preferred_time"]
        record_access(actor=actor, action="CREATE", target=channel, person_id=person.pk, fields=fields, at=now)
    return channel


def remove_contact_channel(*, actor, channel: ContactChannel, now: datetime) -> ContactChannel:
    """Stop using a channel (kept in the history). Removing one already removed changes nothing."""
    _authorise(actor, channel.person)
    with transaction.atomic():
        if ContactChannel.objects.filter(pk=channel.pk, end_at__isnull=True).update(end_at=now, is_preferred=False):
            record_access(actor=actor, action="UPDATE", target=channel, person_id=channel.person_id, fields=["end_at"], at=now)
    channel.refresh_from_db()
    return channel


def add_guardian(
    *,
    actor,
    person: Person,
    name: str,
    relation: str,
    phone: str,
    may_be_contacted: bool,
    guardian_consented: bool,
    now: datetime,
) -> Guardian:
    """List a guardian. They are called only when the person agreed (``may_be_contacted``) and the guardian
    consented to their details being kept (recorded with the wording version). Raises RegistryChangeRefused
    or RegistryDataInvalid."""
    _authorise(actor, person)
    errors: dict[str, str] = {}
    _check_text(errors, "name", name, required=True, label="이름을 입력하세요. (Enter a name.)", limit=60)
    if relation not in Guardian.Relation.values:
        errors["relation"] = "관계를 고르세요. (Choose the relation.)"
    _check_text(errors, "phone", phone, required=True, label="전화번호를 입력하세요. (Enter a phone number.)", limit=20)
    if "phone" not in errors and not is_valid_phone(phone):
        errors["phone"] = "전화번호 형식이 아닙니다 (예: 010-0000-0000). (Not a phone number, e.g. 010-0000-0000.)"
    if errors:
        raise RegistryDataInvalid(errors)
    with transaction.atomic():
        guardian = Guardian.objects.create(
            person=person,
            name=name.strip(),
            relation=relation,
            phone=phone.strip(),
            may_be_contacted=may_be_contacted,
            consent_given_at=now if guardian_consented else None,
            consent_wording_version=GUARDIAN_CONSENT_WORDING_VERSION if guardian_consented else "",
            added_by=actor,
            start_at=now,
        )
        fields = ["name", "relation", "phone", "may_be_contacted", "consent_given_at"]
        record_access(actor=actor, action="CREATE", target=guardian, person_id=person.pk, fields=fields, at=now)
    return guardian


def remove_guardian(*, actor, guardian: Guardian, now: datetime) -> Guardian:
    """Take a guardian off the list (kept in the history until the person's record is purged)."""
    _authorise(actor, guardian.person)
    with transaction.atomic():
        if Guardian.objects.filter(pk=guardian.pk, end_at__isnull=True).update(end_at=now):
            record_access(actor=actor, action="UPDATE", target=guardian, person_id=guardian.person_id, fields=["end_at"], at=now)
    guardian.refresh_from_db()
    return guardian
