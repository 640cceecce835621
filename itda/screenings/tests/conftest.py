"""Screening test helpers: a fixed moment in office hours, and a citizen with a person record."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from itda.people.models import Person
from itda.places.models import District
from itda.screenings import catalogue

SEOUL = ZoneInfo("Asia/Seoul")
# Tuesday 10 November 2026, 10:00 in Seoul: office hours, not a public holiday.
TUESDAY_MORNING = datetime(2026, 11, 10, 10, 0, tzinfo=SEOUL)
# Saturday 14 November 2026, 23:00: out of hours.
SATURDAY_NIGHT = datetime(2026, 11, 14, 23, 0, tzinfo=SEOUL)

PHQ9_MODERATE = {"1": 1, "2": 2, "3": 0, "4": 3, "5": 1, "6": 0, "7": 2, "8": 1, "9": 0}  # total 10
PHQ9_ITEM9 = {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0, "6": 0, "7": 0, "8": 0, "9": 1}  # total 1, crisis


@pytest.fixture(autouse=True)
def fresh_catalogue():
    catalogue.clear_cache()
    yield
    catalogue.clear_cache()


@pytest.fixture
def home_district(db):
    return District.objects.get(code="11620")


@pytest.fixture
def citizen_person(cast, home_district):
    """The cast's citizen, with their own person record in 관악구 (born 1956: 70 in 2026)."""
    return Person.objects.create(name="가상 시민 하늘", district=home_district, birth_year=1956, user=cast.citizen)


@pytest.fixture
def other_person(cast, home_district):
    """Someone in 관악구 without an account (born 1980)."""
    return Person.objects.create(name="가상 주민 바람", district=home_district, birth_year=1980)
