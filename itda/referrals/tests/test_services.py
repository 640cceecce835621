"""Sending and moving referrals: deadlines per hop, the sides that take each step, and 'unreachable' opening the next step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from itda.audit.models import AuditEntry
from itda.cases.models import CareTask
from itda.referrals.models import Referral
from itda.referrals.services import (
    DetailsNeeded,
    NotYourMove,
    ReferralInvalid,
    TransitionNotAllowed,
    deadline_for,
    next_step_for,
    send_referral,
    transition,
)
from itda.referrals.tests.factories import make_chain, make_person, send

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
Status = Referral.Status


@pytest.fixture
def person(db):
    return make_person()


@pytest.mark.django_db
def test_sending_a_referral_sets_the_first_hop_deadline_from_the_risk_and_logs_and_audits_it(cast, person):
    referral = send(cast, person, now=NOW, risk=Referral.Risk.CRISIS)

    assert (referral.status, referral.hop, referral.due_at, referral.sent_at) == (Status.SENT, 1, NOW + timedelta(hours=24), NOW)
    assert referral.has_consent_to_share is True
    assert list(referral.events.values_list("from_status", "to_status", "hop", "actor")) == [
        ("", "SENT", 1, cast.social_worker.pk)
    ]
    entry = AuditEntry.objects.get(target_type="referrals.referral", target_id=str(referral.pk))
    assert (entry.action, entry.person_id, entry.actor) == ("CREATE", person.pk, cast.social_worker)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("risk", "deadline"),
    [("CRISIS", timedelta(hours=24)), ("HIGH", timedelta(hours=72)), ("MEDIUM", timedelta(days=7)), ("LOW", timedelta(days=14))],
)
def test_the_deadline_of_a_hop_depends_on_the_risk(cast, person, risk, deadline):
    referral = send(cast, person, now=NOW, risk=risk)

    assert referral.due_at - NOW == deadline


@pytest.mark.django_db
def test_a_deployment_can_override_the_deadline_policy_in_settings(settings, cast, person):
    settings.REFERRAL_DEADLINE_HOURS = {"SENT": {"CRISIS": 4}}

    referral = send(cast, person, now=NOW, risk=Referral.Risk.CRISIS)

    assert referral.due_at == NOW + timedelta(hours=4)
    assert deadline_for(status="SENT", risk="HIGH", start_at=NOW) == NOW + timedelta(hours=72)


@pytest.mark.django_db
def test_a_referral_without_consent_to_share_is_sent_and_says_so(cast):
    person = make_person("가상 주민 솔", consent_to_share=False)

    referral = send(cast, person, now=NOW)

    assert referral.has_consent_to_share is False


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"risk": "SEVERE"}, "위험도를 골라 주세요"),
        ({"reason": "  "}, "의뢰 사유를 적어 주세요"),
        ({"reason": "주민번호 800101-1234567"}, "주민등록번호"),
        ({"program_slug": "no-such-programme"}, "목록에 없는 사업"),
    ],
)
def test_a_referral_with_bad_input_is_refused_with_a_korean_first_message_and_nothing_is_stored(cast, person, change, message):
    with pytest.raises(ReferralInvalid) as caught:
        send(cast, person, now=NOW, **change)

    assert message in caught.value.message
    assert Referral.objects.count() == 0


@pytest.mark.django_db
def test_a_referral_to_the_senders_own_team_is_refused(cast, person):
    with pytest.raises(ReferralInvalid):
        send(cast, person, now=NOW, to_team=cast.home_team)

    assert Referral.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["citizen", "volunteer", "city_staff", "other_worker"])
def test_only_a_worker_of_the_sending_team_who_may_see_the_person_sends_a_referral(cast, person, persona):
    with pytest.raises(NotYourMove):
        send(cast, person, now=NOW, actor=getattr(cast, persona))

    assert Referral.objects.count() == 0


@pytest.mark.django_db
def test_sending_twice_for_the_same_source_returns_the_first_referral(cast, person):
    first = send(cast, person, now=NOW, source_type="screenings.screeningresult", source_id=7)
    second = send(cast, person, now=NOW + timedelta(minutes=5), source_type="screenings.screeningresult", source_id=7)

    assert first.pk == second.pk
    assert Referral.objects.count() == 1


@pytest.mark.django_db
def test_each_step_forward_starts_a_new_hop_with_a_fresh_deadline(cast, person):
    referral = send(cast, person, now=NOW, risk=Referral.Risk.HIGH)
    later = NOW + timedelta(hours=30)

    moved = transition(actor=cast.health_staff, referral=referral, to_status=Status.ACCEPTED, now=later)

    assert (moved.status, moved.hop, moved.due_at, moved.accepted_at) == (Status.ACCEPTED, 2, later + timedelta(hours=72), later)
    assert moved.handled_by == cast.health_staff
    assert list(moved.events.order_by("pk").values_list("from_status", "to_status", "hop")) == [
        ("", "SENT", 1),
        ("SENT", "ACCEPTED", 2),
    ]
    assert AuditEntry.objects.filter(action="UPDATE", target_type="referrals.referral", person_id=person.pk).count() == 1


@pytest.mark.django_db
def test_the_receiving_team_walks_a_referral_to_a_closed_loop_and_the_deadline_ends(cast, person):
    referral = send(cast, person, now=NOW)
    for hours, status in [(1, "RECEIVED"), (2, "ACCEPTED"), (3, "CONTACTED"), (4, "SERVICE_STARTED")]:
        referral = transition(actor=cast.health_staff, referral=referral, to_status=status, now=NOW + timedelta(hours=hours))

    closed = transition(
        actor=cast.health_staff,
        referral=referral,
        to_status=Status.CLOSED,
        now=NOW + timedelta(days=20),
        outcome="GOT_HELP",
        note="상담 6회 마침",
    )

    assert (closed.status, closed.outcome, closed.outcome_note, closed.due_at, closed.hop) == (
        "CLOSED",
        "GOT_HELP",
        "상담 6회 마침",
        None,
        5,
    )
    assert (closed.received_at, closed.contacted_at, closed.closed_at) == (
        NOW + timedelta(hours=1),
        NOW + timedelta(hours=3),
        NOW + timedelta(days=20),
    )
    assert closed.events.count() == 6


@pytest.mark.django_db
def test_a_step_not_in_the_machine_is_refused_and_nothing_changes(cast, person):
    referral = send(cast, person, now=NOW)

    with pytest.raises(TransitionNotAllowed):
        transition(actor=cast.health_staff, referral=referral, to_status=Status.SERVICE_STARTED, now=NOW)

    referral.refresh_from_db()
    assert (referral.status, referral.hop, referral.events.count()) == (Status.SENT, 1, 1)


@pytest.mark.django_db
def test_the_sending_team_cannot_accept_its_own_referral_and_the_receiving_team_cannot_cancel_it(cast, person):
    referral = send(cast, person, now=NOW)

    with pytest.raises(NotYourMove):
        transition(actor=cast.social_worker, referral=referral, to_status=Status.ACCEPTED, now=NOW)
    with pytest.raises(NotYourMove):
        transition(actor=cast.health_staff, referral=referral, to_status=Status.CANCELLED, now=NOW, note="잘못 보냄")
    with pytest.raises(NotYourMove):
        transition(actor=cast.other_worker, referral=referral, to_status=Status.ACCEPTED, now=NOW)

    referral.refresh_from_db()
    assert referral.status == Status.SENT


@pytest.mark.django_db
def test_the_sending_team_cancels_with_a_reason(cast, person):
    referral = send(cast, person, now=NOW)

    cancelled = transition(
        actor=cast.social_worker, referral=referral, to_status=Status.CANCELLED, now=NOW, note="다른 곳으로 보내야 함"
    )

    assert (cancelled.status, cancelled.cancelled_at, cancelled.due_at) == (Status.CANCELLED, NOW, None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("to_status", "details", "message"),
    [
        ("DECLINED", {}, "거절 사유"),
        ("DECLINED", {"outcome": "GOT_HELP"}, "거절 사유"),
        ("CANCELLED", {"note": " "}, "취소하는 이유"),
    ],
)
def test_declining_needs_a_reason_and_cancelling_a_note(cast, person, to_status, details, message):
    referral = send(cast, person, now=NOW)
    actor = cast.social_worker if to_status == "CANCELLED" else cast.health_staff

    with pytest.raises(DetailsNeeded) as caught:
        transition(actor=actor, referral=referral, to_status=to_status, now=NOW, **details)

    assert message in caught.value.message
    referral.refresh_from_db()
    assert referral.status == Status.SENT


@pytest.mark.django_db
def test_declining_records_the_reason_and_ends_the_referral(cast, person):
    referral = send(cast, person, now=NOW)

    declined = transition(
        actor=cast.health_staff, referral=referral, to_status=Status.DECLINED, now=NOW, outcome="NO_CAPACITY", note="대기 3개월"
    )

    assert (declined.status, declined.outcome, declined.outcome_note, declined.due_at) == (
        "DECLINED",
        "NO_CAPACITY",
        "대기 3개월",
        None,
    )
    assert declined.is_open is False


@pytest.mark.django_db
def test_closing_needs_an_outcome(cast, person):
    referral = send(cast, person, now=NOW)
    referral = transition(actor=cast.health_staff, referral=referral, to_status=Status.ACCEPTED, now=NOW)
    referral = transition(actor=cast.health_staff, referral=referral, to_status=Status.CONTACTED, now=NOW)

    with pytest.raises(DetailsNeeded):
        transition(actor=cast.health_staff, referral=referral, to_status=Status.CLOSED, now=NOW)

    referral.refresh_from_db()
    assert referral.status == Status.CONTACTED


@pytest.mark.django_db
def test_unreachable_keeps_the_referral_open_and_opens_the_next_step_for_the_worker(cast, person):
    referral = send(cast, person, now=NOW, risk=Referral.Risk.HIGH)
    referral = transition(actor=cast.health_staff, referral=referral, to_status=Status.ACCEPTED, now=NOW)
    later = NOW + timedelta(hours=5)

    moved = transition(
        actor=cast.health_staff,
        referral=referral,
        to_status=Status.UNREACHABLE,
        now=later,
        steps_tried=["PHONE", "SMS"],
        note="3회 통화 실패",
    )

    assert (moved.status, moved.is_open, moved.hop, moved.due_at) == ("UNREACHABLE", True, 3, later + timedelta(hours=72))
    assert moved.steps_tried == ["PHONE", "SMS"]
    task = CareTask.objects.get(source_type="referrals.referral", source_id=str(referral.pk))
    assert (task.kind, task.team, task.assignee, task.person, task.status, task.due_at, task.priority) == (
        CareTask.Kind.VISIT,
        cast.health_staff.team,
        cast.health_staff,
        person,
        CareTask.Status.OPEN,
        moved.due_at,
        CareTask.Priority.URGENT,
    )
    assert task.dedupe_key == f"referral:{referral.pk}:hop:3:next-step"
    assert task.title == f"집으로 찾아가기 (의뢰 #{referral.pk})"
    assert moved.events.order_by("-pk").first().note == "3회 통화 실패 · PHONE, SMS"


@pytest.mark.django_db
def test_unreachable_again_adds_the_steps_tried_and_opens_the_next_rung_of_the_ladder(cast, person):
    referral = send(cast, person, now=NOW, risk=Referral.Risk.CRISIS)
    referral = transition(actor=cast.health_staff, referral=referral, to_status=Status.ACCEPTED, now=NOW)
    referral = transition(
        actor=cast.health_staff, referral=referral, to_status=Status.UNREACHABLE, now=NOW, steps_tried=["PHONE"]
    )

    again = transition(
        actor=cast.health_staff,
        referral=referral,
        to_status=Status.UNREACHABLE,
        now=NOW + timedelta(hours=3),
        steps_tried=["VISIT"],
    )

    assert (again.status, again.steps_tried, again.hop) == ("UNREACHABLE", ["PHONE", "VISIT"], 4)
    kinds = list(CareTask.objects.filter(source_id=str(referral.pk)).order_by("pk").values_list("kind", "dedupe_key"))
    assert kinds == [
        ("VISIT", f"referral:{referral.pk}:hop:3:next-step"),
        ("URGENT_CONTACT", f"referral:{referral.pk}:hop:4:next-step"),
    ]


@pytest.mark.django_db
def test_unreachable_without_the_steps_tried_is_refused_and_opens_nothing(cast, person):
    referral = send(cast, person, now=NOW)
    referral = transition(actor=cast.health_staff, referral=referral, to_status=Status.ACCEPTED, now=NOW)

    with pytest.raises(DetailsNeeded):
        transition(actor=cast.health_staff, referral=referral, to_status=Status.UNREACHABLE, now=NOW, steps_tried=[])
    with pytest.raises(DetailsNeeded):
        transition(actor=cast.health_staff, referral=referral, to_status=Status.UNREACHABLE, now=NOW, steps_tried=["PIGEON"])

    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    assert CareTask.objects.count() == 0


@pytest.mark.parametrize(
    ("risk", "tried", "expected"),
    [
        ("CRISIS", [], "PHONE"),
        ("CRISIS", ["PHONE"], "VISIT"),
        ("CRISIS", ["PHONE", "VISIT", "FAMILY_OR_NEIGHBOUR"], "DOOR_OPENING"),
        ("HIGH", ["PHONE"], "SMS"),
        ("HIGH", ["PHONE", "SMS", "VISIT", "FAMILY_OR_NEIGHBOUR"], "VISIT_AGAIN"),
        ("LOW", ["PHONE", "SMS"], "MESSENGER"),
        ("LOW", ["PHONE", "SMS", "MESSENGER", "FAMILY_OR_NEIGHBOUR", "VISIT"], "VISIT_AGAIN"),
    ],
)
def test_the_next_step_is_the_first_untried_rung_of_the_ladder_for_the_risk(risk, tried, expected):
    assert next_step_for(risk=risk, steps_tried=tried) == expected


@pytest.mark.django_db
def test_a_worker_moving_a_referral_someone_else_already_moved_is_told_to_reload(cast, person):
    referral = send(cast, person, now=NOW)
    stale = Referral.objects.get(pk=referral.pk)
    transition(actor=cast.health_staff, referral=referral, to_status=Status.ACCEPTED, now=NOW)
    # The second worker still looks at SENT; their RECEIVED is no longer an edge from ACCEPTED.

    with pytest.raises(TransitionNotAllowed):
        transition(actor=cast.health_staff, referral=stale, to_status=Status.RECEIVED, now=NOW)

    assert Referral.objects.get(pk=referral.pk).status == Status.ACCEPTED


@pytest.mark.django_db
def test_the_stethoscope_chain_runs_clinic_to_health_centre_to_mental_health_centre_and_each_referrer_sees_it_close(cast, person):
    chain = make_chain(cast, patient=person)
    first = send_referral(
        actor=chain.doctor,
        person=person,
        from_team=chain.clinic,
        to_team=chain.health_centre,
        reason="PHQ-9 14점, 자살 생각 있음",
        risk=Referral.Risk.HIGH,
        now=NOW,
        program_slug="life-linking-stethoscope",
    )
    first = transition(actor=chain.nurse, referral=first, to_status=Status.ACCEPTED, now=NOW + timedelta(hours=2))
    first = transition(actor=chain.nurse, referral=first, to_status=Status.CONTACTED, now=NOW + timedelta(hours=20))
    first = transition(actor=chain.nurse, referral=first, to_status=Status.SERVICE_STARTED, now=NOW + timedelta(days=2))

    second = send_referral(
        actor=chain.nurse,
        person=person,
        from_team=chain.health_centre,
        to_team=chain.mental_health_centre,
        reason="심층상담 결과 자살 고위험, 등록 관리 필요",
        risk=Referral.Risk.HIGH,
        now=NOW + timedelta(days=3),
        program_slug="life-linking-stethoscope",
        parent=first,
    )
    first = transition(
        actor=chain.nurse, referral=first, to_status=Status.CLOSED, now=NOW + timedelta(days=3), outcome="REFERRED_ELSEWHERE"
    )
    for days, status in [(3, "ACCEPTED"), (4, "CONTACTED"), (5, "SERVICE_STARTED")]:
        second = transition(actor=chain.mental_health_worker, referral=second, to_status=status, now=NOW + timedelta(days=days))
    second = transition(
        actor=chain.mental_health_worker,
        referral=second,
        to_status=Status.CLOSED,
        now=NOW + timedelta(days=40),
        outcome="GOT_HELP",
    )

    from itda.referrals.queries import view_referral

    seen_by_clinic = view_referral(actor=chain.doctor, referral_id=first.pk, now=NOW + timedelta(days=41))
    assert [(link.from_team, link.to_team, link.status, link.outcome, link.chain_position) for link in seen_by_clinic.chain] == [
        (chain.clinic, chain.health_centre, "CLOSED", "REFERRED_ELSEWHERE", 1),
        (chain.health_centre, chain.mental_health_centre, "CLOSED", "GOT_HELP", 2),
    ]
    assert second.parent == first
    assert (first.program.slug, second.program.slug) == ("life-linking-stethoscope", "life-linking-stethoscope")


@pytest.mark.django_db
def test_a_chain_continues_only_from_the_team_that_received_the_referral(cast, person):
    chain = make_chain(cast, patient=person)
    first = send_referral(
        actor=chain.doctor,
        person=person,
        from_team=chain.clinic,
        to_team=chain.health_centre,
        reason="선별검사 양성",
        risk=Referral.Risk.MEDIUM,
        now=NOW,
    )

    with pytest.raises(ReferralInvalid):
        send_referral(
            actor=chain.doctor,
            person=person,
            from_team=chain.clinic,
            to_team=chain.mental_health_centre,
            reason="바로 보냄",
            risk=Referral.Risk.MEDIUM,
            now=NOW,
            parent=first,
        )

    assert Referral.objects.count() == 1
