"""The OR-Tools routing backend: build the model, solve it, read the route back.

The only module that imports OR-Tools. Three small steps in the order of the OR-Tools
samples: ``build_model`` (arc costs, time dimension, counting dimensions, lunch,
disjunctions), ``search_parameters``, and ``read_route``.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, replace

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from planner.errors import SolverError
from planner.routing import objective as W
from planner.routing._lns import lns
from planner.routing._model import END, HORIZON_S, START, RoutingData
from planner.routing.search_setup import SearchSetup

_FIRST = routing_enums_pb2.FirstSolutionStrategy
_META = routing_enums_pb2.LocalSearchMetaheuristic


@dataclass(frozen=True, slots=True)
class RoutingResult:
    """The routes found (node numbers between start and end) and what the search said."""

    routes: tuple[tuple[int, ...], ...]
    objective: int
    status: str
    seconds: float


@dataclass(slots=True)
class _Built:
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time_dim: pywrapcp.RoutingDimension


def _add_counting_dimension(
    routing: pywrapcp.RoutingModel, units: tuple[int, ...], name: str
) -> pywrapcp.RoutingDimension:
    callback = routing.RegisterUnaryTransitVector(list(units))
    routing.AddDimension(callback, 0, max(1, sum(units)), True, name)
    return routing.GetDimensionOrDie(name)


def build_model(data: RoutingData) -> _Built:
    """The routing model: one rep's day, or ``n_vehicles`` routes of an orienteering problem."""
    m = data.n_vehicles
    manager = pywrapcp.RoutingIndexManager(data.n_nodes, m, [START] * m, [END] * m)
    routing = pywrapcp.RoutingModel(manager)

    # arc costs: travel seconds plus the price of entering a variant
    cost_cb = routing.RegisterTransitMatrix(data.cost.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)

    # time: service of the node left plus travel; waiting is slack
    time_cb = routing.RegisterTransitMatrix(data.time_s.tolist())
    routing.AddDimension(time_cb, HORIZON_S, HORIZON_S, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    for node in range(2, data.n_nodes):
        cumul = time_dim.CumulVar(manager.NodeToIndex(node))
        wins = sorted(data.windows_s[node])
        cumul.SetRange(wins[0][0], wins[-1][1])
        for (_, close), (nxt, _) in zip(wins, wins[1:], strict=False):
            if nxt - 1 >= close + 1:
                cumul.RemoveInterval(close + 1, nxt - 1)
    time_dim.CumulVar(routing.Start(0)).SetRange(data.shift_start_s, data.return_by_s)
    time_dim.CumulVar(routing.End(0)).SetRange(data.shift_start_s, data.return_by_s)
    routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(0)))

    # counting dimensions with soft minimums: visits, effective visits (min and target)
    visits = _add_counting_dimension(routing, data.visit_unit, "visits")
    visits.SetCumulVarSoftLowerBound(routing.End(0), data.min_visits, W.MIN_VISITS)
    eff_min = _add_counting_dimension(routing, data.effective_unit, "effective_min")
    eff_min.SetCumulVarSoftLowerBound(routing.End(0), data.min_effective, W.MIN_EFFECTIVE)
    eff_target = _add_counting_dimension(routing, data.effective_unit, "effective_target")
    eff_target.SetCumulVarSoftLowerBound(routing.End(0), data.target_effective, W.TARGET_EFFECTIVE)

    # lunch: one fixed-length break that cannot cut a visit or a sweep
    if data.lunch_s is not None:
        earliest, latest, length = data.lunch_s
        lunch = routing.solver().FixedDurationIntervalVar(earliest, latest, length, False, "lunch")
        node_visit_transits = [
            data.service_s[manager.IndexToNode(i)] for i in range(routing.Size())
        ]
        time_dim.SetBreakIntervalsOfVehicle([lunch], 0, node_visit_transits)

    # one variant per lead at most (penalty when none), one sweep per building at most
    for nodes, penalty in data.disjunctions:
        routing.AddDisjunction([manager.NodeToIndex(n) for n in nodes], penalty, 1)
    for nodes in data.exclusive:
        routing.AddDisjunction([manager.NodeToIndex(n) for n in nodes], 0, 1)
    return _Built(manager, routing, time_dim)


def search_parameters(
    setup: SearchSetup, time_limit_s: float
) -> pywrapcp.DefaultRoutingSearchParameters:
    """OR-Tools search parameters for a set-up and a time limit (or a work limit)."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(_FIRST, setup.first_solution)
    params.local_search_metaheuristic = getattr(_META, setup.metaheuristic)
    if setup.branch_limit is not None:
        params.time_limit.FromSeconds(600)  # a safety net only: the branch limit stops it
    else:
        params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    params.log_search = False
    return params


_STATUS = {
    0: "not_solved",
    1: "success",
    2: "partial_success_local_optimum_not_reached",
    3: "fail",
    4: "fail_timeout",
    5: "invalid",
    6: "infeasible",
    7: "optimal",
}


_INVALID = 5


def read_routes(built: _Built, solution: pywrapcp.Assignment) -> tuple[tuple[int, ...], ...]:
    """For each route, the node numbers visited between its start and its end, in order."""
    manager, routing = built.manager, built.routing
    routes = []
    for v in range(routing.vehicles()):
        nodes: list[int] = []
        index = solution.Value(routing.NextVar(routing.Start(v)))
        while not routing.IsEnd(index):
            nodes.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        routes.append(tuple(nodes))
    return tuple(routes)


def _read_hint(
    built: _Built, routes: tuple[tuple[int, ...], ...] | list[list[int]]
) -> pywrapcp.Assignment | None:
    """An assignment from routes of node numbers (None when they break a constraint)."""
    manager = built.manager
    return built.routing.ReadAssignmentFromRoutes(
        [[manager.NodeToIndex(n) for n in r] for r in routes], True
    )


def _perturbed(routes: tuple[tuple[int, ...], ...], rng: random.Random) -> list[list[int]]:
    """Routes with a random stretch of one route (up to half of all visits) taken out."""
    out = [list(r) for r in routes]
    busy = [r for r in out if r]
    if busy:
        k = rng.randint(1, max(1, sum(len(r) for r in busy) // 2))
        route = rng.choice(busy)
        at = rng.randrange(len(route))
        del route[at : at + k]
    return out


def solve_routing(
    data: RoutingData,
    setup: SearchSetup,
    time_limit_s: float,
    initial: tuple[tuple[int, ...], ...] | None = None,
) -> RoutingResult:
    """Solve the routing model; empty routes when the search finds nothing.

    With ``setup.iterated``, whenever the metaheuristic stops before the limit (tabu search
    often does), the best routes are perturbed — a few visits taken out — and searched
    again from there (iterated local search), keeping the best. In deterministic mode the
    number of such rounds is fixed instead of the time they may use.
    """
    began = time.perf_counter()
    deadline = began + time_limit_s
    rng = random.Random(setup.seed)
    try:
        built = build_model(data)
        routing = built.routing
        if setup.branch_limit is not None:
            routing.AddSearchMonitor(routing.solver().BranchesLimit(setup.branch_limit))
        starts = (setup.first_solution, *setup.portfolio)
        best: tuple[tuple[int, ...], ...] | None = None
        best_cost = 0
        status = "not_solved"
        if setup.lns_share > 0:
            deterministic = setup.branch_limit is not None
            routes, lns_cost, _ = lns(
                data,
                [list(r) for r in initial] if initial else None,
                seconds=setup.lns_share * time_limit_s,
                iterations=setup.lns_rounds if deterministic else None,
                seed=setup.seed,
            )
            initial = tuple(tuple(r) for r in routes)
            # kept if OR-Tools finds nothing better (the objectives are the same sum)
            best, best_cost, status = initial, lns_cost, "success"
            starts = (setup.first_solution,)
        for k, first in enumerate(starts):
            share = (deadline - time.perf_counter()) / (len(starts) - k)
            params = search_parameters(replace(setup, first_solution=first), max(share, 0.01))
            hint = _read_hint(built, initial) if initial and k == 0 else None
            solution = (
                routing.SolveFromAssignmentWithParameters(hint, params)
                if hint is not None
                else routing.SolveWithParameters(params)
            )
            if routing.status() == _INVALID:
                raise SolverError("the routing engine refused its search parameters")
            if solution is not None and (best is None or solution.ObjectiveValue() < best_cost):
                best, best_cost = read_routes(built, solution), solution.ObjectiveValue()
                status = _STATUS.get(routing.status(), str(routing.status()))
        if best is None:
            return RoutingResult(((),) * data.n_vehicles, 0, status, time.perf_counter() - began)
        rounds = 0
        while setup.iterated:
            left = deadline - time.perf_counter()
            if setup.branch_limit is not None:
                if rounds >= setup.rounds:
                    break
            elif left < max(0.02, 0.02 * time_limit_s):
                break
            rounds += 1
            hint = _read_hint(built, _perturbed(best, rng))
            if hint is None:
                continue
            found = routing.SolveFromAssignmentWithParameters(
                hint, search_parameters(setup, max(left, 0.01))
            )
            if found is not None and found.ObjectiveValue() < best_cost:
                best, best_cost = read_routes(built, found), found.ObjectiveValue()
    except (RuntimeError, SystemError) as err:  # the C++ layer failing is infrastructure
        raise SolverError(f"routing engine failed: {err}") from err
    return RoutingResult(best, best_cost, status, time.perf_counter() - began)
