"""Guards against storing what must never be stored."""

from __future__ import annotations

import re

# A resident registration number (주민등록번호): six birth digits, an optional
# dash or space, then seven digits whose first is 1-8 (century and sex).
_RRN = re.compile(r"(?<!\d)(\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])[\s-]?([1-8])\d{6}(?!\d)")


def contains_resident_registration_number(text: str) -> bool:
    """True when ``text`` holds something shaped like a resident registration number."""
    return bool(_RRN.search(text or ""))


def mask_phone(phone: str) -> str:
    """Show only the last four digits of a phone number: 010-****-1234."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) < 4:
        return "****" if digits else ""
    return f"***-****-{digits[-4:]}"
