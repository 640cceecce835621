"""Who may see and record screening results: every branch."""

from __future__ import annotations

import sys
import types
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser

from itda.cases.services import assign_worker
from itda.screenings.permissions import can_record_results, can_see_sensitive_results
from itda.screenings.tests.conftest import TUESDAY_MORNING


@pytest.fixture
def on_case(cast, citizen_person):
    assign_worker(
        actor=cast.administrator,
        person=citizen_person,
        worker=cast.health_staff,
        team=cast.health_staff.team,
        role="NURSE",
        now=TUESDAY_MORNING - timedelta(days=1),
    )
    return citizen_person


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("citizen", True),  # the person themself
        ("health_staff", True),  # on the case
        ("social_worker", False),  # same district, not on the case
        ("other_worker", False),
        ("counsellor", False),
        ("city_staff", False),
        ("volunteer", False),
        ("administrator", True),
    ],
)
def test_sensitive_results_are_seen_by_the_person_their_case_workers_and_administrators(cast, on_case, who, sees):
    assert can_see_sensitive_results(getattr(cast, who), on_case) is sees


def test_anonymous_visitors_see_nothing(on_case):
    assert can_see_sensitive_results(AnonymousUser(), on_case) is False


def test_a_citizen_does_not_see_someone_elses_results(cast, other_person):
    assert can_see_sensitive_results(cast.citizen, other_person) is False


def test_the_receiving_team_of_a_referral_sees_the_results(cast, citizen_person, monkeypatch):
    fake = types.ModuleType("itda.referrals.permissions")
    fake.is_receiving_team_for = lambda user, person: user == cast.other_worker and person == citizen_person
    monkeypatch.setitem(sys.modules, "itda.referrals.permissions", fake)

    assert can_see_sensitive_results(cast.other_worker, citizen_person) is True
    assert can_see_sensitive_results(cast.counsellor, citizen_person) is False


@pytest.mark.parametrize(
    ("who", "records"),
    [
        ("citizen", True),
        ("social_worker", True),  # may open the person's record in their district
        ("health_staff", True),
        ("counsellor", True),  # the 120 line is city-wide
        ("other_worker", False),
        ("city_staff", False),
        ("volunteer", False),
        ("administrator", True),
    ],
)
def test_recording_is_open_to_workers_who_may_open_the_record(cast, citizen_person, who, records):
    assert can_record_results(getattr(cast, who), citizen_person) is records


def test_a_team_receiving_an_open_referral_sees_the_results_through_the_referrals_app(cast, other_person):
    from itda.referrals.services import send_referral

    send_referral(
        actor=cast.social_worker,
        person=other_person,
        from_team=cast.home_team,
        to_team=cast.other_team,
        reason="가상 의뢰 사유",
        risk="HIGH",
        now=TUESDAY_MORNING,
    )

    assert can_see_sensitive_results(cast.other_worker, other_person) is True
    assert can_see_sensitive_results(cast.counsellor, other_person) is False
