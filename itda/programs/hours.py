"""Is a site or programme open at a given moment? Weekly hours, Korean public holidays, closures.

Korean public holidays come from the ``holidays`` package (lunar ones such as
Seollal and Chuseok, and substitute holidays, included). A place is closed on
them unless it is marked as open on public holidays or open all hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

SEOUL = ZoneInfo("Asia/Seoul")


@dataclass(frozen=True)
class WeeklyPeriod:
    weekday: int  # Monday = 0
    opens_at: time
    closes_at: time


@dataclass(frozen=True)
class Timetable:
    periods: tuple[WeeklyPeriod, ...]
    is_open_all_hours: bool = False
    is_open_on_public_holidays: bool = False
    closures: tuple[tuple[date, date], ...] = ()  # [start, end) date ranges

    @property
    def has_hours(self) -> bool:
        return self.is_open_all_hours or bool(self.periods)


@dataclass(frozen=True)
class OpenState:
    is_open: bool
    holiday_name: str | None = None
    closes_at: datetime | None = None
    next_opens_at: datetime | None = None
    is_closure: bool = False


@lru_cache(maxsize=16)
def _korean_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("KR", years=year, language="ko")


def holiday_name(on_date: date) -> str | None:
    """The Korean public holiday on ``on_date`` (in Korean), or None."""
    return _korean_holidays(on_date.year).get(on_date)


def _is_closed_day(timetable: Timetable, on_date: date) -> tuple[bool, str | None, bool]:
    for start, end in timetable.closures:
        if start <= on_date < end:
            return True, None, True
    name = holiday_name(on_date)
    if name and not timetable.is_open_on_public_holidays:
        return True, name, False
    return False, name, False


def open_state(timetable: Timetable, at: datetime) -> OpenState:
    """Whether the place is open at ``at`` (any timezone; judged in Seoul time), and when that changes."""
    local = at.astimezone(SEOUL)
    if timetable.is_open_all_hours:
        return OpenState(True, holiday_name(local.date()))
    closed_day, name, is_closure = _is_closed_day(timetable, local.date())
    if not closed_day:
        for period in timetable.periods:
            if period.weekday == local.weekday() and period.opens_at <= local.time() < period.closes_at:
                closes = datetime.combine(local.date(), period.closes_at, tzinfo=SEOUL)
                return OpenState(True, name, closes_at=closes)
    return OpenState(False, name, next_opens_at=next_opening(timetable, local), is_closure=is_closure)


def next_opening(timetable: Timetable, after: datetime) -> datetime | None:
    """The next moment the place opens after ``after``, looking up to 60 days ahead."""
    if not timetable.periods:
        return None
    local = after.astimezone(SEOUL)
    for offset in range(0, 61):
        day = local.date() + timedelta(days=offset)
        closed_day, _name, _closure = _is_closed_day(timetable, day)
        if closed_day:
            continue
        starts = sorted(p.opens_at for p in timetable.periods if p.weekday == day.weekday())
        for opens in starts:
            moment = datetime.combine(day, opens, tzinfo=SEOUL)
            if moment > local:
                return moment
    return None
