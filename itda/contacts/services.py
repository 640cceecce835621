"""Logging contacts. Every log is audited; notes never hold a resident registration number."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from itda.audit.services import record_access
from itda.contacts.models import ContactLog
from itda.lib.privacy import contains_resident_registration_number


class ContactRefused(Exception):
    """The contact cannot be stored as given; the message says why (Korean first)."""


def log_contact(
    *,
    actor,
    team,
    channel: str,
    direction: str,
    outcome: str,
    started_at: datetime,
    person=None,
    caller_type: str = ContactLog.CallerType.SELF,
    duration_seconds: int | None = None,
    topics: list[str] | None = None,
    note: str = "",
    source_type: str = "",
    source_id: str | int = "",
) -> ContactLog:
    """Store one contact on the person's timeline (or an anonymous one when ``person`` is None)."""
    if contains_resident_registration_number(note):
        raise ContactRefused("주민등록번호는 저장하지 않습니다 (resident registration numbers are never stored)")
    if duration_seconds is not None and not 0 <= duration_seconds <= 24 * 3600:
        raise ContactRefused("통화 시간은 0초에서 24시간 사이여야 합니다 (duration must be 0 s to 24 h)")
    with transaction.atomic():
        contact = ContactLog.objects.create(
            person=person,
            team=team,
            logged_by=actor if getattr(actor, "pk", None) else None,
            channel=channel,
            direction=direction,
            caller_type=caller_type,
            outcome=outcome,
            started_at=started_at,
            duration_seconds=duration_seconds,
            topics=topics or [],
            note=note,
            source_type=source_type,
            source_id=str(source_id),
        )
        record_access(
            actor=actor,
            action="CREATE",
            target=contact,
            person_id=person.pk if person else None,
            fields=["outcome", "note"],
            at=started_at,
        )
    return contact
