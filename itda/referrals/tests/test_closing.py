"""Closing a referral: "could not contact" needs two different ways tried, and finishing ends the referral's open tasks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from itda.audit.models import AuditEntry
from itda.cases.models import CareTask
from itda.referrals.models import Referral
from itda.referrals.services import DetailsNeeded, open_tasks_of, sweep_overdue_referrals, transition
from itda.referrals.tests.factories import make_person, send

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
Status = Referral.Status
COULD_NOT_CONTACT = Referral.Outcome.COULD_NOT_CONTACT


@pytest.fixture
def person(db):
    return make_person()


def _unreachable(cast, person, *attempts: list[str], risk=Referral.Risk.CRISIS) -> Referral:
    referral = send(cast, person, now=NOW, risk=risk)
    referral = transition(actor=cast.health_staff, referral=referral, to_status=Status.ACCEPTED, now=NOW)
    for hours, steps in enumerate(attempts, start=1):
        referral = transition(
            actor=cast.health_staff,
            referral=referral,
            to_status=Status.UNREACHABLE,
            now=NOW + timedelta(hours=hours),
            steps_tried=steps,
        )
    return referral


def _snapshot(referral: Referral):
    current = Referral.objects.get(pk=referral.pk)
    tasks = list(CareTask.objects.filter(source_id=str(referral.pk)).order_by("pk").values_list("pk", "status", "outcome"))
    return current.status, current.hop, current.outcome, current.events.count(), AuditEntry.objects.count(), tasks


@pytest.mark.django_db
def test_closing_as_could_not_contact_after_one_way_tried_is_refused_in_korean_and_changes_nothing(cast, person):
    referral = _unreachable(cast, person, ["PHONE"])
    before = _snapshot(referral)

    with pytest.raises(DetailsNeeded) as refused:
        transition(
            actor=cast.health_staff,
            referral=referral,
            to_status=Status.CLOSED,
            now=NOW + timedelta(days=1),
            outcome=COULD_NOT_CONTACT,
        )

    assert refused.value.message.startswith("'연락 불가'로 종결하려면 서로 다른 연락 방법(예: 전화와 방문)을 두 가지 이상")
    assert "지금까지 시도: 전화" in refused.value.message
    assert "tried so far: PHONE)" in refused.value.message
    assert _snapshot(referral) == before


@pytest.mark.django_db
def test_the_same_way_tried_twice_still_counts_as_one(cast, person):
    referral = _unreachable(cast, person, ["PHONE"], ["PHONE"])

    with pytest.raises(DetailsNeeded):
        transition(actor=cast.health_staff, referral=referral, to_status=Status.CLOSED, now=NOW, outcome=COULD_NOT_CONTACT)

    assert Referral.objects.get(pk=referral.pk).status == Status.UNREACHABLE


@pytest.mark.django_db
def test_closing_as_could_not_contact_from_contacted_without_attempts_recorded_is_refused(cast, person):
    referral = send(cast, person, now=NOW)
    for status in (Status.ACCEPTED, Status.CONTACTED):
        referral = transition(actor=cast.health_staff, referral=referral, to_status=status, now=NOW)

    with pytest.raises(DetailsNeeded) as refused:
        transition(actor=cast.health_staff, referral=referral, to_status=Status.CLOSED, now=NOW, outcome=COULD_NOT_CONTACT)

    assert "지금까지 시도: 없음" in refused.value.message


@pytest.mark.django_db
def test_after_a_call_and_a_visit_it_closes_as_could_not_contact_and_the_open_next_step_is_marked_done(cast, person):
    referral = _unreachable(cast, person, ["PHONE"], ["VISIT"])
    open_before = list(open_tasks_of(referral).order_by("pk"))
    assert len(open_before) == 2  # the next step opened after each "unreachable"
    closing_at = NOW + timedelta(days=2)

    closed = transition(
        actor=cast.health_staff, referral=referral, to_status=Status.CLOSED, now=closing_at, outcome=COULD_NOT_CONTACT
    )

    assert (closed.status, closed.outcome, closed.steps_tried) == (Status.CLOSED, COULD_NOT_CONTACT, ["PHONE", "VISIT"])
    assert not open_tasks_of(closed).exists()
    for task in open_before:
        task.refresh_from_db()
        assert (task.status, task.completed_at, task.completed_by) == (CareTask.Status.DONE, closing_at, cast.health_staff)
        assert task.outcome.startswith(f"의뢰 #{referral.pk} 종료(CLOSED: COULD_NOT_CONTACT)로 함께 마감")
        entry = AuditEntry.objects.get(target_type="cases.caretask", target_id=str(task.pk), action="UPDATE")
        assert (entry.actor, entry.person_id, entry.at) == (cast.health_staff, person.pk, closing_at)


@pytest.mark.django_db
def test_closing_with_any_outcome_also_ends_both_teams_overdue_alerts(cast, person):
    referral = _unreachable(cast, person, ["PHONE", "SMS"], risk=Referral.Risk.HIGH)
    late = NOW + timedelta(days=5)
    assert sweep_overdue_referrals(now=late).tasks_opened == 2
    referral = transition(actor=cast.health_staff, referral=referral, to_status=Status.CONTACTED, now=late)
    assert {task.kind for task in open_tasks_of(referral)} == {CareTask.Kind.VISIT, CareTask.Kind.REFERRAL_OVERDUE}

    transition(actor=cast.health_staff, referral=referral, to_status=Status.CLOSED, now=late, outcome="GOT_HELP")

    tasks = CareTask.objects.filter(source_type="referrals.referral", source_id=str(referral.pk))
    assert tasks.count() == 3
    assert set(tasks.values_list("status", flat=True)) == {CareTask.Status.DONE}
    assert {task.team for task in tasks if task.kind == CareTask.Kind.REFERRAL_OVERDUE} == {
        cast.home_team,
        cast.health_staff.team,
    }


@pytest.mark.django_db
def test_a_task_someone_already_finished_is_left_as_it_was(cast, person):
    referral = _unreachable(cast, person, ["PHONE"], ["VISIT"])
    first = open_tasks_of(referral).order_by("pk").first()
    CareTask.objects.filter(pk=first.pk).update(status=CareTask.Status.DONE, outcome="방문 완료", completed_at=NOW)

    transition(actor=cast.health_staff, referral=referral, to_status=Status.CLOSED, now=NOW, outcome=COULD_NOT_CONTACT)

    first.refresh_from_db()
    assert (first.outcome, first.completed_at) == ("방문 완료", NOW)
    assert not open_tasks_of(referral).exists()


@pytest.mark.django_db
def test_cancelling_ends_the_overdue_alerts_of_a_referral_nobody_took_on(cast, person):
    referral = send(cast, person, now=NOW)
    sweep_overdue_referrals(now=NOW + timedelta(days=4))
    assert open_tasks_of(referral).count() == 2

    transition(actor=cast.social_worker, referral=referral, to_status=Status.CANCELLED, now=NOW, note="잘못 보냄")

    assert not open_tasks_of(referral).exists()


@pytest.mark.django_db
def test_another_referrals_tasks_are_not_touched(cast, person):
    mine = _unreachable(cast, person, ["PHONE"], ["VISIT"])
    other = _unreachable(cast, make_person("가상 주민 솔"), ["PHONE"])

    transition(actor=cast.health_staff, referral=mine, to_status=Status.CLOSED, now=NOW, outcome=COULD_NOT_CONTACT)

    assert open_tasks_of(other).count() == 1
