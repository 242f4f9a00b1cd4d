"""The balancer's OR-Tools backend: the min-cost flow that seeds the assignment. The only
module of the balancer that imports ``ortools``.

It takes plain integer data in solver indices and returns plain pieces (``{rep: leads}``
per unit); what the numbers mean is the caller's business.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from planner.errors import SolverError

Pieces = dict[int, int]

_MAX_STEPS = 60  # convex pieces per rep on its way from lower to upper


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowInput:
    """Units of ``size`` leads flow to reps along candidate arcs (cost per lead)."""

    sizes: list[int]
    arcs: list[tuple[int, int, int]]  # (unit, rep, cost per lead)
    lower: list[int]
    upper: list[int]
    lower_bonus: int  # per lead up to a rep's lower bound (pushes every rep to its min)
    step_cost: int  # the k-th lead above a rep's lower bound costs about k * step_cost
    # per rep, leads' worth of fixed workload (its travel, its heavier leads): the k-th
    # lead above its lower bound costs (k + offset) * step_cost; empty: none
    step_offset: tuple[float, ...] = ()
    unassigned_cost: int


def solve_flow(data: FlowInput) -> tuple[list[Pieces], list[int]]:
    """Pieces per unit and unassigned leads per unit of a min-cost flow."""
    n, m = len(data.sizes), len(data.lower)
    sink = n + m
    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    costs: list[int] = []

    def arc(t: int, h: int, cap: int, cost: int) -> None:
        tails.append(t)
        heads.append(h)
        caps.append(cap)
        costs.append(cost)

    for u, j, cost in data.arcs:
        arc(u, n + j, data.sizes[u], cost)
    first_overflow = len(tails)
    for u, size in enumerate(data.sizes):
        arc(u, sink, size, data.unassigned_cost)
    for j in range(m):
        if data.lower[j] > 0:
            arc(n + j, sink, data.lower[j], -data.lower_bonus)
        extra = data.upper[j] - data.lower[j]
        if extra <= 0:
            continue
        block = -(-extra // _MAX_STEPS)
        offset = data.step_offset[j] if data.step_offset else 0.0
        count, left = data.lower[j], extra
        while left > 0:
            take = min(block, left)
            middle = count - data.lower[j] + (take + 1) / 2
            arc(n + j, sink, take, round((middle + offset) * data.step_cost))
            count += take
            left -= take
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.array(tails, dtype=np.int64),
        np.array(heads, dtype=np.int64),
        np.array(caps, dtype=np.int64),
        np.array(costs, dtype=np.int64),
    )
    supplies = np.array([*data.sizes, *([0] * m), -sum(data.sizes)], dtype=np.int64)
    flow.set_nodes_supplies(np.arange(n + m + 1, dtype=np.int64), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise SolverError(f"the seeding min-cost flow failed (status {status})")
    flows = flow.flows(np.arange(len(tails), dtype=np.int64))
    pieces: list[Pieces] = [{} for _ in range(n)]
    for a, (u, j, _) in enumerate(data.arcs):
        if flows[a]:
            pieces[u][j] = pieces[u].get(j, 0) + int(flows[a])
    unassigned = [int(flows[first_overflow + u]) for u in range(n)]
    return pieces, unassigned
