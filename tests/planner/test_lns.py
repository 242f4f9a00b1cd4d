"""Ruin and recreate on the routing data: feasible routes, optimal on tiny cases, repeatable."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from api.documents.day import parse_day_problem
from geo import TravelModel
from planner.demo.branch import day_problems, make_branch
from planner.orienteering.engine import routing_data
from planner.orienteering.toptw import ToptwInstance, route_score, verify_routes
from planner.routing._context import Item, build_context
from planner.routing._lns import lns
from planner.routing._lns_state import LUNCH, Instance, State, insertion_gaps
from planner.routing._model import RoutingData, build_routing_data
from planner.routing._ortools import build_model, search_parameters
from planner.routing.search_setup import SearchSetup
from tests.planner.test_toptw import C101, first_customers, read_toptw_file


def random_instance(rng: random.Random, n: int, horizon: float = 60.0) -> ToptwInstance:
    """A small TOPTW instance: customers on a 20 x 20 square, windows of 5 to 40."""
    opens = [float(rng.randint(0, int(horizon) - 10)) for _ in range(n)]
    return ToptwInstance(
        name=f"tiny{n}",
        x=(10.0, *(round(rng.uniform(0, 20), 2) for _ in range(n))),
        y=(10.0, *(round(rng.uniform(0, 20), 2) for _ in range(n))),
        service=(0.0, *(float(rng.randint(1, 6)) for _ in range(n))),
        score=(0, *(rng.randint(1, 20) for _ in range(n))),
        open=(0.0, *opens),
        close=(horizon, *(o + rng.randint(5, 40) for o in opens)),
        decimals=1,
    )


def best_single_route(inst: ToptwInstance) -> int:
    """The optimum of one route by enumerating every ordered subset (tiny n only)."""
    best = 0
    customers = range(1, inst.n_customers + 1)
    for k in range(1, inst.n_customers + 1):
        for route in itertools.permutations(customers, k):
            if not verify_routes(inst, [list(route)], m=1):
                best = max(best, route_score(inst, [list(route)]))
    return best


def customer_routes(data: RoutingData, routes: list[list[int]]) -> list[list[int]]:
    return [[item.lead for item in (data.items[v] for v in r) if item is not None] for r in routes]


# twenty tiny instances drawn once (fixed seed), each solved with a fixed work limit
TINY = [random_instance(random.Random(seed), 6) for seed in range(20)]


@pytest.mark.parametrize("inst", TINY, ids=[f"tiny-{k}" for k in range(len(TINY))])
def test_on_tiny_instances_one_route_reaches_the_enumerated_optimum(inst):
    data = routing_data(inst, 1)
    routes, _, rounds = lns(data, None, seconds=60.0, iterations=200, seed=3)
    got = customer_routes(data, routes)
    assert verify_routes(inst, got, m=1) == []
    assert rounds == 200
    assert route_score(inst, got) == best_single_route(inst)


def test_routes_on_c101_cut_to_40_customers_pass_the_route_check_with_three_routes():
    inst = first_customers(read_toptw_file(C101), 40)
    data = routing_data(inst, 3)
    routes, objective, _ = lns(data, None, seconds=60.0, iterations=150, seed=1)
    got = customer_routes(data, routes)
    assert verify_routes(inst, got, m=3) == []
    visited = [c for r in got for c in r]
    assert len(visited) == len(set(visited)) > 0
    # the objective is the model's: unvisited customers' penalties plus travel
    unvisited = sum(p for nodes, p in data.disjunctions if data.items[nodes[0]].lead not in visited)
    assert objective >= unvisited


def test_the_same_seed_and_work_limit_give_the_same_routes():
    inst = first_customers(read_toptw_file(C101), 40)
    data = routing_data(inst, 2)
    one = lns(data, None, seconds=60.0, iterations=80, seed=7)
    two = lns(data, None, seconds=60.0, iterations=80, seed=7)
    assert one == two


def test_a_given_start_is_never_made_worse():
    inst = first_customers(read_toptw_file(C101), 30)
    data = routing_data(inst, 1)
    start, start_obj, _ = lns(data, None, seconds=60.0, iterations=5, seed=1)
    better, obj, _ = lns(data, start, seconds=60.0, iterations=50, seed=2)
    assert obj <= start_obj


def day_data(
    travel_s: list[list[int]], windows, *, lunch=None, shift=(0, 1000), service_s=None
) -> RoutingData:
    """Hand-made routing data: node 0 start, 1 end, the rest one lead each, value 10 each."""
    n = len(travel_s)
    service = tuple(service_s or (0,) * n)
    travel = np.asarray(travel_s, dtype=np.int64)
    return RoutingData(
        items=(None, None, *(Item(k) for k in range(n - 2))),
        time_s=travel + np.asarray(service, dtype=np.int64)[:, None],
        cost=travel,
        service_s=service,
        windows_s=(((shift),), ((shift),), *windows),
        disjunctions=tuple(((v,), 10_000) for v in range(2, n)),
        exclusive=(),
        visit_unit=(0, 0, *(1,) * (n - 2)),
        effective_unit=(0,) * n,
        shift_start_s=shift[0],
        return_by_s=shift[1],
        lunch_s=lunch,
        min_visits=0,
        min_effective=0,
        target_effective=0,
    )


def test_a_lunch_that_must_start_by_noon_is_kept_and_the_visits_around_it_fit():
    # three visits 100 s apart; lunch of 300 s must start in [200, 400]; all windows wide
    t = [
        [0, 0, 100, 200, 300],
        [0, 0, 0, 0, 0],
        [100, 100, 0, 100, 200],
        [200, 200, 100, 0, 100],
        [300, 300, 200, 100, 0],
    ]
    wide = ((0, 1000),)
    data = day_data(t, [wide, wide, wide], lunch=(200, 400, 300), shift=(0, 1000))
    routes, _, _ = lns(data, None, seconds=60.0, iterations=30, seed=1)
    # 100+100+100 of travel, 300 of lunch and the way back fit in 1000 s: all three visited
    assert sorted(routes[0]) == [2, 3, 4]


def test_a_lunch_that_cannot_fit_with_a_visit_leaves_the_visit_out():
    # the visit (100 s away, 50 s long) must start in [100, 150]; the 200 s lunch must
    # start by 120: before the visit it makes the rep late, after it it starts too late
    t = [[0, 0, 100], [0, 0, 0], [100, 100, 0]]
    data = day_data(t, [((100, 150),)], lunch=(0, 120, 200), service_s=(0, 0, 50))
    routes, _, _ = lns(data, None, seconds=60.0, iterations=10, seed=1)
    assert routes == [[]]
    # with a lunch that may start at 150 the visit fits before it
    data = day_data(t, [((100, 150),)], lunch=(0, 150, 200), service_s=(0, 0, 50))
    assert lns(data, None, seconds=60.0, iterations=10, seed=1)[0] == [[2]]


def test_two_windows_a_visit_can_wait_for_the_second():
    # node 2 opens at 0-10 and 500-600: reachable only in its second window after node 3
    t = [
        [0, 0, 50, 100],
        [0, 0, 0, 0],
        [50, 50, 0, 100],
        [100, 100, 100, 0],
    ]
    data = day_data(t, [((0, 10), (500, 600)), ((100, 120),)], shift=(0, 1000))
    routes, _, _ = lns(data, None, seconds=60.0, iterations=20, seed=1)
    assert routes == [[3, 2]]


def test_a_visit_made_late_by_a_broken_triangle_is_dropped_so_the_route_holds():
    # 0 -> 2 -> 3 is fast, 0 -> 3 direct is slow (rounded matrices can do that): taking
    # visit 2 out makes visit 3 miss its window, so visit 3 must go too
    t = [
        [0, 0, 10, 500],
        [0, 0, 0, 0],
        [10, 10, 0, 10],
        [500, 20, 10, 0],
    ]
    data = day_data(t, [((0, 1000),), ((0, 30),)], shift=(0, 1000))
    state = State(Instance(data), [[2, 3]])
    assert state.feasible()
    state.remove(0, [0])
    assert not state.feasible()
    state.restore()
    assert state.feasible() and state.routes[0].seq == []
    assert lns(data, [[2, 3]], seconds=60.0, iterations=50, seed=1)[0] == [[2, 3]]


def ortools_objective(data: RoutingData, routes: list[list[int]]) -> int | None:
    """OR-Tools' own objective of the given routes on the same model (None: it rejects them)."""
    built = build_model(data)
    hint = built.routing.ReadAssignmentFromRoutes(
        [[built.manager.NodeToIndex(v) for v in r] for r in routes], True
    )
    if hint is None:
        return None
    params = search_parameters(SearchSetup(metaheuristic="GREEDY_DESCENT"), 5.0)
    params.solution_limit = 1  # the hint itself, not an improvement of it
    solution = built.routing.SolveFromAssignmentWithParameters(hint, params)
    return None if solution is None else solution.ObjectiveValue()


# generated Beijing days (the demo's generator): sweeps, exclusive buildings, lunch breaks
DAYS = [
    (seed, k)
    for seed in (1030, 1040, 1050)  # 30, 40, 50 leads
    for k in (0, 3)
]


@pytest.mark.parametrize(("seed", "k"), DAYS, ids=[f"seed{s}-day{k}" for s, k in DAYS])
def test_on_generated_days_ortools_accepts_the_routes_and_counts_the_same_objective(seed, k):
    size = seed - 1000
    branch = make_branch(seed=seed, n_reps=k + 1, leads_per_rep=(size, size))
    problem = parse_day_problem(list(day_problems(branch))[k])
    data = build_routing_data(build_context(problem, TravelModel()))
    routes, objective, _ = lns(data, None, seconds=60.0, iterations=60, seed=1)
    assert sum(len(r) for r in routes) >= 8
    assert ortools_objective(data, routes) == objective


def test_a_stop_put_right_before_the_lunch_is_where_the_rep_then_travels_from():
    # A (2) then lunch then B (3), who must be reached by 100; u (4) is next to A but 500 s
    # from B: between A and the lunch it fits A's side, yet the trip on to B is too long
    t = [
        [0, 0, 10, 20, 10],
        [0, 0, 0, 0, 0],
        [10, 10, 0, 10, 1],
        [20, 20, 10, 0, 500],
        [10, 10, 1, 500, 0],
    ]
    wide = ((0, 1000),)
    data = day_data(t, [wide, ((0, 100),), wide], lunch=(0, 1000, 10))
    inst = Instance(data)
    state = State(inst, [[2, LUNCH, 3]])
    assert state.feasible()
    gaps = insertion_gaps(inst, state.routes[0], np.array([4]))
    # gaps: 0 start-A, 1 A-lunch, 2 lunch-B, 3 B-end
    assert gaps.ok[0].tolist() == [True, False, False, True]


def test_a_day_without_leads_gives_empty_routes():
    data = day_data([[0, 0], [0, 0]], [], lunch=(0, 1000, 30))
    assert lns(data, None, seconds=60.0, iterations=5, seed=1)[0] == [[]]
    data = day_data([[0, 0], [0, 0]], [])
    assert lns(data, None, seconds=60.0, iterations=5, seed=1)[0] == [[]]
