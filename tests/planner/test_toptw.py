"""The TOPTW benchmark format: parser, distance rounding, route checker, BKS table, peers."""

from __future__ import annotations

import dataclasses

import pytest

from bench.toptw_files import instance_paths, load_bks, read_toptw_file
from planner.orienteering.toptw import (
    ToptwInstance,
    parse_bks,
    parse_toptw,
    route_score,
    verify_routes,
)

C101 = instance_paths("solomon100")[0]
# Righini & Salani's proven-optimal single route for c101 (score 320), from their log.
C101_OPTIMUM = [57, 63, 62, 74, 93, 97, 12, 2, 21, 75]
# Their log's service start times for it, in tenths, and the return to the depot (1164.4).
C101_OPTIMUM_STARTS = [350, 1710, 2660, 3590, 5004, 5954, 7204, 8354, 9488, 10586]
C101_OPTIMUM_BACK = 11644

# Depot with a 9-field line, customers with 10, 11 and 13 fields (a = 1, 2, 4).
SMALL = """\
4 3 3 1
0 200
  0 0.00 0.00 0.00 0.00 0 0 0 100
  1 3.00 4.00 10.00 7.00 1 1 1 0 50
  2 6.00 8.00 5.00 3.00 4 2 1 2 20 60
  3 1.00 1.00 0.00 9.00 1 4 1 2 4 8 15.5 30
"""


def small(name: str = "small") -> ToptwInstance:
    return parse_toptw(SMALL, name)


def first_customers(inst: ToptwInstance, n: int) -> ToptwInstance:
    """The instance cut to its depot and first ``n`` customers."""
    keep = n + 1
    return dataclasses.replace(
        inst,
        name=f"{inst.name}_{n}",
        x=inst.x[:keep],
        y=inst.y[:keep],
        service=inst.service[:keep],
        score=inst.score[:keep],
        open=inst.open[:keep],
        close=inst.close[:keep],
    )


# --- parser ---------------------------------------------------------------------------------


def test_the_real_c101_file_has_100_customers_a_1236_budget_and_customer_1_as_written():
    inst = read_toptw_file(C101)
    assert (inst.name, inst.n_customers, inst.horizon, inst.decimals) == ("c101", 100, 1236, 1)
    assert (inst.x[1], inst.y[1], inst.service[1], inst.score[1]) == (45, 68, 90, 10)
    assert (inst.open[1], inst.close[1]) == (912, 967)
    assert (inst.score[0], inst.service[0], inst.open[0]) == (0, 0, 0)


def test_o_and_c_are_read_as_the_last_two_fields_whatever_the_list_length():
    inst = small()
    assert inst.open == (0, 0, 20, 15.5)
    assert inst.close == (100, 50, 60, 30)
    assert inst.score == (0, 7, 3, 9)
    assert inst.service == (0, 10, 5, 0)


def test_the_depot_close_is_the_route_time_budget():
    assert small().horizon == 100
    assert small().n_customers == 3


def test_crlf_endings_c204s_broken_header_and_trailing_blank_lines_are_accepted():
    broken_header = "2 \n4 100 1 0 700\n" + SMALL.split("\n", 2)[2]
    inst = parse_toptw(broken_header.replace("\n", "\r\n") + "\r\n\r\n", "c204")
    assert inst == dataclasses.replace(small(), name="c204")


def test_pr_files_keep_two_decimals_and_solomon_based_files_one():
    assert small("pr01").decimals == 2
    assert small("c101").decimals == 1
    assert small("50_rc101").decimals == 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("  4 1.0 1.0 0.0 1.0 0 0 10", "line 7: a vertex line needs at least 9 fields"),  # short
        ("  4 1.0 abc 0.0 1.0 0 0 0 10", "line 7: y 'abc'"),  # not a number
        ("  5 1.0 1.0 0.0 1.0 0 0 0 10", "line 7: expected vertex id 4"),  # id gap
        ("  4 1.0 1.0 0.0 1.5 0 0 0 10", "line 7: score '1.5'"),  # fractional score
        ("  4 1.0 1.0 0.0 1.0 0 0 20 10", "line 7: window closes"),  # C < O
        ("  4 1.0 1.0 0.05 1.0 0 0 0 10", "line 7: instance 'c1'"),  # finer than 0.1
        ("\n  4 1.0 1.0 0.0 1.0 0 0 0 10", "line 7: blank line"),  # blank line inside
    ],
)
def test_a_malformed_vertex_line_raises_value_error_naming_its_line(line, message):
    with pytest.raises(ValueError, match=message):
        parse_toptw(SMALL + line + "\n", "c1")


def test_a_file_without_vertex_lines_is_rejected():
    with pytest.raises(ValueError, match="at least the depot"):
        parse_toptw("4 3 3 1\n0 200\n\n", "c1")


def test_every_benchmark_file_parses_and_the_four_sets_have_their_sizes():
    sizes = {
        name: len(instance_paths(name))
        for name in ("solomon100", "pr01_10", "solomon200", "pr11_20")
    }
    assert sizes == {"solomon100": 29, "pr01_10": 10, "solomon200": 27, "pr11_20": 10}
    c204 = read_toptw_file(instance_paths("solomon200")[3])
    assert (c204.name, c204.n_customers, c204.horizon) == ("c204", 100, 3390)
    pr10 = read_toptw_file(instance_paths("pr01_10")[-1])
    assert (pr10.name, pr10.n_customers, pr10.decimals) == ("pr10", 288, 2)


# --- distances and units --------------------------------------------------------------------


def test_travel_is_the_euclidean_distance_rounded_down_to_one_decimal():
    inst = small()  # |0-3| = sqrt(2) = 1.414..., |0-1| = 5 exactly, |1-2| = 5 exactly
    assert inst.travel_units(0, 3) == inst.travel_units(3, 0) == 14
    assert inst.travel(0, 3) == 1.4
    assert inst.travel_units(0, 1) == 50 and inst.travel_units(1, 2) == 50
    assert inst.travel_units(2, 2) == 0


def test_pr_travel_is_rounded_down_to_two_decimals():
    assert small("pr99").travel_units(0, 3) == 141
    assert small("pr99").travel(0, 3) == 1.41


def test_an_exact_distance_is_not_floored_one_unit_short_by_float_error():
    # pr03 vertices 5 and 35 are exactly 10.48 apart; hypot(...) * 100 gives 1047.9999999999998.
    text = "5 3 1 4\n500 200\n 0 -24.469 -3.815 0 0 0 0 0 1000\n 1 -34.949 -3.815 1 1 1 0 0 9\n"
    inst = parse_toptw(text, "pr03")
    assert inst.travel_units(0, 1) == 1048


def test_units_converts_times_exactly_and_refuses_finer_values():
    inst = small()
    assert inst.units(15.5) == 155 and inst.units(1236) == 12360
    with pytest.raises(ValueError, match="not a whole number"):
        inst.units(0.05)


def test_righini_salanis_c101_optimum_reproduces_their_service_start_times():
    # The README's claim: their matrices are floor(10 d) / 10.
    inst = read_toptw_file(C101)
    t, prev, starts = 0, 0, []
    for v in C101_OPTIMUM:
        t = max(t + inst.travel_units(prev, v), inst.units(inst.open[v]))
        starts.append(t)
        t += inst.units(inst.service[v])
        prev = v
    assert starts == C101_OPTIMUM_STARTS
    assert t + inst.travel_units(prev, 0) == C101_OPTIMUM_BACK


# --- route checker --------------------------------------------------------------------------


def test_the_optimal_c101_route_is_feasible_and_scores_320():
    inst = read_toptw_file(C101)
    assert verify_routes(inst, [C101_OPTIMUM], m=1) == []
    assert route_score(inst, [C101_OPTIMUM]) == 320


def test_the_optimal_c101_route_reversed_breaks_a_window():
    inst = read_toptw_file(C101)
    violations = verify_routes(inst, [C101_OPTIMUM[::-1]])
    assert violations and all("window closes" in v or "budget" in v for v in violations)


def test_a_customer_inserted_late_in_the_c101_route_breaks_its_window():
    inst = read_toptw_file(C101)
    late = [*C101_OPTIMUM[:-1], 1, C101_OPTIMUM[-1]]  # 1 opens at 912 and closes at 967
    assert any("customer 1 starts" in v for v in verify_routes(inst, [late]))


@pytest.mark.parametrize(
    ("routes", "message"),
    [
        ([[1, 1]], "customer 1 already visited by route 1"),  # twice in one route
        ([[3], [3]], "route 2: customer 3 already visited by route 1"),  # across routes
        ([[0]], "route 1: 0 is not a customer id"),  # the depot
        ([[4]], "route 1: 4 is not a customer id"),  # past N
        ([[1], [2], [3]], "3 routes for at most m=2"),  # too many routes
        ([[2, 3]], "customer 3 starts service at 33.6"),  # 25 + 8.6 travel, closes at 30
    ],
)
def test_verify_routes_names_each_broken_rule(routes, message):
    assert any(message in v for v in verify_routes(small(), routes, m=2))


def test_a_route_that_returns_after_the_budget_is_rejected():
    inst = dataclasses.replace(small(), close=(30, 50, 60, 30))  # 5 + 10 + 5 + 5 + 10 = 35
    assert verify_routes(small(), [[1, 2]]) == []
    assert verify_routes(inst, [[1, 2]]) == [
        "route 1: back at the depot at 35, after the time budget 30"
    ]


# --- BKS table ------------------------------------------------------------------------------


def test_the_real_bks_table_has_111_rows_keyed_by_instance_and_m():
    bks = load_bks()
    assert len(bks) == 111
    assert bks[("c101", 1)] == 320 and bks[("pr01", 4)] == 657 and bks[("rc201", 1)] == 795
    assert sum(1 for _, m in bks if m == 1) == 51


def test_a_bks_table_with_a_repeated_key_or_a_missing_column_is_rejected():
    with pytest.raises(ValueError, match="line 3: repeated"):
        parse_bks("instance,m,bks_score,source\nc101,1,320,x\nc101,1,321,y\n")
    with pytest.raises(ValueError, match="lacks column"):
        parse_bks("instance,bks_score\nc101,320\n")
    assert parse_bks('instance,m,bks_score,source\nc101,1,320,"a, b"\n') == {("c101", 1): 320}


# --- peers (optional extra) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "solver"),
    [
        ("pyvrp", "solve_pyvrp"),  # prize-collecting VRPTW, optional clients
        ("vroom", "solve_vroom"),  # job priorities, one thread
    ],
)
def test_each_peer_finds_a_feasible_positive_route_on_c101_cut_to_25_customers(module, solver):
    pytest.importorskip(module)
    from bench import peers

    inst = first_customers(read_toptw_file(C101), 25)
    routes = getattr(peers, solver)(inst, m=1, time_limit_s=2)
    assert verify_routes(inst, routes, m=1) == []
    assert route_score(inst, routes) > 0
