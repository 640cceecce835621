"""Logging contacts. Every log is audited; notes never hold a resident registration number."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from itda.audit.services import record_access
from itda.contacts.models import ContactLog
from itda.lib.bulk import insert_rows
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


def log_contacts_in_bulk(*, contacts: list[ContactLog], at: datetime, reason: str) -> int:
    """Store many contacts made by the platform itself (automatic calls and texts) and one audit entry naming them all.

    For the weekly check-in cycle: a hundred thousand rows a week, streamed with COPY on
    PostgreSQL (``itda.lib.bulk.insert_rows``); the objects get their primary keys.
    Automatic contacts carry no free-text note, so nothing here can hold a resident
    registration number; a note is refused all the same.
    """
    if not contacts:
        return 0
    if any(contact.note for contact in contacts):
        raise ContactRefused("자동 연락에는 메모를 남기지 않습니다 (automatic contacts carry no note)")
    with transaction.atomic():
        insert_rows(ContactLog, contacts)
        record_access(
            actor=None,
            action="CREATE",
            target_type="contacts.contactlog",
            listed_person_ids=[contact.person_id for contact in contacts],
            fields=["outcome", "topics"],
            reason=reason,
            at=at,
        )
    return len(contacts)
