"""Audited reads: outbox and inbox, one referral with its chain, the 120 line's counts for the KPI dashboards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from itda.accounts.models import Team
from itda.audit.models import AuditEntry
from itda.contacts.services import log_contact
from itda.referrals.models import Referral
from itda.referrals.queries import HelplineCounts, helpline_counts, list_inbox, list_outbox, suggested_next_team, view_referral
from itda.referrals.services import link_program, schedule_follow_up_call, send_referral, transition
from itda.referrals.tests.factories import make_chain, make_person, send
from itda.screenings.services import record_screening

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def person(db):
    return make_person()


@pytest.mark.django_db
def test_the_outbox_lists_open_and_overdue_referrals_first_with_one_list_audit_entry(cast, person):
    other = make_person("가상 주민 솔")
    finished = send(cast, other, now=NOW - timedelta(days=1), risk="LOW")
    transition(actor=cast.health_staff, referral=finished, to_status="DECLINED", now=NOW, outcome="WRONG_SERVICE")
    overdue = send(cast, person, now=NOW - timedelta(days=2), risk="CRISIS", source_type="t", source_id=1)
    fresh = send(cast, person, now=NOW, risk="LOW", source_type="t", source_id=2)

    rows = list_outbox(actor=cast.social_worker, now=NOW, path="/console/referrals/")

    assert [(row.referral.pk, row.is_overdue) for row in rows] == [(overdue.pk, True), (fresh.pk, False), (finished.pk, False)]
    entry = AuditEntry.objects.get(action="LIST", target_type="referrals.referral")
    assert (entry.actor, sorted(entry.listed_person_ids), entry.path) == (
        cast.social_worker,
        sorted([person.pk, person.pk, other.pk]),
        "/console/referrals/",
    )


@pytest.mark.django_db
def test_the_inbox_shows_open_referrals_of_the_receiving_team_only(cast, person):
    open_one = send(cast, person, now=NOW)
    declined = send(cast, person, now=NOW, source_type="t", source_id=1)
    transition(actor=cast.health_staff, referral=declined, to_status="DECLINED", now=NOW, outcome="NO_CAPACITY")

    receiving = list_inbox(actor=cast.health_staff, now=NOW)
    sending = list_inbox(actor=cast.social_worker, now=NOW)
    everything = list_inbox(actor=cast.health_staff, now=NOW, include_finished=True)

    assert [row.referral.pk for row in receiving] == [open_one.pk]
    assert sending == []
    assert {row.referral.pk for row in everything} == {open_one.pk, declined.pk}


@pytest.mark.django_db
def test_a_worker_of_another_team_lists_nothing(cast, person):
    send(cast, person, now=NOW)

    assert list_outbox(actor=cast.other_worker, now=NOW) == []
    assert list_inbox(actor=cast.other_worker, now=NOW) == []


@pytest.mark.django_db
def test_viewing_a_referral_offers_each_side_only_its_own_moves(cast, person):
    referral = send(cast, person, now=NOW)

    seen_by_sender = view_referral(actor=cast.social_worker, referral_id=referral.pk, now=NOW)
    seen_by_receiver = view_referral(actor=cast.health_staff, referral_id=referral.pk, now=NOW)

    assert seen_by_sender.moves == ["CANCELLED"]
    assert seen_by_receiver.moves == ["RECEIVED", "ACCEPTED", "DECLINED"]
    assert AuditEntry.objects.filter(action="READ", target_type="referrals.referral", person_id=person.pk).count() == 2


def _call(cast, *, at, person=None, caller_type="SELF", channel="PHONE", topics=(), team=None):
    return log_contact(
        actor=cast.counsellor,
        team=team or cast.counsellor.team,
        channel=channel,
        direction="INBOUND",
        outcome="REACHED",
        started_at=at,
        person=person,
        caller_type=caller_type,
        topics=list(topics),
    )


@pytest.mark.django_db
def test_helpline_counts_group_the_lines_contacts_in_a_half_open_period(cast, person):
    start, end = NOW, NOW + timedelta(days=7)
    first = _call(cast, at=start, caller_type="SELF", topics=["LONELINESS", "HEALTH"], person=person)
    _call(cast, at=start + timedelta(days=1), caller_type="FAMILY", channel="MESSENGER", topics=["LONELINESS"])
    _call(cast, at=start + timedelta(days=2), caller_type="NEIGHBOUR", topics=["ISOLATION", "ISOLATION"])
    _call(cast, at=end, caller_type="SELF", topics=["LONELINESS"])
    _call(cast, at=start - timedelta(seconds=1), caller_type="SELF")
    log_contact(
        actor=cast.social_worker,
        team=cast.home_team,
        channel="VISIT",
        direction="OUTBOUND",
        outcome="REACHED",
        started_at=start,
        person=person,
    )
    link_program(actor=cast.counsellor, contact=first, program_slug="mentoring", now=start)
    schedule_follow_up_call(actor=cast.counsellor, contact=first, due_at=start + timedelta(days=1), now=start)
    send(cast, person, now=start, actor=cast.counsellor, from_team=cast.counsellor.team)
    record_screening(
        actor=cast.counsellor,
        instrument_code="PHQ9",
        answers={str(item): 1 for item in range(1, 10)},  # item 9 = 1: a crisis answer
        channel="HELPLINE_120",
        now=start,
        person=person,
        contact=first,
    )

    counts = helpline_counts(start, end)

    assert counts == HelplineCounts(
        start=start,
        end=end,
        total=3,
        anonymous=2,
        by_caller_type={"FAMILY": 1, "NEIGHBOUR": 1, "SELF": 1},
        by_channel={"MESSENGER": 1, "PHONE": 2},
        by_topic={"HEALTH": 1, "ISOLATION": 1, "LONELINESS": 2},
        programs_linked={"mentoring": 1},
        referrals_sent=1,
        follow_ups_scheduled=1,
        instruments_run={"PHQ9": 1},
        crisis_screenings=1,
    )


@pytest.mark.django_db
def test_helpline_counts_include_every_line_team(cast):
    second_line = Team.objects.create(name="가상 외로움안녕120 야간", kind=Team.Kind.HELPLINE)
    _call(cast, at=NOW)
    _call(cast, at=NOW, team=second_line)

    assert helpline_counts(NOW, NOW + timedelta(hours=1)).total == 2


@pytest.mark.django_db
def test_helpline_counts_of_an_empty_period_are_zero(db):
    counts = helpline_counts(NOW, NOW + timedelta(days=1))

    assert (counts.total, counts.anonymous, counts.by_caller_type, counts.by_topic) == (0, 0, {}, {})


@pytest.mark.django_db
def test_a_referral_list_is_finished_last_and_newest_first(cast, person):
    older = send(cast, person, now=NOW - timedelta(days=3), source_type="t", source_id=1)
    newer = send(cast, person, now=NOW - timedelta(days=1), source_type="t", source_id=2)
    for referral in (older, newer):
        transition(actor=cast.health_staff, referral=referral, to_status="DECLINED", now=NOW, outcome="NOT_ELIGIBLE")

    rows = list_outbox(actor=cast.social_worker, now=NOW)

    assert [row.referral.pk for row in rows] == [newer.pk, older.pk]
    assert all(row.referral.status == Referral.Status.DECLINED for row in rows)


@pytest.mark.django_db
def test_the_stethoscope_chain_suggests_the_mental_health_centre_after_the_health_centre(cast, person):
    chain = make_chain(cast, patient=person)
    first = send_referral(
        actor=chain.doctor, person=person, from_team=chain.clinic, to_team=chain.health_centre, reason="선별검사 양성",
        risk="HIGH", now=NOW, program_slug="life-linking-stethoscope",
    )  # fmt: skip
    second = send_referral(
        actor=chain.nurse, person=person, from_team=chain.health_centre, to_team=chain.mental_health_centre, reason="고위험",
        risk="HIGH", now=NOW, program_slug="life-linking-stethoscope", parent=first,
    )  # fmt: skip
    plain = send(cast, person, now=NOW)

    assert suggested_next_team(first) == chain.mental_health_centre
    assert suggested_next_team(second) is None
    assert suggested_next_team(plain) is None
