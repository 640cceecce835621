"""The back office: referrals listed and read with audit entries; no referral is added or moved there."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from itda.audit.models import AuditEntry
from itda.referrals.tests.factories import make_person, send

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _admin_client(cast):
    cast.administrator.is_staff = True
    cast.administrator.is_superuser = True
    cast.administrator.save()
    client = Client()
    client.force_login(cast.administrator)
    return client


@pytest.mark.django_db
def test_reading_a_referral_in_the_admin_is_audited_and_its_status_is_read_only(cast):
    person = make_person()
    referral = send(cast, person, now=NOW)
    client = _admin_client(cast)

    page = client.get(f"/admin/referrals/referral/{referral.pk}/change/")

    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    entry = AuditEntry.objects.get(action="READ", target_type="referrals.referral")
    assert (entry.actor, entry.person_id) == (cast.administrator, person.pk)


@pytest.mark.django_db
def test_referrals_cannot_be_added_in_the_admin(cast):
    client = _admin_client(cast)

    response = client.get("/admin/referrals/referral/add/")

    assert response.status_code == 403
