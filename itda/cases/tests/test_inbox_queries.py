"""The task inbox reads: tasks opened by the platform's flows reach the right worker's inbox and no other
district's, most pressing first, and every list and page is written to the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from itda.audit.models import AuditEntry
from itda.cases import queries
from itda.cases.models import CareTask
from itda.cases.permissions import TaskNotVisible
from itda.cases.services import open_task
from itda.people.models import Person
from itda.places.models import District
from itda.referrals.models import Referral
from itda.referrals.services import sweep_overdue_referrals
from itda.referrals.tests.factories import make_person, send
from itda.screenings.services import open_crisis_path
from tests.personas import HOME_DISTRICT, OTHER_DISTRICT

TUESDAY_MORNING = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 10:00 in Seoul, a working day
EVERYTHING_OPEN = queries.TaskFilters()


def _listed(actor, view, **filters):
    page = queries.list_tasks(
        actor=actor, view=view, filters=queries.TaskFilters(**filters) if filters else EVERYTHING_OPEN, now=TUESDAY_MORNING
    )
    return page.tasks


def _task(cast, *, team, title, hours, priority=CareTask.Priority.NORMAL, assignee=None, person=None, **extra):
    task, _created = open_task(
        actor=None,
        team=team,
        kind=extra.pop("kind", CareTask.Kind.FOLLOW_UP_CALL),
        title=title,
        due_at=TUESDAY_MORNING + timedelta(hours=hours),
        now=TUESDAY_MORNING - timedelta(days=2),
        person=person,
        household_ref="" if person else "100001",
        assignee=assignee,
        priority=priority,
        **extra,
    )
    return task


@pytest.mark.django_db
def test_a_crisis_from_a_screening_lands_in_the_named_workers_own_inbox_and_no_other_district(cast):
    person = Person.objects.create(name="가상 주민 이슬", district=District.objects.get(code=HOME_DISTRICT))

    task = open_crisis_path(
        actor=None, person=person, source_type="screenings.screeningresult", source_id=1, now=TUESDAY_MORNING, reason="PHQ-9 9번"
    )

    assert _listed(cast.social_worker, queries.MINE) == [task]
    assert _listed(cast.other_worker, queries.MINE) == []
    assert _listed(cast.other_worker, queries.TEAM) == []
    assert queries.count_pressing_tasks(actor=cast.social_worker, now=TUESDAY_MORNING) == 1
    assert queries.count_pressing_tasks(actor=cast.other_worker, now=TUESDAY_MORNING) == 0


@pytest.mark.django_db
def test_an_overdue_referral_reaches_both_teams_queues_and_no_other_district(cast):
    person = make_person()
    referral = send(cast, person, now=TUESDAY_MORNING - timedelta(days=30), risk=Referral.Risk.HIGH)

    sweep_overdue_referrals(now=TUESDAY_MORNING)

    sender_side = CareTask.objects.get(dedupe_key=f"referral:{referral.pk}:hop:1:overdue:from")
    receiver_side = CareTask.objects.get(dedupe_key=f"referral:{referral.pk}:hop:1:overdue:to")
    assert _listed(cast.social_worker, queries.TEAM) == [sender_side]
    assert _listed(cast.health_staff, queries.TEAM) == [receiver_side]
    assert _listed(cast.other_worker, queries.TEAM) == []
    assert _listed(cast.counsellor, queries.TEAM) == []
    assert _listed(cast.social_worker, queries.MINE) == []


@pytest.mark.django_db
def test_the_team_view_shows_colleagues_and_unassigned_tasks_but_not_the_workers_own(cast):
    colleague = type(cast.social_worker).objects.create(
        username="persona-colleague", role="SOCIAL_WORKER", team=cast.home_team, display_name="복지사 바람"
    )
    mine = _task(cast, team=cast.home_team, title="내 일", hours=5, assignee=cast.social_worker)
    theirs = _task(cast, team=cast.home_team, title="동료 일", hours=5, assignee=colleague)
    nobodys = _task(cast, team=cast.home_team, title="담당자 없는 일", hours=6)
    _task(cast, team=cast.other_team, title="다른 구 일", hours=5)

    team_view = _listed(cast.social_worker, queries.TEAM)

    assert team_view == [theirs, nobodys]
    assert _listed(cast.social_worker, queries.MINE) == [mine]
    assert len(_listed(cast.administrator, queries.TEAM)) == 4


@pytest.mark.django_db
def test_crisis_urgent_and_overdue_tasks_come_first_then_by_priority_and_due_time(cast):
    later = _task(cast, team=cast.home_team, title="나중", hours=30, priority=CareTask.Priority.HIGH)
    overdue = _task(cast, team=cast.home_team, title="기한 지남", hours=-3, priority=CareTask.Priority.NORMAL)
    soon = _task(cast, team=cast.home_team, title="곧", hours=2, priority=CareTask.Priority.NORMAL)
    urgent = _task(cast, team=cast.home_team, title="긴급", hours=20, priority=CareTask.Priority.URGENT)
    crisis = _task(cast, team=cast.home_team, title="위기", hours=1, priority=CareTask.Priority.CRISIS)

    listed = _listed(cast.social_worker, queries.TEAM)

    assert listed == [crisis, urgent, overdue, later, soon]


@pytest.mark.django_db
def test_filters_narrow_the_list_by_kind_priority_overdue_and_status(cast):
    visit = _task(cast, team=cast.home_team, title="방문", hours=-1, kind=CareTask.Kind.VISIT)
    call = _task(cast, team=cast.home_team, title="전화", hours=5, priority=CareTask.Priority.HIGH)
    done = _task(cast, team=cast.home_team, title="끝난 일", hours=5)
    CareTask.objects.filter(pk=done.pk).update(status=CareTask.Status.DONE)

    assert _listed(cast.social_worker, queries.TEAM, kind=CareTask.Kind.VISIT) == [visit]
    assert _listed(cast.social_worker, queries.TEAM, priority=CareTask.Priority.HIGH) == [call]
    assert _listed(cast.social_worker, queries.TEAM, overdue_only=True) == [visit]
    assert _listed(cast.social_worker, queries.TEAM, status=CareTask.Status.DONE) == [done]
    assert [task.pk for task in _listed(cast.social_worker, queries.TEAM, status=queries.ALL)] == [visit.pk, call.pk, done.pk]


@pytest.mark.django_db
def test_a_list_is_audited_with_the_people_it_shows(cast):
    person = Person.objects.create(name="가상 주민 샘", district=District.objects.get(code=HOME_DISTRICT))
    _task(cast, team=cast.home_team, title="전화", hours=5, person=person)
    _task(cast, team=cast.home_team, title="가구", hours=6)

    queries.list_tasks(actor=cast.social_worker, view=queries.TEAM, filters=EVERYTHING_OPEN, now=TUESDAY_MORNING, path="/x/")

    entry = AuditEntry.objects.get(action="LIST", target_type="cases.caretask")
    assert (entry.actor, entry.target_id, entry.listed_person_ids, entry.reason, entry.path) == (
        cast.social_worker,
        "team",
        [person.pk],
        "task inbox, 2 shown of 2",
        "/x/",
    )


@pytest.mark.django_db
def test_a_task_page_is_audited_and_shows_the_record_only_to_workers_whose_scope_holds_the_person(cast):
    person = Person.objects.create(name="가상 주민 샘", district=District.objects.get(code=OTHER_DISTRICT))
    task = _task(cast, team=cast.home_team, title="다른 구 주민에게 전화", hours=5, person=person)

    seen = queries.view_task(actor=cast.social_worker, task_id=task.pk, now=TUESDAY_MORNING)

    assert seen.shows_person_record is False
    entry = AuditEntry.objects.get(action="READ", target_type="cases.caretask")
    assert (entry.person_id, entry.target_id, "person.address" in entry.fields) == (person.pk, str(task.pk), False)
    with pytest.raises(TaskNotVisible):
        queries.view_task(actor=cast.other_worker, task_id=task.pk, now=TUESDAY_MORNING)
    assert queries.view_task(actor=cast.administrator, task_id=task.pk, now=TUESDAY_MORNING).shows_person_record is True
