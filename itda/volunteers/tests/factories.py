"""Fictional care-group volunteers for the tests."""

from __future__ import annotations

from datetime import date

from itda.accounts.models import Team, User
from itda.households.tests.factories import EARLIER, dong
from itda.volunteers.models import Volunteer
from itda.volunteers.services import register_volunteer
from tests.personas import HOME_DISTRICT


def care_group_team() -> Team:
    return Team.objects.get(kind=Team.Kind.CARE_GROUP, district__code=HOME_DISTRICT)


def volunteer(
    cast,
    *,
    username: str,
    dong_name: str = "보라매동",
    capacity: int = 2,
    home: tuple[float, float] | None = None,
    user: User | None = None,
    birth_date: date = date(1970, 5, 1),
) -> Volunteer:
    """A registered volunteer of the home district's care group (a new account unless ``user`` is given)."""
    if user is None:
        user = User.objects.create(
            username=username, role=User.Role.VOLUNTEER, team=care_group_team(), display_name=f"돌봄단 {username}"
        )
    return register_volunteer(
        actor=cast.social_worker,
        user=user,
        birth_date=birth_date,
        dong=dong(dong_name),
        capacity=capacity,
        now=EARLIER,
        home_lat=home[0] if home else None,
        home_lon=home[1] if home else None,
    )
