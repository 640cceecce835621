"""Access functions for person records. Every person-level read goes through these.

Who may see a person:
- a social worker or health-centre staff member: people in their team's district — except staff of a
  primary care clinic, who see only the people on their own caseload or in a referral their clinic sent
  or received (a clinic screens its patients; it does not browse the district);
- a counsellor of the 120 line (a city-wide team): anyone, because callers come from every district;
- an administrator: anyone (every read is audited like everyone else's);
- a citizen: only their own record;
- a volunteer: nobody here (their worklist shows minimal fields of their own households only);
- city policy staff: nobody (they work with aggregates).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from itda.accounts.models import Team, User
from itda.people.models import Person


class PersonNotVisible(Exception):
    """The person does not exist or this user may not see them; the two are not told apart."""


_DISTRICT_ROLES = {User.Role.SOCIAL_WORKER, User.Role.HEALTH_STAFF}
_CITY_WIDE_ROLES = {User.Role.COUNSELLOR}


def can_work_with_people(user) -> bool:
    """True for roles that open person records in the console."""
    if not user.is_authenticated:
        return False
    if user.is_administrator:
        return True
    return user.role in _DISTRICT_ROLES | _CITY_WIDE_ROLES


def get_people_for_worker(user) -> QuerySet[Person]:
    """The people this user may see, as a queryset to filter further. Empty for everyone else."""
    people = Person.objects.select_related("district", "dong")
    if not user.is_authenticated:
        return people.none()
    if user.is_administrator:
        return people
    if user.role in _CITY_WIDE_ROLES:
        return people
    if user.role in _DISTRICT_ROLES:
        if _is_clinic(user):
            return people.filter(
                Q(case_assignments__worker=user, case_assignments__end_at__isnull=True)
                | Q(referrals__from_team_id=user.team_id)
                | Q(referrals__to_team_id=user.team_id)
            ).distinct()
        district_id = user.district_id_scope
        if district_id is None:
            return people.none()
        return people.filter(district_id=district_id)
    if user.role == User.Role.CITIZEN:
        return people.filter(user=user)
    return people.none()


def get_person_for_worker(user, person_id: int) -> Person:
    """One person this user may see. Raises PersonNotVisible otherwise (never says which)."""
    try:
        return get_people_for_worker(user).get(pk=person_id)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise PersonNotVisible(person_id) from None


def _is_clinic(user) -> bool:
    return user.team_id is not None and user.team.kind == Team.Kind.PRIMARY_CLINIC


def can_change_person(user, person: Person) -> bool:
    """Only care workers in scope change a record; counsellors and citizens read only."""
    if not user.is_authenticated:
        return False
    if user.is_administrator:
        return True
    if user.role not in _DISTRICT_ROLES:
        return False
    if user.district_id_scope is None or person.district_id != user.district_id_scope:
        return False
    if _is_clinic(user) and person.pk is not None:
        return get_people_for_worker(user).filter(pk=person.pk).exists()
    return True


def can_register_person(user, person: Person) -> bool:
    """District workers register people of their district; 120-line counsellors register callers anywhere."""
    if user.is_authenticated and user.role in _CITY_WIDE_ROLES:
        return True
    return can_change_person(user, person)


def can_record_consent(user, person: Person) -> bool:
    """Workers who may change the record, counsellors (who take consent on the phone), and the person themself."""
    if not user.is_authenticated:
        return False
    if person.user_id == user.pk:
        return True
    if user.role in _CITY_WIDE_ROLES:
        return True
    return can_change_person(user, person)
