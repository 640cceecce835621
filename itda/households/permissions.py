"""Access functions for the registry of monitored people. Every person-level read of it goes through these.

Who may use the registry (risk levels and their reasons, visiting-care groups, channels, guardians):
- a social worker or health-centre staff member: people in their team's district;
- an administrator: anyone (every read is audited like everyone else's);
- everyone else: nobody. Counsellors of the 120 line open person records, not the at-risk registry; a
  volunteer sees only their own households, with minimal fields, through
  ``itda.volunteers.queries.households_for_volunteer``; city staff work with aggregates.
"""

from __future__ import annotations

from django.db.models import QuerySet

from itda.accounts.models import User
from itda.people.models import Person
from itda.people.permissions import PersonNotVisible, can_change_person, get_people_for_worker

_REGISTRY_ROLES = {User.Role.SOCIAL_WORKER, User.Role.HEALTH_STAFF}


def can_use_care_registry(user) -> bool:
    """True for the roles that open the care area of the console."""
    if not user.is_authenticated:
        return False
    if user.is_administrator:
        return True
    return user.role in _REGISTRY_ROLES


def get_registry_people_for_worker(user) -> QuerySet[Person]:
    """The people whose registry this user may see (their district; everyone for administrators)."""
    if not can_use_care_registry(user):
        return Person.objects.none()
    return get_people_for_worker(user)


def get_registry_person_for_worker(user, person_id: int) -> Person:
    """One person whose registry this user may see. Raises PersonNotVisible otherwise (never says which)."""
    try:
        return get_registry_people_for_worker(user).get(pk=person_id)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise PersonNotVisible(person_id) from None


def can_change_registry(user, person: Person) -> bool:
    """Registry changes follow person changes: district workers for their district, administrators anywhere."""
    if not can_use_care_registry(user):
        return False
    return can_change_person(user, person)
