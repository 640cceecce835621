"""FHIR R4 export: instruments as Questionnaire, results as QuestionnaireResponse.

Built with ``fhir.resources.R4B`` (FHIR 4.3.0). The package's top level is FHIR R5;
R4B is the R4-compatible release, and Questionnaire and QuestionnaireResponse are the
same in R4 and R4B, so the output is valid R4. Constructing the resource objects
validates them.

Each answer option carries the standard ``ordinalValue`` extension with the points the
answer earns after reverse keying, so a receiver can re-add the total. Items whose
licensed text is not reproduced carry their topic as text (see the instrument file).
The person is ``Patient/person-<id>`` (``itda.lib.fhir``), as in the referral export.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from itda.audit.services import record_access
from itda.lib.fhir import patient_reference
from itda.screenings import catalogue
from itda.screenings.models import ScreeningResult
from itda.screenings.queries import result_for_person
from itda.screenings.scoring import InstrumentDefinition, Item

FHIR_VERSION = "4.3.0"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
TOTAL_LINK_ID = "total"
BAND_LINK_ID = "band"


def questionnaire_url(definition: InstrumentDefinition) -> str:
    return f"urn:itda:questionnaire:{definition.slug}"


def _answer_system(definition: InstrumentDefinition) -> str:
    return f"urn:itda:answers:{definition.slug}"


def _resource_id(text: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "-." else "-" for ch in text)
    return cleaned[:64]


def _coding(definition: InstrumentDefinition, item: Item, value: int) -> dict:
    option = next(option for option in item.options if option.value == value)
    return {
        "system": _answer_system(definition),
        "code": str(value),
        "display": option.label.ko,
        "extension": [{"url": ORDINAL_VALUE, "valueDecimal": item.scored(value)}],
    }


def questionnaire(definition: InstrumentDefinition) -> Questionnaire:
    """One instrument version as a FHIR R4 Questionnaire (status draft while its scoring is provisional)."""
    items = [
        {
            "linkId": item.code,
            "prefix": f"{item.code}.",
            "text": item.text.ko,
            "type": "choice",
            "required": item.required,
            "answerOption": [{"valueCoding": _coding(definition, item, option.value)} for option in item.options],
        }
        for item in definition.items
    ]
    items.append({"linkId": TOTAL_LINK_ID, "text": "총점 (total)", "type": "integer", "readOnly": True, "required": False})
    items.append({"linkId": BAND_LINK_ID, "text": "구간 (band)", "type": "string", "readOnly": True, "required": False})
    description = definition.description.ko
    if definition.is_provisional:
        description = f"{description}\n\n{definition.provisional_note.ko}"
    return Questionnaire.model_validate(
        {
            "resourceType": "Questionnaire",
            "id": questionnaire_id(definition),
            "url": questionnaire_url(definition),
            "version": definition.version,
            "name": definition.code,
            "title": definition.name.ko,
            "status": "draft" if definition.is_provisional else "active",
            "language": "ko",
            "subjectType": ["Patient"],
            "description": description,
            "effectivePeriod": {"start": definition.effective_from},
            "copyright": str(definition.raw.get("licence", "")) or None,
            "item": items,
        }
    )


def questionnaire_id(definition: InstrumentDefinition) -> str:
    """The FHIR id of one instrument version, e.g. ``phq-9-1``."""
    return _resource_id(f"{definition.slug}-{definition.version}")


def every_questionnaire() -> list[Questionnaire]:
    """Every version of every instrument (not only those in force), ordered by id."""
    definitions = sorted((definition for definition, _sha in catalogue.all_definitions()), key=questionnaire_id)
    return [questionnaire(definition) for definition in definitions]


def questionnaire_with_id(resource_id: str) -> Questionnaire | None:
    """The instrument version whose FHIR id is ``resource_id``, or None."""
    for definition, _sha in catalogue.all_definitions():
        if questionnaire_id(definition) == resource_id:
            return questionnaire(definition)
    return None


def questionnaires(on_date) -> list[Questionnaire]:
    """Every instrument in force on a day, as Questionnaires."""
    codes = sorted({definition.code for definition, _sha in catalogue.all_definitions()})
    return [questionnaire(catalogue.current_definition(code, on_date)) for code in codes]


def _response(
    definition: InstrumentDefinition,
    answers: dict,
    total: int,
    band: str,
    authored: datetime,
    *,
    resource_id: str,
    subject: dict | None,
) -> QuestionnaireResponse:
    items = [
        {
            "linkId": item.code,
            "text": item.text.ko,
            "answer": [{"valueCoding": _coding(definition, item, int(answers[item.code]))}],
        }
        for item in definition.items
        if item.code in answers
    ]
    items.append({"linkId": TOTAL_LINK_ID, "answer": [{"valueInteger": total}]})
    items.append({"linkId": BAND_LINK_ID, "answer": [{"valueString": band}]})
    data = {
        "resourceType": "QuestionnaireResponse",
        "id": _resource_id(resource_id),
        "questionnaire": f"{questionnaire_url(definition)}|{definition.version}",
        "status": "completed",
        "authored": timezone.localtime(authored).isoformat(),
        "item": items,
    }
    if subject:
        data["subject"] = subject
    return QuestionnaireResponse.model_validate(data)


RESPONSE_ID_PREFIX = "screening-"


def questionnaire_response_id(result_id: int) -> str:
    """The FHIR id of a stored result, e.g. ``screening-12``."""
    return f"{RESPONSE_ID_PREFIX}{int(result_id)}"


def questionnaire_response(result: ScreeningResult) -> QuestionnaireResponse:
    """A stored result as a QuestionnaireResponse, against the instrument version it was scored with."""
    definition = InstrumentDefinition.from_dict(result.instrument.definition)
    return _response(
        definition,
        result.answers,
        result.total,
        result.band,
        result.taken_at,
        resource_id=questionnaire_response_id(result.pk),
        subject=patient_reference(result.person_id),
    )


def questionnaire_response_for_score(definition: InstrumentDefinition, score, authored: datetime) -> QuestionnaireResponse:
    """An unsaved (anonymous) screening as a QuestionnaireResponse without a subject."""
    return _response(definition, dict(score.answers), score.total, score.band.code, authored, resource_id="unsaved", subject=None)


def export_questionnaire_response(
    *, actor, person_id: int, result_id: int, now: datetime, path: str = ""
) -> QuestionnaireResponse:
    """A person's result for an API client, read through the access rules and audited as an EXPORT.

    Raises queries.ResultsNotVisible.
    """
    result = result_for_person(actor, person_id, result_id, now, path=path)
    resource = questionnaire_response(result)
    with transaction.atomic():
        record_access(
            actor=actor,
            action="EXPORT",
            target=result,
            person_id=result.person_id,
            fields=["fhir:QuestionnaireResponse"],
            path=path,
            at=now,
        )
    return resource
