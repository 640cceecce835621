"""Audited reads of the contact timeline."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from itda.audit.services import record_access
from itda.contacts.models import ContactLog
from itda.people.permissions import get_person_for_worker


def person_timeline(*, actor, person_id: int, now: datetime, limit: int = 200) -> list[ContactLog]:
    """A person's contacts, newest first, for a user who may see the person (raises PersonNotVisible)."""
    person = get_person_for_worker(actor, person_id)
    contacts = list(
        ContactLog.objects.filter(person=person).select_related("team", "logged_by").order_by("-started_at", "-pk")[:limit]
    )
    with transaction.atomic():
        record_access(
            actor=actor,
            action="READ",
            target_type="contacts.timeline",
            target_id=person.pk,
            person_id=person.pk,
            fields=["contacts"],
            at=now,
        )
    return contacts
