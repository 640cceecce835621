"""Numbers on the discovery pages: thousands separators whatever the language (12,345), as Korean public statistics write them."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def number(value) -> str:
    """12345 → "12,345"; 1234.5 → "1,234.5"; None → "—"."""
    if value is None or value == "":
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


@register.filter
def signed_number(value) -> str:
    """+1,234 / −56 / 0."""
    if value is None:
        return "—"
    text = number(abs(value))
    return f"+{text}" if value > 0 else (f"−{text}" if value < 0 else text)
