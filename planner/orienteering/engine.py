"""The day planner's routing engine on team orienteering problems with time windows.

The benchmarks of the literature (TOPTW) are the day problem without its sales rules:
choose which customers to visit on ``m`` routes, in what order, to collect the most score
before the depot closes. This adapter builds the same ``RoutingData`` the day planner
builds and hands it to the same backend and search set-up, so an improvement measured
here is an improvement of the day planner.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.orienteering.toptw import ToptwInstance, route_score
from planner.routing._context import Item
from planner.routing._model import RoutingData
from planner.routing._ortools import solve_routing
from planner.routing.search_setup import ORIENTEERING_SETUP, SearchSetup


@dataclass(frozen=True, slots=True, kw_only=True)
class OrienteeringResult:
    """Routes as customer ids (depot excluded), their score, and the search's seconds."""

    routes: tuple[tuple[int, ...], ...]
    score: int
    seconds: float
    status: str


def routing_data(inst: ToptwInstance, m: int) -> RoutingData:
    """The routing model of an instance: node 0 and 1 are the depot, node k+1 customer k.

    Times are integer units of the benchmark's distance rule (tenths or hundredths), so
    the solver's arithmetic is exact. A score point outweighs any amount of travel.
    """
    n = inst.n_customers
    vertex = [0, 0, *range(1, n + 1)]
    travel = np.array([[inst.travel_units(a, b) for b in vertex] for a in vertex], dtype=np.int64)
    service = [0, 0, *(inst.units(inst.service[i]) for i in range(1, n + 1))]
    horizon = inst.units(inst.horizon)
    value_unit = int(m * horizon + 1)  # more than the travel of every route together
    windows = [((0, horizon),), ((0, horizon),)] + [
        ((inst.units(inst.open[i]), inst.units(inst.close[i])),) for i in range(1, n + 1)
    ]
    return RoutingData(
        items=(None, None, *(Item(i) for i in range(1, n + 1))),
        time_s=travel + np.asarray(service, dtype=np.int64)[:, None],
        cost=travel,
        service_s=tuple(service),
        windows_s=tuple(windows),
        disjunctions=tuple(((k,), inst.score[k - 1] * value_unit) for k in range(2, n + 2)),
        exclusive=(),
        visit_unit=(0,) * (n + 2),
        effective_unit=(0,) * (n + 2),
        shift_start_s=0,
        return_by_s=horizon,
        lunch_s=None,
        min_visits=0,
        min_effective=0,
        target_effective=0,
        n_vehicles=m,
    )


def solve_orienteering(
    inst: ToptwInstance, m: int, time_limit_s: float, setup: SearchSetup = ORIENTEERING_SETUP
) -> OrienteeringResult:
    """Solve a TOPTW instance with ``m`` routes with the day planner's engine."""
    data = routing_data(inst, m)
    result = solve_routing(data, setup, time_limit_s)
    routes = tuple(
        tuple(it.lead for it in (data.items[node] for node in route) if it is not None)
        for route in result.routes
    )
    routes = tuple(r for r in routes if r)
    return OrienteeringResult(
        routes=routes, score=route_score(inst, routes), seconds=result.seconds, status=result.status
    )
