"""The task inbox pages: Korean relative due times, the most pressing first, filters that never fail with a 500,
closing a task (unreachable only with a next step), htmx moves in place, and the badge on the console home."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from itda.cases.models import CareTask
from itda.cases.services import complete_task, open_task
from itda.people.models import Person
from itda.places.models import District
from tests.personas import HOME_DISTRICT, OTHER_DISTRICT


@pytest.fixture
def resident(db):
    return Person.objects.create(
        name="가상 주민 이슬",
        birth_year=1950,
        district=District.objects.get(code=HOME_DISTRICT),
        phone="010-0000-0001",
        address="가상로 1",
    )


def _task(cast, *, title, hours, person=None, priority=CareTask.Priority.NORMAL, assignee=None, **extra):
    now = timezone.now()
    task, _created = open_task(
        actor=None,
        team=extra.pop("team", cast.home_team),
        kind=extra.pop("kind", CareTask.Kind.FOLLOW_UP_CALL),
        title=title,
        due_at=now + timedelta(hours=hours, minutes=1 if hours >= 0 else -1),
        now=now - timedelta(days=1),
        person=person,
        household_ref="" if person else "100001",
        assignee=assignee,
        priority=priority,
        **extra,
    )
    return task


@pytest.fixture
def worker_client(client, cast):
    client.force_login(cast.social_worker)
    return client


@pytest.mark.django_db
def test_my_tasks_show_due_times_relative_in_korean_with_the_most_pressing_first(worker_client, cast, resident):
    _task(cast, title="나중에 할 전화", hours=5, person=resident, assignee=cast.social_worker)
    _task(cast, title="기한 지난 방문", hours=-3, person=resident, assignee=cast.social_worker, kind=CareTask.Kind.VISIT)
    _task(cast, title="위기 대응", hours=1, person=resident, assignee=cast.social_worker, priority=CareTask.Priority.CRISIS)

    response = worker_client.get(reverse("console:task_mine"))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("위기 대응") < page.index("기한 지난 방문") < page.index("나중에 할 전화")
    assert ("3시간 지남" in page, "5시간 남음" in page, "업무 3건" in page) == (True, True, True)
    assert "긴급·기한 지남 2건" in page


@pytest.mark.django_db
def test_filters_that_cannot_be_read_answer_400_in_korean_and_still_list_the_open_tasks(worker_client, cast):
    _task(cast, title="담당자 없는 전화", hours=5)

    response = worker_client.get(reverse("console:task_team"), {"priority": "abc", "kind": "NOPE", "page": "x"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "일부 조건을 읽을 수 없어" in page
    assert "담당자 없는 전화" in page


@pytest.mark.django_db
def test_a_page_past_the_end_shows_the_last_page(worker_client, cast):
    _task(cast, title="담당자 없는 전화", hours=5)

    response = worker_client.get(reverse("console:task_team"), {"page": "40", "kind": CareTask.Kind.FOLLOW_UP_CALL})

    assert response.status_code == 200
    assert "담당자 없는 전화" in response.content.decode()


@pytest.mark.django_db
def test_the_task_page_links_the_referral_and_the_person_and_shows_the_record(worker_client, cast, resident):
    task = _task(cast, title="보낸 의뢰 기한 지남", hours=-2, person=resident, kind=CareTask.Kind.REFERRAL_OVERDUE)
    CareTask.objects.filter(pk=task.pk).update(source_type="referrals.referral", source_id="41")

    response = worker_client.get(reverse("console:task_detail", args=[task.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert reverse("console:referral_detail", args=[41]) in page
    assert reverse("console:person_detail", args=[resident.pk]) in page
    assert ("가상로 1" in page, "tel:010-0000-0001" in page, 'value="DONE"' in page) == (True, True, True)
    assert 'value="UNREACHABLE"' not in page


@pytest.mark.django_db
def test_a_person_outside_the_workers_district_shows_name_and_phone_but_not_the_record(worker_client, cast):
    visitor = Person.objects.create(
        name="가상 주민 샘", district=District.objects.get(code=OTHER_DISTRICT), phone="010-0000-0002", address="가상로 2"
    )
    task = _task(cast, title="다른 구 주민에게 전화", hours=2, person=visitor)

    page = worker_client.get(reverse("console:task_detail", args=[task.pk])).content.decode()

    assert ("가상 주민 샘" in page, "tel:010-0000-0002" in page) == (True, True)
    assert ("가상로 2" in page, reverse("console:person_detail", args=[visitor.pk]) in page) == (False, False)


@pytest.mark.django_db
def test_unreachable_without_a_next_step_is_refused_in_korean_and_the_task_stays_open(worker_client, cast, resident):
    task = _task(cast, title="안부 전화", hours=2, person=resident)

    response = worker_client.post(reverse("console:task_complete", args=[task.pk]), {"outcome": "UNREACHABLE"})

    page = response.content.decode()
    task.refresh_from_db()
    assert response.status_code == 400
    assert ("다음 조치를 고르세요" in page, "날짜와 시간을 입력하세요" in page) == (True, True)
    assert (task.status, CareTask.objects.count()) == (CareTask.Status.OPEN, 1)


@pytest.mark.django_db
def test_unreachable_with_a_visit_closes_the_task_and_opens_the_visit_for_the_worker(worker_client, cast, resident):
    task = _task(cast, title="안부 전화", hours=2, person=resident)
    tomorrow = timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT10:00")

    response = worker_client.post(
        reverse("console:task_complete", args=[task.pk]),
        {"outcome": "UNREACHABLE", "next_step_kind": "VISIT", "next_step_at": tomorrow},
        follow=True,
    )

    task.refresh_from_db()
    follow_up = CareTask.objects.get(dedupe_key=f"caretask:{task.pk}:next")
    assert (task.status, task.outcome) == (CareTask.Status.DONE, "UNREACHABLE")
    assert (follow_up.kind, follow_up.assignee) == (CareTask.Kind.VISIT, cast.social_worker)
    assert "다음 조치가 열렸습니다" in response.content.decode()
    assert reverse("console:task_detail", args=[follow_up.pk]) in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {"outcome": "UNREACHABLE", "next_step_kind": "VISIT", "next_step_at": "내일"},
        {"outcome": "UNREACHABLE", "next_step_kind": "ROCKET", "next_step_at": "2030-01-01T10:00"},
        {"outcome": "UNREACHABLE", "next_step_kind": "VISIT", "next_step_at": "2001-01-01T10:00"},
        {"outcome": "EXPLODED"},
        {},
    ],
)
def test_a_bad_outcome_form_answers_400_and_changes_nothing(worker_client, cast, resident, data):
    task = _task(cast, title="안부 전화", hours=2, person=resident)

    response = worker_client.post(reverse("console:task_complete", args=[task.pk]), data)

    task.refresh_from_db()
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode() or "field__error" in response.content.decode()
    assert (task.status, CareTask.objects.count()) == (CareTask.Status.OPEN, 1)


@pytest.mark.django_db
def test_closing_a_task_already_closed_says_so_without_an_error_page(worker_client, cast, resident):
    task = _task(cast, title="안부 전화", hours=2, person=resident)
    complete_task(actor=cast.social_worker, task=task, outcome="REACHED", now=timezone.now())

    response = worker_client.post(reverse("console:task_complete", args=[task.pk]), {"outcome": "REACHED"}, follow=True)

    assert response.status_code == 200
    assert "이미 끝난 일입니다" in response.content.decode()


@pytest.mark.django_db
def test_taking_a_task_with_htmx_answers_with_its_card_in_place(worker_client, cast, resident):
    task = _task(cast, title="담당자 없는 전화", hours=2, person=resident)

    response = worker_client.post(reverse("console:task_take", args=[task.pk]), HTTP_HX_REQUEST="true")

    page = response.content.decode()
    task.refresh_from_db()
    assert response.status_code == 200
    assert f'id="task-{task.pk}"' in page
    assert ("이제 내가 맡은 일입니다" in page, "<html" in page) == (True, False)
    assert task.assignee == cast.social_worker


@pytest.mark.django_db
def test_taking_a_closed_task_with_htmx_answers_400_with_the_reason(worker_client, cast, resident):
    task = _task(cast, title="끝난 전화", hours=2, person=resident)
    complete_task(actor=cast.administrator, task=task, outcome="REACHED", now=timezone.now())

    response = worker_client.post(reverse("console:task_take", args=[task.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 400
    assert "이미 끝났거나" in response.content.decode()


@pytest.mark.django_db
def test_the_console_home_links_the_inbox_with_the_count_of_pressing_tasks(worker_client, cast, resident):
    _task(cast, title="위기 대응", hours=1, person=resident, assignee=cast.social_worker, priority=CareTask.Priority.CRISIS)
    _task(cast, title="기한 지남", hours=-1, person=resident)
    _task(cast, title="다른 구 기한 지남", hours=-1, team=cast.other_team)

    page = worker_client.get(reverse("console:home")).content.decode()

    assert reverse("console:task_mine") in page
    assert "긴급·기한 지남 2건" in page


@pytest.mark.django_db
def test_the_console_home_has_no_task_links_for_city_staff(client, cast):
    client.force_login(cast.city_staff)

    page = client.get(reverse("console:home")).content.decode()

    assert reverse("console:task_mine") not in page
