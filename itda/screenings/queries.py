"""Audited reads of screening results. Every read, and every refused read, is written to the trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count

from itda.audit.services import record_access
from itda.people.models import Consent, Person
from itda.programs.models import Program
from itda.screenings.models import ScreeningResult, self_check_retention_days
from itda.screenings.permissions import can_see_contact_results, can_see_sensitive_results
from itda.screenings.scoring import InstrumentDefinition

RESULT_FIELDS = ("instrument", "answers", "total", "band", "flags", "level", "recommended_programs")


class ResultsNotVisible(Exception):
    """The person does not exist or this user may not see their results; the two are not told apart."""


def _visible_person(actor, person_id, path: str, now: datetime) -> Person:
    try:
        person = Person.objects.select_related("district").filter(pk=person_id).first()
    except (ValueError, TypeError):
        person = None
    if person is None or not can_see_sensitive_results(actor, person):
        with transaction.atomic():
            record_access(
                actor=actor,
                action="DENIED",
                target_type="screenings.screeningresult",
                person_id=person.pk if person else None,
                reason="screening results refused",
                path=path,
                at=now,
            )
        raise ResultsNotVisible(person_id)
    return person


def results_for_person(
    actor, person_id: int, now: datetime, *, path: str = "", instrument_code: str = ""
) -> list[ScreeningResult]:
    """A person's screening results, oldest first, with one READ audit entry.

    Only the person, the workers on their case, a team receiving a referral for them and
    administrators may read them. Raises ResultsNotVisible (also audited, as DENIED).
    """
    person = _visible_person(actor, person_id, path, now)
    results = ScreeningResult.objects.filter(person=person).select_related("instrument", "person")
    if instrument_code:
        results = results.filter(instrument__code=instrument_code)
    found = list(results.order_by("taken_at", "pk"))
    with transaction.atomic():
        record_access(
            actor=actor,
            action="READ",
            target_type="screenings.screeningresult",
            target_id=person.pk,
            person_id=person.pk,
            fields=RESULT_FIELDS,
            reason=f"{len(found)} results",
            path=path,
            at=now,
        )
    return found


def result_for_person(actor, person_id: int, result_id: int, now: datetime, *, path: str = "") -> ScreeningResult:
    """One result of one person (never looked up by its id alone), with a READ audit entry.

    Raises ResultsNotVisible, also when the result is not that person's.
    """
    person = _visible_person(actor, person_id, path, now)
    result = ScreeningResult.objects.select_related("instrument", "person").filter(person=person, pk=result_id).first()
    if result is None:
        raise ResultsNotVisible(person_id)
    with transaction.atomic():
        record_access(actor=actor, action="READ", target=result, person_id=person.pk, fields=RESULT_FIELDS, path=path, at=now)
    return result


CONTACT_RESULT_FIELDS = ("instrument", "total", "band", "level")


def results_for_contact(actor, contact, now: datetime, *, path: str = "") -> list[ScreeningResult]:
    """The results recorded during one 120 line contact, oldest first (scores only, not answers).

    Seen by those who may see the contact (``can_see_contact_results``); anyone else gets an
    empty list and a DENIED entry. A READ entry is written when there are results to show.
    """
    if not can_see_contact_results(actor, contact):
        with transaction.atomic():
            record_access(
                actor=actor,
                action="DENIED",
                target_type="screenings.screeningresult",
                person_id=getattr(contact, "person_id", None),
                reason="contact screening results refused",
                path=path,
                at=now,
            )
        return []
    found = list(ScreeningResult.objects.filter(contact=contact).select_related("instrument").order_by("taken_at", "pk"))
    if found:
        with transaction.atomic():
            record_access(
                actor=actor,
                action="READ",
                target_type="screenings.screeningresult",
                target_id=",".join(str(r.pk) for r in found)[:40],
                person_id=contact.person_id,
                fields=CONTACT_RESULT_FIELDS,
                reason=f"contact {contact.pk}: {len(found)} results",
                path=path,
                at=now,
            )
    return found


@dataclass(frozen=True)
class HelplineScreeningCounts:
    total: int
    crisis: int
    by_instrument: dict[str, int]


def helpline_screening_counts(start: datetime, end: datetime) -> HelplineScreeningCounts:
    """Instruments run during 120 line contacts started in [start, end), by instrument code.

    Aggregates only (no person), so not audited. Counts stored results, i.e. those of known
    callers: an anonymous caller's answers are scored and never kept.
    """
    from itda.accounts.models import Team

    results = ScreeningResult.objects.filter(
        contact__team__kind=Team.Kind.HELPLINE, contact__started_at__gte=start, contact__started_at__lt=end
    )
    by_instrument = dict(
        results.order_by("instrument__code")
        .values_list("instrument__code")
        .annotate(n=Count("pk"))
        .values_list("instrument__code", "n")
    )
    return HelplineScreeningCounts(
        total=sum(by_instrument.values()), crisis=results.filter(is_crisis=True).count(), by_instrument=by_instrument
    )


@dataclass(frozen=True)
class HistoryPoint:
    taken_at: datetime
    total: int
    band: str
    level: str
    version: str


@dataclass(frozen=True)
class InstrumentHistory:
    code: str
    points: tuple[HistoryPoint, ...]
    minimum: int
    maximum: int


def histories(results: list[ScreeningResult]) -> list[InstrumentHistory]:
    """Group results by instrument for a change-over-time chart; the scale comes from each result's own version."""
    grouped: dict[str, list[ScreeningResult]] = {}
    for result in results:
        grouped.setdefault(result.instrument.code, []).append(result)
    found = []
    for code, rows in grouped.items():
        latest = InstrumentDefinition.from_dict(rows[-1].instrument.definition)
        found.append(
            InstrumentHistory(
                code=code,
                points=tuple(HistoryPoint(r.taken_at, r.total, r.band, r.level, r.instrument.version) for r in rows),
                minimum=min(latest.minimum, *(r.total for r in rows)),
                maximum=max(latest.maximum, *(r.total for r in rows)),
            )
        )
    return found


def recommended_programs(slugs) -> list[Program]:
    """The directory's programmes for triage slugs, in the order the rules give them; unknown slugs are left out."""
    found = {program.slug: program for program in Program.objects.filter(slug__in=list(slugs))}
    return [found[slug] for slug in slugs if slug in found]


@dataclass(frozen=True)
class ConsentState:
    is_active: bool
    given_at: datetime | None
    withdrawn_at: datetime | None
    delete_after: datetime | None


def save_consent_state(person: Person) -> ConsentState:
    """Whether the person's consent to save self-check results is active, and when saved results go after a withdrawal."""
    consents = Consent.objects.filter(person=person, purpose=Consent.Purpose.SAVE_RESULTS)
    active = consents.filter(withdrawn_at__isnull=True).order_by("-given_at").first()
    if active is not None:
        return ConsentState(True, active.given_at, None, None)
    last = consents.order_by("-withdrawn_at").first()
    if last is None:
        return ConsentState(False, None, None, None)
    return ConsentState(False, last.given_at, last.withdrawn_at, last.withdrawn_at + timedelta(days=self_check_retention_days()))
