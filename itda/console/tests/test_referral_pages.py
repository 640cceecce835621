"""Referral pages of the console: one parametrised permission test per URL, then the outbox, inbox and detail at work."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from itda.audit.models import AuditEntry
from itda.cases.models import CareTask
from itda.people.models import Person
from itda.places.models import District
from itda.referrals.models import Referral, ReferralEvent
from itda.referrals.services import send_referral, transition
from itda.referrals.tests.factories import make_chain, make_person, send
from tests.personas import OTHER_DISTRICT, client_for

Status = Referral.Status


@pytest.fixture
def person(db):
    return make_person()


@pytest.fixture
def referral(cast, person):
    return send(cast, person, now=timezone.now() - timedelta(hours=1))


def _snapshot(referral):
    referral.refresh_from_db()
    return (
        referral.status,
        referral.hop,
        referral.due_at,
        ReferralEvent.objects.filter(referral=referral).count(),
        Referral.objects.count(),
    )


def _reads(referral):
    return AuditEntry.objects.filter(action="READ", target_type="referrals.referral", target_id=str(referral.pk)).count()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", (302, False)),
        ("citizen", (403, False)),
        ("other_worker", (200, False)),
        ("social_worker", (200, True)),
        ("administrator", (200, True)),
    ],
)
def test_the_outbox_shows_a_referral_only_to_the_sending_team_and_administrators(client, cast, referral, persona, expected):
    expected_status, sees = expected
    before = _snapshot(referral)

    response = client_for(client, cast, persona).get(reverse("console:referral_outbox"))

    assert response.status_code == expected_status
    assert (referral.person.name in response.content.decode()) is sees
    assert _snapshot(referral) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", (302, False)),
        ("citizen", (403, False)),
        ("other_worker", (200, False)),
        ("health_staff", (200, True)),
        ("administrator", (200, True)),
    ],
)
def test_the_inbox_shows_a_referral_only_to_the_receiving_team_and_administrators(client, cast, referral, persona, expected):
    expected_status, sees = expected
    before = _snapshot(referral)

    response = client_for(client, cast, persona).get(reverse("console:referral_inbox"))

    assert response.status_code == expected_status
    assert (referral.person.name in response.content.decode()) is sees
    assert _snapshot(referral) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("citizen", 403),
        ("other_worker", 404),
        ("social_worker", 200),
        ("health_staff", 200),
        ("administrator", 200),
    ],
)
def test_a_referral_page_is_refused_outside_the_referral_and_every_read_is_audited(client, cast, referral, persona, expected):
    before = _snapshot(referral)

    response = client_for(client, cast, persona).get(reverse("console:referral_detail", args=[referral.pk]))

    assert response.status_code == expected
    assert _reads(referral) == (1 if expected == 200 else 0)
    assert _snapshot(referral) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", (302, False)),
        ("citizen", (403, False)),
        ("other_worker", (404, False)),
        ("social_worker", (403, False)),
        ("health_staff", (302, True)),
        ("administrator", (302, True)),
    ],
)
def test_only_the_receiving_team_and_administrators_accept_a_referral_and_a_refusal_changes_nothing(
    client, cast, referral, persona, expected
):
    expected_status, moves = expected
    before = _snapshot(referral)

    response = client_for(client, cast, persona).post(
        reverse("console:referral_move", args=[referral.pk]), {"to_status": "ACCEPTED"}
    )

    assert response.status_code == expected_status
    after = _snapshot(referral)
    assert (after != before) is moves
    if moves:
        assert after[:2] == ("ACCEPTED", 2)
        assert (
            AuditEntry.objects.filter(action="UPDATE", target_type="referrals.referral", target_id=str(referral.pk)).count() == 1
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", (302, False)),
        ("citizen", (403, False)),
        ("other_worker", (404, False)),
        ("social_worker", (302, True)),
        ("administrator", (403, False)),
    ],
)
def test_sending_a_referral_needs_a_worker_of_a_team_who_may_see_the_person(client, cast, person, persona, expected):
    expected_status, sends = expected
    count_before = Referral.objects.count()
    form = {"person": person.pk, "to_team": cast.health_staff.team.pk, "risk": "MEDIUM", "reason": "외출을 거의 안 함, 상담 필요"}

    response = client_for(client, cast, persona).post(reverse("console:referral_send"), form)

    assert response.status_code == expected_status
    assert Referral.objects.count() - count_before == (1 if sends else 0)
    if sends:
        created = Referral.objects.get()
        assert (created.from_team, created.to_team, created.sent_by, created.risk) == (
            cast.home_team,
            cast.health_staff.team,
            cast.social_worker,
            "MEDIUM",
        )
        assert response["Location"] == reverse("console:referral_detail", args=[created.pk])


@pytest.mark.django_db
def test_the_outbox_shows_state_deadline_overdue_flag_and_outcome_so_the_referrer_sees_the_loop_close(client, cast, person):
    now = timezone.now()
    overdue = send(cast, person, now=now - timedelta(days=4), risk=Referral.Risk.HIGH, reason="기한 넘김")
    closed = send(
        cast, make_person("가상 주민 솔"), now=now - timedelta(days=2), risk=Referral.Risk.LOW, source_type="t", source_id=1
    )
    for status in ("ACCEPTED", "CONTACTED"):
        closed = transition(actor=cast.health_staff, referral=closed, to_status=status, now=now - timedelta(days=1))
    transition(actor=cast.health_staff, referral=closed, to_status="CLOSED", now=now - timedelta(hours=1), outcome="GOT_HELP")
    client.force_login(cast.social_worker)

    page = client.get(reverse("console:referral_outbox")).content.decode()

    assert page.count("data-overdue") == 1
    assert overdue.due_at.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d %H:%M") in page
    assert str(Referral.Outcome.GOT_HELP.label) in page
    rows = page.split("<tbody>")[1].split("</tr>")
    assert ("가상 주민 이슬" in rows[0], "data-overdue" in rows[0]) == (True, True)  # open and overdue first
    assert ("가상 주민 솔" in rows[1], "data-overdue" in rows[1]) == (True, False)


@pytest.mark.django_db
def test_the_inbox_offers_buttons_only_for_the_steps_the_machine_allows(client, cast, referral):
    client.force_login(cast.health_staff)

    page = client.get(reverse("console:referral_inbox")).content.decode()

    assert 'name="to_status" value="RECEIVED"' in page
    assert 'name="to_status" value="ACCEPTED"' in page
    assert 'value="CONTACTED"' not in page
    assert 'value="CLOSED"' not in page


@pytest.mark.django_db
def test_the_sending_team_sees_no_receiving_buttons_on_the_referral_page(client, cast, referral):
    client.force_login(cast.social_worker)

    page = client.get(reverse("console:referral_detail", args=[referral.pk])).content.decode()

    assert 'value="CANCELLED"' in page
    assert 'value="ACCEPTED"' not in page


@pytest.mark.django_db
def test_a_step_from_the_inbox_returns_to_the_inbox(client, cast, referral):
    client.force_login(cast.health_staff)
    inbox = reverse("console:referral_inbox")

    response = client.post(reverse("console:referral_move", args=[referral.pk]), {"to_status": "RECEIVED", "next": inbox})

    assert response.status_code == 302
    assert response["Location"] == inbox
    referral.refresh_from_db()
    assert referral.status == "RECEIVED"


@pytest.mark.django_db
def test_a_step_outside_the_machine_is_refused_with_a_message_and_changes_nothing(client, cast, referral):
    client.force_login(cast.health_staff)
    before = _snapshot(referral)

    response = client.post(reverse("console:referral_move", args=[referral.pk]), {"to_status": "CLOSED", "outcome": "GOT_HELP"})

    assert response.status_code == 400
    assert "옮길 수 없습니다" in response.content.decode()
    assert _snapshot(referral) == before


@pytest.mark.django_db
def test_marking_unreachable_from_the_page_keeps_it_open_and_opens_the_next_step(client, cast, referral):
    transition(actor=cast.health_staff, referral=referral, to_status="ACCEPTED", now=timezone.now())
    client.force_login(cast.health_staff)

    response = client.post(
        reverse("console:referral_move", args=[referral.pk]),
        {"to_status": "UNREACHABLE", "steps_tried": ["PHONE", "SMS"], "note": "부재중"},
    )

    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.is_open, referral.steps_tried) == ("UNREACHABLE", True, ["PHONE", "SMS"])
    task = CareTask.objects.get(source_type="referrals.referral", source_id=str(referral.pk))
    assert (task.kind, task.assignee) == ("VISIT", cast.health_staff)
    page = client.get(reverse("console:referral_detail", args=[referral.pk])).content.decode()
    assert task.title in page


@pytest.mark.django_db
def test_declining_without_a_reason_shows_the_message_and_changes_nothing(client, cast, referral):
    client.force_login(cast.health_staff)
    before = _snapshot(referral)

    response = client.post(reverse("console:referral_move", args=[referral.pk]), {"to_status": "DECLINED"})

    assert response.status_code == 400
    assert "거절 사유를 골라 주세요" in response.content.decode()
    assert _snapshot(referral) == before


@pytest.mark.django_db
def test_the_receiving_team_refers_onward_and_the_chain_shows_on_the_first_referral(client, cast, person, referral):
    transition(actor=cast.health_staff, referral=referral, to_status="ACCEPTED", now=timezone.now())
    mental = cast.health_staff.team.__class__.objects.create(
        name="가상 관악구 정신건강복지센터", kind="MENTAL_HEALTH_CENTRE", district=cast.home_team.district
    )
    client.force_login(cast.health_staff)

    form_page = client.get(reverse("console:referral_send"), {"parent": referral.pk})
    response = client.post(
        reverse("console:referral_send"),
        {"parent": referral.pk, "to_team": mental.pk, "risk": "HIGH", "reason": "자살 고위험, 등록 필요"},
    )

    assert form_page.status_code == 200
    assert response.status_code == 302
    onward = Referral.objects.get(parent=referral)
    assert (onward.from_team, onward.to_team, onward.chain_position, onward.person) == (cast.health_staff.team, mental, 2, person)
    client.force_login(cast.social_worker)
    page = client.get(reverse("console:referral_detail", args=[referral.pk])).content.decode()
    assert "가상 관악구 정신건강복지센터" in page


@pytest.mark.django_db
def test_sending_with_bad_input_shows_the_form_again_with_the_message(client, cast, person):
    client.force_login(cast.social_worker)

    response = client.post(
        reverse("console:referral_send"),
        {"person": person.pk, "to_team": cast.health_staff.team.pk, "risk": "LOW", "reason": "800101-1234567"},
    )

    assert response.status_code == 400
    assert "주민등록번호" in response.content.decode()
    assert Referral.objects.count() == 0


@pytest.mark.django_db
def test_a_person_outside_the_workers_district_cannot_be_referred(client, cast):
    elsewhere = Person.objects.create(name="가상 주민 별빛", district=District.objects.get(code=OTHER_DISTRICT))
    client.force_login(cast.social_worker)

    response = client.get(reverse("console:referral_send"), {"person": elsewhere.pk})

    assert response.status_code == 404


@pytest.mark.django_db
def test_the_console_home_links_to_the_referral_pages_for_care_workers(client, cast):
    client.force_login(cast.health_staff)

    page = client.get(reverse("console:home")).content.decode()

    assert reverse("console:referral_inbox") in page
    assert reverse("console:referral_outbox") in page


@pytest.mark.django_db
def test_referring_onward_in_the_stethoscope_chain_preselects_the_mental_health_centre(client, cast, person):
    chain = make_chain(cast, patient=person)
    first = send_referral(
        actor=chain.doctor, person=person, from_team=chain.clinic, to_team=chain.health_centre, reason="선별검사 양성",
        risk="HIGH", now=timezone.now(), program_slug="life-linking-stethoscope",
    )  # fmt: skip
    transition(actor=chain.nurse, referral=first, to_status="ACCEPTED", now=timezone.now())
    client.force_login(chain.nurse)

    page = client.get(reverse("console:referral_send"), {"parent": first.pk}).content.decode()

    assert f'<option value="{chain.mental_health_centre.pk}" selected>' in page
    assert 'name="risk" value="HIGH" required id="id_risk_1" checked>' in page
    assert '<option value="life-linking-stethoscope" selected>' in page


@pytest.mark.django_db
def test_closing_as_could_not_contact_after_one_way_tried_shows_why_and_after_two_closes_with_the_next_step_done(
    client, cast, referral
):
    now = timezone.now()
    transition(actor=cast.health_staff, referral=referral, to_status="ACCEPTED", now=now)
    transition(actor=cast.health_staff, referral=referral, to_status="UNREACHABLE", now=now, steps_tried=["PHONE"])
    client.force_login(cast.health_staff)
    before = _snapshot(referral)
    close = {"to_status": "CLOSED", "outcome": "COULD_NOT_CONTACT"}

    refused = client.post(reverse("console:referral_move", args=[referral.pk]), close)

    assert refused.status_code == 400
    assert "서로 다른 연락 방법(예: 전화와 방문)을 두 가지 이상 시도하고" in refused.content.decode()
    assert _snapshot(referral) == before

    transition(actor=cast.health_staff, referral=referral, to_status="UNREACHABLE", now=now, steps_tried=["VISIT"])
    closed = client.post(reverse("console:referral_move", args=[referral.pk]), close)

    assert closed.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == ("CLOSED", "COULD_NOT_CONTACT")
    tasks = CareTask.objects.filter(source_type="referrals.referral", source_id=str(referral.pk))
    assert tasks.count() == 2
    assert set(tasks.values_list("status", flat=True)) == {CareTask.Status.DONE}
