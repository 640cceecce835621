"""Ladder routing reads the teams once and keeps them for 30 seconds per process."""

from __future__ import annotations

import pytest

from itda.accounts.models import Team
from itda.checkins import ladder
from itda.checkins.services import escalations
from itda.checkins.services.escalations import route_team

FIELD = "FIELD"


def _route(person):
    return route_team(person, purpose=FIELD, daytime=True, policy=ladder.default_policy())


@pytest.mark.django_db
def test_one_query_routes_every_step_of_the_half_minute(teams, resident, django_assert_num_queries):
    _route(resident)  # reads the teams

    with django_assert_num_queries(0):
        for _ in range(5):
            assert _route(resident) == teams.dong_centre


@pytest.mark.django_db
def test_a_team_saved_in_this_process_is_routed_to_at_once(teams, resident):
    assert _route(resident) == teams.dong_centre
    teams.dong_centre.delete()

    assert _route(resident) == teams.district_centre  # the fallback, from a fresh read

    again = Team.objects.create(
        name="가상 보라매동 새 주민센터", kind=Team.Kind.DONG_CENTRE, district=resident.district, dong=resident.dong
    )
    assert _route(resident) == again


@pytest.mark.django_db
def test_a_team_changed_elsewhere_is_routed_to_within_30_seconds(teams, resident, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(escalations.monotonic_time, "monotonic", lambda: clock[0])
    assert _route(resident) == teams.dong_centre

    # Another process moves the dong centre away (an UPDATE here sends no signal to this process).
    Team.objects.filter(pk=teams.dong_centre.pk).update(dong=None)
    clock[0] += 29
    assert _route(resident) == teams.dong_centre  # still the cached routing, never nowhere

    clock[0] += 1
    assert _route(resident) == teams.district_centre
