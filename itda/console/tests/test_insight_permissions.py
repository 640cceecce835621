"""One parametrised permission test per discovery URL: who gets in, who is refused, and that refusals change nothing.

The world: the hand-made population (관악구 households 1–4, 마포구 household 5) scored as of 2026-03-01;
신림동's worklist (household 3) already sent as an outreach task to the cast's 관악구 welfare centre.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from itda.audit.models import AuditEntry
from itda.cases.models import CareTask
from itda.insights.models import IngestBatch, ScoreRun, SimulationResult, WorklistEntry
from itda.insights.services import send_worklist
from itda.insights.tests.factories import NOW, SILLIM, scored_world
from itda.places.models import District, Dong

PERSONAS = [
    "anonymous",
    "citizen",
    "volunteer",
    "other_worker",
    "social_worker",
    "health_staff",
    "counsellor",
    "city_staff",
    "administrator",
]


@pytest.fixture
def client():
    """Pages in English, so the assertions do not depend on the state of the Korean catalogue."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@dataclass
class World:
    client: object
    cast: object
    run: ScoreRun
    task: CareTask


@pytest.fixture
def world(client, cast, tmp_path, settings):
    settings.ITDA_POPULATION_DIR = tmp_path / "population"
    run = scored_world(settings.ITDA_POPULATION_DIR)
    send_worklist(
        actor=cast.social_worker,
        run=run,
        district=District.objects.get(code="11620"),
        dong=Dong.objects.get(code=SILLIM),
        now=NOW,
    )
    return World(client, cast, run, CareTask.objects.get(household_ref="3"))


def _client_for(world, persona):
    if persona != "anonymous":
        world.client.force_login(getattr(world.cast, persona))
    return world.client


def _state():
    return (
        list(CareTask.objects.order_by("pk").values_list("pk", "status", "outcome", "household_ref")),
        list(WorklistEntry.objects.order_by("pk").values_list("pk", "task_id")),
        list(ScoreRun.objects.order_by("pk").values_list("pk", "status")),
        IngestBatch.objects.count(),
    )


def _expect(codes: list[int]) -> list[tuple[str, int]]:
    return list(zip(PERSONAS, codes, strict=True))


def _check_get(world, persona, url, *, expected, audited: bool):
    before = _state()
    audit_before = AuditEntry.objects.filter(path=url.split("?")[0]).count()

    response = _client_for(world, persona).get(url)

    assert response.status_code == expected
    assert _state() == before
    assert (AuditEntry.objects.filter(path=url.split("?")[0]).count() > audit_before) is audited
    return response


def _check_post(world, persona, url, data, *, expected, changes: bool):
    before = _state()

    response = _client_for(world, persona).post(url, data)

    assert response.status_code == expected
    assert (_state() != before) is changes


ROWS_READERS = ("social_worker", "administrator")
OUTREACH_WORKERS = ("social_worker", "administrator")


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected"), _expect([302, 403, 403, 200, 200, 403, 403, 200, 200]))
def test_the_dashboard_is_for_district_social_workers_city_staff_and_administrators(world, persona, expected):
    response = _check_get(world, persona, reverse("console:insights_dashboard"), expected=expected, audited=False)

    if expected == 200:
        page = response.content.decode()
        assert '합성 데이터</span> / <span lang="en">synthetic' in page
        assert ("Gwanak-gu</a>" in page) is (persona != "other_worker")


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected"), _expect([302, 403, 403, 403, 200, 403, 403, 200, 200]))
def test_a_districts_page_shows_household_rows_only_to_its_social_workers_and_administrators(world, persona, expected):
    response = _check_get(
        world, persona, reverse("console:insights_district", args=["11620"]), expected=expected, audited=persona in ROWS_READERS
    )

    if expected == 200:
        assert ("household 3" in response.content.decode()) is (persona in ROWS_READERS)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected", "changes"),
    [(p, c, p in ROWS_READERS) for p, c in _expect([302, 403, 403, 403, 302, 403, 403, 403, 302])],
)
def test_sending_a_districts_worklist_is_for_its_social_workers_and_administrators(world, persona, expected, changes):
    url = reverse("console:insights_send_worklist", args=["11620"])

    _check_post(world, persona, url, {"run": str(world.run.pk)}, expected=expected, changes=changes)


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected"), _expect([302, 403, 403, 200, 200, 403, 403, 200, 200]))
def test_the_simulation_is_for_district_social_workers_city_staff_and_administrators(world, persona, expected):
    url = reverse("console:insights_simulation") + "?programme=home-maintenance&percent=60"

    _check_get(world, persona, url, expected=expected, audited=False)

    assert SimulationResult.objects.exists() is (expected == 200)


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected"), _expect([302, 403, 403, 200, 200, 403, 403, 403, 200]))
def test_the_outreach_list_is_for_social_workers_and_administrators(world, persona, expected):
    response = _check_get(world, persona, reverse("console:insights_outreach"), expected=expected, audited=expected == 200)

    if expected == 200:
        assert (world.task.title in response.content.decode()) is (persona in OUTREACH_WORKERS)


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected"), _expect([302, 403, 403, 404, 200, 403, 403, 403, 200]))
def test_an_outreach_task_page_is_for_the_teams_social_workers_and_administrators(world, persona, expected):
    _check_get(
        world,
        persona,
        reverse("console:insights_outreach_task", args=[world.task.pk]),
        expected=expected,
        audited=expected == 200,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected", "changes"),
    [(p, c, p in OUTREACH_WORKERS) for p, c in _expect([302, 403, 403, 404, 302, 403, 403, 403, 302])],
)
def test_recording_an_outreach_outcome_is_for_the_teams_social_workers_and_administrators(world, persona, expected, changes):
    url = reverse("console:insights_outreach_task", args=[world.task.pk])

    _check_post(world, persona, url, {"outcome": "REACHED"}, expected=expected, changes=changes)
