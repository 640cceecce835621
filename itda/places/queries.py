"""Reads of the reference data."""

from __future__ import annotations

from itda.places.models import DistrictIndicator


def latest_indicator_by_district(*, indicator: str) -> dict[int, DistrictIndicator]:
    """District id → the most recent value of one indicator (districts without one are absent)."""
    latest: dict[int, DistrictIndicator] = {}
    rows = DistrictIndicator.objects.filter(indicator=indicator, district__isnull=False).order_by("district_id", "-year")
    for row in rows:
        latest.setdefault(row.district_id, row)
    return latest
