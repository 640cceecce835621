"""FHIR R4 (R4B package) export: every instrument validates as a Questionnaire, results as QuestionnaireResponses."""

from __future__ import annotations

from datetime import date

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from itda.audit.models import AuditEntry
from itda.screenings import catalogue, fhir
from itda.screenings.queries import ResultsNotVisible
from itda.screenings.scoring import score
from itda.screenings.services import record_screening
from itda.screenings.tests.conftest import PHQ9_MODERATE, TUESDAY_MORNING

ON = date(2026, 11, 10)


@pytest.mark.parametrize("code", ["SEOUL_SELF_CHECK", "UCLA3", "UCLA20_K", "PHQ9", "SGDS_K", "LSNS6"])
def test_every_instrument_exports_as_a_valid_questionnaire(code):
    definition = catalogue.current_definition(code, ON)

    resource = fhir.questionnaire(definition)

    assert isinstance(resource, Questionnaire)
    again = Questionnaire.model_validate_json(resource.model_dump_json())
    assert again.url == f"urn:itda:questionnaire:{definition.slug}"
    assert again.version == definition.version
    assert [item.linkId for item in again.item][:-2] == [item.code for item in definition.items]
    assert [item.linkId for item in again.item][-2:] == ["total", "band"]


def test_the_provisional_seoul_self_check_is_a_draft():
    resource = fhir.questionnaire(catalogue.current_definition("SEOUL_SELF_CHECK", ON))

    assert resource.status == "draft"
    assert resource.language == "ko"


def test_reverse_keyed_options_carry_the_points_they_earn():
    resource = fhir.questionnaire(catalogue.current_definition("SGDS_K", ON))

    first = resource.item[0]  # "현재의 생활에 대체적으로 만족하십니까?" — reverse keyed
    codings = [(option.valueCoding.display, option.valueCoding.extension[0].valueDecimal) for option in first.answerOption]
    assert first.text == "현재의 생활에 대체적으로 만족하십니까?"
    assert codings == [("예", 0), ("아니오", 1)]


def test_a_stored_result_exports_against_the_version_it_was_scored_with(cast, other_person):
    result = record_screening(
        actor=cast.social_worker,
        instrument_code="PHQ9",
        answers=PHQ9_MODERATE,
        channel="WORKER",
        now=TUESDAY_MORNING,
        person=other_person,
    ).result

    resource = fhir.questionnaire_response(result)

    assert isinstance(resource, QuestionnaireResponse)
    assert resource.questionnaire == "urn:itda:questionnaire:phq-9|1"
    assert resource.status == "completed"
    assert resource.subject.reference == f"Patient/person-{other_person.pk}"
    answers = {item.linkId: item.answer[0] for item in resource.item}
    assert answers["4"].valueCoding.code == "3"
    assert answers["total"].valueInteger == 10
    assert answers["band"].valueString == "MODERATE"


def test_an_unsaved_score_exports_without_a_subject():
    definition = catalogue.current_definition("UCLA3", ON)

    resource = fhir.questionnaire_response_for_score(definition, score(definition, {"1": 3, "2": 3, "3": 1}), TUESDAY_MORNING)

    assert resource.subject is None
    assert resource.authored.isoformat() == "2026-11-10T10:00:00+09:00"


def test_exporting_a_result_is_audited_and_follows_the_access_rules(cast, other_person):
    result = record_screening(
        actor=cast.social_worker,
        instrument_code="PHQ9",
        answers=PHQ9_MODERATE,
        channel="WORKER",
        now=TUESDAY_MORNING,
        person=other_person,
    ).result

    resource = fhir.export_questionnaire_response(
        actor=cast.administrator, person_id=other_person.pk, result_id=result.pk, now=TUESDAY_MORNING
    )
    with pytest.raises(ResultsNotVisible):
        fhir.export_questionnaire_response(
            actor=cast.other_worker, person_id=other_person.pk, result_id=result.pk, now=TUESDAY_MORNING
        )

    assert resource.id == f"screening-{result.pk}"
    assert AuditEntry.objects.filter(action="EXPORT", person_id=other_person.pk, actor=cast.administrator).count() == 1
    assert AuditEntry.objects.filter(action="DENIED", actor=cast.other_worker).count() == 1
