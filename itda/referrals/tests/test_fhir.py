"""Referrals exported as FHIR R4 (R4B models) ServiceRequest and Task, validated by constructing them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from itda.audit.models import AuditEntry
from itda.referrals.fhir import export_referral, service_request, task
from itda.referrals.models import Referral
from itda.referrals.permissions import ReferralNotVisible
from itda.referrals.services import send_referral, transition
from itda.referrals.tests.factories import make_chain, make_person, send

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
Status = Referral.Status


@pytest.fixture
def person(db):
    return make_person()


def _round_trip(resource):
    """Serialise and parse back: what another system would receive must validate on its own."""
    return type(resource).model_validate_json(resource.model_dump_json())


@pytest.mark.django_db
def test_a_sent_referral_is_an_active_service_request_and_a_requested_task_with_its_deadline(cast, person):
    referral = send(cast, person, now=NOW, risk=Referral.Risk.CRISIS, program_slug="loneliness-goodbye-120")

    request = _round_trip(service_request(referral))
    progress = _round_trip(task(referral))

    assert isinstance(request, ServiceRequest)
    assert (request.status, request.intent, request.priority) == ("active", "order", "stat")
    assert request.subject.reference == f"Patient/person-{person.pk}"
    assert (request.requester.reference, request.performer[0].reference) == (
        f"Organization/team-{cast.home_team.pk}",
        f"Organization/team-{cast.health_staff.team.pk}",
    )
    assert request.code.coding[0].code == "loneliness-goodbye-120"
    assert isinstance(progress, Task)
    assert (progress.status, progress.intent, progress.businessStatus.coding[0].code) == ("requested", "order", "SENT")
    assert progress.focus.reference == f"ServiceRequest/referral-{referral.pk}"
    assert progress.for_fhir.reference == f"Patient/person-{person.pk}"
    assert progress.restriction.period.end == NOW + timedelta(hours=24)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "task_status", "request_status"),
    [
        (["RECEIVED"], "received", "active"),
        (["ACCEPTED"], "accepted", "active"),
        (["ACCEPTED", "CONTACTED"], "in-progress", "active"),
        (["ACCEPTED", "UNREACHABLE"], "in-progress", "active"),
        (["ACCEPTED", "CONTACTED", "SERVICE_STARTED"], "in-progress", "active"),
        (["ACCEPTED", "CONTACTED", "CLOSED"], "completed", "completed"),
        (["DECLINED"], "rejected", "revoked"),
    ],
)
def test_each_state_maps_to_the_fhir_task_state_it_was_modelled_on(cast, person, path, task_status, request_status):
    referral = send(cast, person, now=NOW)
    details = {
        "CLOSED": {"outcome": "GOT_HELP"},
        "DECLINED": {"outcome": "NO_CAPACITY"},
        "UNREACHABLE": {"steps_tried": ["PHONE"]},
    }
    for hours, status in enumerate(path, start=1):
        referral = transition(
            actor=cast.health_staff,
            referral=referral,
            to_status=status,
            now=NOW + timedelta(hours=hours),
            **details.get(status, {}),
        )

    progress = _round_trip(task(referral))
    request = _round_trip(service_request(referral))

    assert (progress.status, progress.businessStatus.coding[0].code, request.status) == (task_status, path[-1], request_status)


@pytest.mark.django_db
def test_a_closed_referral_carries_its_outcome_and_a_declined_one_its_reason(cast, person):
    closed = send(cast, person, now=NOW)
    for status in ["ACCEPTED", "CONTACTED"]:
        closed = transition(actor=cast.health_staff, referral=closed, to_status=status, now=NOW)
    closed = transition(
        actor=cast.health_staff, referral=closed, to_status="CLOSED", now=NOW + timedelta(days=3), outcome="GOT_HELP"
    )
    declined = send(cast, person, now=NOW, source_type="test", source_id=2)
    declined = transition(actor=cast.health_staff, referral=declined, to_status="DECLINED", now=NOW, outcome="NOT_ELIGIBLE")

    closed_task = _round_trip(task(closed))
    declined_task = _round_trip(task(declined))

    assert closed_task.output[0].valueCodeableConcept.coding[0].code == "GOT_HELP"
    assert closed_task.executionPeriod.end == NOW + timedelta(days=3)
    assert closed_task.restriction is None
    assert declined_task.statusReason.coding[0].code == "NOT_ELIGIBLE"


@pytest.mark.django_db
def test_a_chain_link_points_at_the_request_and_task_before_it(cast, person):
    chain = make_chain(cast, patient=person)
    first = send_referral(
        actor=chain.doctor,
        person=person,
        from_team=chain.clinic,
        to_team=chain.health_centre,
        reason="선별검사 양성",
        risk=Referral.Risk.HIGH,
        now=NOW,
        program_slug="life-linking-stethoscope",
    )
    first = transition(actor=chain.nurse, referral=first, to_status=Status.ACCEPTED, now=NOW)
    second = send_referral(
        actor=chain.nurse,
        person=person,
        from_team=chain.health_centre,
        to_team=chain.mental_health_centre,
        reason="고위험",
        risk=Referral.Risk.HIGH,
        now=NOW,
        parent=first,
    )

    request = _round_trip(service_request(second))
    progress = _round_trip(task(second))

    assert request.basedOn[0].reference == f"ServiceRequest/referral-{first.pk}"
    assert progress.partOf[0].reference == f"Task/referral-task-{first.pk}"


@pytest.mark.django_db
def test_the_export_names_no_person_and_no_team_by_name(cast, person):
    referral = send(cast, person, now=NOW)

    text = service_request(referral).model_dump_json() + task(referral).model_dump_json()

    assert person.name not in text
    assert person.phone not in text
    assert cast.home_team.name not in text


@pytest.mark.django_db
def test_exporting_is_refused_outside_the_referral_and_audited_inside_it(cast, person):
    referral = send(cast, person, now=NOW)

    with pytest.raises(ReferralNotVisible):
        export_referral(actor=cast.other_worker, referral_id=referral.pk, now=NOW)
    request, progress = export_referral(actor=cast.health_staff, referral_id=referral.pk, now=NOW)

    assert (request.id, progress.id) == (f"referral-{referral.pk}", f"referral-task-{referral.pk}")
    assert list(AuditEntry.objects.filter(action="EXPORT").values_list("actor", "person_id")) == [
        (cast.health_staff.pk, person.pk)
    ]
