"""The demo's care network is drawn from the synthetic population, so discovery's de-duplication excludes it.

bin/demo runs seed_demo_population --demo, then seed_demo_care_network --demo; after a rescore the
monitored households are counted as excluded and are not on the worklist.
"""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import pytest
from django.core.management import call_command
from django.utils import timezone

from itda.cases.models import CareTask
from itda.households.models import MonitoringEnrolment
from itda.insights import files, services
from itda.insights.models import ScoreRun, WorklistEntry
from itda.people.models import Person

AS_OF = "2026-03-01"


def _call(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def seeded(population_dir):
    _call("seed_demo_accounts", "--demo")
    _call("seed_demo_population", "--demo", "--households", "10000", "--as-of", AS_OF)
    return _call("seed_demo_care_network", "--demo")


@pytest.mark.django_db
def test_the_care_network_is_drawn_from_the_scored_households_of_gwanak(seeded):
    first_run = ScoreRun.objects.get()
    people = list(Person.objects.filter(is_synthetic=True).exclude(household_ref=""))
    refs = {int(person.household_ref) for person in people}
    scored = {
        entry.household_id: entry.tier
        for entry in WorklistEntry.objects.filter(run=first_run, household_id__in=refs).select_related("district")
    }
    households = (
        pl.read_parquet(files.read_manifest().households_path)
        .filter(pl.col("household_id").is_in(list(refs)))
        .rows_by_key("household_id", named=True, unique=True)
    )

    gwanak_listed = WorklistEntry.objects.filter(run=first_run, district__code="11620", tier__in=["HIGH", "MEDIUM"])

    assert len(people) == 40
    assert Person.objects.filter(is_synthetic=True, household_ref="").count() == 0
    # Every household scored HIGH or MEDIUM in 관악구 first (fewer than 40 in a 10,000-household population),
    # then other people living alone there.
    assert 0 < len(scored) == min(40, gwanak_listed.count())
    assert set(scored.values()) <= {"HIGH", "MEDIUM"}
    assert {person.district.code for person in people} == {"11620"}
    for person in people:
        household = households[int(person.household_ref)]
        assert (household["district"], household["dong"], household["household_size"]) == ("11620", person.dong.code, 1)
        assert person.birth_year == timezone.now().year - household["age"]
        assert person.name.startswith("가상 주민")
    monitored = set(
        MonitoringEnrolment.objects.filter(end_at__isnull=True, person__in=people).values_list("person__household_ref", flat=True)
    )
    assert monitored == {str(ref) for ref in refs}
    # The outreach found them and the care network took them on: their outreach tasks are closed as reached.
    outreach = CareTask.objects.filter(kind=CareTask.Kind.OUTREACH, household_ref__in=[str(ref) for ref in refs])
    assert outreach.count() == len(scored)
    assert set(outreach.values_list("status", "outcome")) == {(CareTask.Status.DONE, "REACHED")}
    assert f"합성 인구에서 고른 관악구 1인가구 40개 (household_ref), 그중 고·중위험 {len(scored)}개" in seeded


@pytest.mark.django_db
def test_a_rescore_excludes_the_monitored_households_from_the_worklist(seeded):
    first_run = ScoreRun.objects.get()
    refs = set(Person.objects.filter(is_synthetic=True).exclude(household_ref="").values_list("household_ref", flat=True))
    listed_before = set(
        WorklistEntry.objects.filter(run=first_run, household_id__in=[int(ref) for ref in refs]).values_list(
            "household_id", flat=True
        )
    )

    outcome = services.score_population(as_of=dt.date.fromisoformat(AS_OF), now=timezone.now() + dt.timedelta(minutes=1))

    assert first_run.excluded_households == 0
    assert outcome.created
    assert {int(ref) for ref in refs} <= services.known_households().monitored
    assert outcome.run.excluded_households >= len(listed_before) > 0
    listed = set(WorklistEntry.objects.filter(run=outcome.run).values_list("household_id", flat=True))
    assert listed.isdisjoint({int(ref) for ref in refs})


@pytest.mark.django_db
def test_seeding_the_care_network_again_changes_nothing(seeded):
    people, tasks = Person.objects.count(), CareTask.objects.count()

    again = _call("seed_demo_care_network", "--demo")

    assert (Person.objects.count(), CareTask.objects.count()) == (people, tasks)
    assert "이미 있습니다" in again


@pytest.mark.django_db
def test_without_a_scored_population_the_care_network_still_seeds_and_says_so(population_dir):
    _call("seed_demo_accounts", "--demo")

    out = _call("seed_demo_care_network", "--demo")

    assert Person.objects.filter(is_synthetic=True, household_ref="").count() == 40
    assert "점수를 매긴 합성 인구가 없어" in out
