"""FHIR R4 export of referrals: the request as a ServiceRequest, its progress as a Task.

Built with ``fhir.resources.R4B`` (FHIR 4.3.0): the package's top level is FHIR R5,
and it ships no plain R4 module; ServiceRequest and Task did not change between R4
and R4B, so the output is valid R4. Constructing the resource objects validates them.

The shape follows the HL7 Gravity SDOH referral workflow (peers.md §11): the
ServiceRequest says what is asked for whom by whom; the Task, focused on it and
owned by the receiving team, carries the closed-loop status. A chain maps onto
``basedOn`` (the ServiceRequest of the link before) and ``partOf`` (its Task).
The deadline of the current hop is ``Task.restriction.period.end``.

People and teams appear as references only (``Patient/person-<id>``, the same
reference the screening export uses, from ``itda.lib.fhir``; ``Organization/team-<id>``),
never with names or numbers.

``export_referral_bundle`` puts the ServiceRequest, the Task and, when the referral
came from a stored screening result the reader may see, its QuestionnaireResponse
in one ``collection`` Bundle.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from itda.audit.services import record_access
from itda.lib.fhir import patient_reference
from itda.referrals.models import FINISHED_STATUSES, Referral
from itda.referrals.permissions import get_referral_for_worker
from itda.screenings import fhir as screenings_fhir
from itda.screenings.queries import ResultsNotVisible

FHIR_VERSION = "4.3.0"
IDENTIFIER_SYSTEM = "urn:itda:referral"
STATUS_SYSTEM = "urn:itda:referral-status"
OUTCOME_SYSTEM = "urn:itda:referral-outcome"
PROGRAM_SYSTEM = "urn:itda:program"
RISK_SYSTEM = "urn:itda:referral-risk"

Status = Referral.Status

# FHIR Task.status for each referral status; the referral status itself travels as businessStatus.
TASK_STATUS = {
    Status.SENT: "requested",
    Status.RECEIVED: "received",
    Status.ACCEPTED: "accepted",
    Status.CONTACTED: "in-progress",
    Status.UNREACHABLE: "in-progress",
    Status.SERVICE_STARTED: "in-progress",
    Status.CLOSED: "completed",
    Status.DECLINED: "rejected",
    Status.CANCELLED: "cancelled",
}
SERVICE_REQUEST_STATUS = {Status.CLOSED: "completed", Status.DECLINED: "revoked", Status.CANCELLED: "revoked"}
PRIORITY = {
    Referral.Risk.CRISIS: "stat",
    Referral.Risk.HIGH: "asap",
    Referral.Risk.MEDIUM: "urgent",
    Referral.Risk.LOW: "routine",
}


def _instant(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _patient(referral: Referral) -> dict:
    return patient_reference(referral.person_id)


SCREENING_SOURCE = "screenings.screeningresult"


def service_request_id(referral_id: int) -> str:
    return f"referral-{int(referral_id)}"


def task_id(referral_id: int) -> str:
    return f"referral-task-{int(referral_id)}"


def bundle_id(referral_id: int) -> str:
    return f"referral-bundle-{int(referral_id)}"


def _team(team_id: int) -> dict:
    return {"reference": f"Organization/team-{team_id}"}


def _coding(system: str, code: str, display: str) -> dict:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def service_request(referral: Referral) -> ServiceRequest:
    """The referral as a FHIR ServiceRequest (validated by construction)."""
    data: dict = {
        "resourceType": "ServiceRequest",
        "id": service_request_id(referral.pk),
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": str(referral.pk)}],
        "status": SERVICE_REQUEST_STATUS.get(referral.status, "active"),
        "intent": "order",
        "priority": PRIORITY[referral.risk],
        "subject": _patient(referral),
        "authoredOn": _instant(referral.sent_at),
        "requester": _team(referral.from_team_id),
        "performer": [_team(referral.to_team_id)],
        "reasonCode": [{"text": referral.reason}],
        "category": [_coding(RISK_SYSTEM, referral.risk, str(Referral.Risk(referral.risk).label))],
    }
    if referral.program_id is not None:
        data["code"] = _coding(PROGRAM_SYSTEM, referral.program.slug, referral.program.name)
    else:
        data["code"] = {"text": "referral"}
    if referral.parent_id is not None:
        data["basedOn"] = [{"reference": f"ServiceRequest/{service_request_id(referral.parent_id)}"}]
    return ServiceRequest.model_validate(data)


def task(referral: Referral) -> Task:
    """The referral's progress as a FHIR Task focused on its ServiceRequest (validated by construction)."""
    data: dict = {
        "resourceType": "Task",
        "id": task_id(referral.pk),
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": f"{referral.pk}-task"}],
        "basedOn": [{"reference": f"ServiceRequest/{service_request_id(referral.pk)}"}],
        "status": TASK_STATUS[referral.status],
        "businessStatus": _coding(STATUS_SYSTEM, referral.status, str(Status(referral.status).label)),
        "intent": "order",
        "priority": PRIORITY[referral.risk],
        "focus": {"reference": f"ServiceRequest/{service_request_id(referral.pk)}"},
        "for": _patient(referral),
        "authoredOn": _instant(referral.sent_at),
        "lastModified": _instant(_last_change(referral)),
        "requester": _team(referral.from_team_id),
        "owner": _team(referral.to_team_id),
        "executionPeriod": {"start": _instant(referral.sent_at)},
    }
    finished_at = referral.closed_at or referral.declined_at or referral.cancelled_at
    if referral.status in FINISHED_STATUSES and finished_at is not None:
        data["executionPeriod"]["end"] = _instant(finished_at)
    if referral.due_at is not None:
        data["restriction"] = {"period": {"end": _instant(referral.due_at)}}
    if referral.parent_id is not None:
        data["partOf"] = [{"reference": f"Task/{task_id(referral.parent_id)}"}]
    if referral.outcome:
        outcome = _coding(OUTCOME_SYSTEM, referral.outcome, str(Referral.Outcome(referral.outcome).label))
        if referral.status == Status.DECLINED:
            data["statusReason"] = outcome
        else:
            data["output"] = [{"type": {"text": "outcome"}, "valueCodeableConcept": outcome}]
    if referral.steps_tried:
        data["note"] = [{"text": "steps tried: " + ", ".join(referral.steps_tried)}]
    return Task.model_validate(data)


def _last_change(referral: Referral) -> datetime:
    stamps = [
        referral.sent_at,
        referral.received_at,
        referral.accepted_at,
        referral.contacted_at,
        referral.unreachable_at,
        referral.service_started_at,
        referral.closed_at,
        referral.declined_at,
        referral.cancelled_at,
    ]
    return max(stamp for stamp in stamps if stamp is not None)


def _record_export(*, actor, referral: Referral, now: datetime, path: str, fields: list[str]) -> None:
    with transaction.atomic():
        record_access(
            actor=actor, action="EXPORT", target=referral, person_id=referral.person_id, fields=fields, path=path, at=now
        )


def export_referral(*, actor, referral_id: int, now: datetime, path: str = "") -> tuple[ServiceRequest, Task]:
    """One referral the actor may see, as (ServiceRequest, Task), recorded as an EXPORT. Raises ReferralNotVisible."""
    referral = get_referral_for_worker(actor, referral_id)
    resources = (service_request(referral), task(referral))
    _record_export(actor=actor, referral=referral, now=now, path=path, fields=["fhir:ServiceRequest", "fhir:Task"])
    return resources


def export_service_request(*, actor, referral_id: int, now: datetime, path: str = "") -> ServiceRequest:
    """The ServiceRequest of one referral the actor may see, audited as an EXPORT. Raises ReferralNotVisible."""
    referral = get_referral_for_worker(actor, referral_id)
    resource = service_request(referral)
    _record_export(actor=actor, referral=referral, now=now, path=path, fields=["fhir:ServiceRequest"])
    return resource


def export_task(*, actor, referral_id: int, now: datetime, path: str = "") -> Task:
    """The Task of one referral the actor may see, audited as an EXPORT. Raises ReferralNotVisible."""
    referral = get_referral_for_worker(actor, referral_id)
    resource = task(referral)
    _record_export(actor=actor, referral=referral, now=now, path=path, fields=["fhir:Task"])
    return resource


def attached_result_id(referral: Referral) -> int | None:
    """The stored screening result the referral was sent from, if any."""
    if referral.source_type != SCREENING_SOURCE:
        return None
    try:
        return int(referral.source_id)
    except ValueError:
        return None


def bundle(
    referral: Referral, response: QuestionnaireResponse | None = None, *, base_url: str = "", now: datetime | None = None
) -> Bundle:
    """A ``collection`` Bundle of the referral's ServiceRequest and Task, and the QuestionnaireResponse if given.

    ``base_url`` (ending in "/") makes each entry's ``fullUrl`` the address it can be read at.
    """
    resources: list = [service_request(referral), task(referral)]
    if response is not None:
        resources.append(response)
    entries = []
    for resource in resources:
        entry: dict = {"resource": resource}
        if base_url:
            entry["fullUrl"] = f"{base_url}{resource.get_resource_type()}/{resource.id}"
        entries.append(entry)
    data: dict = {"resourceType": "Bundle", "id": bundle_id(referral.pk), "type": "collection", "entry": entries}
    if now is not None:
        data["timestamp"] = now.isoformat()
    return Bundle.model_validate(data)


def export_referral_bundle(*, actor, referral_id: int, now: datetime, path: str = "", base_url: str = "") -> Bundle:
    """One referral the actor may see as a Bundle, audited as an EXPORT. Raises ReferralNotVisible.

    The attached screening result is included only when the actor may see it under the
    screening rules (the receiving team and the person's case workers may; a sending team
    not on the case may not): it is read through ``screenings.fhir`` and audited there.
    """
    referral = get_referral_for_worker(actor, referral_id)
    response = None
    result_id = attached_result_id(referral)
    if result_id is not None:
        try:
            response = screenings_fhir.export_questionnaire_response(
                actor=actor, person_id=referral.person_id, result_id=result_id, now=now, path=path
            )
        except ResultsNotVisible:
            response = None
    resource = bundle(referral, response, base_url=base_url, now=now)
    _record_export(actor=actor, referral=referral, now=now, path=path, fields=["fhir:ServiceRequest", "fhir:Task"])
    return resource
