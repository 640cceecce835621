from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from itda.audit.models import AuditEntry
from itda.programs.models import Program, ProgramTarget
from itda.programs.services import TargetError, set_program_target

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_no_target_or_budget_exists_until_an_operator_enters_one():
    assert ProgramTarget.objects.count() == 0


@pytest.mark.django_db
def test_an_operator_enters_a_target_and_budget_and_it_is_stamped_and_audited(cast):
    program = Program.objects.get(slug="hospital-accompaniment")

    target = set_program_target(
        actor=cast.city_staff, program=program, year=2027, target_value=Decimal("12000"), budget_krw=1_500_000_000, now=NOW
    )
    set_program_target(actor=cast.city_staff, program=program, year=2027, target_value=Decimal("13000"), budget_krw=None, now=NOW)

    target.refresh_from_db()
    assert (target.target_value, target.budget_krw, target.entered_by, target.entered_at) == (
        Decimal("13000.00"),
        None,
        cast.city_staff,
        NOW,
    )
    assert AuditEntry.objects.filter(action="UPDATE", target_type="programs.programtarget").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(("year", "target"), [(1999, Decimal("1")), (2027, Decimal("-1"))])
def test_impossible_targets_are_refused(cast, year, target):
    program = Program.objects.get(slug="hospital-accompaniment")

    with pytest.raises(TargetError):
        set_program_target(actor=cast.city_staff, program=program, year=year, target_value=target, budget_krw=None, now=NOW)

    assert ProgramTarget.objects.count() == 0
