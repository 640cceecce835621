"""Who sees a referral, which side each user acts for, and the receiving-team predicate used by screenings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from itda.cases.models import CaseAssignment
from itda.referrals.models import Referral
from itda.referrals.permissions import (
    ReferralNotVisible,
    can_send_referrals,
    get_referral_for_worker,
    get_referrals_for_worker,
    is_receiving_team_for,
    sides_for,
)
from itda.referrals.services import transition
from itda.referrals.tests.factories import make_person, send

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def person(db):
    return make_person()


@pytest.fixture
def referral(cast, person):
    return send(cast, person, now=NOW)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("citizen", False),
        ("volunteer", False),
        ("city_staff", False),
        ("other_worker", False),
        ("counsellor", False),
        ("social_worker", True),
        ("health_staff", True),
        ("administrator", True),
    ],
)
def test_the_sending_team_the_receiving_team_and_administrators_see_a_referral(cast, referral, persona, sees):
    user = getattr(cast, persona)

    visible = get_referrals_for_worker(user).filter(pk=referral.pk).exists()

    assert visible is sees


@pytest.mark.django_db
def test_a_worker_on_the_persons_case_sees_the_referral_and_stops_when_the_assignment_ends(cast, person, referral):
    assignment = CaseAssignment.objects.create(
        person=person, worker=cast.other_worker, team=cast.other_team, role="LEAD", start_at=NOW
    )

    seen_while_assigned = get_referral_for_worker(cast.other_worker, referral.pk)
    assignment.end_at = NOW.replace(hour=10)
    assignment.save()

    assert seen_while_assigned == referral
    with pytest.raises(ReferralNotVisible):
        get_referral_for_worker(cast.other_worker, referral.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("referral_id", [999999, "abc", None])
def test_a_missing_referral_and_a_hidden_one_are_refused_alike(cast, referral_id):
    with pytest.raises(ReferralNotVisible):
        get_referral_for_worker(cast.social_worker, referral_id)


@pytest.mark.django_db
def test_anonymous_users_see_no_referrals(referral):
    from django.contrib.auth.models import AnonymousUser

    assert get_referrals_for_worker(AnonymousUser()).count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "sides"),
    [
        ("social_worker", {"SENDER"}),
        ("health_staff", {"RECEIVER"}),
        ("administrator", {"SENDER", "RECEIVER"}),
        ("other_worker", set()),
        ("citizen", set()),
        ("volunteer", set()),
    ],
)
def test_each_user_acts_for_the_side_of_their_team(cast, referral, persona, sides):
    assert sides_for(getattr(cast, persona), referral) == sides


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "may"),
    [
        ("social_worker", True),
        ("counsellor", True),
        ("health_staff", True),
        ("administrator", True),
        ("citizen", False),
        ("volunteer", False),
        ("city_staff", False),
    ],
)
def test_care_workers_with_a_team_and_administrators_send_referrals(cast, persona, may):
    assert can_send_referrals(getattr(cast, persona)) is may


@pytest.mark.django_db
def test_the_receiving_team_counts_only_while_the_referral_is_open(cast, person, referral):
    receiving_while_open = is_receiving_team_for(cast.health_staff, person)
    sender_while_open = is_receiving_team_for(cast.social_worker, person)
    transition(actor=cast.health_staff, referral=referral, to_status=Referral.Status.DECLINED, now=NOW, outcome="NO_CAPACITY")

    assert (receiving_while_open, sender_while_open) == (True, False)
    assert is_receiving_team_for(cast.health_staff, person) is False


@pytest.mark.django_db
def test_a_user_without_a_team_is_never_the_receiving_team(cast, person, referral):
    assert is_receiving_team_for(cast.administrator, person) is False
    assert is_receiving_team_for(cast.citizen, person) is False
