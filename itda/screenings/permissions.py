"""Who may see and record screening results. Results are sensitive health data.

Seeing a person's results:
- the person themself (a citizen signed in as that person);
- the workers on the person's case (an active case assignment);
- the team receiving an open referral for the person;
- administrators.
Nobody else: not other workers of the same district, not the 120 line, not city staff.

Results recorded during a 120 line contact (``ScreeningResult.contact``) are also seen,
on that contact only, by those who may see the contact: the counsellors of the line team
that took the call and administrators (``can_see_contact_results``). The line does not
thereby see the person's other results.

Recording a result for a person additionally allows the workers who may open the
person's record (district staff in scope, the city-wide 120 counsellors), because a
screening is often the first contact, before anyone is on the case.
"""

from __future__ import annotations

from itda.cases.permissions import is_on_case
from itda.people.permissions import can_work_with_people, get_people_for_worker


def _is_receiving_team(user, person) -> bool:
    # The referrals app provides this; it is imported here, late, because referrals also imports screenings.
    try:
        from itda.referrals.permissions import is_receiving_team_for
    except ImportError:
        return False
    return bool(is_receiving_team_for(user, person))


def can_see_sensitive_results(user, person) -> bool:
    """True for the person themself, workers on the case, a receiving team of an open referral, administrators."""
    if person is None or not user.is_authenticated:
        return False
    if user.is_administrator:
        return True
    if person.user_id is not None and person.user_id == user.pk:
        return True
    if is_on_case(user, person):
        return True
    return _is_receiving_team(user, person)


def can_record_results(user, person) -> bool:
    """Those who may see the results, plus workers who may open the person's record."""
    if can_see_sensitive_results(user, person):
        return True
    if not can_work_with_people(user):
        return False
    return get_people_for_worker(user).filter(pk=person.pk).exists()


def can_see_contact_results(user, contact) -> bool:
    """True when the user may see this 120 line contact, and so the results recorded during it."""
    if contact is None or not getattr(user, "is_authenticated", False):
        return False
    try:
        from itda.referrals.permissions import get_helpline_contacts_for_worker
    except ImportError:
        return bool(user.is_administrator)
    return get_helpline_contacts_for_worker(user).filter(pk=contact.pk).exists()
