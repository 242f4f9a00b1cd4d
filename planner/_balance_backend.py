"""The balancer's OR-Tools backend: the min-cost flow that seeds the assignment and the
CP-SAT model that re-optimises one window of neighbouring reps. The only module that
imports ``ortools.graph`` or ``ortools.sat``.

Both take plain integer data in solver indices and return plain pieces
(``{rep: leads}`` per unit); what the numbers mean is the caller's business.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

from planner.errors import SolverError

Pieces = dict[int, int]

# --- seeding flow -----------------------------------------------------------------------

_MAX_STEPS = 60  # convex pieces per rep on its way from lower to upper


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowInput:
    """Units of ``size`` leads flow to reps along candidate arcs (cost per lead)."""

    sizes: list[int]
    arcs: list[tuple[int, int, int]]  # (unit, rep, cost per lead)
    lower: list[int]
    upper: list[int]
    lower_bonus: int  # per lead up to a rep's lower bound (pushes every rep to its min)
    step_cost: int  # the k-th lead above a rep's lower bound costs k * step_cost
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
        k, left = 0, extra
        while left > 0:
            k += 1
            take = min(block, left)
            arc(n + j, sink, take, k * block * data.step_cost)
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


# --- window model -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowRep:
    """A rep of the window. Minutes and value in tenths; leads as counts."""

    fixed_count: int  # private leads
    fixed_effort: int
    fixed_value: int
    travel_now: int  # minutes of the current tour
    lower: int  # total leads wanted (private included)
    upper: int  # total leads allowed
    capacity: int | None
    workload_target: int
    workload_tolerance: int
    value_target: int
    value_tolerance: int
    is_new: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowStop:
    """A stop with units in the window: what adding or dropping it costs each rep."""

    fixed: frozenset[int]  # window reps that keep this stop whatever happens (private)
    current: frozenset[int]  # window reps that have it now
    insert: dict[int, int]  # rep -> tenth-minutes to add it (reps not having it)
    remove: dict[int, int]  # rep -> tenth-minutes its removal saves (current, not fixed)


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowUnit:
    stop: int
    amount: int  # leads of the unit held inside the window
    effort: int  # tenth-minutes per lead
    value: int  # tenth-points per lead
    current: Pieces
    candidates: dict[int, int]  # rep -> star cost per lead
    own: dict[int, int]  # rep -> leads of the unit it owns today


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowWeights:
    """Integer objective coefficients (already multiplied by the user's weights)."""

    deficit: int
    over_capacity: int
    piece: int
    workload_in: int
    workload_out: int
    value_in: int
    value_out: int
    new_value_short: int
    travel: int
    star: int
    churn: int


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowInput:
    reps: list[WindowRep]
    stops: list[WindowStop]
    units: list[WindowUnit]
    weights: WindowWeights
    max_time_s: float
    max_deterministic_time: float


def solve_window(data: WindowInput) -> list[Pieces] | None:
    """New pieces for the window's units, or None when CP-SAT found nothing better."""
    model = cp_model.CpModel()
    w = data.weights
    m = len(data.reps)
    x: list[dict[int, cp_model.IntVar]] = []
    y: list[dict[int, cp_model.IntVar]] = []
    count_terms: list[list[tuple[int, cp_model.IntVar]]] = [[] for _ in range(m)]
    effort_terms: list[list[tuple[int, cp_model.IntVar]]] = [[] for _ in range(m)]
    value_terms: list[list[tuple[int, cp_model.IntVar]]] = [[] for _ in range(m)]
    objective: list[tuple[int, cp_model.IntVar]] = []
    uses: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    for i, u in enumerate(data.units):
        xi: dict[int, cp_model.IntVar] = {}
        yi: dict[int, cp_model.IntVar] = {}
        for j, star in u.candidates.items():
            yv = model.new_bool_var(f"y{i}_{j}")
            if u.amount == 1:
                xv = yv
            else:
                xv = model.new_int_var(0, u.amount, f"x{i}_{j}")
                model.add(xv <= u.amount * yv)
                model.add(xv >= yv)
            xi[j], yi[j] = xv, yv
            model.add_hint(xv, u.current.get(j, 0))
            if xv is not yv:
                model.add_hint(yv, 1 if u.current.get(j, 0) else 0)
            count_terms[j].append((1, xv))
            effort_terms[j].append((u.effort, xv))
            value_terms[j].append((u.value, xv))
            objective.append((w.star * star, xv))
            uses.setdefault((u.stop, j), []).append(yv)
            own = u.own.get(j, 0)
            if own:
                kept = model.new_int_var(0, min(own, u.amount), f"k{i}_{j}")
                model.add(kept <= xv)
                model.add_hint(kept, min(own, u.current.get(j, 0)))
                objective.append((-w.churn, kept))
        model.add(sum(xi.values()) == u.amount)
        x.append(xi)
        y.append(yi)

    travel_expr: list[cp_model.LinearExprT] = [r.travel_now for r in data.reps]
    by_stop: dict[int, set[int]] = {}
    for s, j in uses:
        by_stop.setdefault(s, set()).add(j)
    for s, stop in enumerate(data.stops):
        reps_here = by_stop.get(s, set()) | set(stop.current) | set(stop.fixed)
        for j in sorted(reps_here):
            ys = uses.get((s, j), [])
            if j in stop.fixed:
                continue  # the stop stays in j's tour and j's piece count whatever happens
            z = model.new_bool_var(f"z{s}_{j}")
            for yv in ys:
                model.add(yv <= z)
            if ys:
                model.add(z <= sum(ys))
            else:
                model.add(z == 0)
            model.add_hint(z, 1 if j in stop.current else 0)
            objective.append((w.piece, z))
            if j in stop.current:
                travel_expr[j] = travel_expr[j] - stop.remove.get(j, 0) * (1 - z)
            else:
                travel_expr[j] = travel_expr[j] + stop.insert.get(j, 0) * z

    for j, r in enumerate(data.reps):
        count = r.fixed_count + sum(c * v for c, v in count_terms[j])
        model.add(count <= r.upper)
        if r.lower > r.fixed_count:
            deficit = model.new_int_var(0, r.lower, f"def{j}")
            model.add(deficit >= r.lower - count)
            objective.append((w.deficit, deficit))
        travel = model.new_int_var(-10**7, 10**7, f"t{j}")
        model.add(travel == travel_expr[j])
        objective.append((w.travel, travel))
        load = r.fixed_effort + sum(c * v for c, v in effort_terms[j]) + travel
        _banded(model, objective, load, r.workload_target, r.workload_tolerance,
                w.workload_in, w.workload_out, 0, f"w{j}")
        if r.capacity is not None:
            over = model.new_int_var(0, 10**7, f"cap{j}")
            model.add(over >= load - r.capacity)
            objective.append((w.over_capacity, over))
        value = r.fixed_value + sum(c * v for c, v in value_terms[j])
        _banded(model, objective, value, r.value_target, r.value_tolerance,
                w.value_in, w.value_out, w.new_value_short if r.is_new else 0, f"v{j}")

    model.minimize(sum(c * v for c, v in objective if c))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = data.max_time_s
    solver.parameters.max_deterministic_time = data.max_deterministic_time
    solver.parameters.random_seed = 0
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return [{j: int(solver.value(v)) for j, v in xi.items() if solver.value(v)} for xi in x]


def _banded(
    model: cp_model.CpModel,
    objective: list[tuple[int, cp_model.IntVar]],
    expr: cp_model.LinearExprT,
    target: int,
    tolerance: int,
    inside: int,
    outside: int,
    short: int,
    name: str,
) -> None:
    """Penalise |expr - target|: ``inside`` per unit, ``outside`` more beyond the tolerance,
    and ``short`` more per unit below ``target - tolerance`` (new reps' fair share)."""
    above = model.new_int_var(0, 10**8, f"{name}_up")
    below = model.new_int_var(0, 10**8, f"{name}_dn")
    model.add(expr - target == above - below)
    out_up = model.new_int_var(0, 10**8, f"{name}_oup")
    out_dn = model.new_int_var(0, 10**8, f"{name}_odn")
    model.add(out_up >= above - tolerance)
    model.add(out_dn >= below - tolerance)
    objective += [(inside, above), (inside, below), (outside, out_up), (outside + short, out_dn)]
