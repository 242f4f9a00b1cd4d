"""The first assignment: territory centres, then a min-cost flow of units to nearby reps.

Centres start where each rep's leads are today (its base when it has none); reps that would
share a centre (a team leaving from one office, new reps) are spread over the pool first,
k-means++ style. Rounds of flow and re-centring (Lloyd) give compact territories that
respect every count bound the pool allows: first on distance alone (yesterday's owners
and the reps' bases left out), then with churn, bases, workload and value priced.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from planner.territory._flow import FlowInput, Pieces, solve_flow
from planner.territory._pool import Pool
from planner.territory.objective import Costs

Array = npt.NDArray[np.float64]

CANDIDATES = 12  # nearest reps by centre a unit may go to in the flow
_BASE_CANDIDATES = 2  # plus the nearest reps by base
_SAME_CENTRE_M = 150.0
_ROUNDS = 3
_COMPACT_ROUNDS = 3  # flow rounds on distance alone before them


def nearest(points: Array, centres: Array, k: int) -> npt.NDArray[np.intp]:
    """Indices of the ``k`` nearest centres of each point, nearest first (chunked)."""
    k = min(k, len(centres))
    out = np.empty((len(points), k), dtype=np.intp)
    for a in range(0, len(points), 4096):
        d = np.linalg.norm(points[a : a + 4096, None, :] - centres[None, :, :], axis=2)
        part = (
            np.argpartition(d, k - 1, axis=1)[:, :k]
            if k < len(centres)
            else (np.broadcast_to(np.arange(len(centres)), d.shape).copy())
        )
        rows = np.arange(len(part))[:, None]
        out[a : a + 4096] = part[rows, np.argsort(d[rows, part], axis=1, kind="stable")]
    return out


def initial_centres(pool: Pool) -> Array:
    """Where each rep's territory starts: its leads of today, else its base; spread apart."""
    problem = pool.problem
    rep_index = {r.id: j for j, r in enumerate(problem.reps)}
    sums = np.zeros((pool.n_reps, 2))
    counts = np.zeros(pool.n_reps)
    for i, lead in enumerate(problem.leads):
        if lead.owner is not None and lead.status != "reclaimed":
            j = rep_index[lead.owner]
            sums[j] += pool.stop_xy[pool.lead_stop[i]]
            counts[j] += 1
    centres = pool.base_xy.copy()
    known = counts > 0
    centres[known] = sums[known] / counts[known, None]
    if not pool.units:
        return centres
    unit_xy = pool.stop_xy[[u.stop for u in pool.units]]
    weight = np.array([u.size for u in pool.units], dtype=np.float64)
    order = sorted(range(pool.n_reps), key=lambda j: (-counts[j], j))
    placed: list[int] = []
    for j in order:
        if not pool.takes_pool[j]:
            continue
        if placed:
            gap = np.linalg.norm(centres[placed] - centres[j], axis=1).min()
            if gap < _SAME_CENTRE_M:
                d = np.linalg.norm(unit_xy[:, None, :] - centres[placed][None], axis=2).min(axis=1)
                centres[j] = unit_xy[int(np.argmax(weight * d * d))]
        placed.append(j)
    return centres


def territory_scale_km(pool: Pool, centres: Array | None = None) -> float:
    """The team's typical territory size: the mean km from each pool lead to the nearest
    starting centre (``initial_centres``) of a rep that takes pool leads."""
    free = [j for j in range(pool.n_reps) if pool.takes_pool[j]]
    if not pool.units or not free:
        return 0.0
    centres = (initial_centres(pool) if centres is None else centres)[free]
    unit_xy = pool.stop_xy[[u.stop for u in pool.units]]
    weight = np.array([u.size for u in pool.units], dtype=np.float64)
    near = nearest(unit_xy, centres, 1)[:, 0]
    d = np.linalg.norm(unit_xy - centres[near], axis=1)
    return float(weight @ d / weight.sum() / 1000.0)


def keep_owners(pool: Pool, fresh: list[Pieces]) -> list[Pieces] | None:
    """The other starting point: every unit stays with today's owners (its unowned leads
    with its main owner; units nobody owns as in ``fresh``), or None when that breaks a
    bound."""
    pieces: list[Pieces] = []
    count = [0] * pool.n_reps
    for u, unit in enumerate(pool.units):
        own = {j: k for j, k in unit.own.items() if pool.takes_pool[j]}
        if not own or sum(fresh[u].values()) < unit.size:
            piece = dict(fresh[u])
        else:
            main = min(own, key=lambda j: (-own[j], j))
            piece = {**own, main: own[main] + unit.size - sum(own.values())}
        pieces.append(piece)
        for j, k in piece.items():
            count[j] += k
    if any(not lo <= c <= up for c, lo, up in zip(count, pool.lower, pool.upper, strict=True)):
        return None
    return pieces


def seed(
    pool: Pool,
    costs: Costs,
    workload: Callable[[list[Pieces]], Sequence[float]] | None = None,
    centres: Array | None = None,
) -> tuple[list[Pieces], list[int]]:
    """Pieces and unassigned leads per unit after the seeding rounds.

    With ``workload`` (each rep's estimated minutes for given pieces), every round after
    the first evens the reps' workload rather than their lead counts: a rep's travel and
    heavier leads of the round before count as leads it already holds. ``centres``: the
    starting centres when already computed (``initial_centres``).
    """
    if not pool.units:
        return [], []
    centres = initial_centres(pool) if centres is None else centres
    pieces: list[Pieces] = []
    left: list[int] = []
    # first where the leads are (a capacitated k-means: no churn, no pull to the base), so
    # that the centres leave yesterday's sprawl before the rounds that weigh the rest
    plain = replace(costs, flow_churn=0.0, flow_base_per_km=0.0)
    by_base = nearest_bases(pool) if any(pool.takes_pool) else None
    for _ in range(_COMPACT_ROUNDS):
        pieces, left = solve_flow(_flow_input(pool, centres, plain, by_base=by_base))
        centres = _recentre(pool, pieces, centres)
    offset: tuple[float, ...] = ()
    rich: Array = np.zeros(pool.n_reps)
    for r in range(_ROUNDS):
        pieces, left = solve_flow(_flow_input(pool, centres, costs, offset, rich, by_base))
        centres = _recentre(pool, pieces, centres)
        if workload is not None and r < _ROUNDS - 1:
            offset = _workload_offset(pool, pieces, workload(pieces))
            rich = rich + _value_excess(pool, pieces)
    return pieces, left


def _value_excess(pool: Pool, pieces: list[Pieces]) -> Array:
    """Each rep's value over the team mean (a share of it: 0.1 is 10 % above)."""
    value = np.array(pool.private_value, dtype=np.float64)
    for u, piece in enumerate(pieces):
        per_lead = pool.units[u].value / pool.units[u].size
        for j, k in piece.items():
            value[j] += k * per_lead
    takers = np.array(pool.takes_pool)
    if not takers.any() or value[takers].mean() <= 0:
        return np.zeros(pool.n_reps)
    return np.where(takers, value / value[takers].mean() - 1.0, 0.0)


def _workload_offset(
    pool: Pool, pieces: list[Pieces], minutes: Sequence[float]
) -> tuple[float, ...]:
    """Each rep's workload beyond its lead count, in the team's mean minutes per lead
    (travel and heavier leads; centred on the team)."""
    counts = np.array(pool.private_count, dtype=np.float64)
    for piece in pieces:
        for j, k in piece.items():
            counts[j] += k
    takers = np.array(pool.takes_pool)
    work = np.asarray(minutes, dtype=np.float64)
    if not takers.any() or counts[takers].sum() <= 0:
        return ()
    per_lead = work[takers].sum() / counts[takers].sum()
    excess = np.where(takers, work / per_lead - counts, 0.0)
    excess[takers] -= excess[takers].mean()
    return tuple(float(x) for x in excess)


def _flow_input(
    pool: Pool,
    centres: Array,
    costs: Costs,
    offset: tuple[float, ...] = (),
    rich: Array | None = None,
    by_base: npt.NDArray[np.intp] | None = None,
) -> FlowInput:
    takers = np.array([j for j in range(pool.n_reps) if pool.takes_pool[j]], dtype=np.intp)
    unit_xy = pool.stop_xy[[u.stop for u in pool.units]]
    heads: list[int] = []
    tails: list[int] = []
    bonus: list[float] = []
    if len(takers):
        by_centre = takers[nearest(unit_xy, centres[takers], CANDIDATES + 4)]
        if by_base is None:
            by_base = nearest_bases(pool)
        for u, unit in enumerate(pool.units):
            chosen = [int(j) for j in by_centre[u] if j not in unit.excluded][:CANDIDATES]
            if not chosen:
                chosen = _eligible_fallback(unit_xy[u], centres, takers, unit.excluded)
            private = pool.stops[unit.stop].private
            extra = [*(int(j) for j in by_base[u]), *unit.own, *private]
            for j in dict.fromkeys([*chosen, *extra]):
                if j in unit.excluded or not pool.takes_pool[j]:
                    continue
                tails.append(u)
                heads.append(j)
                moved = 1.0 - unit.own.get(j, 0) / unit.size
                whole = costs.flow_whole_building if j in private else 0.0
                bonus.append(costs.flow_churn * moved - whole)
    u_arr, j_arr = np.array(tails, dtype=np.intp), np.array(heads, dtype=np.intp)
    star = np.linalg.norm(unit_xy[u_arr] - centres[j_arr], axis=1) / 1000.0
    base = np.linalg.norm(unit_xy[u_arr] - pool.base_xy[j_arr], axis=1) / 1000.0
    cost = costs.flow_star_per_km * star + costs.flow_base_per_km * base + np.array(bonus)
    if rich is not None and len(u_arr):
        # a rep above the team's value pays for rich leads and is paid for poor ones
        per_lead = np.array([u.value / u.size for u in pool.units])
        mean = float(np.average(per_lead, weights=[u.size for u in pool.units]))
        cost += costs.flow_value_price * rich[j_arr] * (per_lead[u_arr] - mean)
    arcs = list(zip(tails, heads, np.rint(cost).astype(np.int64).tolist(), strict=True))
    upper = list(pool.upper)
    sizes = [u.size for u in pool.units]
    mean_effort = max(1.0, sum(u.effort_min for u in pool.units) / max(1, sum(sizes)))
    for j, rep in enumerate(pool.problem.reps):
        if rep.capacity_min is not None and pool.takes_pool[j]:
            room = (0.85 * rep.capacity_min - pool.private_effort[j]) / (mean_effort + 5.0)
            upper[j] = max(0, min(upper[j], int(room)))
    return FlowInput(
        sizes=sizes,
        arcs=arcs,
        lower=[min(lo, up) for lo, up in zip(pool.lower, upper, strict=True)],
        upper=upper,
        lower_bonus=costs.flow_lower_bonus,
        step_cost=max(0, round(costs.flow_step)),
        step_offset=offset,
        unassigned_cost=costs.flow_unassigned,
    )


def nearest_bases(pool: Pool) -> npt.NDArray[np.intp]:
    """Each unit's nearest reps by base (of those that take pool leads): the same in every
    round, so computed once."""
    takers = np.array([j for j in range(pool.n_reps) if pool.takes_pool[j]], dtype=np.intp)
    unit_xy = pool.stop_xy[[u.stop for u in pool.units]]
    out: npt.NDArray[np.intp] = takers[nearest(unit_xy, pool.base_xy[takers], _BASE_CANDIDATES)]
    return out


def _eligible_fallback(
    xy: Array, centres: Array, takers: npt.NDArray[np.intp], excluded: frozenset[int]
) -> list[int]:
    """The nearest eligible reps when every nearby one is excluded."""
    d = np.linalg.norm(centres[takers] - xy, axis=1)
    return [int(takers[k]) for k in np.argsort(d, kind="stable") if takers[k] not in excluded][
        :CANDIDATES
    ]


def _recentre(pool: Pool, pieces: list[Pieces], centres: Array) -> Array:
    """The centre of all each rep holds: its pool leads in ``pieces`` and its private leads
    (which stay with it, so its territory is built around them too)."""
    sums = np.zeros((pool.n_reps, 2))
    counts = np.zeros(pool.n_reps)
    for s, stop in enumerate(pool.stops):
        for j, k in stop.private.items():
            sums[j] += k * pool.stop_xy[s]
            counts[j] += k
    for u, piece in enumerate(pieces):
        xy = pool.stop_xy[pool.units[u].stop]
        for j, k in piece.items():
            sums[j] += k * xy
            counts[j] += k
    out = centres.copy()
    has = counts > 0
    out[has] = sums[has] / counts[has, None]
    return out
