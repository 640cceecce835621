"""A district's escalation policy saved through the back office: validated, audited, and used by the ladder."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from itda.audit.models import AuditEntry
from itda.checkins import services
from itda.checkins.models import EscalationPolicy
from itda.places.models import District
from tests.personas import HOME_DISTRICT


@pytest.fixture
def admin_client(client, cast):
    cast.administrator.is_staff = True
    cast.administrator.is_superuser = True
    cast.administrator.save()
    client.force_login(cast.administrator)
    return client


def _post(admin_client, district, overrides):
    return admin_client.post(
        reverse("admin:checkins_escalationpolicy_add"),
        {"district": district.pk, "overrides": json.dumps(overrides), "note": "가상 구의 3회 재통화 규칙"},
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides",
    [{"retry_count": 9}, {"not_a_key": 1}, {"channel_ladder": ["VOICE", "FAX"]}, {"day_starts_at": "19:00"}],
    ids=["out-of-range", "unknown-key", "unknown-channel", "day-after-night"],
)
def test_a_bad_override_is_refused_with_its_reason_and_nothing_is_stored(admin_client, overrides):
    district = District.objects.get(code=HOME_DISTRICT)

    response = _post(admin_client, district, overrides)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["overrides"]
    assert not EscalationPolicy.objects.exists()
    assert services.policy_for(district.pk).retry_count == 2


@pytest.mark.django_db
def test_a_valid_override_is_stored_audited_and_used_by_the_ladder(admin_client, cast):
    district = District.objects.get(code=HOME_DISTRICT)
    assert services.policy_for(district.pk).retry_count == 2  # cached before the change

    response = _post(admin_client, district, {"retry_count": 3, "channel_ladder": ["VOICE", "MESSENGER_LINK", "VOLUNTEER_CALL"]})

    assert response.status_code == 302
    row = EscalationPolicy.objects.get(district=district)
    assert (row.updated_by, row.note) == (cast.administrator, "가상 구의 3회 재통화 규칙")
    policy = services.policy_for(district.pk)
    assert (policy.retry_count, policy.channel_ladder) == (3, ("VOICE", "MESSENGER_LINK", "VOLUNTEER_CALL"))
    assert policy.retry_interval_minutes == 30  # the keys not named keep the default
    entry = AuditEntry.objects.get(action="UPDATE", target_type="checkins.escalationpolicy", target_id=str(row.pk))
    assert (entry.actor, entry.fields) == (cast.administrator, ["channel_ladder", "retry_count"])
