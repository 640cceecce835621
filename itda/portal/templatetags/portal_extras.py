"""Presentation helpers for portal templates: money, weekly hours and crisis-line dialling."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django import template
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def won(amount: int | None) -> str:
    """5000 → "5,000 KRW" (in Korean, once translated, "5,000원")."""
    if amount is None:
        return ""
    return _("%(amount)s KRW") % {"amount": f"{int(amount):,}"}


def price(amount: int, unit: str) -> str:
    """An amount with its fee unit, e.g. "5,000 KRW per hour"."""
    formatted = f"{int(amount):,}"
    if unit == "HOUR":
        return _("%(amount)s KRW per hour") % {"amount": formatted}
    if unit == "USE":
        return _("%(amount)s KRW per use") % {"amount": formatted}
    if unit == "DAY":
        return _("%(amount)s KRW per day") % {"amount": formatted}
    if unit == "MONTH":
        return _("%(amount)s KRW per month") % {"amount": formatted}
    return won(amount)


@register.simple_tag
def fee_price(amount: int, unit: str) -> str:
    return price(amount, unit)


@register.filter
def crisis_dials(line) -> list[tuple[str, str]]:
    """(shown number, number to dial) pairs: "112 / 119" is two numbers, so two links."""
    if " / " in line.number:
        return [(part.strip(), re.sub(r"\D", "", part)) for part in line.number.split(" / ")]
    return [(line.number, line.dial)]


@register.filter
def dial(phone: str) -> str:
    """What a tel: link dials: the digits of "02-984-6777"."""
    return re.sub(r"[^0-9+]", "", phone or "")


@register.filter
def weekly_hours(hours: Iterable) -> list[str]:
    """Opening periods grouped over consecutive days with the same times.

    For example ["Monday–Friday 09:00–21:00", "Saturday 09:00–18:00"].
    """
    by_day: dict[int, list[str]] = {}
    for period in sorted(hours, key=lambda h: (h.weekday, h.opens_at)):
        by_day.setdefault(period.weekday, []).append(f"{period.opens_at:%H:%M}–{period.closes_at:%H:%M}")
    lines = []
    day = 0
    while day < 7:
        times = by_day.get(day)
        if not times:
            day += 1
            continue
        last = day
        while last + 1 < 7 and by_day.get(last + 1) == times:
            last += 1
        days = str(WEEKDAYS[day]) if last == day else f"{WEEKDAYS[day]}–{WEEKDAYS[last]}"
        lines.append(f"{days} {', '.join(times)}")
        day = last + 1
    return lines


@register.filter
def hours_on(hours: Iterable, weekday: int) -> list[str]:
    """The periods of one weekday, e.g. ["09:00–21:00"]."""
    return [
        f"{period.opens_at:%H:%M}–{period.closes_at:%H:%M}"
        for period in sorted(hours, key=lambda h: h.opens_at)
        if period.weekday == weekday
    ]


@register.simple_tag
def control(bound_field, *, show_error: bool = True, **attrs) -> str:
    """A form control tied to its hint and error with aria-describedby, so screen readers read them."""
    described_by = []
    if bound_field.help_text:
        described_by.append(f"{bound_field.auto_id}_helptext")
    if bound_field.errors and show_error:
        described_by.append(f"{bound_field.auto_id}_error")
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return bound_field.as_widget(attrs=attrs)
