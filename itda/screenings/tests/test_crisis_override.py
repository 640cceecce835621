"""A crisis answer overrides everything: also among answers that cannot be scored, and without saving.

Also: a 120 line contact that ended in crisis opens the same crisis path; results run on a
call are linked to it; SGDS-K is refused below 65 when the age is known.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from itda.audit.models import AuditEntry
from itda.cases.models import CareTask
from itda.contacts.services import log_contact
from itda.screenings import queries
from itda.screenings.models import ScreeningResult
from itda.screenings.scoring import MissingAnswers, ScreeningRefused, crisis_answers, score
from itda.screenings.services import (
    NotForThisAge,
    give_save_consent,
    open_crisis_path_for_contact,
    record_screening,
    request_contact,
)
from itda.screenings.tests import fictional
from itda.screenings.tests.conftest import TUESDAY_MORNING

pytestmark = pytest.mark.django_db

# Item 9 ("better off dead") nearly every day, item 3 left empty.
PHQ9_ITEM9_ITEM3_BLANK = {"1": 1, "2": 1, "3": None, "4": 0, "5": 0, "6": 1, "7": 0, "8": 0, "9": 3}
SGDS_K_ALL_NO = {str(number): 0 for number in range(1, 16)}


@pytest.fixture
def fictional_catalogue(settings, tmp_path):
    fictional.publish(settings, tmp_path)


def _phq9():
    from itda.screenings import catalogue

    return catalogue.current_definition("PHQ9", TUESDAY_MORNING.date())


def test_the_crisis_answer_is_found_among_incomplete_answers():
    assert crisis_answers(_phq9(), PHQ9_ITEM9_ITEM3_BLANK) == ("PHQ9_ITEM9",)
    with pytest.raises(MissingAnswers) as refused:
        score(_phq9(), PHQ9_ITEM9_ITEM3_BLANK)
    assert refused.value.items == ("3",)
    assert refused.value.crisis_flags == ("PHQ9_ITEM9",)
    assert "답하지 않은 문항이 있습니다: 3번" in refused.value.message


def test_an_incomplete_phq9_with_a_crisis_answer_opens_the_crisis_path_and_is_still_refused(cast, other_person):
    with pytest.raises(MissingAnswers) as refused:
        record_screening(
            actor=cast.counsellor,
            instrument_code="PHQ9",
            answers=PHQ9_ITEM9_ITEM3_BLANK,
            channel="HELPLINE_120",
            now=TUESDAY_MORNING,
            person=other_person,
        )

    task = refused.value.crisis_task
    assert (task.kind, task.priority, task.person, task.assignee) == (
        "CRISIS_RESPONSE",
        CareTask.Priority.CRISIS,
        other_person,
        cast.social_worker,
    )
    assert task.due_at == TUESDAY_MORNING + timedelta(hours=1)
    # Minimal detail: which instrument and flag, never the answers.
    assert task.detail == "PHQ9 PHQ9_ITEM9 · 위기 응답, 미완료 검사 (crisis answer; screening not complete)"
    assert ScreeningResult.objects.count() == 0


def test_an_incomplete_fictional_instrument_with_a_crisis_item_opens_the_crisis_path(cast, other_person, fictional_catalogue):
    with pytest.raises(MissingAnswers) as refused:
        record_screening(
            actor=cast.counsellor,
            instrument_code=fictional.CODE,
            answers={"1": None, "2": 1, "3": 2},
            channel="HELPLINE_120",
            now=TUESDAY_MORNING,
            person=other_person,
        )

    assert refused.value.crisis_flags == ("TEST_MOOD_ITEM3",)
    assert refused.value.crisis_task.assignee == cast.social_worker
    assert CareTask.objects.filter(kind="CRISIS_RESPONSE", person=other_person).count() == 1


def test_an_out_of_range_answer_does_not_hide_a_crisis_answer(cast, other_person):
    with pytest.raises(ScreeningRefused) as refused:
        record_screening(
            actor=cast.counsellor,
            instrument_code="PHQ9",
            answers={**PHQ9_ITEM9_ITEM3_BLANK, "3": 7},
            channel="HELPLINE_120",
            now=TUESDAY_MORNING,
            person=other_person,
        )

    assert refused.value.is_crisis
    assert refused.value.crisis_task is not None


def test_an_anonymous_incomplete_crisis_is_flagged_and_leaves_nothing(cast):
    before = (CareTask.objects.count(), AuditEntry.objects.count())

    with pytest.raises(MissingAnswers) as refused:
        record_screening(
            actor=cast.citizen, instrument_code="PHQ9", answers=PHQ9_ITEM9_ITEM3_BLANK, channel="SELF_CHECK", now=TUESDAY_MORNING
        )

    assert refused.value.is_crisis
    assert refused.value.crisis_task is None
    assert (CareTask.objects.count(), AuditEntry.objects.count()) == before


def test_a_crisis_without_saving_then_saved_opens_one_task_only(cast, citizen_person):
    answers = {**PHQ9_ITEM9_ITEM3_BLANK, "3": 0}
    unsaved = record_screening(
        actor=cast.citizen,
        instrument_code="PHQ9",
        answers=answers,
        channel="SELF_CHECK",
        now=TUESDAY_MORNING,
        person=citizen_person,
        store=False,
    )
    give_save_consent(user=cast.citizen, person=citizen_person, now=TUESDAY_MORNING)
    saved = record_screening(
        actor=cast.citizen,
        instrument_code="PHQ9",
        answers=answers,
        channel="SELF_CHECK",
        now=TUESDAY_MORNING + timedelta(minutes=2),
        person=citizen_person,
    )
    urgent = request_contact(
        actor=cast.citizen, person=citizen_person, now=TUESDAY_MORNING + timedelta(minutes=3), is_urgent=True
    )

    assert unsaved.result is None and saved.result is not None
    assert unsaved.crisis_task == saved.crisis_task == urgent
    assert CareTask.objects.filter(kind="CRISIS_RESPONSE").count() == 1


def test_sgds_k_is_refused_below_65_when_the_age_is_known(cast, other_person, citizen_person):
    with pytest.raises(NotForThisAge) as refused:
        record_screening(
            actor=cast.counsellor,
            instrument_code="SGDS_K",
            answers=SGDS_K_ALL_NO,
            channel="HELPLINE_120",
            now=TUESDAY_MORNING,
            person=other_person,  # born 1980
        )
    assert "65세 이상을 위한 검사입니다" in refused.value.message
    assert ScreeningResult.objects.count() == 0

    older = record_screening(
        actor=cast.counsellor,
        instrument_code="SGDS_K",
        answers=SGDS_K_ALL_NO,
        channel="HELPLINE_120",
        now=TUESDAY_MORNING,
        person=citizen_person,  # born 1956
    )
    unknown = record_screening(
        actor=cast.counsellor, instrument_code="SGDS_K", answers=SGDS_K_ALL_NO, channel="HELPLINE_120", now=TUESDAY_MORNING
    )
    assert older.result is not None and unknown.total == older.total


def _call(cast, person, *, outcome="CRISIS", topics=(), minutes=0):
    return log_contact(
        actor=cast.counsellor,
        team=cast.counsellor.team,
        channel="PHONE",
        direction="INBOUND",
        outcome=outcome,
        started_at=TUESDAY_MORNING + timedelta(minutes=minutes),
        person=person,
        topics=list(topics),
    )


def test_a_call_ending_in_crisis_opens_the_crisis_path_once(cast, other_person):
    first = open_crisis_path_for_contact(actor=cast.counsellor, contact=_call(cast, other_person), now=TUESDAY_MORNING)
    # The same call logged again a minute later (a re-submitted form) opens no second task.
    again = open_crisis_path_for_contact(
        actor=cast.counsellor, contact=_call(cast, other_person, minutes=1), now=TUESDAY_MORNING + timedelta(minutes=1)
    )

    assert (first.kind, first.assignee, first.source_type) == ("CRISIS_RESPONSE", cast.social_worker, "contacts.contactlog")
    assert again == first
    assert CareTask.objects.filter(kind="CRISIS_RESPONSE").count() == 1


def test_a_call_about_suicidal_thoughts_opens_the_crisis_path_and_an_ordinary_call_does_not(cast, other_person):
    ordinary = open_crisis_path_for_contact(
        actor=cast.counsellor, contact=_call(cast, other_person, outcome="REACHED", topics=["LONELINESS"]), now=TUESDAY_MORNING
    )
    suicidal = open_crisis_path_for_contact(
        actor=cast.counsellor,
        contact=_call(cast, other_person, outcome="CONCERN", topics=["SUICIDAL_THOUGHTS"]),
        now=TUESDAY_MORNING,
    )
    anonymous = open_crisis_path_for_contact(actor=cast.counsellor, contact=_call(cast, None), now=TUESDAY_MORNING)

    assert ordinary is None and anonymous is None
    assert suicidal.kind == "CRISIS_RESPONSE"


def test_a_result_run_on_a_call_is_linked_to_it_read_by_the_line_and_counted(cast, other_person):
    contact = _call(cast, other_person, outcome="REACHED")
    outcome = record_screening(
        actor=cast.counsellor,
        instrument_code="PHQ9",
        answers={**PHQ9_ITEM9_ITEM3_BLANK, "3": 0, "9": 0},
        channel="HELPLINE_120",
        now=TUESDAY_MORNING,
        person=other_person,
        contact=contact,
    )

    assert outcome.result.contact == contact
    assert queries.results_for_contact(cast.counsellor, contact, TUESDAY_MORNING) == [outcome.result]
    assert AuditEntry.objects.filter(action="READ", target_type="screenings.screeningresult", actor=cast.counsellor).exists()
    assert queries.results_for_contact(cast.other_worker, contact, TUESDAY_MORNING) == []
    assert AuditEntry.objects.filter(action="DENIED", actor=cast.other_worker).count() == 1
    counts = queries.helpline_screening_counts(TUESDAY_MORNING - timedelta(days=1), TUESDAY_MORNING + timedelta(days=1))
    assert (counts.total, counts.crisis, counts.by_instrument) == (1, 0, {"PHQ9": 1})
