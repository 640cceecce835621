"""Allocating households at risk to named care-group volunteers: a pure optimiser (no Django, no ORM).

Plain data in, plain assignment out, so it is tested on hand-made cases and benchmarked at city scale;
``itda.volunteers.services`` reads the database, calls :func:`allocate` and applies the result.

The model is a **min-cost flow** (OR-Tools ``SimpleMinCostFlow``), chosen over ``linear_sum_assignment``
because a volunteer takes several households: capacity is a node's demand, not copies of the volunteer
(5,000 volunteers × ~10 slots would be a 50,000 × 50,000 assignment matrix). Households that are
interchangeable — same place, dong, priority and forbidden volunteers; itda locates a household at its
dong's centroid, so these are all the households of one dong and level — become one supply node, so the
city-wide problem (50,000 households, 5,000 volunteers) has a few thousand nodes and arcs only inside a
district. Parts that share no volunteer (districts, when the district is required) are solved one by one.
``solve_max_flow_with_min_cost`` first allocates as many households as capacity allows and then minimises
distance, so nobody is left out to save metres.

Order of decisions, each one final for the next:

1. **Pins** (a staff override) are honoured first when the volunteer is there, not forbidden and has room.
2. **Existing pairs are kept** unless ``Policy.reoptimise``: a pair stays while it still meets the hard
   rules (same district, same dong when required, within reach, not forbidden) and the volunteer's
   capacity; when capacity shrank, high-risk households and then the nearest keep their volunteer.
3. **Everyone else** goes through the flow. Cost of an arc = metres (haversine) + a penalty when the
   volunteer lives in another dong ("same dong strongly preferred") + a priority offset larger than any
   possible sum of distances, so high-risk households get the scarce places before medium-risk ones.

Households left over are returned with a :class:`Reason`, never dropped. :func:`allocate_greedy` is the
baseline the benchmark compares against: each household in turn takes the nearest volunteer with room.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from ortools.graph.python import min_cost_flow

__all__ = [
    "Assignment",
    "Change",
    "DongRule",
    "Household",
    "Policy",
    "Reason",
    "Result",
    "Volunteer",
    "allocate",
    "allocate_greedy",
    "distance_m",
]

EARTH_RADIUS_M = 6_371_008.8


class DongRule(StrEnum):
    REQUIRED = "REQUIRED"  # only volunteers of the household's own dong
    PREFERRED = "PREFERRED"  # any dong of the district, with a penalty for another dong
    IGNORED = "IGNORED"  # distance alone


class Reason(StrEnum):
    NO_VOLUNTEER_IN_DISTRICT = "NO_VOLUNTEER_IN_DISTRICT"
    NO_VOLUNTEER_IN_DONG = "NO_VOLUNTEER_IN_DONG"
    NO_CAPACITY_IN_REACH = "NO_CAPACITY_IN_REACH"
    PIN_CANNOT_BE_HONOURED = "PIN_CANNOT_BE_HONOURED"


class Change(StrEnum):
    KEPT = "KEPT"  # same volunteer as before
    NEW = "NEW"  # had no volunteer
    MOVED = "MOVED"  # had another volunteer


@dataclass(frozen=True)
class Household:
    """A household to allocate. ``priority`` 1 is served before 2 (high before medium risk)."""

    id: int
    district: Hashable
    dong: Hashable | None
    lat: float
    lon: float
    priority: int = 1
    current_volunteer: int | None = None
    pinned_volunteer: int | None = None
    forbidden_volunteers: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Volunteer:
    id: int
    district: Hashable
    dong: Hashable | None
    lat: float
    lon: float
    capacity: int


@dataclass(frozen=True)
class Policy:
    """The rules of one run. The default is the care group's: same district required, same dong strongly preferred."""

    district_required: bool = True
    dong_rule: DongRule = DongRule.PREFERRED
    other_dong_penalty_m: int = 3_000
    max_distance_m: int | None = None
    reoptimise: bool = False
    candidate_limit: int | None = None  # arcs to the k cheapest volunteers per household group; exact fallback

    def __post_init__(self):
        if self.other_dong_penalty_m < 0:
            raise ValueError("other_dong_penalty_m must be ≥ 0")
        if self.max_distance_m is not None and self.max_distance_m <= 0:
            raise ValueError("max_distance_m must be > 0")
        if self.candidate_limit is not None and self.candidate_limit < 1:
            raise ValueError("candidate_limit must be ≥ 1")


@dataclass(frozen=True)
class Assignment:
    household_id: int
    volunteer_id: int
    distance_m: float
    change: Change
    pinned: bool = False


@dataclass(frozen=True)
class Result:
    assignments: dict[int, Assignment]
    unallocated: dict[int, Reason]
    total_distance_m: float
    load: dict[int, int] = field(default_factory=dict)

    def count(self, change: Change) -> int:
        return sum(1 for assignment in self.assignments.values() if assignment.change == change)


def distance_m(lat_a: float, lon_a: float, lat_b: float, lon_b: float) -> float:
    """Great-circle distance in metres (haversine); within a city it differs from UTM-K by well under 1 %."""
    phi_a, phi_b = math.radians(lat_a), math.radians(lat_b)
    a = math.sin((phi_b - phi_a) / 2) ** 2 + math.cos(phi_a) * math.cos(phi_b) * math.sin(math.radians(lon_b - lon_a) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, max(0.0, a))))


def _haversine(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    phi, phis = np.radians(lat), np.radians(lats)
    a = np.sin((phis - phi) / 2) ** 2 + np.cos(phi) * np.cos(phis) * np.sin(np.radians(lons - lon) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


_Arc = tuple[int, int, int, float]  # (household group, volunteer index, flow, distance in metres)
_Fixed = tuple[dict[int, Assignment], dict[int, Reason], list[Household]]  # (assigned, refused, still free)
_EMPTY = np.array([], dtype=np.int64)


class _Pool:
    """Volunteers as arrays, indexed by district and dong, with the capacity still free."""

    def __init__(self, volunteers: Sequence[Volunteer]):
        ids = [v.id for v in volunteers]
        if len(set(ids)) != len(ids):
            raise ValueError("volunteer ids must be unique")
        if any(v.capacity < 0 for v in volunteers):
            raise ValueError("capacity must be ≥ 0")
        self.volunteers = list(volunteers)
        self.index = {v.id: i for i, v in enumerate(volunteers)}
        self.lat = np.array([v.lat for v in volunteers], dtype=float)
        self.lon = np.array([v.lon for v in volunteers], dtype=float)
        self.remaining = np.array([v.capacity for v in volunteers], dtype=np.int64)
        # Dongs as small integers so "another dong" is one vectorised comparison; -1 = unknown.
        self.dong_numbers: dict[Hashable, int] = {}
        for v in volunteers:
            if v.dong is not None:
                self.dong_numbers.setdefault(v.dong, len(self.dong_numbers))
        self.dong = np.array([self.dong_numbers.get(v.dong, -1) for v in volunteers], dtype=np.int64)
        by_district: dict[Hashable, list[int]] = defaultdict(list)
        by_dong: dict[Hashable, list[int]] = defaultdict(list)
        anywhere: dict[Hashable, list[int]] = defaultdict(list)
        for i, v in enumerate(volunteers):
            by_district[v.district].append(i)
            if v.dong is not None:
                by_dong[(v.district, v.dong)].append(i)
                anywhere[v.dong].append(i)
        self.by_district = {key: np.array(value, dtype=np.int64) for key, value in by_district.items()}
        self.by_dong = {key: np.array(value, dtype=np.int64) for key, value in by_dong.items()}
        self.by_dong_anywhere = {key: np.array(value, dtype=np.int64) for key, value in anywhere.items()}
        self.all = np.arange(len(volunteers), dtype=np.int64)

    def reach_key(self, household: Household, policy: Policy) -> Hashable:
        """Households with the same key may use the same volunteers: the independent parts of the problem."""
        if policy.dong_rule == DongRule.REQUIRED:
            return (household.district, household.dong) if policy.district_required else ("*", household.dong)
        return (household.district, "*") if policy.district_required else ("*", "*")

    def reachable(self, household: Household, policy: Policy) -> np.ndarray:
        """Indices of volunteers the hard rules allow (district, dong if required), before distance and forbids."""
        if policy.dong_rule == DongRule.REQUIRED:
            if household.dong is None:
                return _EMPTY
            if policy.district_required:
                return self.by_dong.get((household.district, household.dong), _EMPTY)
            return self.by_dong_anywhere.get(household.dong, _EMPTY)
        if policy.district_required:
            return self.by_district.get(household.district, _EMPTY)
        return self.all

    def costs(self, household: Household, candidates: np.ndarray, policy: Policy) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(candidates within reach and not forbidden, their distances in metres, their integer costs)."""
        if household.forbidden_volunteers and len(candidates):
            forbidden = [self.index[v] for v in household.forbidden_volunteers if v in self.index]
            if forbidden:
                candidates = candidates[~np.isin(candidates, np.array(forbidden, dtype=np.int64))]
        distances = _haversine(household.lat, household.lon, self.lat[candidates], self.lon[candidates])
        if policy.max_distance_m is not None:
            within = distances <= policy.max_distance_m
            candidates, distances = candidates[within], distances[within]
        costs = np.rint(distances).astype(np.int64)
        if policy.dong_rule == DongRule.PREFERRED and policy.other_dong_penalty_m:
            own = self.dong_numbers.get(household.dong, -2) if household.dong is not None else -2
            costs += (self.dong[candidates] != own).astype(np.int64) * policy.other_dong_penalty_m
        return candidates, distances, costs

    def allows(self, household: Household, volunteer_index: int, policy: Policy) -> float | None:
        """The distance when the hard rules allow this pair, else None."""
        volunteer = self.volunteers[volunteer_index]
        if volunteer.id in household.forbidden_volunteers:
            return None
        if policy.district_required and volunteer.district != household.district:
            return None
        if policy.dong_rule == DongRule.REQUIRED and (household.dong is None or volunteer.dong != household.dong):
            return None
        distance = distance_m(household.lat, household.lon, volunteer.lat, volunteer.lon)
        if policy.max_distance_m is not None and distance > policy.max_distance_m:
            return None
        return distance


def _change(household: Household, volunteer_id: int) -> Change:
    if household.current_volunteer is None:
        return Change.NEW
    return Change.KEPT if household.current_volunteer == volunteer_id else Change.MOVED


def _fixed_first(households: Sequence[Household], pool: _Pool, policy: Policy) -> _Fixed:
    """Honour pins, then keep existing pairs (unless re-optimising). Returns (assigned, refused, still free)."""
    ids = [h.id for h in households]
    if len(set(ids)) != len(ids):
        raise ValueError("household ids must be unique")
    assigned: dict[int, Assignment] = {}
    refused: dict[int, Reason] = {}
    for household in sorted((h for h in households if h.pinned_volunteer is not None), key=lambda h: (h.priority, h.id)):
        index = pool.index.get(household.pinned_volunteer)
        if index is None or household.pinned_volunteer in household.forbidden_volunteers or pool.remaining[index] <= 0:
            refused[household.id] = Reason.PIN_CANNOT_BE_HONOURED
            continue
        volunteer = pool.volunteers[index]
        pool.remaining[index] -= 1
        distance = distance_m(household.lat, household.lon, volunteer.lat, volunteer.lon)
        assigned[household.id] = Assignment(household.id, volunteer.id, distance, _change(household, volunteer.id), pinned=True)
    free = [h for h in households if h.pinned_volunteer is None]
    if policy.reoptimise:
        return assigned, refused, free
    keepers: dict[int, list[tuple[int, float, int, Household]]] = defaultdict(list)
    still_free = []
    for household in free:
        index = pool.index.get(household.current_volunteer) if household.current_volunteer is not None else None
        distance = pool.allows(household, index, policy) if index is not None else None
        if distance is None:
            still_free.append(household)
        else:
            keepers[index].append((household.priority, distance, household.id, household))
    for index, pairs in keepers.items():
        # When capacity shrank, high-risk households and then the nearest keep their volunteer.
        pairs.sort(key=lambda pair: pair[:3])
        room = int(pool.remaining[index])
        for _priority, distance, _id, household in pairs[:room]:
            assigned[household.id] = Assignment(household.id, household.current_volunteer, distance, Change.KEPT)
        pool.remaining[index] -= min(room, len(pairs))
        still_free.extend(pair[3] for pair in pairs[room:])
    return assigned, refused, still_free


def _reason(household: Household, pool: _Pool, policy: Policy) -> Reason:
    if policy.district_required and household.district not in pool.by_district:
        return Reason.NO_VOLUNTEER_IN_DISTRICT
    if policy.dong_rule == DongRule.REQUIRED and len(pool.reachable(household, policy)) == 0:
        return Reason.NO_VOLUNTEER_IN_DONG
    return Reason.NO_CAPACITY_IN_REACH


def _groups(households: Iterable[Household]) -> list[list[Household]]:
    """Interchangeable households (same place, dong, priority and forbidden volunteers) share one supply node."""
    groups: dict[tuple, list[Household]] = defaultdict(list)
    for household in households:
        place = (household.district, household.dong, household.lat, household.lon)
        groups[(*place, household.priority, household.forbidden_volunteers)].append(household)
    return [sorted(members, key=lambda h: h.id) for members in groups.values()]


def _arcs(groups: list[list[Household]], pool: _Pool, policy: Policy, limit: int | None) -> tuple[np.ndarray, ...]:
    """Arcs of one part as arrays (group, volunteer index, cost, metres): every group × every volunteer in reach
    with room, computed as one matrix since the groups of a part share their volunteers."""
    candidates = pool.reachable(groups[0][0], policy)
    candidates = candidates[pool.remaining[candidates] > 0]
    lats = np.array([members[0].lat for members in groups])[:, None]
    lons = np.array([members[0].lon for members in groups])[:, None]
    phi, phis = np.radians(lats), np.radians(pool.lat[candidates])[None, :]
    d_lambda = np.radians(pool.lon[candidates][None, :] - lons)
    a = np.sin((phis - phi) / 2) ** 2 + np.cos(phi) * np.cos(phis) * np.sin(d_lambda / 2) ** 2
    distance = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    cost = np.rint(distance).astype(np.int64)
    if policy.dong_rule == DongRule.PREFERRED and policy.other_dong_penalty_m:
        own = np.array([pool.dong_numbers.get(m[0].dong, -2) if m[0].dong is not None else -2 for m in groups])[:, None]
        cost += (pool.dong[candidates][None, :] != own).astype(np.int64) * policy.other_dong_penalty_m
    allowed = np.ones(cost.shape, dtype=bool)
    if policy.max_distance_m is not None:
        allowed &= distance <= policy.max_distance_m
    for g, members in enumerate(groups):
        if members[0].forbidden_volunteers:
            forbidden = [pool.index[v] for v in members[0].forbidden_volunteers if v in pool.index]
            allowed[g] &= ~np.isin(candidates, np.array(forbidden, dtype=np.int64))
    if limit is not None and len(candidates) > limit:
        ranked = np.where(allowed, cost, np.iinfo(np.int64).max)
        nearest = np.argpartition(ranked, limit - 1, axis=1)[:, :limit]
        keep = np.zeros(cost.shape, dtype=bool)
        np.put_along_axis(keep, nearest, True, axis=1)
        allowed &= keep
    tail, column = np.nonzero(allowed)
    return tail.astype(np.int64), candidates[column], cost[tail, column], distance[tail, column]


def _solve_flow(groups: list[list[Household]], pool: _Pool, policy: Policy, limit: int | None) -> list[_Arc]:
    """Min-cost max-flow from household groups to volunteers. Returns (group, volunteer index, flow, distance) per used arc."""
    if not groups:
        return []
    tail, head, cost, distance = _arcs(groups, pool, policy, limit)
    if not len(tail):
        return []
    sizes = np.array([len(members) for members in groups], dtype=np.int64)
    # Only volunteers with an arc become nodes, numbered after the groups.
    used_volunteers, volunteer_node = np.unique(head, return_inverse=True)
    # High-risk first: an offset on lower-priority arcs larger than any total of distance costs, so
    # the solver never trades a high-risk household's place for metres.
    priorities = np.array([members[0].priority for members in groups], dtype=np.int64)
    offset = (int(cost.max()) + 1) * int(sizes.sum()) + 1
    cost = cost + (priorities[tail] - priorities.min()) * offset
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tail.astype(np.int32),
        (volunteer_node + len(groups)).astype(np.int32),
        np.minimum(pool.remaining[head], sizes[tail]).astype(np.int64),
        cost.astype(np.int64),
    )
    supplies = np.concatenate([sizes, -pool.remaining[used_volunteers]])
    flow.set_nodes_supplies(np.arange(len(supplies), dtype=np.int32), supplies.astype(np.int64))
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow ended with status {status}")
    flows = flow.flows(np.arange(len(tail), dtype=np.int32))
    return [(int(tail[a]), int(head[a]), int(flows[a]), float(distance[a])) for a in np.nonzero(flows)[0]]


def _disaggregate(groups: list[list[Household]], arcs: list[_Arc], pool: _Pool) -> dict[int, tuple[int, float]]:
    """Name the households behind each group's flows; a household stays with its current volunteer when the flow allows."""
    placed: dict[int, tuple[int, float]] = {}
    by_current: list[dict[int | None, list[Household]]] = []
    for members in groups:
        index: dict[int | None, list[Household]] = defaultdict(list)
        for household in members:
            index[household.current_volunteer].append(household)
        by_current.append(index)
    pending: list[_Arc] = []
    for g, volunteer_index, amount, distance in arcs:
        staying = by_current[g].get(pool.volunteers[volunteer_index].id, [])
        taken = staying[:amount]
        del staying[:amount]
        for household in taken:
            placed[household.id] = (volunteer_index, distance)
        pending.append((g, volunteer_index, amount - len(taken), distance))
    position = [0] * len(groups)
    for g, volunteer_index, amount, distance in pending:
        members = groups[g]
        still = amount
        while still > 0:
            household = members[position[g]]
            position[g] += 1
            if household.id in placed:
                continue
            placed[household.id] = (volunteer_index, distance)
            still -= 1
    return placed


def _solve_part(groups: list[list[Household]], pool: _Pool, policy: Policy) -> dict[int, tuple[int, float]]:
    """Solve one independent part; with a candidate limit, solve again in full when it may have hidden room."""
    placed = _disaggregate(groups, _solve_flow(groups, pool, policy, policy.candidate_limit), pool)
    if policy.candidate_limit is None or sum(len(members) for members in groups) == len(placed):
        return placed
    # Households are left over. If no volunteer of the part has room after the sparse solve, no
    # augmenting path can end anywhere and the count is already the maximum; otherwise the k cheapest
    # arcs may have hidden a way to one with room, so solve the part again with every arc.
    used = np.zeros(len(pool.remaining), dtype=np.int64)
    for volunteer_index, _distance in placed.values():
        used[volunteer_index] += 1
    part = np.unique(np.concatenate([pool.reachable(members[0], policy) for members in groups]))
    if not np.any(pool.remaining[part] - used[part] > 0):
        return placed
    return _disaggregate(groups, _solve_flow(groups, pool, policy, None), pool)


def allocate(households: Sequence[Household], volunteers: Sequence[Volunteer], policy: Policy | None = None) -> Result:
    """Allocate households to volunteers: pins, then kept pairs, then a min-cost max-flow for the rest.

    Guarantees: no volunteer above capacity; every household either assigned or in ``unallocated`` with
    a reason; as many households allocated as the rules allow (high risk first), and among those the
    least total cost (with ``candidate_limit``, the count is still the maximum but the distance may be
    slightly above the optimum). Raises ValueError on duplicate ids or negative capacity.
    """
    policy = policy or Policy()
    pool = _Pool(volunteers)
    assigned, refused, free = _fixed_first(households, pool, policy)
    parts: dict[Hashable, list[Household]] = defaultdict(list)
    for household in free:
        parts[pool.reach_key(household, policy)].append(household)
    unallocated = dict(refused)
    for part in parts.values():
        placed = _solve_part(_groups(part), pool, policy)
        for household in part:
            if household.id not in placed:
                continue
            volunteer_index, distance = placed[household.id]
            volunteer_id = pool.volunteers[volunteer_index].id
            pool.remaining[volunteer_index] -= 1
            assigned[household.id] = Assignment(household.id, volunteer_id, distance, _change(household, volunteer_id))
    for household in free:
        if household.id not in assigned:
            unallocated[household.id] = _reason(household, pool, policy)
    return _result(assigned, unallocated)


def _result(assigned: dict[int, Assignment], unallocated: dict[int, Reason]) -> Result:
    load: dict[int, int] = defaultdict(int)
    for assignment in assigned.values():
        load[assignment.volunteer_id] += 1
    total = float(sum(a.distance_m for a in assigned.values()))
    return Result(
        assignments=dict(sorted(assigned.items())),
        unallocated=dict(sorted(unallocated.items())),
        total_distance_m=total,
        load=dict(load),
    )


def allocate_greedy(households: Sequence[Household], volunteers: Sequence[Volunteer], policy: Policy | None = None) -> Result:
    """The baseline: pins and kept pairs as in :func:`allocate`, then each household in turn (high risk
    first, then by id) takes the cheapest volunteer that still has room. Same rules, no look-ahead."""
    policy = policy or Policy()
    pool = _Pool(volunteers)
    assigned, refused, free = _fixed_first(households, pool, policy)
    unallocated = dict(refused)
    groups = _groups(free)
    ranked: list[tuple[np.ndarray, np.ndarray]] = []
    group_of: dict[int, int] = {}
    for g, members in enumerate(groups):
        candidates, distances, costs = pool.costs(members[0], pool.reachable(members[0], policy), policy)
        order = np.argsort(costs, kind="stable")
        ranked.append((candidates[order], distances[order]))
        group_of.update((household.id, g) for household in members)
    # Capacity only ever goes down, so each group's pointer into its ranked list only moves forward.
    position = [0] * len(groups)
    for household in sorted(free, key=lambda h: (h.priority, h.id)):
        g = group_of[household.id]
        candidates, distances = ranked[g]
        while position[g] < len(candidates) and pool.remaining[candidates[position[g]]] <= 0:
            position[g] += 1
        if position[g] == len(candidates):
            unallocated[household.id] = _reason(household, pool, policy)
            continue
        index = int(candidates[position[g]])
        pool.remaining[index] -= 1
        volunteer_id = pool.volunteers[index].id
        distance = float(distances[position[g]])
        assigned[household.id] = Assignment(household.id, volunteer_id, distance, _change(household, volunteer_id))
    return _result(assigned, unallocated)
