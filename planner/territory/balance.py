"""Territory balancing: split a branch's lead pool among its reps, fairly and compactly.

The pipeline is pure: pool (stops, units, bounds) → seeding min-cost flow (OR-Tools) →
leftovers → local search of moves and swaps between neighbouring reps → leads → settling
the leads of shared buildings → figures. Two starting points are priced, and the cheaper
one searched: the flow's fresh split, and (when most leads have an owner) today's owners
kept wherever the bounds allow. The clock that enforces the time limit is passed in;
without one the search stops after a fixed amount of work, so the same problem always
gives the same answer.
"""

from __future__ import annotations

from collections.abc import Callable

from geo import TravelModel, TravelTimeProvider
from planner.territory._finish import moved_leads, place_leftovers, realise, settle_leads
from planner.territory._kick import kick
from planner.territory._local_search import local_search, objective, score
from planner.territory._pool import build_pool
from planner.territory._report import (
    building_splits,
    mean_km_to_centre,
    metrics,
    pinned_reps,
    rep_loads,
    territories,
)
from planner.territory._seed import initial_centres, keep_owners, seed, territory_scale_km
from planner.territory._state import Pieces, State
from planner.territory.allocation import Allocation
from planner.territory.objective import costs_for
from planner.territory.problem import BalanceProblem

MAX_PASSES = 8
"""Local-search sweeps over the team (each visits every rep once), as many again widened."""
MAX_KICKS = 10
"""Kicks of the iterated local search while the time limit allows (``_kick``)."""
KICKS_WITHOUT_CLOCK = 5
"""Kicks when no clock is given (repeatable answers)."""
_IDLE_KICKS = 3  # kicks in a row that found nothing better end the search
_REPORT_SHARE = 0.85  # of the time limit for the search at most; the rest for figures and shapes


def balance(
    problem: BalanceProblem,
    *,
    clock: Callable[[], float] | None = None,
    travel: TravelTimeProvider | None = None,
    max_passes: int = MAX_PASSES,
) -> Allocation:
    """Assign the pool's leads to reps (see the README's "Territory balancing").

    Parameters
    ----------
    problem : BalanceProblem
        The validated problem.
    clock : callable, optional
        Monotonic seconds (``time.monotonic``); enforces ``options.time_limit_s``. Without
        it the search is bounded by ``max_passes`` only (repeatable answers).
    travel : TravelTimeProvider, optional
        The travel times of the workload estimate (whole matrices per rep's tour); the
        built-in model when omitted.
    max_passes : int
        Local-search sweeps over the team at most.

    Returns
    -------
    Allocation
        Every lead in exactly one of ``assignments`` and ``unassigned``.
    """
    start = clock() if clock else 0.0
    budget = problem.options.time_limit_s * _REPORT_SHARE

    def out_of_time() -> bool:
        return clock is not None and clock() - start > budget

    pool = build_pool(problem)
    weights = problem.options.weights
    costs = costs_for(weights)
    centres = initial_centres(pool)
    costs = costs.relative(territory_scale_km(pool, centres))
    model = travel or TravelModel()

    def workload(pieces: list[Pieces]) -> list[float]:
        trial = State(pool, model, pieces, [0] * len(pieces))
        return [trial.workload(j) for j in range(pool.n_reps)]

    fresh, left = seed(pool, costs, workload, centres)
    starts = [fresh]
    owned = sum(k for u in pool.units for k in u.own.values())
    kept = keep_owners(pool, fresh) if owned * 2 >= sum(u.size for u in pool.units) > 0 else None
    if kept is not None:
        starts.append(kept)
    candidates: list[tuple[float, int, State]] = []
    for pieces in starts:
        state = State(pool, model, pieces, list(left))
        place_leftovers(state)
        candidates.append((objective(state, costs), len(candidates), state))
    state = min(candidates, key=lambda c: (c[0], c[1]))[2]
    if clock:
        # realising, settling, figures and shapes take about as long as the seeding did
        # (≈ 3 s at 400 reps): the time limit covers the whole call
        limit = problem.options.time_limit_s
        budget = limit - max(limit * (1 - _REPORT_SHARE), clock() - start)
    began = clock() if clock else 0.0
    moves = local_search(state, costs, out_of_time, max_passes)
    searched = (clock() - began) if clock else 0.0

    def time_for_a_search() -> bool:  # a kick cut short by the clock is time lost
        return clock is None or budget - (clock() - start) > searched

    best = score(state, costs)
    idle = 0
    for round_no in range(MAX_KICKS if clock else KICKS_WITHOUT_CLOCK):
        if idle >= _IDLE_KICKS or not time_for_a_search():
            break
        kicked = kick(state, round_no)
        if kicked is None:
            break
        trial = State(pool, model, kicked, list(state.unassigned))
        moves += local_search(trial, costs, out_of_time, max_passes)
        trial_score = score(trial, costs)
        if trial_score < best:
            state, best, idle = trial, trial_score, 0
        else:
            idle += 1
    owner_of, unassigned = realise(state)
    settle_leads(state, owner_of, costs)
    loads = rep_loads(state, owner_of)
    splits = building_splits(pool, owner_of)
    shapes, overlaps = territories(pool, owner_of, loads)
    figures = metrics(
        pool,
        loads,
        compactness_km=mean_km_to_centre(pool, owner_of),
        pinned=pinned_reps(state, loads),
        moved=moved_leads(pool, owner_of),
        unassigned=len(unassigned),
        splits=splits,
        overlaps=overlaps,
        seconds=(clock() - start) if clock else 0.0,
        moves=moves,
    )
    assignments = tuple(
        (lead.id, problem.reps[j].id)
        for lead, j in zip(problem.leads, owner_of, strict=True)
        if j is not None
    )
    return Allocation(
        assignments=assignments,
        unassigned=tuple(unassigned),
        reps=tuple(loads),
        metrics=figures,
        territories=shapes,
    )
