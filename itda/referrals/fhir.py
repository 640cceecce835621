"""FHIR R4 export of referrals: the request as a ServiceRequest, its progress as a Task.

Built with ``fhir.resources.R4B`` (FHIR 4.3.0): the package's top level is FHIR R5,
and it ships no plain R4 module; ServiceRequest and Task did not change between R4
and R4B, so the output is valid R4. Constructing the resource objects validates them.

The shape follows the HL7 Gravity SDOH referral workflow (peers.md §11): the
ServiceRequest says what is asked for whom by whom; the Task, focused on it and
owned by the receiving team, carries the closed-loop status. A chain maps onto
``basedOn`` (the ServiceRequest of the link before) and ``partOf`` (its Task).
The deadline of the current hop is ``Task.restriction.period.end``.

People and teams appear as references only (``Patient/person-<id>``,
``Organization/team-<id>``), never with names or numbers.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from itda.audit.services import record_access
from itda.referrals.models import FINISHED_STATUSES, Referral
from itda.referrals.permissions import get_referral_for_worker

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
    return {"reference": f"Patient/person-{referral.person_id}"}


def _team(team_id: int) -> dict:
    return {"reference": f"Organization/team-{team_id}"}


def _coding(system: str, code: str, display: str) -> dict:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def service_request(referral: Referral) -> ServiceRequest:
    """The referral as a FHIR ServiceRequest (validated by construction)."""
    data: dict = {
        "resourceType": "ServiceRequest",
        "id": f"referral-{referral.pk}",
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
        data["basedOn"] = [{"reference": f"ServiceRequest/referral-{referral.parent_id}"}]
    return ServiceRequest.model_validate(data)


def task(referral: Referral) -> Task:
    """The referral's progress as a FHIR Task focused on its ServiceRequest (validated by construction)."""
    data: dict = {
        "resourceType": "Task",
        "id": f"referral-task-{referral.pk}",
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": f"{referral.pk}-task"}],
        "basedOn": [{"reference": f"ServiceRequest/referral-{referral.pk}"}],
        "status": TASK_STATUS[referral.status],
        "businessStatus": _coding(STATUS_SYSTEM, referral.status, str(Status(referral.status).label)),
        "intent": "order",
        "priority": PRIORITY[referral.risk],
        "focus": {"reference": f"ServiceRequest/referral-{referral.pk}"},
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
        data["partOf"] = [{"reference": f"Task/referral-task-{referral.parent_id}"}]
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


def export_referral(*, actor, referral_id: int, now: datetime, path: str = "") -> tuple[ServiceRequest, Task]:
    """One referral the actor may see, as (ServiceRequest, Task), recorded as an EXPORT. Raises ReferralNotVisible."""
    referral = get_referral_for_worker(actor, referral_id)
    resources = (service_request(referral), task(referral))
    with transaction.atomic():
        record_access(
            actor=actor,
            action="EXPORT",
            target=referral,
            person_id=referral.person_id,
            fields=["fhir:ServiceRequest", "fhir:Task"],
            path=path,
            at=now,
        )
    return resources
