"""The day planner's engine on TOPTW instances: its routes pass the independent check."""

from __future__ import annotations

from planner.orienteering.engine import routing_data, solve_orienteering
from planner.orienteering.toptw import route_score, verify_routes
from planner.routing.search_setup import SearchSetup
from tests.planner.test_toptw import C101, first_customers, read_toptw_file

# deterministic: a work limit, not the clock
QUICK = SearchSetup(metaheuristic="TABU_SEARCH", branch_limit=2_000, rounds=1)


def test_routes_on_c101_cut_to_30_customers_pass_the_route_check():
    inst = first_customers(read_toptw_file(C101), 30)
    result = solve_orienteering(inst, 1, 5.0, QUICK)
    assert verify_routes(inst, result.routes, m=1) == []
    assert result.score == route_score(inst, result.routes) > 0


def test_two_routes_visit_no_customer_twice_and_score_at_least_one_route():
    inst = first_customers(read_toptw_file(C101), 30)
    one = solve_orienteering(inst, 1, 5.0, QUICK)
    two = solve_orienteering(inst, 2, 5.0, QUICK)
    assert verify_routes(inst, two.routes, m=2) == []
    assert len(two.routes) <= 2
    assert two.score >= one.score


def test_the_model_prices_one_score_point_above_all_travel():
    inst = first_customers(read_toptw_file(C101), 10)
    data = routing_data(inst, 2)
    smallest_penalty = min(p for _, p in data.disjunctions if p > 0)
    assert smallest_penalty > 2 * inst.units(inst.horizon)
    assert data.n_vehicles == 2 and data.time_s.shape == (12, 12)


def test_the_deterministic_set_up_gives_the_same_routes_twice():
    inst = first_customers(read_toptw_file(C101), 30)
    assert (
        solve_orienteering(inst, 1, 5.0, QUICK).routes
        == solve_orienteering(inst, 1, 5.0, QUICK).routes
    )
