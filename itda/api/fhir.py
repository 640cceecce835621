"""FHIR R4 (R4B models) read endpoints under /api/v1/fhir/, answered as ``application/fhir+json``.

Resources are read FHIR-style, ``GET [base]/[type]/[id]``, with the ids the exports give
them, so every reference inside a resource (``ServiceRequest/referral-12``,
``Task/referral-task-12``, ``QuestionnaireResponse/screening-7``) is also its address
under ``/api/v1/fhir/``:

==============================================  ======================================  =========
path                                            what                                    who
==============================================  ======================================  =========
``Questionnaire``                               every instrument version, as a Bundle   anyone
``Questionnaire/{slug}-{version}``              one instrument version                  anyone
``QuestionnaireResponse/screening-{id}``        a stored screening result               see below
``ServiceRequest/referral-{id}``                a referral                              see below
``Task/referral-task-{id}``                     a referral's progress                   see below
``Bundle/referral-bundle-{id}``                 ServiceRequest + Task (+ the result)    see below
==============================================  ======================================  =========

Instruments are not personal, so Questionnaires are public. Everything else needs a
signed-in user (Django session: ``ninja.security.django_auth``; there are no API tokens
yet) and is decided per record by the existing access functions: referrals by
``referrals.permissions.get_referral_for_worker`` (the sending and receiving teams, the
person's case workers, administrators); results by ``screenings.queries.result_for_person``
(the person, their case workers, a team receiving an open referral for them,
administrators). Every personal read is audited as an EXPORT by the domain export
functions. Not signed in: 401. A record that does not exist and one the user may not
see get the same 404, as in the console. Personal answers carry ``Cache-Control: no-store``.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from ninja import Router
from ninja.security import django_auth

from itda.api import schemas
from itda.referrals import fhir as referral_fhir
from itda.referrals.permissions import ReferralNotVisible
from itda.screenings import fhir as screening_fhir
from itda.screenings.models import ScreeningResult
from itda.screenings.queries import ResultsNotVisible

CONTENT_TYPE = "application/fhir+json; charset=utf-8"

router = Router(tags=["FHIR R4"], auth=django_auth)

_RESPONSES = {200: dict[str, Any], 404: schemas.ErrorOut}
_PERSONAL_RESPONSES = {200: dict[str, Any], 401: schemas.ErrorOut, 404: schemas.ErrorOut}


def _documented(description: str) -> dict:
    """OpenAPI: the 200 body is FHIR JSON, under its own media type."""
    return {
        "responses": {"200": {"description": description, "content": {"application/fhir+json": {"schema": {"type": "object"}}}}}
    }


def _fhir(resource, *, personal: bool) -> HttpResponse:
    response = HttpResponse(resource.model_dump_json(), content_type=CONTENT_TYPE)
    if personal:
        response["Cache-Control"] = "private, no-store"
    return response


def _number(resource_id: str, prefix: str) -> int:
    """The record number in an id such as ``referral-12``; anything else is not found."""
    match = re.fullmatch(re.escape(prefix) + r"([1-9][0-9]{0,17})", resource_id)
    if match is None:
        raise Http404
    return int(match.group(1))


# --- instruments: public ---------------------------------------------------------------------


@router.get(
    "/Questionnaire",
    response=_RESPONSES,
    auth=None,
    url_name="fhir_questionnaires",
    openapi_extra=_documented("A searchset Bundle of every instrument version"),
)
def fhir_questionnaires(request: HttpRequest):
    """Every version of every screening instrument as Questionnaires, in one searchset Bundle."""
    resources = screening_fhir.every_questionnaire()
    base = request.build_absolute_uri(request.path.rstrip("/") + "/")
    bundle = Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(resources),
            "entry": [{"fullUrl": f"{base}{resource.id}", "resource": resource} for resource in resources],
        }
    )
    return _fhir(bundle, personal=False)


@router.get(
    "/Questionnaire/{questionnaire_id}",
    response=_RESPONSES,
    auth=None,
    url_name="fhir_questionnaire",
    openapi_extra=_documented("One instrument version as a Questionnaire"),
)
def fhir_questionnaire(request: HttpRequest, questionnaire_id: str):
    """One instrument version (e.g. ``phq-9-1``) as a Questionnaire."""
    resource = screening_fhir.questionnaire_with_id(questionnaire_id)
    if resource is None:
        raise Http404
    return _fhir(resource, personal=False)


# --- personal: signed-in users the access functions allow -------------------------------------


@router.get(
    "/QuestionnaireResponse/{response_id}",
    response=_PERSONAL_RESPONSES,
    url_name="fhir_questionnaire_response",
    openapi_extra=_documented("A stored screening result as a QuestionnaireResponse"),
)
def fhir_questionnaire_response(request: HttpRequest, response_id: str):
    """A stored screening result (``screening-<id>``), for those who may see the person's results."""
    result_id = _number(response_id, screening_fhir.RESPONSE_ID_PREFIX)
    # The result's person decides who may read it; the read itself goes through the access rules.
    person_id = ScreeningResult.objects.filter(pk=result_id).values_list("person_id", flat=True).first()
    if person_id is None:
        raise Http404
    try:
        resource = screening_fhir.export_questionnaire_response(
            actor=request.user, person_id=person_id, result_id=result_id, now=timezone.now(), path=request.path
        )
    except ResultsNotVisible:
        raise Http404 from None
    return _fhir(resource, personal=True)


@router.get(
    "/ServiceRequest/{request_id}",
    response=_PERSONAL_RESPONSES,
    url_name="fhir_service_request",
    openapi_extra=_documented("A referral as a ServiceRequest"),
)
def fhir_service_request(request: HttpRequest, request_id: str):
    """A referral (``referral-<id>``) as a ServiceRequest, for its teams and the person's case workers."""
    referral_id = _number(request_id, "referral-")
    try:
        resource = referral_fhir.export_service_request(
            actor=request.user, referral_id=referral_id, now=timezone.now(), path=request.path
        )
    except ReferralNotVisible:
        raise Http404 from None
    return _fhir(resource, personal=True)


@router.get(
    "/Task/{task_id}",
    response=_PERSONAL_RESPONSES,
    url_name="fhir_task",
    openapi_extra=_documented("A referral's progress as a Task"),
)
def fhir_task(request: HttpRequest, task_id: str):
    """A referral's closed-loop progress (``referral-task-<id>``) as a Task."""
    referral_id = _number(task_id, "referral-task-")
    try:
        resource = referral_fhir.export_task(actor=request.user, referral_id=referral_id, now=timezone.now(), path=request.path)
    except ReferralNotVisible:
        raise Http404 from None
    return _fhir(resource, personal=True)


@router.get(
    "/Bundle/{bundle_id}",
    response=_PERSONAL_RESPONSES,
    url_name="fhir_referral_bundle",
    openapi_extra=_documented("A referral's ServiceRequest and Task, with its screening result if attached and visible"),
)
def fhir_referral_bundle(request: HttpRequest, bundle_id: str):
    """A referral (``referral-bundle-<id>``) as one collection Bundle; the screening result only if the reader may see it."""
    referral_id = _number(bundle_id, "referral-bundle-")
    base = request.build_absolute_uri(request.path.rsplit("/Bundle/", 1)[0] + "/")
    try:
        resource = referral_fhir.export_referral_bundle(
            actor=request.user, referral_id=referral_id, now=timezone.now(), path=request.path, base_url=base
        )
    except ReferralNotVisible:
        raise Http404 from None
    return _fhir(resource, personal=True)
