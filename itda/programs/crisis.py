"""Crisis and counselling lines shown on every page (sources: docs/domain-facts.md §3.6)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class CrisisLine:
    number: str
    dial: str  # what a tel: link dials
    name: object
    detail: object


def crisis_lines() -> list[CrisisLine]:
    """The lines, most urgent first. 109 replaced 1393 on 2024-01-01."""
    return [
        CrisisLine("109", "109", _("Suicide prevention line"), _("24 hours, every day")),
        CrisisLine("120 → 5", "120", _("Loneliness Goodbye 120"), _("Call 120, then press 5 — 24 hours")),
        CrisisLine("1577-0199", "15770199", _("Mental health crisis line"), _("24 hours")),
        CrisisLine("112 / 119", "112", _("Police / fire and ambulance"), _("Emergencies")),
    ]
