"""Access functions for the care group: who sees volunteers, who allocates, and what a volunteer sees.

- Social workers and health-centre staff see the volunteers of their district; administrators see all.
- Only social workers of the district (the dong and district centres run the care group) and
  administrators register volunteers, run allocations and pin or forbid pairs.
- A volunteer sees their own households only, with minimal fields (``queries.households_for_volunteer``).
"""

from __future__ import annotations

from django.db.models import QuerySet

from itda.accounts.models import User
from itda.people.models import Person
from itda.volunteers.models import Volunteer

_VIEW_ROLES = {User.Role.SOCIAL_WORKER, User.Role.HEALTH_STAFF}


class VolunteerNotVisible(Exception):
    """The volunteer does not exist or this user may not see them; the two are not told apart."""


def can_view_care_group(user) -> bool:
    """True for the roles that see the volunteers list."""
    if not user.is_authenticated:
        return False
    if user.is_administrator:
        return True
    return user.role in _VIEW_ROLES


def can_manage_care_group(user, district_id: int | None) -> bool:
    """True when the user may register volunteers and allocate households in this district."""
    if not user.is_authenticated or district_id is None:
        return False
    if user.is_administrator:
        return True
    if user.role != User.Role.SOCIAL_WORKER:
        return False
    return user.district_id_scope == district_id


def get_volunteers_for_worker(user) -> QuerySet[Volunteer]:
    """The volunteers this user may see, as a queryset to filter further. Empty for everyone else."""
    volunteers = Volunteer.objects.select_related("user", "district", "dong")
    if not can_view_care_group(user):
        return volunteers.none()
    if user.is_administrator:
        return volunteers
    district_id = user.district_id_scope
    if district_id is None:
        return volunteers.none()
    return volunteers.filter(district_id=district_id)


def get_volunteer_for_worker(user, volunteer_id: int) -> Volunteer:
    """One volunteer this user may see. Raises VolunteerNotVisible otherwise."""
    try:
        return get_volunteers_for_worker(user).get(pk=volunteer_id)
    except (Volunteer.DoesNotExist, ValueError, TypeError):
        raise VolunteerNotVisible(volunteer_id) from None


def is_volunteer(user) -> bool:
    """True for a signed-in volunteer with a care-group profile."""
    if not user.is_authenticated or user.role != User.Role.VOLUNTEER:
        return False
    return Volunteer.objects.filter(user=user).exists()


def get_households_for_volunteer(user) -> QuerySet[Person]:
    """The people allocated to this volunteer now; empty for anyone who is not a volunteer."""
    if not user.is_authenticated or user.role != User.Role.VOLUNTEER:
        return Person.objects.none()
    return Person.objects.filter(volunteer_allocations__volunteer__user=user, volunteer_allocations__end_at__isnull=True)


class CareGroupRefused(Exception):
    """The user may not manage the care group of this district (register, allocate, pin or forbid)."""
