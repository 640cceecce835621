"""Worklists become outreach tasks through the cases app; unreachable never closes the trail and is never dropped."""

from __future__ import annotations

import datetime as dt

import pytest

from itda.audit.models import AuditEntry
from itda.cases.models import CareTask
from itda.cases.services import UnreachableNeedsNextStep, open_task
from itda.insights.models import ScoreRun, WorklistEntry
from itda.insights.services import (
    OutreachRefused,
    known_households,
    record_outreach_outcome,
    score_population,
    send_worklist,
)
from itda.insights.tests.factories import (
    AS_OF,
    BORAMAE,
    HOUSEHOLDS,
    NOW,
    SILLIM,
    load_feeds,
    scored_world,
    write_population,
)
from itda.places.models import District, Dong

LATER = NOW + dt.timedelta(days=3)


@pytest.fixture
def run(population_dir, cast):
    return scored_world(population_dir)


def _gwanak():
    return District.objects.get(code="11620")


def _rescore(population_dir):
    """A new delivery (one more batch) and a new run as of the same date."""
    load_feeds(population_dir, {"HOSPITAL_STAY": "household_id,signal_date,days\n5,2026-02-20,20\n"}, now=LATER)
    return score_population(as_of=AS_OF, now=LATER).run


@pytest.mark.django_db
def test_sending_a_dongs_worklist_opens_tasks_for_that_dong_only_with_one_audit_entry_naming_them(run, cast):
    result = send_worklist(actor=cast.social_worker, run=run, district=_gwanak(), dong=Dong.objects.get(code=SILLIM), now=NOW)

    task = CareTask.objects.get()
    assert (result.created, result.already_open, result.without_team) == (1, 0, 0)
    assert (task.household_ref, task.kind, task.team, task.source_type, task.source_id) == (
        "3",
        "OUTREACH",
        cast.home_team,
        "insights.scorerun",
        str(run.pk),
    )
    entry = AuditEntry.objects.get(target_type="cases.caretask")
    assert (entry.actor, entry.action, entry.reason) == (cast.social_worker, "CREATE", f"1 tasks, ids {task.pk}")


@pytest.mark.django_db
def test_the_worker_of_another_district_may_not_send_it(run, cast):
    with pytest.raises(OutreachRefused):
        send_worklist(actor=cast.other_worker, run=run, district=_gwanak(), now=NOW)

    assert CareTask.objects.count() == 0


@pytest.mark.django_db
def test_unreachable_without_a_next_step_is_refused_and_the_task_stays_open(run, cast):
    send_worklist(actor=cast.social_worker, run=run, district=_gwanak(), now=NOW)
    task = CareTask.objects.get(household_ref="1")

    with pytest.raises(UnreachableNeedsNextStep):
        record_outreach_outcome(actor=cast.social_worker, task=task, outcome="UNREACHABLE", now=LATER)

    task.refresh_from_db()
    assert (task.status, task.outcome) == ("OPEN", "")


@pytest.mark.django_db
def test_unreachable_opens_the_next_step_and_the_household_stays_on_the_next_worklist_flagged(run, population_dir, cast):
    send_worklist(actor=cast.social_worker, run=run, district=_gwanak(), now=NOW)
    task = CareTask.objects.get(household_ref="1")

    closed, follow_up = record_outreach_outcome(
        actor=cast.social_worker,
        task=task,
        outcome="UNREACHABLE",
        now=LATER,
        next_step_kind="VISIT",
        next_step_due_at=LATER + dt.timedelta(days=2),
    )
    next_run = _rescore(population_dir)

    assert (closed.status, closed.outcome) == ("DONE", "UNREACHABLE")
    assert (follow_up.kind, follow_up.household_ref, follow_up.status, follow_up.team) == ("VISIT", "1", "OPEN", cast.home_team)
    listed = dict(
        WorklistEntry.objects.filter(run=next_run, district__code="11620").values_list("household_id", "was_unreachable")
    )
    # Households 2 and 3 still have their open outreach task from the first run, so they are left off.
    assert listed == {1: True}


@pytest.mark.django_db
def test_a_previously_unreachable_household_is_kept_even_when_its_score_falls_below_every_tier(population_dir, cast):
    # Household 6: a woman of 30 living alone with no signal, 4 points (living alone), below every tier.
    write_population(
        population_dir, rows=[*HOUSEHOLDS, (6, "11620", BORAMAE, 1, 30, "F", 2_000_000, "MONTHLY_RENT", "OFFICETEL")]
    )
    load_feeds(population_dir)
    score_population(as_of=AS_OF, now=NOW)
    task, _created = open_task(
        actor=cast.social_worker,
        team=cast.home_team,
        kind="OUTREACH",
        title="가구 6 확인",
        due_at=NOW,
        now=NOW,
        household_ref="6",
    )
    record_outreach_outcome(
        actor=cast.social_worker,
        task=task,
        outcome="UNREACHABLE",
        now=NOW,
        next_step_kind="FOLLOW_UP_CALL",
        next_step_due_at=LATER,
    )

    next_run = score_population(as_of=AS_OF, now=LATER).run

    entry = WorklistEntry.objects.get(run=next_run, household_id=6)
    assert (entry.tier, entry.score, entry.was_unreachable) == ("NONE", 4, True)


def _unreachable(cast, task, *, kind="VISIT", now=LATER):
    _closed, follow_up = record_outreach_outcome(
        actor=cast.social_worker, task=task, outcome="UNREACHABLE", now=now, next_step_kind=kind, next_step_due_at=now
    )
    return follow_up


def _listed(run) -> dict[int, bool]:
    return dict(WorklistEntry.objects.filter(run=run, district__code="11620").values_list("household_id", "was_unreachable"))


@pytest.mark.django_db
def test_recording_unreachable_then_rerunning_the_same_date_gives_a_new_run_with_the_flag(run, cast):
    send_worklist(actor=cast.social_worker, run=run, district=_gwanak(), now=NOW)
    _unreachable(cast, CareTask.objects.get(household_ref="1"))

    again = score_population(as_of=AS_OF, now=LATER)

    assert again.created and again.run.pk != run.pk
    assert _listed(again.run) == {1: True}


@pytest.mark.django_db
def test_a_household_reached_by_the_follow_up_visit_is_no_longer_flagged_or_forced_onto_the_list(run, cast):
    send_worklist(actor=cast.social_worker, run=run, district=_gwanak(), now=NOW)
    visit = _unreachable(cast, CareTask.objects.get(household_ref="1"))
    flagged = score_population(as_of=AS_OF, now=LATER).run
    record_outreach_outcome(actor=cast.social_worker, task=visit, outcome="REACHED", now=LATER + dt.timedelta(days=1))

    cleared = score_population(as_of=AS_OF, now=LATER + dt.timedelta(days=1)).run

    assert _listed(flagged) == {1: True}
    assert known_households().previously_unreachable == set()
    # Still HIGH and no longer in an open case, so listed again — but not flagged.
    assert _listed(cleared) == {1: False}


@pytest.mark.django_db
def test_the_last_outcome_of_the_chain_wins_however_long_the_chain(run, cast):
    send_worklist(actor=cast.social_worker, run=run, district=_gwanak(), now=NOW)
    visit = _unreachable(cast, CareTask.objects.get(household_ref="1"), now=LATER)
    call = _unreachable(cast, visit, kind="FOLLOW_UP_CALL", now=LATER + dt.timedelta(hours=1))

    assert (call.source_type, call.source_id) == ("cases.caretask", str(visit.pk))
    assert known_households().previously_unreachable == {1}

    record_outreach_outcome(actor=cast.social_worker, task=call, outcome="NO_NEED", now=LATER + dt.timedelta(hours=2))

    assert known_households().previously_unreachable == set()


@pytest.mark.django_db
def test_a_task_outside_any_outreach_chain_does_not_clear_the_flag(run, cast):
    send_worklist(actor=cast.social_worker, run=run, district=_gwanak(), now=NOW)
    _unreachable(cast, CareTask.objects.get(household_ref="1"))
    unrelated, _created = open_task(
        actor=cast.social_worker, team=cast.home_team, kind="REVIEW", title="다른 일", due_at=LATER, now=LATER, household_ref="1"
    )
    record_outreach_outcome(actor=cast.social_worker, task=unrelated, outcome="REACHED", now=LATER + dt.timedelta(hours=1))

    assert known_households().previously_unreachable == {1}


@pytest.mark.django_db
def test_sending_the_next_runs_list_links_the_open_next_step_instead_of_opening_a_second_task(run, population_dir, cast):
    send_worklist(actor=cast.social_worker, run=run, district=_gwanak(), now=NOW)
    task = CareTask.objects.get(household_ref="1")
    _closed, follow_up = record_outreach_outcome(
        actor=cast.social_worker, task=task, outcome="UNREACHABLE", now=LATER, next_step_kind="VISIT", next_step_due_at=LATER
    )
    next_run = _rescore(population_dir)

    result = send_worklist(actor=cast.social_worker, run=next_run, district=_gwanak(), now=LATER)

    assert (result.created, result.already_open) == (0, 1)
    assert WorklistEntry.objects.get(run=next_run, household_id=1).task == follow_up
    assert CareTask.objects.filter(household_ref="1").count() == 2


@pytest.mark.django_db
def test_a_run_that_is_not_finished_cannot_be_sent(run, cast):
    ScoreRun.objects.filter(pk=run.pk).update(status="FAILED")
    run.refresh_from_db()

    with pytest.raises(OutreachRefused):
        send_worklist(actor=cast.social_worker, run=run, district=_gwanak(), now=NOW)

    assert CareTask.objects.count() == 0
