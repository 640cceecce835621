"""The demo seed: fictional referrals and contacts, once, and only on a database marked as a demo."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from itda.contacts.models import ContactLog
from itda.people.models import Person
from itda.referrals.models import Referral


@pytest.mark.django_db
def test_the_demo_seed_runs_once_after_the_demo_accounts():
    call_command("seed_demo_accounts", "--demo", stdout=io.StringIO())

    call_command("seed_demo_referrals", "--demo", stdout=io.StringIO())
    call_command("seed_demo_referrals", "--demo", stdout=io.StringIO())

    assert Referral.objects.count() == 4
    assert list(Referral.objects.filter(parent__isnull=False).values_list("chain_position", "status")) == [(2, "ACCEPTED")]
    assert ContactLog.objects.count() == 2
    assert Person.objects.filter(is_synthetic=False).count() == 0


@pytest.mark.django_db
def test_the_demo_seed_refuses_without_the_demo_flag():
    with pytest.raises(CommandError):
        call_command("seed_demo_referrals", stdout=io.StringIO())

    assert Referral.objects.count() == 0
