"""Write use-cases of screenings: record a screening, open the crisis path, consent and contact, purge.

Exceptions (all carry a Korean-first ``message``)::

    ScreeningRefused                 (scoring.py) the screening cannot be scored or stored
    ├── MissingAnswers               required items left empty; .items names them
    ├── AnswerOutOfRange             an answer outside the item's options
    ├── UnknownItems                 answers to items the instrument lacks
    ├── UnknownInstrument            (catalogue.py) no such instrument or version
    ├── ScreeningNotAllowed          the actor may not record results for this person
    ├── NotForThisAge                the instrument is for an age group the person is not in (SGDS-K: 65+)
    ├── ConsentRequired              a self-check is saved only with the SAVE_RESULTS consent
    ├── InstrumentChanged            a definition file changed without a new version
    ├── ContactNotPossible           no team to call the person back
    └── NoCrisisResponder            no team at all to take a crisis task
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from itda.accounts.models import Team, User
from itda.audit.services import record_access
from itda.cases.models import CareTask, CaseAssignment
from itda.cases.services import open_task
from itda.people.models import Consent, Person
from itda.people.services import record_consent, register_self, withdraw_consent
from itda.places.models import District
from itda.programs.hours import holiday_name
from itda.screenings import catalogue
from itda.screenings.catalogue import UnknownInstrument
from itda.screenings.models import Channel, Instrument, ScreeningResult, ScreeningTally, self_check_retention_days
from itda.screenings.permissions import can_record_results
from itda.screenings.scoring import (
    AnswerOutOfRange,
    InstrumentDefinition,
    MissingAnswers,
    Score,
    ScreeningRefused,
    UnknownItems,
    crisis_answers,
    score,
)
from itda.screenings.triage import TriageDecision, decide

__all__ = [
    "CONTACT_CONSENT_WORDING",
    "SAVE_CONSENT_WORDING",
    "AnswerOutOfRange",
    "ConsentRequired",
    "ContactNotPossible",
    "InstrumentChanged",
    "MissingAnswers",
    "NoCrisisResponder",
    "NotForThisAge",
    "ScreeningNotAllowed",
    "ScreeningOutcome",
    "ScreeningRefused",
    "UnknownInstrument",
    "UnknownItems",
    "evaluate",
    "give_save_consent",
    "open_crisis_path",
    "open_crisis_path_for_contact",
    "purge_withdrawn_self_checks",
    "record_screening",
    "register_citizen_for_self_check",
    "request_contact",
    "withdraw_save_consent",
]

logger = logging.getLogger(__name__)

# The wording versions of the consents the self-check pages show (people.Consent keeps at most 20 characters).
# A changed text is a new version.
SAVE_CONSENT_WORDING = "selfcheck-2026-11"
CONTACT_CONSENT_WORDING = "sc-contact-2026-11"

CRISIS_RESPONSE_WITHIN = timedelta(hours=1)
CONTACT_REQUEST_WITHIN = timedelta(days=2)
_RESPONDER_ROLES = (User.Role.SOCIAL_WORKER, User.Role.COUNSELLOR, User.Role.HEALTH_STAFF)


class ScreeningNotAllowed(ScreeningRefused):
    def __init__(self):
        super().__init__("이 사람의 검사 결과를 기록할 권한이 없습니다 (You may not record screenings for this person)")


class NotForThisAge(ScreeningRefused):
    def __init__(self, short_name_ko: str, short_name_en: str, min_age: int):
        self.min_age = min_age
        super().__init__(
            f"{short_name_ko}은(는) {min_age}세 이상을 위한 검사입니다. 다른 검사를 골라 주세요 "
            f"({short_name_en} is for people aged {min_age} or over; please choose another check)"
        )


def age_refusal(definition: InstrumentDefinition, age: int | None) -> NotForThisAge | None:
    """The refusal to give when a person of known age is younger than the instrument is made for, else None.

    An unknown age is never refused: the instrument's page says whom it is for.
    """
    if definition.min_age is None or age is None or age >= definition.min_age:
        return None
    return NotForThisAge(definition.short_name.ko, definition.short_name.en, int(definition.min_age))


class ConsentRequired(ScreeningRefused):
    def __init__(self):
        super().__init__("결과를 저장하려면 저장 동의가 필요합니다 (Saving results needs your consent)")


class InstrumentChanged(ScreeningRefused):
    def __init__(self, code: str, version: str):
        super().__init__(
            f"{code} {version} 정의가 바뀌었습니다. 새 버전으로 올려 주세요 "
            f"(The definition of {code} {version} changed; publish it as a new version)"
        )


class ContactNotPossible(ScreeningRefused):
    def __init__(self):
        super().__init__(
            "연락드릴 센터를 찾지 못했습니다. 120에 전화해 5번을 눌러 주세요 "
            "(No centre could be found to call you back; please call 120 and press 5)"
        )


class NoCrisisResponder(ScreeningRefused):
    def __init__(self, district_code: str):
        super().__init__(f"위기 대응 팀이 없습니다: {district_code} (No team to take a crisis task in {district_code})")


@dataclass(frozen=True)
class ScreeningOutcome:
    result: ScreeningResult | None
    total: int | None
    band: str
    level: str
    is_crisis: bool
    recommended_programs: tuple[str, ...]
    actions: tuple[str, ...]
    crisis_task: CareTask | None
    instrument_code: str = ""
    instrument_version: str = ""
    score: Score | None = None
    definition: InstrumentDefinition | None = None


def _local_date(now: datetime):
    return timezone.localtime(now).date()


def _definition(code: str, version: str | None, now: datetime) -> tuple[InstrumentDefinition, str]:
    """The instrument version to score with: the one named, else the one in force on ``now``.

    A version whose file is gone is still found in the frozen copy kept in the database.
    """
    if version is None:
        definition = catalogue.current_definition(code, _local_date(now))
        return definition, catalogue.fingerprint(definition)
    try:
        return catalogue.definition_version(code, version)
    except UnknownInstrument:
        row = Instrument.objects.filter(code=code, version=version).first()
        if row is None:
            raise
        return InstrumentDefinition.from_dict(row.definition), row.definition_sha256


def evaluate(
    *, instrument_code: str, answers: dict, now: datetime, version: str | None = None, age: int | None = None
) -> tuple[InstrumentDefinition, Score, TriageDecision]:
    """Score and triage without storing anything. Raises ScreeningRefused (and its subclasses)."""
    definition, _sha = _definition(instrument_code, version, now)
    result = score(definition, answers)
    rules = catalogue.triage_rules(instrument_code, _local_date(now))
    return definition, result, decide(rules, result, age=age)


def freeze_instrument(*, definition: InstrumentDefinition, sha256: str, now: datetime) -> Instrument:
    """The stored copy of an instrument version, made on first use and never changed.

    Raises InstrumentChanged when a copy of the same version exists with other content:
    changing a scale without a new version would silently change the meaning of old results.
    """
    row, _created = Instrument.objects.get_or_create(
        code=definition.code,
        version=definition.version,
        defaults={
            "effective_from_date": definition.effective_from,
            "definition": dict(definition.raw),
            "definition_sha256": sha256,
            "loaded_at": now,
        },
    )
    if row.definition_sha256 != sha256:
        raise InstrumentChanged(definition.code, definition.version)
    return row


def _has_active_consent(person: Person, purpose: str) -> bool:
    return Consent.objects.filter(person=person, purpose=purpose, withdrawn_at__isnull=True).exists()


def _crisis_dedupe_key(kind: str, person: Person, now: datetime) -> str:
    """One crisis task per person, route and hour: a re-submitted form or a save after the result adds none."""
    return f"crisis:{kind}:{person.pk}:{timezone.localtime(now):%Y%m%dT%H}"


def _crisis_kind(channel: str, contact) -> str:
    return "helpline" if contact is not None or channel == Channel.HELPLINE_120 else channel.lower()


def record_screening(
    *,
    actor,
    instrument_code: str,
    answers: dict,
    channel: str,
    now: datetime,
    person: Person | None = None,
    version: str | None = None,
    store: bool = True,
    contact=None,
) -> ScreeningOutcome:
    """Score a screening with the instrument version in force (or the one named) and triage it.

    Stores the result only when a person is given and ``store`` is true; an anonymous
    screening leaves no trace. A self-check is stored only for the person themself and
    only while their SAVE_RESULTS consent is active. A result run during a contact
    (``contact``, a 120 line ContactLog) is linked to it.

    A crisis answer overrides everything: for a known person it opens the crisis path (a
    crisis task for a named worker) whether or not the result is stored — and even when
    the answers cannot be scored (an item left empty, an answer out of range) or the
    person is outside the instrument's age group. The refusal is raised all the same (an
    incomplete result is never scored), carrying ``crisis_flags`` and ``crisis_task``.
    Raises MissingAnswers, AnswerOutOfRange, UnknownItems, UnknownInstrument,
    ScreeningNotAllowed, NotForThisAge, ConsentRequired or InstrumentChanged.
    """
    if channel not in Channel.values:
        raise ScreeningRefused(f"알 수 없는 경로입니다: {channel} (Unknown channel: {channel})")
    if person is not None and not can_record_results(actor, person):
        refused = ScreeningNotAllowed()
        try:
            refused.crisis_flags = crisis_answers(_definition(instrument_code, version, now)[0], answers)
        except ScreeningRefused:
            pass
        raise refused
    age = person.age_on(_local_date(now)) if person is not None else None
    definition, sha = _definition(instrument_code, version, now)
    try:
        too_young = age_refusal(definition, age)
        if too_young is not None:
            raise too_young
        scored = score(definition, answers)
    except ScreeningRefused as refused:
        refused.crisis_flags = refused.crisis_flags or crisis_answers(definition, answers)
        if refused.crisis_flags and person is not None:
            refused.crisis_task = _open_screening_crisis(
                actor=actor,
                person=person,
                definition=definition,
                crisis_flags=refused.crisis_flags,
                kind=_crisis_kind(channel, contact),
                result=None,
                now=now,
                incomplete=True,
            )
        raise
    decision = decide(catalogue.triage_rules(instrument_code, _local_date(now)), scored, age=age)

    is_stored = person is not None and store
    if is_stored and channel == Channel.SELF_CHECK:
        if person.user_id is None or person.user_id != getattr(actor, "pk", None):
            raise ScreeningNotAllowed()
        if not _has_active_consent(person, Consent.Purpose.SAVE_RESULTS):
            raise ConsentRequired()

    result = None
    crisis_task = None
    with transaction.atomic():
        if is_stored:
            instrument = freeze_instrument(definition=definition, sha256=sha, now=now)
            result = ScreeningResult.objects.create(
                person=person,
                instrument=instrument,
                channel=channel,
                contact=contact,
                answers=dict(scored.answers),
                total=scored.total,
                band=scored.band.code,
                subscores=dict(scored.subscores),
                flags=list(scored.flags),
                is_crisis=decision.is_crisis,
                level=decision.level,
                triage_code=decision.rules_code,
                triage_version=decision.rules_version,
                recommended_programs=list(decision.programs),
                actions=list(decision.actions),
                taken_at=now,
                recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            record_access(
                actor=actor,
                action="CREATE",
                target=result,
                person_id=person.pk,
                fields=["answers", "total", "band", "level"],
                reason=f"{definition.code} v{definition.version} via {channel}",
                at=now,
            )
        if decision.is_crisis and person is not None:
            crisis_task = _open_screening_crisis(
                actor=actor,
                person=person,
                definition=definition,
                crisis_flags=scored.crisis_flags,
                kind=_crisis_kind(channel, contact),
                result=result,
                now=now,
            )
    return ScreeningOutcome(
        result=result,
        total=scored.total,
        band=scored.band.code,
        level=decision.level,
        is_crisis=decision.is_crisis,
        recommended_programs=decision.programs,
        actions=decision.actions,
        crisis_task=crisis_task,
        instrument_code=definition.code,
        instrument_version=definition.version,
        score=scored,
        definition=definition,
    )


def _open_screening_crisis(
    *,
    actor,
    person: Person,
    definition: InstrumentDefinition,
    crisis_flags,
    kind: str,
    result: ScreeningResult | None,
    now: datetime,
    incomplete: bool = False,
) -> CareTask | None:
    """The crisis task for a crisis answer; minimal detail (instrument and flag, never the answers)."""
    source_type, source_id = (
        ("screenings.screeningresult", result.pk)
        if result is not None
        else ("screenings.unsaved", f"{definition.code}:{person.pk}:{now:%Y%m%dT%H%M%S}")
    )
    reason = f"{definition.code} {', '.join(crisis_flags)}"
    if incomplete:
        reason += " · 위기 응답, 미완료 검사 (crisis answer; screening not complete)"
    try:
        return open_crisis_path(
            actor=actor,
            person=person,
            source_type=source_type,
            source_id=source_id,
            now=now,
            reason=reason,
            dedupe_key=_crisis_dedupe_key(kind, person, now),
        )
    except NoCrisisResponder:
        # The crisis lines are on the page whatever happens; a district without any team is a setup error.
        logger.error("no crisis responder for person %s in district %s", person.pk, person.district_id)
        return None


def contact_is_crisis(contact) -> bool:
    """A 120 line contact that ended in crisis, or was about thoughts of suicide or self-harm."""
    return contact.outcome == "CRISIS" or "SUICIDAL_THOUGHTS" in (contact.topics or [])


def open_crisis_path_for_contact(*, actor, contact, now: datetime) -> CareTask | None:
    """The crisis path for a 120 line contact that ended in crisis or was about suicidal thoughts.

    Opens (once per person and hour, shared with crisis answers to instruments run on the
    same call) the urgent crisis task for a named worker, exactly as a crisis answer does.
    Returns None when the contact is not a crisis or the caller is anonymous (nobody to
    send a worker to: the counsellor connects them to 109, 112 or 119 on the line).
    """
    if not contact_is_crisis(contact) or contact.person_id is None:
        return None
    person = contact.person
    try:
        return open_crisis_path(
            actor=actor,
            person=person,
            source_type="contacts.contactlog",
            source_id=contact.pk,
            now=now,
            reason="120 상담 중 위기 (crisis during a 120 line call)",
            dedupe_key=_crisis_dedupe_key("helpline", person, now),
        )
    except NoCrisisResponder:
        logger.error("no crisis responder for person %s in district %s", person.pk, person.district_id)
        return None


def is_out_of_hours(now: datetime) -> bool:
    """Nights (before 09:00, from 18:00), weekends and Korean public holidays, in Seoul time."""
    local = timezone.localtime(now)
    if local.weekday() >= 5 or holiday_name(local.date()):
        return True
    return not 9 <= local.hour < 18


def _least_busy_member(team: Team):
    return (
        User.objects.filter(team=team, is_active=True, role__in=_RESPONDER_ROLES)
        .annotate(
            open_crises=Count(
                "care_tasks",
                filter=Q(
                    care_tasks__kind=CareTask.Kind.CRISIS_RESPONSE,
                    care_tasks__status__in=[CareTask.Status.OPEN, CareTask.Status.IN_PROGRESS],
                ),
            )
        )
        .order_by("open_crises", "pk")
        .first()
    )


def _crisis_responder(person: Person, now: datetime) -> tuple[Team, User | None]:
    """Who takes a crisis: the lead worker, another worker on the case, else the district's team on duty."""
    assignments = (
        CaseAssignment.objects.filter(person=person, end_at__isnull=True, worker__is_active=True)
        .exclude(role=CaseAssignment.Role.VOLUNTEER)
        .select_related("worker", "team")
    )
    ordered = sorted(assignments, key=lambda a: (a.role != CaseAssignment.Role.LEAD, a.start_at, a.pk))
    if ordered:
        return ordered[0].team, ordered[0].worker

    control_rooms = list(
        Team.objects.filter(kind=Team.Kind.CONTROL_ROOM)
        .filter(Q(district=person.district) | Q(district__isnull=True))
        .order_by(F("district").asc(nulls_last=True), "pk")
    )
    district_centres = list(Team.objects.filter(kind=Team.Kind.DISTRICT_CENTRE, district=person.district).order_by("pk"))
    teams = [*control_rooms, *district_centres] if is_out_of_hours(now) else [*district_centres, *control_rooms]
    for team in teams:
        worker = _least_busy_member(team)
        if worker is not None:
            return team, worker
    if teams:
        logger.error("crisis task for person %s goes to team %s without a named worker: nobody on it", person.pk, teams[0].pk)
        return teams[0], None
    raise NoCrisisResponder(person.district.code)


def open_crisis_path(
    *,
    actor,
    person: Person,
    source_type: str,
    source_id: str | int,
    now: datetime,
    reason: str = "",
    dedupe_key: str = "",
) -> CareTask:
    """Open, once per source, a CRISIS_RESPONSE task due within the hour for a named worker.

    The worker is the person's lead worker, else another worker on the case (never a
    volunteer), else the least busy worker of the district welfare centre — or, at night,
    at weekends and on public holidays, of the control room when one exists. Calling it
    again for the same source (or the same ``dedupe_key``, when given) returns the task
    already opened. Raises NoCrisisResponder when no team exists at all.
    """
    with transaction.atomic():
        team, worker = _crisis_responder(person, now)
        task, _created = open_task(
            actor=actor,
            team=team,
            kind=CareTask.Kind.CRISIS_RESPONSE,
            title="위기 대응: 1시간 안에 연락하세요 (Crisis: contact within the hour)",
            detail=reason,
            due_at=now + CRISIS_RESPONSE_WITHIN,
            now=now,
            person=person,
            assignee=worker,
            priority=CareTask.Priority.CRISIS,
            source_type=source_type,
            source_id=source_id,
            dedupe_key=(dedupe_key or f"crisis:{source_type}:{source_id}")[:120],
        )
    return task


def register_citizen_for_self_check(*, user, name: str, district: District, birth_year: int | None, now: datetime) -> Person:
    """The signed-in citizen's person record (created when they have none) with their consent to keep it.

    The consent is recorded with the self-check save wording, the text the citizen agreed to.
    Raises people.services.PersonDataInvalid.
    """
    with transaction.atomic():
        person = register_self(user=user, name=name, district=district, birth_year=birth_year, now=now)
        record_consent(
            actor=user, person=person, purpose=Consent.Purpose.CASE_RECORD, wording_version=SAVE_CONSENT_WORDING, now=now
        )
    return person


def give_save_consent(*, user, person: Person, now: datetime) -> Consent:
    """Record the citizen's consent to save self-check results (wording SAVE_CONSENT_WORDING)."""
    return record_consent(
        actor=user, person=person, purpose=Consent.Purpose.SAVE_RESULTS, wording_version=SAVE_CONSENT_WORDING, now=now
    )


def purge_days() -> int:
    return self_check_retention_days()


def withdraw_save_consent(*, user, person: Person, now: datetime) -> tuple[Consent | None, datetime]:
    """Withdraw the consent to save self-check results; returns it and when the saved results will be deleted."""
    consent = withdraw_consent(actor=user, person=person, purpose=Consent.Purpose.SAVE_RESULTS, now=now)
    return consent, now + timedelta(days=purge_days())


def request_contact(*, actor, person: Person, now: datetime, is_urgent: bool = False, reason: str = "") -> CareTask:
    """The citizen asks to be called: records their CONTACT consent and opens a task for their centre.

    An urgent request (after a crisis answer) opens the crisis path; otherwise a
    FOLLOW_UP_CALL task goes to the district welfare centre of the person's district, once
    a day at most. Raises ScreeningNotAllowed (only the person themself asks) or
    ContactNotPossible when the district has no welfare centre team.
    """
    if person.user_id is None or person.user_id != getattr(actor, "pk", None):
        raise ScreeningNotAllowed()
    with transaction.atomic():
        record_consent(
            actor=actor, person=person, purpose=Consent.Purpose.CONTACT, wording_version=CONTACT_CONSENT_WORDING, now=now
        )
        if is_urgent:
            return open_crisis_path(
                actor=actor,
                person=person,
                source_type="screenings.contact-request",
                source_id=f"{person.pk}:{timezone.localtime(now):%Y%m%dT%H}",
                now=now,
                reason=reason or "자가진단 후 긴급 연락 요청",
                dedupe_key=_crisis_dedupe_key(Channel.SELF_CHECK.lower(), person, now),
            )
        team = Team.objects.filter(kind=Team.Kind.DISTRICT_CENTRE, district=person.district).order_by("pk").first()
        if team is None:
            raise ContactNotPossible()
        task, _created = open_task(
            actor=actor,
            team=team,
            kind=CareTask.Kind.FOLLOW_UP_CALL,
            title="자가진단 후 연락 요청 (Asked to be called after a self-check)",
            detail=reason,
            due_at=now + CONTACT_REQUEST_WITHIN,
            now=now,
            person=person,
            priority=CareTask.Priority.HIGH,
            source_type="screenings.contact-request",
            source_id=person.pk,
            dedupe_key=f"selfcheck-contact:{person.pk}:{_local_date(now):%Y%m%d}",
        )
    return task


@dataclass(frozen=True)
class PurgeReport:
    people: int
    results_deleted: int


def purge_withdrawn_self_checks(*, now: datetime, retention_days: int | None = None) -> PurgeReport:
    """Delete the self-check results of people whose save consent was withdrawn long enough ago.

    A person qualifies when they have no active SAVE_RESULTS consent and their last
    withdrawal is at least ``retention_days`` (default ITDA_SCREENING_PURGE_DAYS, 30) old.
    Each deleted result is first added to the anonymous ScreeningTally. Idempotent: a
    second run finds nothing left to delete.
    """
    days = purge_days() if retention_days is None else retention_days
    cutoff = now - timedelta(days=days)
    active = Consent.objects.filter(purpose=Consent.Purpose.SAVE_RESULTS, withdrawn_at__isnull=True).values("person_id")
    withdrawn = (
        Consent.objects.filter(purpose=Consent.Purpose.SAVE_RESULTS, withdrawn_at__isnull=False)
        .exclude(person_id__in=active)
        .values("person_id")
        .annotate(last_withdrawn_at=Max("withdrawn_at"))
        .filter(last_withdrawn_at__lte=cutoff)
    )
    people = deleted = 0
    for row in withdrawn:
        person_id = row["person_id"]
        with transaction.atomic():
            results = list(
                ScreeningResult.objects.select_for_update()
                .filter(person_id=person_id, channel=Channel.SELF_CHECK)
                .select_related("instrument")
            )
            if not results:
                continue
            for result in results:
                _tally(result)
            ScreeningResult.objects.filter(pk__in=[r.pk for r in results]).delete()
            record_access(
                actor=None,
                action="DELETE",
                target_type="screenings.screeningresult",
                target_id=",".join(str(r.pk) for r in results)[:40],
                person_id=person_id,
                fields=["answers", "total", "band", "level"],
                reason=f"retention: save consent withdrawn {row['last_withdrawn_at']:%Y-%m-%d}, {len(results)} deleted",
                at=now,
            )
        people += 1
        deleted += len(results)
    return PurgeReport(people=people, results_deleted=deleted)


def _tally(result: ScreeningResult) -> None:
    taken = timezone.localtime(result.taken_at).date().replace(day=1)
    tally, _created = ScreeningTally.objects.get_or_create(
        month_date=taken,
        instrument_code=result.instrument.code,
        instrument_version=result.instrument.version,
        channel=result.channel,
        band=result.band,
        level=result.level,
    )
    ScreeningTally.objects.filter(pk=tally.pk).update(count=F("count") + 1)


@dataclass(frozen=True)
class LoadReport:
    instruments: int
    created: int
    rule_sets: int
    unknown_programs: tuple[str, ...]


def load_instruments(*, now: datetime) -> LoadReport:
    """Check every instrument and triage file and keep a frozen copy of every instrument version.

    Idempotent. Raises scoring.InstrumentDefinitionError for a malformed file and
    InstrumentChanged when a version already stored was edited in place; nothing is
    written then. ``unknown_programs`` lists triage programme slugs missing from the directory.
    """
    from itda.programs.models import Program

    definitions = catalogue.all_definitions()
    rule_sets = catalogue.all_rule_sets()
    created = 0
    with transaction.atomic():
        for definition, sha in definitions:
            existed = Instrument.objects.filter(code=definition.code, version=definition.version).exists()
            freeze_instrument(definition=definition, sha256=sha, now=now)
            created += 0 if existed else 1
    slugs = set().union(*(rules.program_slugs for rules in rule_sets)) if rule_sets else set()
    known = set(Program.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    return LoadReport(
        instruments=len(definitions), created=created, rule_sets=len(rule_sets), unknown_programs=tuple(sorted(slugs - known))
    )
