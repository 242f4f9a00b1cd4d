"""Large-neighbourhood search: re-optimise small windows of neighbouring reps with CP-SAT.

Each window holds a rep and its nearest neighbours (by territory centre) and every unit
they hold. Tour minutes are linearised around the current tours (the minutes a stop adds
at its cheapest insertion, the minutes its removal saves) and recomputed exactly after
every window, so the search follows the real workload estimate. The weights of the
objective rank: lead shortfall > workload capacity > kept buildings > the ±3 % workload
and ±7 % value bands > travel, distance to the centre and churn > in-band evenness.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from planner._balance_backend import (
    WindowInput,
    WindowRep,
    WindowStop,
    WindowUnit,
    WindowWeights,
    solve_window,
)
from planner._state import State
from planner._tours import insertion_minutes, removal_minutes
from planner.territory import BalanceWeights

WINDOW_REPS = 6
_CANDIDATES = 3  # nearest window reps a unit may move to (besides its holders)
WORKLOAD_BAND = 0.03
VALUE_BAND = 0.07
_WINDOW_SECONDS = 1.0
_WINDOW_DETERMINISTIC = 0.5


def weights_for(w: BalanceWeights) -> WindowWeights:
    """Integer coefficients; minutes and value points are counted in tenths."""
    return WindowWeights(
        deficit=2 * 10**8,
        over_capacity=2 * 10**4,
        piece=2 * 10**6,
        workload_in=round(1 * w.balance),
        workload_out=round(60 * w.balance),
        value_in=round(1 * w.value),
        value_out=round(40 * w.value),
        new_value_short=round(40 * w.value),
        travel=round(2 * w.compactness),
        star=round(6 * w.compactness),
        churn=round(800 * w.churn),
    )


def targets(state: State) -> tuple[float, float]:
    """Mean workload and mean value over the reps that take pool leads."""
    free = [j for j in range(state.pool.n_reps) if state.pool.takes_pool[j]]
    if not free:
        return 0.0, 0.0
    return (
        float(np.mean([state.workload(j) for j in free])),
        float(np.mean([state.value(j) for j in free])),
    )


def improve(
    state: State, weights: BalanceWeights, out_of_time: Callable[[], bool], max_passes: int
) -> int:
    """Run window passes until nothing changes, ``max_passes`` or the time is up."""
    pool = state.pool
    free = [j for j in range(pool.n_reps) if pool.takes_pool[j]]
    if not free or not pool.units:
        return 0
    coeffs = weights_for(weights)
    solved = 0
    for _ in range(max_passes):
        changed_any = False
        covered: set[int] = set()
        for seed in _seeds(state, free):
            if seed in covered:
                continue
            if out_of_time():
                return solved
            window = _window(state, seed, free, covered)
            covered.update(window)
            changed = _solve(state, window, coeffs)
            solved += 1
            if changed:
                state.refresh(changed)
                changed_any = True
        if not changed_any:
            break
    return solved


def _seeds(state: State, free: list[int]) -> list[int]:
    """Reps by how far they are from the bands (worst first), then by index."""
    wt, vt = targets(state)

    def badness(j: int) -> float:
        w = abs(state.workload(j) - wt) / wt if wt else 0.0
        v = abs(state.value(j) - vt) / vt if vt else 0.0
        short = max(0, state.pool.lower[j] - state.pool_count(j))
        return max(0.0, w - WORKLOAD_BAND) + max(0.0, v - VALUE_BAND) + short

    return sorted(free, key=lambda j: (-badness(j), j))


def _window(state: State, seed: int, free: list[int], covered: set[int]) -> list[int]:
    others = [j for j in free if j != seed]
    if not others:
        return [seed]
    d = np.linalg.norm(state.centres[others] - state.centres[seed], axis=1)
    ranked = [others[k] for k in np.argsort(d, kind="stable")]
    fresh = [j for j in ranked if j not in covered]
    picked = (fresh + [j for j in ranked if j in covered])[: WINDOW_REPS - 1]
    return [seed, *picked]


def _solve(state: State, window: list[int], coeffs: WindowWeights) -> set[int]:
    """Solve one window and apply it; return the reps whose share changed."""
    pool = state.pool
    local = {j: k for k, j in enumerate(window)}
    units = sorted({u for j in window for u in state.held[j]})
    if not units:
        return set()
    wt, vt = targets(state)
    stops = sorted({pool.units[u].stop for u in units})
    stop_local = {s: k for k, s in enumerate(stops)}
    window_centres = state.centres[window]

    w_units: list[WindowUnit] = []
    for u in units:
        unit = pool.units[u]
        xy = pool.stop_xy[unit.stop]
        current = {local[j]: k for j, k in state.pieces[u].items() if j in local}
        dist = np.linalg.norm(window_centres - xy, axis=1)
        near = [window[k] for k in np.argsort(dist, kind="stable")][:_CANDIDATES]
        private_here = [j for j in pool.stops[unit.stop].private if j in local]
        options = {
            j
            for j in [*current.keys(), *(local[j] for j in near), *(local[j] for j in private_here)]
            if window[j] not in unit.excluded
        }
        w_units.append(
            WindowUnit(
                stop=stop_local[unit.stop],
                amount=sum(current.values()),
                effort=round(10 * unit.effort_min / unit.size),
                value=round(10 * unit.value / unit.size),
                current=current,
                candidates={j: round(dist[j] / 100.0) for j in sorted(options)},
                own={local[j]: k for j, k in unit.own.items() if j in local},
            )
        )

    insert: list[dict[int, int]] = [{} for _ in stops]
    remove: list[dict[int, int]] = [{} for _ in stops]
    wanted: list[set[int]] = [set() for _ in window]
    for wu in w_units:
        for j in wu.candidates:
            wanted[j].add(stops[wu.stop])
    for k, j in enumerate(window):
        _marginals(state, j, k, wanted[k], stop_local, insert, remove)
    w_stops = [
        WindowStop(
            fixed=frozenset(local[j] for j in pool.stops[s].private if j in local),
            current=frozenset(local[j] for j in window if s in state.stop_leads[j]),
            insert=insert[k],
            remove=remove[k],
        )
        for k, s in enumerate(stops)
    ]
    w_reps = [_window_rep(state, j, wt, vt) for j in window]
    result = solve_window(
        WindowInput(
            reps=w_reps,
            stops=w_stops,
            units=w_units,
            weights=coeffs,
            max_time_s=_WINDOW_SECONDS,
            max_deterministic_time=_WINDOW_DETERMINISTIC,
        )
    )
    if result is None:
        return set()
    changed: set[int] = set()
    for u, wu, new in zip(units, w_units, result, strict=True):
        if new == wu.current:
            continue
        outside = {j: k for j, k in state.pieces[u].items() if j not in local}
        changed |= state.set_pieces(u, {**outside, **{window[j]: k for j, k in new.items()}})
    return changed


def _window_rep(state: State, j: int, wt: float, vt: float) -> WindowRep:
    pool = state.pool
    rep = pool.problem.reps[j]
    return WindowRep(
        fixed_count=pool.private_count[j],
        fixed_effort=round(10 * pool.private_effort[j]),
        fixed_value=round(10 * pool.private_value[j]),
        travel_now=round(10 * state.tours[j].minutes),
        lower=pool.private_count[j] + pool.lower[j],
        upper=pool.private_count[j] + pool.upper[j],
        capacity=None if rep.capacity_min is None else round(10 * rep.capacity_min),
        workload_target=round(10 * wt),
        workload_tolerance=round(10 * wt * WORKLOAD_BAND),
        value_target=round(10 * vt),
        value_tolerance=round(10 * vt * VALUE_BAND),
        is_new=rep.is_new,
    )


def _marginals(
    state: State,
    j: int,
    k: int,
    wanted: set[int],
    stop_local: dict[int, int],
    insert: list[dict[int, int]],
    remove: list[dict[int, int]],
) -> None:
    """Insertion and removal tenth-minutes of rep ``j`` (window index ``k``) per stop."""
    pool = state.pool
    tour = state.tours[j].order
    new = sorted(s for s in wanted if s not in state.stop_leads[j])
    points = [pool.bases[j], *(pool.stops[s].location for s in (*tour, *new))]
    m = state.model.matrix(points, pool.problem.reps[j].mode).minutes
    order = list(range(1, len(tour) + 1))
    for pos, s in enumerate(tour, start=1):
        if s in stop_local and j not in pool.stops[s].private:
            remove[stop_local[s]][k] = round(10 * removal_minutes(m, order, pos))
    for pos, s in enumerate(new, start=len(tour) + 1):
        insert[stop_local[s]][k] = round(10 * insertion_minutes(m, order, pos))
