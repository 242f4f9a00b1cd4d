"""Steps around the search: place leftover leads wherever an eligible rep still has room,
turn pieces into leads, and say why a lead stays unassigned."""

from __future__ import annotations

import numpy as np

from planner.territory._pool import Pool
from planner.territory._state import State
from planner.territory.allocation import UnassignedLead, UnassignedReason
from planner.territory.objective import (
    VALUE_BAND,
    WORKLOAD_BAND,
    Costs,
    banded,
    past_promise,
)


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


def even_split_units(state: State, owner_of: list[int | None], costs: Costs) -> None:
    """Choose which leads of a unit split between reps go to which of them.

    The search prices part of a unit at its mean lead; the leads themselves differ in
    value and visit minutes. Swapping two leads of one unit between its reps changes no
    count, stop, tour, building or exclusion, so the leads not kept with their owner are
    swapped (in ``owner_of``, in place) while that brings the reps' value and workload
    nearer the team mean (priced as in the search).
    """
    pool = state.pool
    leads = pool.problem.leads
    free = [j for j in range(pool.n_reps) if pool.takes_pool[j]]
    if not free:
        return
    value = list(pool.private_value)
    effort = list(pool.private_effort)
    for i, j in enumerate(owner_of):
        if j is not None and leads[i].status != "private":
            value[j] += leads[i].value
            effort[j] += leads[i].effort_min
    work = [effort[j] + state.tours[j].minutes for j in range(pool.n_reps)]
    wt = sum(work[j] for j in free) / len(free)
    vt = sum(value[j] for j in free) / len(free)
    capacity = [r.capacity_min for r in pool.problem.reps]

    def cost(j: int, w: float, v: float) -> float:
        out = banded(w, wt, WORKLOAD_BAND * wt, costs.workload_in, costs.workload_out)
        out += banded(v, vt, VALUE_BAND * vt, costs.value_in, costs.value_out)
        out += past_promise(costs, w, wt, v, vt)
        cap = capacity[j]
        if cap is not None:
            out += costs.over_capacity * max(0.0, w - cap)
        return out

    rep_index = {r.id: j for j, r in enumerate(pool.problem.reps)}
    for u, unit in enumerate(pool.units):
        if len(state.pieces[u]) < 2:
            continue
        movable = [
            i
            for i in unit.leads
            if owner_of[i] is not None and rep_index.get(leads[i].owner or "") != owner_of[i]
        ]
        for _ in range(len(movable) ** 2):
            best, pair = -1e-6, None
            for x, i in enumerate(movable):
                a = owner_of[i]
                for i2 in movable[x + 1 :]:
                    b = owner_of[i2]
                    if a is None or b is None or a == b:
                        continue
                    dv = leads[i2].value - leads[i].value
                    dw = leads[i2].effort_min - leads[i].effort_min
                    delta = (
                        cost(a, work[a] + dw, value[a] + dv)
                        + cost(b, work[b] - dw, value[b] - dv)
                        - cost(a, work[a], value[a])
                        - cost(b, work[b], value[b])
                    )
                    if delta < best:
                        best, pair = delta, (i, i2, a, b, dv, dw)
            if pair is None:
                break
            i, i2, a, b, dv, dw = pair
            owner_of[i], owner_of[i2] = b, a
            value[a] += dv
            value[b] -= dv
            work[a] += dw
            work[b] -= dw
