"""Who may see population discovery, and how much of it.

* City staff see aggregates only: counts per district and dong, the policy simulation; never a
  household row.
* A social worker sees their own district: its counts, its dongs, its worklist, and sends it as
  outreach tasks; the simulation is cut to their district.
* Administrators see everything.
* Everyone else (citizens, volunteers, counsellors, health-centre staff) is refused.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from itda.accounts.models import User
from itda.cases.models import CareTask
from itda.cases.permissions import get_tasks_for_worker
from itda.places.models import District


def _is_district_social_worker(user) -> bool:
    return user.role == User.Role.SOCIAL_WORKER and user.district_id_scope is not None


def can_view_insights(user) -> bool:
    """True for the dashboard and the simulation: district social workers, city staff, administrators."""
    if not user.is_authenticated:
        return False
    if user.is_administrator:
        return True
    if user.role == User.Role.CITY_STAFF:
        return True
    return _is_district_social_worker(user)


def get_districts_for_worker(user) -> QuerySet[District]:
    """The districts whose figures the user may see: all for city staff and administrators, their own for social workers."""
    districts = District.objects.defer("boundary_geojson").order_by("code")
    if not can_view_insights(user):
        return districts.none()
    if user.is_administrator or user.role == User.Role.CITY_STAFF:
        return districts
    return districts.filter(pk=user.district_id_scope)


def can_view_district(user, district: District) -> bool:
    """The district's counts per dong: any insights user whose scope includes the district."""
    return get_districts_for_worker(user).filter(pk=district.pk).exists()


def can_view_worklist(user, district: District) -> bool:
    """Household rows of a district's worklist: the district's social workers and administrators, never city staff."""
    if not user.is_authenticated:
        return False
    if user.is_administrator:
        return True
    return _is_district_social_worker(user) and user.district_id_scope == district.pk


def can_send_worklist(user, district: District) -> bool:
    """Turning a district's worklist into outreach tasks: the same people who may read it."""
    return can_view_worklist(user, district)


def can_record_outreach(user) -> bool:
    """Recording the outcome of an outreach: social workers with a district, and administrators."""
    if not user.is_authenticated:
        return False
    return user.is_administrator or _is_district_social_worker(user)


def get_outreach_tasks_for_worker(user) -> QuerySet[CareTask]:
    """Outreach tasks and the next steps that followed them (tasks on a household) in the user's queue."""
    if not can_record_outreach(user):
        return CareTask.objects.none()
    return get_tasks_for_worker(user).filter(Q(kind=CareTask.Kind.OUTREACH) | ~Q(household_ref=""))


def get_outreach_task_for_worker(user, task_id: int) -> CareTask:
    """One outreach task in the user's queue; raises CareTask.DoesNotExist otherwise."""
    return get_outreach_tasks_for_worker(user).get(pk=task_id)
