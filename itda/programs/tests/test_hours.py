"""'Open now' on weekdays, Saturdays, Korean public holidays (Chuseok) and closures, judged in Seoul time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from itda.programs.hours import SEOUL, Timetable, WeeklyPeriod, holiday_name, next_opening, open_state
from itda.programs.queries import find_sites

# The Gangbuk Maeum convenience store: Mon–Fri 9–21, Sat 9–18 (seed 000).
GANGBUK = Timetable(
    periods=(
        *(WeeklyPeriod(day, time(9), time(21)) for day in range(5)),
        WeeklyPeriod(5, time(9), time(18)),
    )
)
LINE_120 = Timetable(periods=(), is_open_all_hours=True, is_open_on_public_holidays=True)


def seoul(*args) -> datetime:
    return datetime(*args, tzinfo=SEOUL)


def test_open_on_a_saturday_morning_until_six():
    state = open_state(GANGBUK, seoul(2026, 11, 28, 10, 0))

    assert state.is_open
    assert state.closes_at == seoul(2026, 11, 28, 18, 0)


def test_closed_on_a_saturday_evening_and_opens_again_on_monday_at_nine():
    state = open_state(GANGBUK, seoul(2026, 11, 28, 19, 0))

    assert not state.is_open
    assert state.next_opens_at == seoul(2026, 11, 30, 9, 0)


def test_closed_on_chuseok_with_the_holiday_named_and_reopening_after_the_three_days():
    state = open_state(GANGBUK, seoul(2026, 9, 25, 10, 0))

    assert not state.is_open
    assert state.holiday_name == "추석"
    assert state.next_opens_at == seoul(2026, 9, 28, 9, 0)


def test_a_substitute_holiday_closes_a_monday():
    assert holiday_name(date(2026, 10, 5)) == "개천절 대체 휴일"

    assert not open_state(GANGBUK, seoul(2026, 10, 5, 10, 0)).is_open


def test_the_120_line_is_open_at_three_in_the_morning_on_chuseok():
    state = open_state(LINE_120, seoul(2026, 9, 25, 3, 0))

    assert state.is_open
    assert state.holiday_name == "추석"


def test_a_utc_moment_is_judged_in_seoul_time():
    one_am_utc_saturday = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)  # 10:00 in Seoul

    assert open_state(GANGBUK, one_am_utc_saturday).is_open


def test_closing_time_is_exclusive():
    assert not open_state(GANGBUK, seoul(2026, 11, 27, 21, 0)).is_open
    assert open_state(GANGBUK, seoul(2026, 11, 27, 20, 59)).is_open


def test_a_closure_shuts_the_site_and_the_next_opening_skips_it():
    closed = Timetable(periods=GANGBUK.periods, closures=((date(2026, 11, 30), date(2026, 12, 2)),))

    state = open_state(closed, seoul(2026, 11, 30, 10, 0))

    assert not state.is_open and state.is_closure
    assert next_opening(closed, seoul(2026, 11, 30, 10, 0)) == seoul(2026, 12, 2, 9, 0)


def test_a_place_without_hours_never_reports_a_next_opening():
    assert open_state(Timetable(periods=()), seoul(2026, 11, 28, 10, 0)).next_opens_at is None


@pytest.mark.django_db
def test_the_site_finder_shows_the_gangbuk_store_open_on_saturday_and_closed_on_chuseok():
    saturday = find_sites(at=seoul(2026, 11, 28, 10, 0), program_slug="maeum-convenience-store", district_code="11305")
    chuseok_open_only = find_sites(at=seoul(2026, 9, 25, 10, 0), district_code="11305", open_now=True)

    assert [(view.site.slug, view.state.is_open) for view in saturday] == [("maeum-gangbuk", True)]
    assert chuseok_open_only == []
