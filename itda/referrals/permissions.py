"""Access functions for referrals. Every referral read goes through these.

Who may see a referral:
- a worker of the sending team;
- a worker of the receiving team;
- a worker on the person's case (an active case assignment);
- an administrator.
Everyone else (citizens, volunteers, city staff, other teams) sees nothing, and
a referral out of sight is reported the same as one that does not exist.

Contacts of the 120 line are seen by the counsellors of that line and by
administrators; the line is city-wide, so its counsellors see every caller's contact.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from itda.accounts.models import Team, User
from itda.cases.models import CaseAssignment
from itda.contacts.models import ContactLog
from itda.referrals.models import OPEN_STATUSES, Referral

_REFERRING_ROLES = {User.Role.SOCIAL_WORKER, User.Role.COUNSELLOR, User.Role.HEALTH_STAFF}


class ReferralNotVisible(Exception):
    """The referral does not exist or this user may not see it; the two are not told apart."""


def can_use_referrals(user) -> bool:
    """True for the roles that work with referrals in the console."""
    if not user.is_authenticated:
        return False
    if user.is_administrator:
        return True
    return user.role in _REFERRING_ROLES


def can_send_referrals(user) -> bool:
    """A care worker sends referrals for the team they belong to; an administrator for any team."""
    if not can_use_referrals(user):
        return False
    if user.is_administrator:
        return True
    return user.team_id is not None


def get_referrals_for_worker(user) -> QuerySet[Referral]:
    """The referrals this user may see, as a queryset to filter further."""
    referrals = Referral.objects.select_related("person", "from_team", "to_team", "program")
    if not can_use_referrals(user):
        return referrals.none()
    if user.is_administrator:
        return referrals
    on_case = CaseAssignment.objects.filter(worker=user, end_at__isnull=True).values("person_id")
    visible = Q(person_id__in=on_case)
    if user.team_id is not None:
        visible |= Q(from_team_id=user.team_id)
        visible |= Q(to_team_id=user.team_id)
    return referrals.filter(visible)


def get_referral_for_worker(user, referral_id: int) -> Referral:
    """One referral this user may see. Raises ReferralNotVisible otherwise (never says which)."""
    try:
        return get_referrals_for_worker(user).get(pk=referral_id)
    except (Referral.DoesNotExist, ValueError, TypeError):
        raise ReferralNotVisible(referral_id) from None


def sides_for(user, referral: Referral) -> frozenset[str]:
    """The sides of a referral this user acts for: the sending team, the receiving team, or (administrators) both."""
    if not getattr(user, "is_authenticated", False) or not can_use_referrals(user):
        return frozenset()
    if user.is_administrator:
        return frozenset({Referral.Side.SENDER, Referral.Side.RECEIVER})
    sides = set()
    if user.team_id is not None and user.team_id == referral.from_team_id:
        sides.add(Referral.Side.SENDER)
    if user.team_id is not None and user.team_id == referral.to_team_id:
        sides.add(Referral.Side.RECEIVER)
    return frozenset(sides)


def is_receiving_team_for(user, person) -> bool:
    """True when the user's team receives an open referral for this person."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.team_id is None:
        return False
    if not can_use_referrals(user):
        return False
    return Referral.objects.filter(person=person, to_team_id=user.team_id, status__in=OPEN_STATUSES).exists()


class ContactNotVisible(Exception):
    """The helpline contact does not exist or this user may not see it; the two are not told apart."""


def is_helpline_counsellor(user) -> bool:
    """A counsellor on a 120 line team: logs calls, runs instruments, links services, schedules call-backs."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role != User.Role.COUNSELLOR:
        return False
    return user.team_id is not None and user.team.kind == Team.Kind.HELPLINE


def get_helpline_contacts_for_worker(user) -> QuerySet[ContactLog]:
    """Contacts of the 120 line this user may see: their own line team's; every line's for administrators."""
    contacts = ContactLog.objects.filter(team__kind=Team.Kind.HELPLINE).select_related("person", "team", "logged_by")
    if not getattr(user, "is_authenticated", False):
        return contacts.none()
    if user.is_administrator:
        return contacts
    if not is_helpline_counsellor(user):
        return contacts.none()
    return contacts.filter(team_id=user.team_id)


def get_helpline_contact_for_worker(user, contact_id: int) -> ContactLog:
    """One 120 line contact this user may see. Raises ContactNotVisible otherwise."""
    try:
        return get_helpline_contacts_for_worker(user).get(pk=contact_id)
    except (ContactLog.DoesNotExist, ValueError, TypeError):
        raise ContactNotVisible(contact_id) from None


def is_clinic_staff(user) -> bool:
    """A care worker (health staff or social worker) of a primary care clinic: screens patients and refers them on."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role not in (User.Role.HEALTH_STAFF, User.Role.SOCIAL_WORKER):
        return False
    return user.team_id is not None and user.team.kind == Team.Kind.PRIMARY_CLINIC
