"""Write use-cases for person records. Each runs in one transaction and writes its audit entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from itda.accounts.models import Team, User
from itda.audit.services import record_access
from itda.cases.models import CaseAssignment
from itda.cases.services import assign_worker
from itda.lib.privacy import contains_resident_registration_number
from itda.people.models import Consent, Person
from itda.people.permissions import can_change_person, can_record_consent, can_register_person, can_work_with_people
from itda.places.models import District, Dong


class PersonChangeRefused(Exception):
    """The acting user may not make this change."""


class PersonDataInvalid(Exception):
    """The data cannot be stored; ``errors`` maps field names to Korean-first messages."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


@dataclass(frozen=True)
class PersonDetails:
    name: str
    district: District
    birth_year: int | None = None
    sex: str = ""
    phone: str = ""
    dong: Dong | None = None
    address: str = ""
    household_size: int = 1
    housing_type: str = ""
    tenure: str = ""
    has_disability: bool | None = None


_TEXT_FIELDS = ("name", "phone", "address")
_FIELDS = (
    "name",
    "birth_year",
    "sex",
    "phone",
    "district",
    "dong",
    "address",
    "household_size",
    "housing_type",
    "tenure",
    "has_disability",
)


def _check(details: PersonDetails, now: datetime) -> None:
    errors = {}
    for name in _TEXT_FIELDS:
        if contains_resident_registration_number(getattr(details, name)):
            errors[name] = "주민등록번호는 저장하지 않습니다. 지워 주세요. (Resident registration numbers are never stored.)"
    if not details.name.strip():
        errors["name"] = "이름을 입력하세요. (Enter a name.)"
    if details.birth_year is not None and not 1900 <= details.birth_year <= now.year:
        errors["birth_year"] = f"출생연도는 1900–{now.year} 사이여야 합니다. (Birth year must be 1900–{now.year}.)"
    if not 1 <= details.household_size <= 30:
        errors["household_size"] = "가구원 수는 1–30명입니다. (Household size must be 1–30.)"
    if details.dong is not None and details.dong.district_id != details.district.pk:
        errors["dong"] = "행정동이 선택한 자치구에 속하지 않습니다. (The dong is not in that district.)"
    if errors:
        raise PersonDataInvalid(errors)


# Care workers who register a person are put on the person's case, so they keep seeing the record
# through case-based access (a clinic sees only its own caseload). Workers of a district team run
# the case (LEAD); a clinic or the 120 line took the first contact and stays a MEMBER, so once a
# district worker is named lead, a later crisis goes to them first (screenings.services).
_CASE_OPENING_ROLES = {User.Role.SOCIAL_WORKER, User.Role.HEALTH_STAFF, User.Role.COUNSELLOR}
_MEMBER_TEAM_KINDS = {Team.Kind.PRIMARY_CLINIC, Team.Kind.HELPLINE}


def _registration_case_role(actor) -> str | None:
    """The case role a registering worker takes, or None when they take none (no team, not a care worker)."""
    if getattr(actor, "role", None) not in _CASE_OPENING_ROLES or getattr(actor, "team_id", None) is None:
        return None
    if actor.team.kind in _MEMBER_TEAM_KINDS:
        return CaseAssignment.Role.MEMBER
    return CaseAssignment.Role.LEAD


def register_person(
    *, actor, details: PersonDetails, consent_wording_version: str, now: datetime, assign_to_case: bool = True
) -> Person:
    """Create a person record with the person's consent to keep a case record.

    The actor must work with people and, for district roles, the person must live
    in their district. A care worker of a team (social worker, health staff, counsellor)
    is put on the new person's case (``cases.services.assign_worker``, audited) unless
    ``assign_to_case`` is false: LEAD for a district team, MEMBER for a primary clinic or
    the 120 line. Raises PersonChangeRefused or PersonDataInvalid.
    """
    if not can_work_with_people(actor):
        raise PersonChangeRefused("role")
    _check(details, now)
    person = Person(**{name: getattr(details, name) for name in _FIELDS})
    if not can_register_person(actor, person):
        raise PersonChangeRefused("district")
    with transaction.atomic():
        person.save()
        Consent.objects.create(
            person=person,
            purpose=Consent.Purpose.CASE_RECORD,
            wording_version=consent_wording_version,
            given_at=now,
            recorded_by=actor,
        )
        record_access(actor=actor, action="CREATE", target=person, person_id=person.pk, fields=_FIELDS, at=now)
        record_access(
            actor=actor,
            action="CREATE",
            target_type="people.consent",
            target_id=person.pk,
            person_id=person.pk,
            fields=["CASE_RECORD"],
            at=now,
        )
        case_role = _registration_case_role(actor) if assign_to_case else None
        if case_role is not None:
            assign_worker(actor=actor, person=person, worker=actor, team=actor.team, role=case_role, now=now)
    return person


def update_person(*, actor, person: Person, details: PersonDetails, now: datetime) -> Person:
    """Change a person's details; the audit entry names the fields that changed, not their values.

    Moving a person to another district is allowed only to an administrator or a
    worker of the new district. Raises PersonChangeRefused or PersonDataInvalid.
    """
    if not can_change_person(actor, person):
        raise PersonChangeRefused("scope")
    _check(details, now)
    changed = [name for name in _FIELDS if getattr(person, name) != getattr(details, name)]
    if not changed:
        return person
    with transaction.atomic():
        for name in changed:
            setattr(person, name, getattr(details, name))
        if not can_change_person(actor, person):
            raise PersonChangeRefused("district")
        person.save()
        record_access(actor=actor, action="UPDATE", target=person, person_id=person.pk, fields=changed, at=now)
    return person


def record_consent(*, actor, person: Person, purpose: str, wording_version: str, now: datetime) -> Consent:
    """Record a consent for a purpose; a consent already active for that purpose is kept as it is."""
    if not can_record_consent(actor, person):
        raise PersonChangeRefused("scope")
    with transaction.atomic():
        consent = Consent.objects.filter(person=person, purpose=purpose, withdrawn_at__isnull=True).first()
        if consent is None:
            consent = Consent.objects.create(
                person=person, purpose=purpose, wording_version=wording_version, given_at=now, recorded_by=actor
            )
            record_access(actor=actor, action="CREATE", target=consent, person_id=person.pk, fields=[purpose], at=now)
    return consent


def withdraw_consent(*, actor, person: Person, purpose: str, now: datetime) -> Consent | None:
    """Withdraw the active consent for a purpose. Returns it, or None when none was active."""
    if not can_record_consent(actor, person):
        raise PersonChangeRefused("scope")
    with transaction.atomic():
        consent = Consent.objects.select_for_update().filter(person=person, purpose=purpose, withdrawn_at__isnull=True).first()
        if consent is None:
            return None
        consent.withdrawn_at = now
        consent.save(update_fields=["withdrawn_at"])
        record_access(actor=actor, action="UPDATE", target=consent, person_id=person.pk, fields=["withdrawn_at"], at=now)
    return consent


def register_self(*, user, name: str, district: District, birth_year: int | None, now: datetime) -> Person:
    """Create (or return) the person record of a signed-in citizen, kept only with their consent.

    Used when a citizen chooses to save something (self-check results, a request to
    be contacted). The CASE_RECORD consent is recorded by the caller with the
    wording the citizen saw. Raises PersonDataInvalid.
    """
    existing = Person.objects.filter(user=user).first()
    if existing is not None:
        return existing
    details = PersonDetails(name=name, district=district, birth_year=birth_year)
    _check(details, now)
    with transaction.atomic():
        person = Person.objects.create(name=name, district=district, birth_year=birth_year, user=user)
        record_access(
            actor=user, action="CREATE", target=person, person_id=person.pk, fields=["name", "district", "birth_year"], at=now
        )
    return person


# Records that are the citizen's own and go with their account. Anything else pointing at a
# person (a case, a task, a contact log, a referral, a plan, a worker's screening) is part of
# the case file and follows its retention (people.models): five years after the last case closes.
_SELF_SERVICE_RECORDS = {"people.consent": None, "screenings.screeningresult": {"channel": "SELF_CHECK"}}


def _is_held_by_the_care_team(person: Person) -> bool:
    for relation in Person._meta.related_objects:
        related = relation.related_model.objects.filter(**{relation.field.name: person})
        label = relation.related_model._meta.label_lower
        if label in _SELF_SERVICE_RECORDS:
            own = _SELF_SERVICE_RECORDS[label]
            if own is None:
                continue
            related = related.exclude(**own)
        if related.exists():
            return True
    return False


def forget_own_person_record(*, user, now: datetime) -> str:
    """Take the citizen's own person record away from their account, as the account is deleted.

    Every active consent is withdrawn (audited). When the care team holds nothing on the
    person — only the citizen's consents and their saved self-checks — the record is deleted
    with them and "deleted" is returned. Otherwise the record is part of a case file: it is
    unlinked from the account, its saved self-checks go at the purge after the withdrawal
    (screenings.models), and "unlinked" is returned. "none" when the user has no record.
    """
    with transaction.atomic():
        person = Person.objects.select_for_update().filter(user=user).first()
        if person is None:
            return "none"
        for purpose in Consent.objects.filter(person=person, withdrawn_at__isnull=True).values_list("purpose", flat=True):
            withdraw_consent(actor=user, person=person, purpose=purpose, now=now)
        person_id = person.pk
        if _is_held_by_the_care_team(person):
            person.user = None
            person.save(update_fields=["user", "updated_at"])
            record_access(
                actor=user,
                action="UPDATE",
                target=person,
                person_id=person_id,
                fields=["user"],
                reason="account deleted by the citizen; record kept for the case file",
                at=now,
            )
            return "unlinked"
        results = person.screening_results.count()
        person.delete()
        record_access(
            actor=user,
            action="DELETE",
            target_type="people.person",
            target_id=person_id,
            person_id=person_id,
            fields=[*_FIELDS, "consents", "screening_results"],
            reason=f"account deleted by the citizen; {results} saved self-checks deleted",
            at=now,
        )
        return "deleted"
