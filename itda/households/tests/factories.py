"""Fictional monitored households for the care-network tests (obviously invented names, 010-0000-xxxx numbers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from itda.households.services import record_risk_assessment
from itda.people.models import Consent, Person
from itda.places.models import District, Dong
from tests.personas import HOME_DISTRICT

NOW = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # 09:00 in Seoul
EARLIER = NOW - timedelta(days=1)


def home_district() -> District:
    return District.objects.get(code=HOME_DISTRICT)


def dong(name: str, district_code: str = HOME_DISTRICT) -> Dong:
    return Dong.objects.get(district__code=district_code, name=name)


def person(
    *,
    name: str,
    dong_name: str | None = "보라매동",
    birth_year: int = 1950,
    phone: str = "010-0000-0101",
    district_code: str = HOME_DISTRICT,
    contact_consent: bool = True,
) -> Person:
    """A person as the people app would hold them, with the consent to be contacted unless told otherwise."""
    district = District.objects.get(code=district_code)
    created = Person.objects.create(
        name=name,
        birth_year=birth_year,
        phone=phone,
        district=district,
        dong=dong(dong_name, district_code) if dong_name else None,
        is_synthetic=True,
    )
    if contact_consent:
        Consent.objects.create(person=created, purpose=Consent.Purpose.CONTACT, wording_version="test", given_at=EARLIER)
    return created


def monitored(cast, *, name: str, level: str = "HIGH", at: datetime = EARLIER, **details) -> Person:
    """A person with a risk level recorded by a social worker of their district."""
    created = person(name=name, **details)
    actor = cast.social_worker if created.district.code == HOME_DISTRICT else cast.other_worker
    record_risk_assessment(
        actor=actor, person=created, level=level, basis="SURVEY", reason="주 1회 이하 연락, 하루 한 끼", now=at
    )
    return created
