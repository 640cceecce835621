"""The escalation policy of a district: the data file's default with the district's overrides, cached briefly."""

from __future__ import annotations

import time as monotonic_time
from datetime import datetime

from django.db import transaction

from itda.audit.services import record_access
from itda.checkins import ladder
from itda.checkins.ladder import Policy
from itda.checkins.models import EscalationPolicy
from itda.checkins.services.rules import user_or_none

_POLICY_CACHE: dict[int, tuple[float, Policy]] = {}
_POLICY_CACHE_SECONDS = 30.0


def policy_for(district_id: int) -> Policy:
    """The ladder for a district: the data file's default with the district's overrides. Cached for 30 seconds."""
    cached = _POLICY_CACHE.get(district_id)
    if cached is not None and monotonic_time.monotonic() - cached[0] < _POLICY_CACHE_SECONDS:
        return cached[1]
    row = EscalationPolicy.objects.filter(district_id=district_id).select_related("district").first()
    if row is None:
        from itda.places.models import District

        code = District.objects.filter(pk=district_id).values_list("code", flat=True).first()
        policy = ladder.default_policy(code)
    else:
        policy = ladder.default_policy(row.district.code).merged(row.overrides)
    _POLICY_CACHE[district_id] = (monotonic_time.monotonic(), policy)
    return policy


def clear_policy_cache() -> None:
    _POLICY_CACHE.clear()


def set_escalation_policy(*, actor, district, overrides: dict, now: datetime, note: str = "") -> EscalationPolicy:
    """Store a district's changes to the default ladder. Raises ladder.PolicyInvalid on a bad key or value."""
    ladder.default_policy(district.code).merged(overrides)  # validates before anything is stored
    with transaction.atomic():
        row, _created = EscalationPolicy.objects.update_or_create(
            district=district,
            defaults={"overrides": overrides, "note": note[:200], "updated_at": now, "updated_by": user_or_none(actor)},
        )
        record_access(actor=actor, action="UPDATE", target=row, fields=sorted(overrides), at=now)
    clear_policy_cache()
    return row
