"""Fictional teams, workers and people for referral tests, on top of the shared cast (tests/personas.py).

The life-linking stethoscope chain runs through three teams of 관악구: a primary
clinic, the public health centre (the cast's health team) and the mental health
welfare centre.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from itda.accounts.models import Team, User
from itda.cases.models import CaseAssignment
from itda.people.models import Consent, Person
from itda.places.models import District
from itda.referrals.models import Referral
from itda.referrals.services import send_referral
from tests.personas import HOME_DISTRICT, Cast

CLINIC_KIND = Team.Kind.PRIMARY_CLINIC


@dataclass
class Chain:
    clinic: Team
    health_centre: Team
    mental_health_centre: Team
    doctor: User
    nurse: User
    mental_health_worker: User


def make_person(name: str = "가상 주민 이슬", *, consent_to_share: bool = True, at: datetime | None = None) -> Person:
    person = Person.objects.create(
        name=name, birth_year=1958, district=District.objects.get(code=HOME_DISTRICT), phone="010-0000-0001"
    )
    if consent_to_share:
        Consent.objects.create(
            person=person,
            purpose=Consent.Purpose.SHARE_WITH_SERVICES,
            wording_version="share-2026-01",
            given_at=at or datetime(2026, 1, 1, tzinfo=UTC),
        )
    return person


def make_chain(cast: Cast, patient: Person | None = None) -> Chain:
    """The stethoscope chain's teams; the patient, when given, is on the clinic doctor's caseload (they screened them)."""
    home = District.objects.get(code=HOME_DISTRICT)
    clinic = Team.objects.create(name="가상 관악 으뜸의원", kind=CLINIC_KIND, district=home)
    mental = Team.objects.create(name="가상 관악구 정신건강복지센터", kind=Team.Kind.MENTAL_HEALTH_CENTRE, district=home)
    health_centre = cast.health_staff.team
    doctor = User.objects.create(username="persona-doctor", role=User.Role.HEALTH_STAFF, team=clinic, display_name="의사 들")
    mental_worker = User.objects.create(
        username="persona-mental", role=User.Role.HEALTH_STAFF, team=mental, display_name="요원 잎"
    )
    if patient is not None:
        CaseAssignment.objects.create(
            person=patient, worker=doctor, team=clinic, role=CaseAssignment.Role.MEMBER, start_at=datetime(2026, 1, 1, tzinfo=UTC)
        )
    return Chain(
        clinic=clinic,
        health_centre=health_centre,
        mental_health_centre=mental,
        doctor=doctor,
        nurse=cast.health_staff,
        mental_health_worker=mental_worker,
    )


def send(cast: Cast, person: Person, *, now: datetime, risk: str = Referral.Risk.HIGH, **extra) -> Referral:
    """A referral from the cast's home welfare team (social worker) to the health centre."""
    return send_referral(
        actor=extra.pop("actor", cast.social_worker),
        person=person,
        from_team=extra.pop("from_team", cast.home_team),
        to_team=extra.pop("to_team", cast.health_staff.team),
        reason=extra.pop("reason", "우울감이 커서 상담 연계가 필요함"),
        risk=risk,
        now=now,
        **extra,
    )
