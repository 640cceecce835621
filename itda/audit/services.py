"""Writing the audit trail. Every service that reads or changes personal data calls this."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import models
from django.utils import timezone

from itda.audit.models import AuditEntry


def record_access(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    person_id: int | None = None,
    listed_person_ids: Iterable[int] = (),
    fields: Iterable[str] = (),
    reason: str = "",
    path: str = "",
    at: datetime | None = None,
) -> AuditEntry:
    """Append one audit entry; call inside the transaction of the read or change it records.

    ``fields`` names what was read or changed, never the values, so the trail
    itself holds no personal data beyond ids.
    """
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        at=at or timezone.now(),
        actor=actor if is_user else None,
        actor_role=getattr(actor, "role", "") if is_user else "",
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        person_id=person_id,
        listed_person_ids=list(listed_person_ids),
        fields=sorted(set(fields)),
        reason=reason[:200],
        path=path[:200],
    )
