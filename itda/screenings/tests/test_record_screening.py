"""record_screening: anonymous leaves no trace; stored results keep their version; crisis opens the path."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta

import pytest

from itda.audit.models import AuditEntry
from itda.cases.models import CareTask, CaseAssignment
from itda.cases.services import assign_worker
from itda.people.models import Consent
from itda.screenings import catalogue
from itda.screenings.models import Instrument, ScreeningResult
from itda.screenings.services import (
    ConsentRequired,
    InstrumentChanged,
    MissingAnswers,
    ScreeningNotAllowed,
    give_save_consent,
    record_screening,
)
from itda.screenings.tests.conftest import PHQ9_ITEM9, PHQ9_MODERATE, TUESDAY_MORNING


def test_an_anonymous_screening_stores_and_audits_nothing(db):
    audit_before = AuditEntry.objects.count()

    outcome = record_screening(actor=None, instrument_code="PHQ9", answers=PHQ9_ITEM9, channel="SELF_CHECK", now=TUESDAY_MORNING)

    assert outcome.result is None
    assert (outcome.total, outcome.band, outcome.level, outcome.is_crisis) == (1, "MINIMAL", "CRISIS", True)
    assert outcome.crisis_task is None
    assert ScreeningResult.objects.count() == 0
    assert Instrument.objects.count() == 0
    assert CareTask.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_a_worker_records_a_result_that_keeps_its_version_and_triage(cast, other_person):
    outcome = record_screening(
        actor=cast.social_worker,
        instrument_code="PHQ9",
        answers=PHQ9_MODERATE,
        channel="WORKER",
        now=TUESDAY_MORNING,
        person=other_person,
    )

    result = ScreeningResult.objects.get()
    assert outcome.result == result
    assert (result.instrument.code, result.instrument.version) == ("PHQ9", "1")
    assert (result.total, result.band, result.level) == (10, "MODERATE", "SUPPORT")
    assert result.answers == PHQ9_MODERATE
    assert result.flags == ["PHQ9_REFER"]
    assert (result.triage_code, result.triage_version) == ("PHQ9_TRIAGE", "1")
    assert result.recommended_programs == ["life-linking-stethoscope", "loneliness-goodbye-120", "mentoring"]
    assert result.recorded_by == cast.social_worker
    entry = AuditEntry.objects.get(target_type="screenings.screeningresult")
    assert (entry.action, entry.actor, entry.person_id) == ("CREATE", cast.social_worker, other_person.pk)
    assert entry.fields == ["answers", "band", "level", "total"]


def test_missing_answers_store_nothing(cast, other_person):
    with pytest.raises(MissingAnswers):
        record_screening(
            actor=cast.social_worker,
            instrument_code="PHQ9",
            answers={"1": 1},
            channel="WORKER",
            now=TUESDAY_MORNING,
            person=other_person,
        )

    assert ScreeningResult.objects.count() == 0


def test_a_worker_of_another_district_may_not_record(cast, other_person):
    with pytest.raises(ScreeningNotAllowed):
        record_screening(
            actor=cast.other_worker,
            instrument_code="PHQ9",
            answers=PHQ9_MODERATE,
            channel="WORKER",
            now=TUESDAY_MORNING,
            person=other_person,
        )

    assert ScreeningResult.objects.count() == 0


def test_a_self_check_is_saved_only_with_the_save_consent(cast, citizen_person):
    with pytest.raises(ConsentRequired):
        record_screening(
            actor=cast.citizen,
            instrument_code="UCLA3",
            answers={"1": 2, "2": 2, "3": 2},
            channel="SELF_CHECK",
            now=TUESDAY_MORNING,
            person=citizen_person,
        )

    assert ScreeningResult.objects.count() == 0


def test_a_consenting_citizen_saves_their_own_self_check(cast, citizen_person):
    give_save_consent(user=cast.citizen, person=citizen_person, now=TUESDAY_MORNING)

    outcome = record_screening(
        actor=cast.citizen,
        instrument_code="UCLA3",
        answers={"1": 2, "2": 2, "3": 2},
        channel="SELF_CHECK",
        now=TUESDAY_MORNING,
        person=citizen_person,
    )

    assert (outcome.result.total, outcome.result.band, outcome.result.channel) == (6, "LONELY", "SELF_CHECK")
    consent = Consent.objects.get(person=citizen_person, purpose="SAVE_RESULTS")
    assert consent.wording_version == "selfcheck-2026-11"


def test_a_worker_cannot_file_a_self_check_for_someone_else(cast, citizen_person):
    give_save_consent(user=cast.citizen, person=citizen_person, now=TUESDAY_MORNING)

    with pytest.raises(ScreeningNotAllowed):
        record_screening(
            actor=cast.social_worker,
            instrument_code="UCLA3",
            answers={"1": 2, "2": 2, "3": 2},
            channel="SELF_CHECK",
            now=TUESDAY_MORNING,
            person=citizen_person,
        )

    assert ScreeningResult.objects.count() == 0


def test_a_crisis_answer_for_a_known_person_opens_a_task_for_the_lead_worker(cast, other_person):
    assign_worker(
        actor=cast.administrator,
        person=other_person,
        worker=cast.social_worker,
        team=cast.home_team,
        role="LEAD",
        now=TUESDAY_MORNING - timedelta(days=30),
    )

    outcome = record_screening(
        actor=cast.counsellor,
        instrument_code="PHQ9",
        answers=PHQ9_ITEM9,
        channel="HELPLINE_120",
        now=TUESDAY_MORNING,
        person=other_person,
    )

    task = outcome.crisis_task
    assert (task.kind, task.priority, task.status) == ("CRISIS_RESPONSE", CareTask.Priority.CRISIS, "OPEN")
    assert task.assignee == cast.social_worker
    assert task.team == cast.home_team
    assert task.due_at == TUESDAY_MORNING + timedelta(hours=1)
    assert (task.source_type, task.source_id) == ("screenings.screeningresult", str(outcome.result.pk))
    assert outcome.result.level == "CRISIS"


def test_an_unsaved_crisis_for_a_known_person_still_opens_the_path(cast, other_person):
    outcome = record_screening(
        actor=cast.counsellor,
        instrument_code="PHQ9",
        answers=PHQ9_ITEM9,
        channel="HELPLINE_120",
        now=TUESDAY_MORNING,
        person=other_person,
        store=False,
    )

    assert outcome.result is None
    assert outcome.crisis_task.assignee == cast.social_worker
    assert outcome.crisis_task.source_type == "screenings.unsaved"
    assert ScreeningResult.objects.count() == 0


@pytest.fixture
def data_copy(tmp_path, settings):
    """A private copy of the instrument and triage files, so a test can publish a new version."""
    for folder in ("instruments", "triage"):
        shutil.copytree(settings.ITDA_DATA_DIR / folder, tmp_path / folder)
    settings.ITDA_DATA_DIR = tmp_path
    catalogue.clear_cache()
    return tmp_path


def _publish_phq9_version_2(folder, effective_from: str) -> None:
    data = json.loads((folder / "instruments" / "phq-9.v1.json").read_text(encoding="utf-8"))
    data["version"] = "2"
    data["effective_from"] = effective_from
    # A stricter (fictional) version: moderate from 8.
    bands = data["scoring"]["bands"]
    bands[1]["max"] = 7
    bands[2]["min"] = 8
    (folder / "instruments" / "phq-9.v2.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    catalogue.clear_cache()


def test_a_new_version_scores_new_results_and_old_results_keep_theirs(cast, other_person, data_copy):
    answers = {"1": 1, "2": 1, "3": 1, "4": 1, "5": 1, "6": 1, "7": 1, "8": 1, "9": 0}  # total 8
    old = record_screening(
        actor=cast.social_worker,
        instrument_code="PHQ9",
        answers=answers,
        channel="WORKER",
        now=TUESDAY_MORNING,
        person=other_person,
    ).result
    _publish_phq9_version_2(data_copy, "2026-12-01")

    new = record_screening(
        actor=cast.social_worker,
        instrument_code="PHQ9",
        answers=answers,
        channel="WORKER",
        now=TUESDAY_MORNING + timedelta(days=30),
        person=other_person,
    ).result

    old.refresh_from_db()
    assert (old.instrument.version, old.band) == ("1", "MILD")
    assert (new.instrument.version, new.band) == ("2", "MODERATE")
    assert Instrument.objects.filter(code="PHQ9").count() == 2
    assert old.instrument.definition["scoring"]["bands"][1]["max"] == 9


def test_a_version_changed_in_place_is_refused(cast, other_person, data_copy):
    record_screening(
        actor=cast.social_worker,
        instrument_code="PHQ9",
        answers=PHQ9_MODERATE,
        channel="WORKER",
        now=TUESDAY_MORNING,
        person=other_person,
    )
    path = data_copy / "instruments" / "phq-9.v1.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["scoring"]["bands"][1]["max"] = 7
    data["scoring"]["bands"][2]["min"] = 8
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    catalogue.clear_cache()

    with pytest.raises(InstrumentChanged):
        record_screening(
            actor=cast.social_worker,
            instrument_code="PHQ9",
            answers=PHQ9_MODERATE,
            channel="WORKER",
            now=TUESDAY_MORNING,
            person=other_person,
        )

    assert ScreeningResult.objects.count() == 1


def test_an_old_version_whose_file_is_gone_is_found_in_its_frozen_copy(cast, other_person, data_copy):
    record_screening(
        actor=cast.social_worker,
        instrument_code="PHQ9",
        answers=PHQ9_MODERATE,
        channel="WORKER",
        now=TUESDAY_MORNING,
        person=other_person,
    )
    _publish_phq9_version_2(data_copy, "2026-01-01")
    (data_copy / "instruments" / "phq-9.v1.json").unlink()
    catalogue.clear_cache()

    outcome = record_screening(
        actor=cast.social_worker,
        instrument_code="PHQ9",
        answers=PHQ9_MODERATE,
        channel="WORKER",
        now=TUESDAY_MORNING,
        person=other_person,
        version="1",
    )

    assert (outcome.result.instrument.version, outcome.band) == ("1", "MODERATE")


def test_volunteers_on_the_case_never_get_the_crisis_task(cast, other_person):
    CaseAssignment.objects.create(
        person=other_person,
        worker=cast.volunteer,
        team=cast.volunteer.team,
        role="VOLUNTEER",
        start_at=TUESDAY_MORNING - timedelta(days=3),
    )

    outcome = record_screening(
        actor=cast.counsellor,
        instrument_code="PHQ9",
        answers=PHQ9_ITEM9,
        channel="HELPLINE_120",
        now=TUESDAY_MORNING,
        person=other_person,
    )

    assert outcome.crisis_task.assignee == cast.social_worker
