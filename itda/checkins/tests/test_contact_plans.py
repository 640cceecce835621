"""ensure_contact_plan, end_contact_plan and the sweep that makes contacts due."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from itda.audit.models import AuditEntry
from itda.checkins import services
from itda.checkins.models import ContactPlan, DueContact
from itda.checkins.tests.conftest import TUESDAY_MORNING
from itda.programs.hours import SEOUL

MONDAY = datetime(2026, 9, 14, 9, 0, tzinfo=SEOUL)


def _care_group_plan(cast, resident, **changes):
    values = {
        "actor": cast.social_worker,
        "person": resident,
        "kind": "CARE_GROUP",
        "team": cast.volunteer.team,
        "now": MONDAY,
        "owner": cast.volunteer,
    }
    values.update(changes)
    return services.ensure_contact_plan(**values)


@pytest.mark.django_db
def test_a_care_group_plan_is_weekly_by_default_owned_by_the_volunteer_and_due_at_once(cast, resident):
    plan = _care_group_plan(cast, resident)

    assert (plan.interval_days, plan.owner, plan.channel, plan.next_due_at) == (7, cast.volunteer, "IN_PERSON", MONDAY)
    assert AuditEntry.objects.filter(action="CREATE", target_type="checkins.contactplan", person_id=resident.pk).count() == 1


@pytest.mark.django_db
def test_a_care_group_plan_less_often_than_weekly_is_refused(cast, resident):
    with pytest.raises(services.ContactPlanInvalid) as error:
        _care_group_plan(cast, resident, interval_days=10)

    assert "at least weekly" in str(error.value)
    assert ContactPlan.objects.count() == 0


@pytest.mark.django_db
def test_a_care_group_plan_needs_its_named_volunteer(cast, resident):
    with pytest.raises(services.ContactPlanInvalid) as error:
        _care_group_plan(cast, resident, owner=None)

    assert "named volunteer" in str(error.value)


@pytest.mark.django_db
def test_a_nurse_plan_without_a_known_group_needs_an_interval(cast, resident):
    with pytest.raises(services.ContactPlanInvalid) as error:
        services.ensure_contact_plan(
            actor=cast.health_staff, person=resident, kind="NURSE_VISIT", team=cast.health_staff.team, now=MONDAY
        )

    assert "visiting-care group is not set" in str(error.value)


@pytest.mark.django_db
@pytest.mark.parametrize(("interval", "accepted"), [(7, True), (90, True), (180, True), (181, False)])
def test_nurse_visits_are_at_most_six_months_apart(cast, resident, interval, accepted):
    def make():
        return services.ensure_contact_plan(
            actor=cast.health_staff,
            person=resident,
            kind="NURSE_VISIT",
            team=cast.health_staff.team,
            now=MONDAY,
            interval_days=interval,
        )

    if accepted:
        assert make().interval_days == interval
    else:
        with pytest.raises(services.ContactPlanInvalid):
            make()


@pytest.mark.django_db
def test_an_ai_call_plan_is_weekly_at_the_chosen_slot_in_seoul_time(cast, teams, resident):
    plan = services.ensure_contact_plan(
        actor=cast.social_worker,
        person=resident,
        kind="AI_CALL",
        team=teams.dong_centre,
        now=MONDAY,
        preferred_weekday=3,
        preferred_time=time(15, 30),
    )

    assert (plan.interval_days, plan.channel) == (7, "VOICE")
    assert plan.next_due_at == datetime(2026, 9, 17, 15, 30, tzinfo=SEOUL)


@pytest.mark.django_db
def test_an_ai_call_plan_other_than_weekly_is_refused(cast, teams, resident):
    with pytest.raises(services.ContactPlanInvalid) as error:
        services.ensure_contact_plan(
            actor=cast.social_worker, person=resident, kind="AI_CALL", team=teams.dong_centre, now=MONDAY, interval_days=14
        )

    assert "weekly" in str(error.value)


@pytest.mark.django_db
def test_ensuring_the_same_plan_twice_changes_nothing(cast, resident):
    first = _care_group_plan(cast, resident)

    second = _care_group_plan(cast, resident, now=MONDAY + timedelta(days=1))

    assert second.pk == first.pk
    assert ContactPlan.objects.filter(person=resident).count() == 1
    assert AuditEntry.objects.filter(target_type="checkins.contactplan", action="UPDATE").count() == 0


@pytest.mark.django_db
def test_a_new_volunteer_takes_over_the_pending_contacts(cast, resident, django_user_model):
    plan = _care_group_plan(cast, resident)
    services.generate_due_contacts(now=MONDAY)
    newcomer = django_user_model.objects.create(username="persona-volunteer-2", role="VOLUNTEER", team=cast.volunteer.team)

    _care_group_plan(cast, resident, owner=newcomer, now=MONDAY + timedelta(hours=1))

    assert list(DueContact.objects.filter(plan=plan).values_list("owner__username", flat=True)) == ["persona-volunteer-2"]
    assert AuditEntry.objects.get(target_type="checkins.contactplan", action="UPDATE").fields == ["owner"]


@pytest.mark.django_db
def test_ending_a_plan_cancels_its_pending_contacts_and_ending_it_again_changes_nothing(cast, resident):
    plan = _care_group_plan(cast, resident)
    services.generate_due_contacts(now=MONDAY)

    ended = services.end_contact_plan(
        actor=cast.social_worker, person=resident, kind="CARE_GROUP", now=MONDAY + timedelta(days=1)
    )
    again = services.end_contact_plan(
        actor=cast.social_worker, person=resident, kind="CARE_GROUP", now=MONDAY + timedelta(days=2)
    )

    assert ended.pk == plan.pk and ended.end_at == MONDAY + timedelta(days=1)
    assert again is None
    assert list(DueContact.objects.filter(plan=plan).values_list("status", flat=True)) == ["CANCELLED"]


@pytest.mark.django_db
def test_the_sweep_makes_each_due_contact_once_and_moves_the_plan_a_week_on(cast, ai_plan):
    made = services.generate_due_contacts(now=TUESDAY_MORNING)
    again = services.generate_due_contacts(now=TUESDAY_MORNING)

    ai_plan.refresh_from_db()
    assert (made, again) == (1, 0)
    assert list(DueContact.objects.values_list("due_at", flat=True)) == [TUESDAY_MORNING]
    assert ai_plan.next_due_at == TUESDAY_MORNING + timedelta(days=7)


@pytest.mark.django_db
def test_a_sweep_that_fell_three_weeks_behind_makes_one_overdue_contact_and_skips_to_the_next_slot(cast, ai_plan):
    late = TUESDAY_MORNING + timedelta(days=21, hours=2)

    made = services.generate_due_contacts(now=late, horizon=timedelta(0))

    ai_plan.refresh_from_db()
    assert made == 1
    assert list(DueContact.objects.values_list("due_at", flat=True)) == [TUESDAY_MORNING]
    assert ai_plan.next_due_at == TUESDAY_MORNING + timedelta(days=28)


@pytest.mark.django_db
def test_moving_the_call_slot_cancels_the_future_contact_of_the_old_slot(cast, teams, resident, ai_plan):
    services.generate_due_contacts(now=MONDAY + timedelta(hours=2), horizon=timedelta(days=1))

    services.ensure_contact_plan(
        actor=cast.social_worker,
        person=resident,
        kind="AI_CALL",
        team=teams.dong_centre,
        now=MONDAY + timedelta(hours=3),
        preferred_weekday=4,
        preferred_time=time(11, 0),
    )

    ai_plan.refresh_from_db()
    assert list(DueContact.objects.values_list("status", flat=True)) == ["CANCELLED"]
    assert ai_plan.next_due_at == datetime(2026, 9, 18, 11, 0, tzinfo=SEOUL)
