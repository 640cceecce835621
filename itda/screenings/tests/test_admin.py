"""The back office: instrument versions read-only, results listed and read with audit entries."""

from __future__ import annotations

from django.test import Client

from itda.audit.models import AuditEntry
from itda.screenings.services import load_instruments, record_screening
from itda.screenings.tests.conftest import PHQ9_MODERATE, TUESDAY_MORNING


def _admin_client(cast):
    cast.administrator.is_staff = True
    cast.administrator.is_superuser = True
    cast.administrator.save()
    client = Client()
    client.force_login(cast.administrator)
    return client


def test_instrument_versions_cannot_be_added_or_changed(cast):
    load_instruments(now=TUESDAY_MORNING)
    client = _admin_client(cast)

    add = client.get("/admin/screenings/instrument/add/")
    listing = client.get("/admin/screenings/instrument/")

    assert add.status_code == 403
    assert listing.status_code == 200
    assert "PHQ9" in listing.content.decode()


def test_reading_a_result_in_the_admin_is_audited(cast, other_person):
    result = record_screening(
        actor=cast.social_worker,
        instrument_code="PHQ9",
        answers=PHQ9_MODERATE,
        channel="WORKER",
        now=TUESDAY_MORNING,
        person=other_person,
    ).result
    client = _admin_client(cast)

    listing = client.get("/admin/screenings/screeningresult/")
    detail = client.get(f"/admin/screenings/screeningresult/{result.pk}/change/")

    assert (listing.status_code, detail.status_code) == (200, 200)
    read = AuditEntry.objects.get(action="READ", target_type="screenings.screeningresult")
    assert (read.actor, read.person_id) == (cast.administrator, other_person.pk)
    assert AuditEntry.objects.filter(action="LIST", target_type="screenings.screeningresult").count() == 1
