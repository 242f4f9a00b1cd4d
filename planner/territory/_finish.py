"""Steps around the search: place leftover leads wherever an eligible rep still has room,
turn pieces into leads, and say why a lead stays unassigned."""

from __future__ import annotations

import math

import numpy as np

from planner.territory._pool import Pool
from planner.territory._state import State
from planner.territory.allocation import UnassignedLead, UnassignedReason
from planner.territory.objective import Costs, rep_cost

_SETTLE_ROUNDS = 4  # passes over the shared buildings
_SETTLE_STEPS = 12  # moves or swaps in one building a pass


def has_room(state: State, j: int, effort_min: float) -> bool:
    """True when rep ``j`` takes pool leads and one more lead of ``effort_min`` fits."""
    pool = state.pool
    if not pool.takes_pool[j] or state.pool_count(j) >= pool.upper[j]:
        return False
    cap = pool.problem.reps[j].capacity_min
    return cap is None or state.workload(j) + effort_min <= cap


def place_leftovers(state: State) -> None:
    """Give unassigned leads to the nearest eligible rep with room, one lead at a time."""
    pool = state.pool
    for u, unit in enumerate(pool.units):
        if not state.unassigned[u]:
            continue
        xy = pool.stop_xy[unit.stop]
        order = np.argsort(np.linalg.norm(state.centres - xy, axis=1), kind="stable")
        per_lead = unit.effort_min / unit.size
        for j in (int(j) for j in order if int(j) not in unit.excluded):
            while state.unassigned[u] and has_room(state, j, per_lead):
                piece = dict(state.pieces[u])
                piece[j] = piece.get(j, 0) + 1
                state.unassigned[u] -= 1
                state.set_pieces(u, piece)
                state.refresh([j])
            if not state.unassigned[u]:
                break


def realise(state: State) -> tuple[list[int | None], list[UnassignedLead]]:
    """The rep of every lead (None when unassigned), and the unassigned leads' reasons.

    Inside a unit, owned leads stay with their owner first; the rest fill the pieces in
    rep order.
    """
    pool = state.pool
    problem = pool.problem
    rep_index = {r.id: j for j, r in enumerate(problem.reps)}
    owner_of: list[int | None] = [None] * len(problem.leads)
    for i, lead in enumerate(problem.leads):
        if lead.status == "private":
            owner_of[i] = rep_index[lead.owner]  # type: ignore[index]
    unassigned: list[UnassignedLead] = []
    for u, unit in enumerate(pool.units):
        left = dict(state.pieces[u])
        rest: list[int] = []
        for i in unit.leads:
            owner = problem.leads[i].owner
            j = rep_index[owner] if owner is not None else None
            if j is not None and left.get(j, 0) > 0:
                owner_of[i] = j
                left[j] -= 1
            else:
                rest.append(i)
        slots = [j for j in sorted(left) for _ in range(left[j])]
        for i, j in zip(rest, slots, strict=False):
            owner_of[i] = j
        for i in rest[len(slots) :]:
            unassigned.append(
                UnassignedLead(
                    lead_id=problem.leads[i].id,
                    reason=_reason(state, unit.excluded, problem.leads[i].effort_min),
                )
            )
    order = {lead.id: i for i, lead in enumerate(problem.leads)}
    unassigned.sort(key=lambda x: order[x.lead_id])
    return owner_of, unassigned


def _reason(state: State, excluded: frozenset[int], effort_min: float) -> UnassignedReason:
    room = [j for j in range(state.pool.n_reps) if has_room(state, j, effort_min)]
    return "no_eligible_rep" if room and all(j in excluded for j in room) else "capacity"


def moved_leads(pool: Pool, owner_of: list[int | None]) -> int:
    """Leads that had an owner and now are with someone else (or nobody)."""
    rep_index = {r.id: j for j, r in enumerate(pool.problem.reps)}
    return sum(
        1
        for lead, j in zip(pool.problem.leads, owner_of, strict=True)
        if lead.owner is not None and rep_index[lead.owner] != j
    )


def settle_leads(state: State, owner_of: list[int | None], costs: Costs) -> int:
    """Even out value and workload with the realised leads, where no tour changes.

    The search prices part of a unit at its mean lead, while the leads themselves differ in
    value and visit minutes. In every building that two or more reps visit anyway, a pool
    lead may move to another of them (its old rep keeps a lead there, counts stay within
    the bounds) or two leads may swap reps, whenever that lowers the same per-rep cost as
    the search (bands, the steep cost past the promise, capacity) plus churn. No stop
    enters or leaves a tour, so tours and building splits stay as they are. ``owner_of``
    and the state's pieces change in place; returns the number of leads moved.
    """
    pool = state.pool
    leads = pool.problem.leads
    reps = pool.problem.reps
    free = [j for j in range(pool.n_reps) if pool.takes_pool[j]]
    if not free:
        return 0
    rep_index = {r.id: j for j, r in enumerate(reps)}
    unit_of = {i: u for u, unit in enumerate(pool.units) for i in unit.leads}
    value = list(pool.private_value)
    work = [pool.private_effort[j] + state.tours[j].minutes for j in range(pool.n_reps)]
    # stop -> rep -> its pool leads there
    at: dict[int, dict[int, list[int]]] = {}
    for i, j in enumerate(owner_of):
        if j is not None and leads[i].status != "private":
            value[j] += leads[i].value
            work[j] += leads[i].effort_min
            at.setdefault(pool.lead_stop[i], {}).setdefault(j, []).append(i)
    wt = sum(work[j] for j in free) / len(free)
    vt = sum(value[j] for j in free) / len(free)
    count = [state.pool_count(j) for j in range(pool.n_reps)]
    lower = [min(pool.lower[j], count[j]) for j in range(pool.n_reps)]

    def cost(j: int, w: float, v: float) -> float:
        return rep_cost(costs, w, v, wt, vt, is_new=reps[j].is_new, capacity=reps[j].capacity_min)

    centre = [(float(x), float(y)) for x, y in state.centres]
    where = [(float(x), float(y)) for x, y in pool.stop_xy]
    owner = [rep_index.get(x.owner or "") for x in leads]

    def kept(i: int, j: int) -> float:
        """What lead ``i`` with rep ``j`` saves: churn if it is ``j``'s today, less its km
        from ``j``'s centre."""
        star = costs.star * math.dist(where[pool.lead_stop[i]], centre[j]) / 1000.0
        return (costs.churn if owner[i] == j else 0.0) - star

    def may_take(i: int, j: int) -> bool:
        return pool.takes_pool[j] and j not in pool.units[unit_of[i]].excluded

    def transfer(s: int, i: int, a: int, b: int) -> None:
        owner_of[i] = b
        value[a] -= leads[i].value
        value[b] += leads[i].value
        work[a] -= leads[i].effort_min
        work[b] += leads[i].effort_min
        count[a] -= 1
        count[b] += 1
        at[s][a].remove(i)
        at[s].setdefault(b, []).append(i)
        u = unit_of[i]
        piece = dict(state.pieces[u])
        piece[a] -= 1
        piece[b] = piece.get(b, 0) + 1
        state.set_pieces(u, {j: k for j, k in piece.items() if k})

    def best_step(s: int, visitors: list[int]) -> tuple[float, list[tuple[int, int, int]]]:
        best: tuple[float, list[tuple[int, int, int]]] = (-1e-6, [])
        here = [(i, a) for a, mine in at[s].items() for i in mine]
        for i, a in here:
            if state.stop_leads[a][s] < 2 or count[a] <= lower[a]:
                continue  # its rep would leave the building or go below its bound
            e, v = leads[i].effort_min, leads[i].value
            for b in visitors:
                if b == a or count[b] >= pool.upper[b] or not may_take(i, b):
                    continue
                delta = (
                    cost(a, work[a] - e, value[a] - v)
                    + cost(b, work[b] + e, value[b] + v)
                    - cost(a, work[a], value[a])
                    - cost(b, work[b], value[b])
                    + kept(i, a)
                    - kept(i, b)
                )
                if delta < best[0]:
                    best = (delta, [(i, a, b)])
        for x, (i, a) in enumerate(here):
            for i2, b in here[x + 1 :]:
                if a == b or not (may_take(i, b) and may_take(i2, a)):
                    continue
                de = leads[i2].effort_min - leads[i].effort_min
                dv = leads[i2].value - leads[i].value
                if not de and not dv:
                    continue
                delta = (
                    cost(a, work[a] + de, value[a] + dv)
                    + cost(b, work[b] - de, value[b] - dv)
                    - cost(a, work[a], value[a])
                    - cost(b, work[b], value[b])
                    + kept(i, a)
                    + kept(i2, b)
                    - kept(i, b)
                    - kept(i2, a)
                )
                if delta < best[0]:
                    best = (delta, [(i, a, b), (i2, b, a)])
        return best

    moved = 0
    # the reps visiting each building: no step adds or drops a visit, so they stay
    visitors_of = {s: [j for j in free if s in state.stop_leads[j]] for s in sorted(at)}
    shared = {s: visitors for s, visitors in visitors_of.items() if len(visitors) > 1}
    for _ in range(_SETTLE_ROUNDS):
        before = moved
        for s, visitors in shared.items():
            for _ in range(_SETTLE_STEPS):
                _, step = best_step(s, visitors)
                if not step:
                    break
                for i, a, b in step:
                    transfer(s, i, a, b)
                    moved += 1
        if moved == before:
            break
    return moved
