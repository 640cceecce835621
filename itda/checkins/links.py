"""Signed references to one check-in attempt: in the telephony webhook URLs and in the SMS link.

Both are signed with the site's SECRET_KEY under their own salt, so a reference
made for one purpose is refused for the other, and nobody can point a webhook or
a link at another person's attempt by changing a number. Both carry the moment
they were made and expire (the SMS link after the policy's
``sms_link_valid_hours``); being one-time is enforced by the attempt's state,
not by the token. "Now" is passed in, so expiry is testable with frozen time.
"""

from __future__ import annotations

from datetime import datetime

from django.core import signing

_WEBHOOK_SALT = "itda.checkins.telephony-attempt"
_LINK_SALT = "itda.checkins.sms-link"
WEBHOOK_REFERENCE_MAX_AGE_SECONDS = 2 * 24 * 3600


class LinkInvalid(Exception):
    """The reference is not one of ours (tampered, cut short or made for another purpose)."""


class LinkExpired(LinkInvalid):
    """The reference was ours but is too old."""


def attempt_reference(attempt_id: int, *, now: datetime) -> str:
    return _make(attempt_id, now, _WEBHOOK_SALT)


def read_attempt_reference(reference: str, *, now: datetime) -> int:
    """The attempt id in a webhook reference. Raises LinkExpired or LinkInvalid."""
    return _read(reference, _WEBHOOK_SALT, now, WEBHOOK_REFERENCE_MAX_AGE_SECONDS)


def make_link_token(attempt_id: int, *, now: datetime) -> str:
    return _make(attempt_id, now, _LINK_SALT)


def read_link_token(token: str, *, now: datetime, max_age_seconds: int) -> int:
    """The attempt id in an SMS link token. Raises LinkExpired or LinkInvalid."""
    return _read(token, _LINK_SALT, now, max_age_seconds)


def read_link_token_for_policy(token: str, *, now: datetime, max_age_for) -> int:
    """Like read_link_token, with the age limit looked up from the attempt (``max_age_for(attempt_id)`` in seconds)."""
    attempt_id, made_at = _unpack(token, _LINK_SALT)
    if not -300 <= now.timestamp() - made_at <= max_age_for(attempt_id):
        raise LinkExpired(token)
    return attempt_id


def _make(attempt_id: int, now: datetime, salt: str) -> str:
    return signing.dumps([attempt_id, int(now.timestamp())], salt=salt, compress=False)


def _unpack(value: str, salt: str) -> tuple[int, int]:
    try:
        attempt_id, made_at = signing.loads(value or "", salt=salt)
        return int(attempt_id), int(made_at)
    except (signing.BadSignature, ValueError, TypeError):
        raise LinkInvalid(value) from None


def _read(value: str, salt: str, now: datetime, max_age_seconds: int) -> int:
    attempt_id, made_at = _unpack(value, salt)
    # Five minutes of clock difference between the worker that made it and the server that reads it.
    if not -300 <= now.timestamp() - made_at <= max_age_seconds:
        raise LinkExpired(value)
    return attempt_id
