"""The demo seeding: invented residents with plans and a simulated round of calls; refuses without --demo; runs twice."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from itda.checkins.models import ContactPlan, Escalation
from itda.people.models import Person


@pytest.mark.django_db
def test_the_demo_seed_makes_a_dozen_synthetic_residents_with_plans_and_runs_again_without_duplicates():
    call_command("seed_checkin_demo", "--demo", stdout=io.StringIO())
    output = io.StringIO()

    call_command("seed_checkin_demo", "--demo", stdout=output)

    residents = Person.objects.filter(name__startswith="가상 주민 ", is_synthetic=True)
    assert residents.count() == 12
    assert ContactPlan.objects.filter(kind="AI_CALL", end_at__isnull=True).count() == 12
    assert ContactPlan.objects.filter(kind="CARE_GROUP", owner__username="demo-volunteer").count() == 4
    assert Escalation.objects.filter(reason="RISK").exists()
    assert output.getvalue().startswith("데모 주민 0명 추가")


def test_the_demo_seed_refuses_without_the_demo_flag():
    with pytest.raises(CommandError) as error:
        call_command("seed_checkin_demo", stdout=io.StringIO())

    assert "demo databases only" in str(error.value)
