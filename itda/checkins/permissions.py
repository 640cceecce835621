"""Who may see and log which check-ins. Every person-level check-in read goes through these.

- The worklist: a volunteer or nurse sees only the contacts they own, with the
  few fields needed to make them; a social worker or health-centre worker also
  sees the contacts of their own team that have no named owner.
- Logging an outcome: the owner, or a worker who may change the person's record.
- The staff board, histories and escalations: care workers for the people in
  their scope (``people.permissions``: district-scoped; counsellors city-wide;
  administrators everyone), plus the members of the team a ladder step was
  routed to (the control room at night sees what it was sent).
- Volunteers never see escalations, histories or answers; city staff see none.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from itda.accounts.models import User
from itda.checkins.models import DueContact, Escalation
from itda.people.permissions import can_change_person, can_work_with_people, get_people_for_worker

_WORKLIST_ROLES = {User.Role.VOLUNTEER, User.Role.HEALTH_STAFF, User.Role.SOCIAL_WORKER}
_TEAM_QUEUE_ROLES = {User.Role.HEALTH_STAFF, User.Role.SOCIAL_WORKER}


class CheckinNotVisible(Exception):
    """The record does not exist or this user may not see it; the two are not told apart."""


def can_keep_worklist(user) -> bool:
    """True for the roles that make contacts: volunteers, nurses (health staff) and social workers."""
    if not user.is_authenticated:
        return False
    return user.role in _WORKLIST_ROLES


def can_watch_checkins(user) -> bool:
    """True for the roles that see the check-in board: care workers who open person records."""
    return can_work_with_people(user)


def get_due_contacts_for_worker(user) -> QuerySet[DueContact]:
    """Contacts on this user's worklist: their own, plus their team's unowned ones for staff."""
    contacts = DueContact.objects.all()
    if not can_keep_worklist(user):
        return contacts.none()
    mine = Q(owner=user)
    if user.role in _TEAM_QUEUE_ROLES and user.team_id is not None:
        mine |= Q(owner__isnull=True, team_id=user.team_id, channel__in=["IN_PERSON", "VOLUNTEER_CALL"])
    return contacts.filter(mine)


def get_due_contact_for_worker(user, due_contact_id: int) -> DueContact:
    """One contact this user may log: on their worklist, or of a person whose record they may change."""
    try:
        due_contact = DueContact.objects.select_related("person", "team").get(pk=due_contact_id)
    except (DueContact.DoesNotExist, ValueError, TypeError):
        raise CheckinNotVisible(due_contact_id) from None
    if get_due_contacts_for_worker(user).filter(pk=due_contact.pk).exists():
        return due_contact
    if can_change_person(user, due_contact.person):
        return due_contact
    raise CheckinNotVisible(due_contact_id)


def get_escalations_for_worker(user) -> QuerySet[Escalation]:
    """Escalations of people in the user's scope, and those whose current step was routed to the user's team."""
    escalations = Escalation.objects.select_related("person", "current_task", "current_task__team")
    if not can_watch_checkins(user):
        return escalations.none()
    in_scope = Q(person__in=get_people_for_worker(user))
    if user.team_id is not None:
        in_scope |= Q(current_task__team_id=user.team_id)
    return escalations.filter(in_scope)


def get_escalation_for_worker(user, escalation_id: int) -> Escalation:
    """One escalation this user may see and act on. Raises CheckinNotVisible otherwise."""
    try:
        return get_escalations_for_worker(user).get(pk=escalation_id)
    except (Escalation.DoesNotExist, ValueError, TypeError):
        raise CheckinNotVisible(escalation_id) from None
