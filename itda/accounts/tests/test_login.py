from __future__ import annotations

import pytest
from django.urls import reverse

from itda.audit.models import AuditEntry
from tests.personas import PASSWORD


@pytest.mark.django_db
def test_signing_in_is_audited_and_lands_on_my_account(client, cast):
    response = client.post(reverse("accounts:login"), {"username": "persona-worker", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")
    entry = AuditEntry.objects.get(action="LOGIN")
    assert entry.actor == cast.social_worker


@pytest.mark.django_db
def test_a_wrong_password_is_refused_with_a_message_and_no_audit_entry(client, cast):
    response = client.post(reverse("accounts:login"), {"username": "persona-worker", "password": "wrong"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not AuditEntry.objects.filter(action="LOGIN").exists()


@pytest.mark.django_db
def test_signing_out_needs_a_post(client, cast):
    client.force_login(cast.citizen)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert client.get(reverse("accounts:home")).status_code == 302
