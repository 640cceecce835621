"""Bilingual model texts."""

from __future__ import annotations

from django.utils.translation import get_language


class InPageLanguage:
    """A read-only attribute giving ``<field>_en`` on English pages when it is filled, ``<field>`` otherwise.

    Directory texts are stored in both languages side by side (name, name_en); Korean is
    the source and the fallback.
    """

    def __init__(self, field: str):
        self.field = field

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        korean = getattr(instance, self.field)
        english = getattr(instance, f"{self.field}_en")
        return english if get_language() == "en" and english else korean
