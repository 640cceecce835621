"""The allocation optimiser on hand-made cases with exact answers, and its guarantees on random ones.

Pure tests: no database. Places on one meridian make distances exact: 0.01° of latitude is
6,371,008.8 m × π / 18,000 = 1,111.95 m.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itda.volunteers.allocation import (
    Change,
    DongRule,
    Household,
    Policy,
    Reason,
    Volunteer,
    allocate,
    allocate_greedy,
    distance_m,
)

STEP_M = 6_371_008.8 * math.radians(0.01)  # metres in 0.01° of latitude
LON = 126.95
BASE_LAT = 37.48


def at(steps: float) -> float:
    return BASE_LAT + steps * 0.01


def household(id_, steps, *, dong="d1", district="관악구", **extra) -> Household:
    return Household(id_, district, dong, at(steps), LON, **extra)


def volunteer(id_, steps, capacity=1, *, dong="d1", district="관악구") -> Volunteer:
    return Volunteer(id_, district, dong, at(steps), LON, capacity)


def pairs(result) -> dict[int, int]:
    return {a.household_id: a.volunteer_id for a in result.assignments.values()}


def test_distance_along_a_meridian_is_the_arc_length():
    assert distance_m(at(0), LON, at(1), LON) == pytest.approx(STEP_M, abs=1e-6)


def test_the_optimiser_finds_the_shorter_total_where_greedy_takes_the_nearest_first():
    households = [household(1, 0.0), household(2, 1.5)]
    volunteers = [volunteer(10, 1.0), volunteer(20, -2.0)]

    optimised = allocate(households, volunteers)
    greedy = allocate_greedy(households, volunteers)

    assert pairs(optimised) == {1: 20, 2: 10}
    assert optimised.total_distance_m == pytest.approx(2.5 * STEP_M)
    assert pairs(greedy) == {1: 10, 2: 20}
    assert greedy.total_distance_m == pytest.approx(4.5 * STEP_M)


def test_a_volunteer_takes_as_many_households_as_their_capacity_and_no_more():
    households = [household(1, 0.0), household(2, 0.1), household(3, 0.2), household(4, 3.0)]
    volunteers = [volunteer(10, 0.0, capacity=2), volunteer(20, 3.0, capacity=2)]

    result = allocate(households, volunteers)

    assert pairs(result) == {1: 10, 2: 10, 3: 20, 4: 20}
    assert result.load == {10: 2, 20: 2}
    assert result.total_distance_m == pytest.approx((0.0 + 0.1 + 2.8 + 0.0) * STEP_M)


def test_a_volunteer_of_the_same_dong_is_chosen_first_unless_the_other_is_nearer_by_more_than_the_penalty():
    households = [household(1, 0.0, dong="d1")]
    volunteers = [volunteer(10, 1.0, dong="d1"), volunteer(20, 0.2, dong="d2")]

    preferred = allocate(households, volunteers)
    no_penalty = allocate(households, volunteers, Policy(other_dong_penalty_m=0))
    ignored = allocate(households, volunteers, Policy(dong_rule=DongRule.IGNORED))

    assert pairs(preferred) == {1: 10}
    assert preferred.total_distance_m == pytest.approx(STEP_M)
    assert pairs(no_penalty) == {1: 20}
    assert pairs(ignored) == {1: 20}


def test_same_dong_required_leaves_a_household_without_a_volunteer_in_its_dong_unallocated():
    households = [household(1, 0.0, dong="d1"), household(2, 0.0, dong=None)]
    volunteers = [volunteer(10, 0.1, dong="d2", capacity=5)]

    result = allocate(households, volunteers, Policy(dong_rule=DongRule.REQUIRED))

    assert result.assignments == {}
    assert result.unallocated == {1: Reason.NO_VOLUNTEER_IN_DONG, 2: Reason.NO_VOLUNTEER_IN_DONG}


def test_a_district_without_volunteers_is_named_as_the_reason_and_no_household_is_dropped():
    households = [household(1, 0.0, district="마포구"), household(2, 0.0), household(3, 0.1)]
    volunteers = [volunteer(10, 0.0, capacity=1)]

    result = allocate(households, volunteers)

    assert pairs(result) == {2: 10}
    assert result.unallocated == {1: Reason.NO_VOLUNTEER_IN_DISTRICT, 3: Reason.NO_CAPACITY_IN_REACH}


def test_when_places_are_short_high_risk_households_get_them_before_medium_risk_ones():
    households = [household(1, 0.0, priority=2), household(2, 3.0, priority=1), household(3, 0.1, priority=2)]
    volunteers = [volunteer(10, 0.0, capacity=2)]

    result = allocate(households, volunteers)

    assert pairs(result) == {1: 10, 2: 10}
    assert result.unallocated == {3: Reason.NO_CAPACITY_IN_REACH}


def test_existing_pairs_are_kept_unless_asked_to_reoptimise():
    households = [household(1, 0.0, current_volunteer=20), household(2, 2.0, current_volunteer=10)]
    volunteers = [volunteer(10, 0.0), volunteer(20, 2.0)]

    kept = allocate(households, volunteers)
    reoptimised = allocate(households, volunteers, Policy(reoptimise=True))

    assert pairs(kept) == {1: 20, 2: 10}
    assert (kept.count(Change.KEPT), kept.total_distance_m) == (2, pytest.approx(4 * STEP_M))
    assert pairs(reoptimised) == {1: 10, 2: 20}
    assert (reoptimised.count(Change.MOVED), reoptimised.total_distance_m) == (2, 0.0)


def test_when_capacity_shrinks_high_risk_then_the_nearest_keep_their_volunteer_and_the_rest_move():
    households = [
        household(1, 0.5, current_volunteer=10, priority=2),
        household(2, 0.1, current_volunteer=10, priority=2),
        household(3, 0.9, current_volunteer=10, priority=1),
    ]
    volunteers = [volunteer(10, 0.0, capacity=2), volunteer(20, 1.0, capacity=5)]

    result = allocate(households, volunteers)

    assert pairs(result) == {1: 20, 2: 10, 3: 10}
    assert {a.household_id: a.change for a in result.assignments.values()} == {1: Change.MOVED, 2: Change.KEPT, 3: Change.KEPT}


def test_a_new_household_is_added_around_the_kept_pairs():
    households = [household(1, 0.0, current_volunteer=10), household(2, 0.1)]
    volunteers = [volunteer(10, 0.0, capacity=1), volunteer(20, 1.0, capacity=1)]

    result = allocate(households, volunteers)

    assert pairs(result) == {1: 10, 2: 20}
    assert {a.household_id: a.change for a in result.assignments.values()} == {1: Change.KEPT, 2: Change.NEW}
    assert result.total_distance_m == pytest.approx(0.9 * STEP_M)


def test_a_pin_wins_over_distance_and_dong_and_a_pin_to_a_full_volunteer_is_reported():
    households = [household(1, 0.0, pinned_volunteer=20), household(2, 0.0, pinned_volunteer=20, priority=2)]
    volunteers = [volunteer(10, 0.0, capacity=3), volunteer(20, 5.0, capacity=1, dong="d9")]

    result = allocate(households, volunteers, Policy(dong_rule=DongRule.REQUIRED, max_distance_m=1000))

    assert pairs(result) == {1: 20}
    assert result.assignments[1].pinned is True
    assert result.unallocated == {2: Reason.PIN_CANNOT_BE_HONOURED}


def test_a_forbidden_pair_is_never_made_and_an_existing_one_is_undone():
    households = [household(1, 0.0, current_volunteer=10, forbidden_volunteers=frozenset({10}))]
    volunteers = [volunteer(10, 0.0), volunteer(20, 3.0)]

    result = allocate(households, volunteers)

    assert pairs(result) == {1: 20}
    assert result.assignments[1].change == Change.MOVED


def test_households_beyond_the_furthest_distance_are_unallocated_with_no_capacity_in_reach():
    households = [household(1, 0.0)]
    volunteers = [volunteer(10, 2.0)]

    result = allocate(households, volunteers, Policy(max_distance_m=2000))

    assert result.assignments == {}
    assert result.unallocated == {1: Reason.NO_CAPACITY_IN_REACH}


def test_a_candidate_limit_that_hides_a_volunteer_with_room_falls_back_to_every_arc():
    households = [household(1, 0.0), household(2, 0.0)]
    volunteers = [volunteer(10, 0.1), volunteer(20, 3.0)]

    result = allocate(households, volunteers, Policy(candidate_limit=1))

    assert pairs(result) == {1: 10, 2: 20}
    assert result.total_distance_m == pytest.approx(3.1 * STEP_M)


def test_duplicate_ids_and_negative_capacity_are_refused():
    with pytest.raises(ValueError, match="household ids"):
        allocate([household(1, 0.0), household(1, 0.1)], [volunteer(10, 0.0)])
    with pytest.raises(ValueError, match="volunteer ids"):
        allocate([household(1, 0.0)], [volunteer(10, 0.0), volunteer(10, 0.1)])
    with pytest.raises(ValueError, match="capacity"):
        allocate([household(1, 0.0)], [volunteer(10, 0.0, capacity=-1)])


# --- guarantees on random cases ---------------------------------------------------------------------

PLACES = [("관악구", "d1"), ("관악구", "d2"), ("관악구", None), ("마포구", "m1")]
coordinate = st.floats(min_value=-3.0, max_value=3.0, allow_nan=False).map(lambda x: round(x, 3))


@st.composite
def problems(draw):
    volunteer_count = draw(st.integers(min_value=0, max_value=8))
    volunteers = []
    for number in range(volunteer_count):
        district, dong = draw(st.sampled_from([p for p in PLACES if p[1] is not None]))
        volunteers.append(
            Volunteer(
                100 + number,
                district,
                dong,
                at(draw(coordinate)),
                LON + draw(coordinate) / 100,
                draw(st.integers(min_value=0, max_value=4)),
            )
        )
    ids = [v.id for v in volunteers]
    households = []
    for number in range(draw(st.integers(min_value=0, max_value=25))):
        district, dong = draw(st.sampled_from(PLACES))
        forbidden = frozenset(draw(st.lists(st.sampled_from(ids), max_size=2))) if ids else frozenset()
        households.append(
            Household(
                number + 1,
                district,
                dong,
                at(draw(coordinate)),
                LON + draw(coordinate) / 100,
                priority=draw(st.sampled_from([1, 2])),
                forbidden_volunteers=forbidden,
            )
        )
    policy = Policy(
        dong_rule=draw(st.sampled_from(list(DongRule))),
        max_distance_m=draw(st.sampled_from([None, 2500])),
        candidate_limit=draw(st.sampled_from([None, 2])),
    )
    return households, volunteers, policy


def _check_rules(result, households, volunteers, policy):
    by_household = {h.id: h for h in households}
    by_volunteer = {v.id: v for v in volunteers}
    assert set(result.assignments) | set(result.unallocated) == set(by_household)
    assert not set(result.assignments) & set(result.unallocated)
    for volunteer_id, load in result.load.items():
        assert load <= by_volunteer[volunteer_id].capacity
    for assignment in result.assignments.values():
        h, v = by_household[assignment.household_id], by_volunteer[assignment.volunteer_id]
        assert v.id not in h.forbidden_volunteers
        if assignment.pinned:
            continue
        assert h.district == v.district
        if policy.dong_rule == DongRule.REQUIRED:
            assert h.dong == v.dong
        if policy.max_distance_m is not None:
            assert assignment.distance_m <= policy.max_distance_m
    assert all(isinstance(reason, Reason) for reason in result.unallocated.values())


@settings(max_examples=250, deadline=None)
@given(problems())
def test_every_household_is_allocated_within_the_rules_or_listed_with_a_reason_and_no_volunteer_is_over_capacity(problem):
    households, volunteers, policy = problem

    result = allocate(households, volunteers, policy)

    _check_rules(result, households, volunteers, policy)


@settings(max_examples=250, deadline=None)
@given(problems())
def test_the_optimiser_allocates_at_least_as_many_as_greedy_and_no_longer_distance_for_the_same_count(problem):
    households, volunteers, policy = problem
    exact = Policy(dong_rule=DongRule.IGNORED, max_distance_m=policy.max_distance_m)
    single_level = [
        Household(h.id, h.district, h.dong, h.lat, h.lon, forbidden_volunteers=h.forbidden_volunteers) for h in households
    ]

    optimised = allocate(single_level, volunteers, exact)
    greedy = allocate_greedy(single_level, volunteers, exact)

    assert len(optimised.assignments) >= len(greedy.assignments)
    if len(optimised.assignments) == len(greedy.assignments):
        # Costs are whole metres: each arc may round by up to half a metre.
        assert optimised.total_distance_m <= greedy.total_distance_m + 0.5 * len(households) + 1e-6


@settings(max_examples=250, deadline=None)
@given(problems(), st.data())
def test_existing_pairs_are_kept_when_not_reoptimising(problem, data):
    households, volunteers, policy = problem
    first = allocate(households, volunteers, policy)
    current = {a.household_id: a.volunteer_id for a in first.assignments.values()}
    later = [
        Household(h.id, h.district, h.dong, h.lat, h.lon, h.priority, current.get(h.id), None, h.forbidden_volunteers)
        for h in households
    ]
    newcomers = data.draw(st.integers(min_value=0, max_value=5))
    later += [Household(1000 + n, "관악구", "d1", at(0.0), LON, priority=1) for n in range(newcomers)]

    second = allocate(later, volunteers, policy)

    _check_rules(second, later, volunteers, policy)
    for household_id, volunteer_id in current.items():
        assert second.assignments[household_id].volunteer_id == volunteer_id
        assert second.assignments[household_id].change == Change.KEPT
