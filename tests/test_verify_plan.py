"""Tests of the plan verifier (tests/verify_plan.py) on a tiny hand-made day: the valid plan
passes, each broken variant fails, and the team's independent checker agrees on every case
when ../shared/tools/check_plan.py is there.

The day: the rep leaves the office at 08:30, visits L2 at 09:00 and the appointment L1 at
10:00, sweeps L1's building B1, lunches there at 11:30 and is back soon after 12:15. L3
(08:30-08:40, 5.7 km away) cannot be reached in time. Legs come from geo's built-in model.
"""

from __future__ import annotations

import copy
import importlib.util
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from geo import LatLon, TravelModel
from tests.verify_plan import verify_plan

Json = dict[str, Any]
Case = tuple[Json, Json]

CHECKER_PATH = Path(__file__).resolve().parents[2] / "shared" / "tools" / "check_plan.py"
MODEL = TravelModel()
MIDNIGHT = datetime.fromisoformat("2026-11-27T00:00:00+08:00")
OFFICE = {"lat": 39.9968, "lon": 116.4807}

PROBLEM: Json = {
    "date": "2026-11-27",
    "timezone": "Asia/Shanghai",
    "crs": "wgs84",
    "rep": {
        "id": "r1",
        "start": OFFICE,
        "shift_start": "08:30",
        "return_by": "18:00",
        "mode": "transit",
        "lunch": {"earliest": "11:30", "latest": "13:30", "minutes": 30},
    },
    "rules": {"min_visits": 2, "min_effective": 1, "target_effective": 1, "sweep_radius_m": 300},
    "leads": [
        {"id": "L1", "location": {"lat": 39.98, "lon": 116.47}, "building_id": "B1",
         "kind": "appointment", "value": 80, "windows": [["10:00", "10:30"]]},
        {"id": "L2", "location": {"lat": 39.99, "lon": 116.49}, "kind": "follow_up", "value": 35},
        {"id": "L3", "location": {"lat": 40.03, "lon": 116.43}, "kind": "new", "value": 50,
         "windows": [["08:30", "08:40"]]},
    ],
    "buildings": [
        {"id": "B1", "location": {"lat": 39.98005, "lon": 116.47005}, "sweep_minutes": 20},
        {"id": "B2", "location": {"lat": 39.989, "lon": 116.47}},  # 1 km north of L1
    ],
}  # fmt: skip

# The valid day, by hand: (type, id, start "HH:MM", minutes[, anchor]); a break is taken
# where the rep is; the end needs no start.
ROUTE: list[tuple[Any, ...]] = [
    ("visit", "L2", "09:00", 30),
    ("visit", "L1", "10:00", 45),
    ("sweep", "B1", "10:46", 20, "L1"),
    ("break", None, "11:30", 30),
    ("end",),
]


def instant(minutes: float) -> str:
    """ISO 8601 instant, to the second, ``minutes`` after local midnight of the day."""
    return (MIDNIGHT + timedelta(seconds=round(minutes * 60))).isoformat()


def clock(hhmm: str) -> float:
    hours, mins = hhmm.split(":")
    return int(hours) * 60.0 + int(mins)


def place(problem: Json, kind: str, ref: str | None, here: Json) -> Json:
    if kind == "visit":
        return next(x["location"] for x in problem["leads"] if x["id"] == ref)
    if kind == "sweep":
        return next(b["location"] for b in problem["buildings"] if b["id"] == ref)
    return here if kind == "break" else problem["rep"]["start"]


def timed_stop(problem: Json, entry: tuple[Any, ...], here: Json, depart: float) -> Json:
    """One stop of ``entry`` reached from ``here`` leaving at ``depart`` (minutes)."""
    kind, ref = entry[0], entry[1] if len(entry) > 1 else None
    loc = place(problem, kind, ref, here)
    leg = MODEL.leg(LatLon(**here), LatLon(**loc), "transit", depart)
    arrive = depart + leg.minutes
    stop: Json = {"type": kind, "location": loc, "travel_minutes": leg.minutes,
                  "travel_km": leg.km, "arrive": instant(arrive)}  # fmt: skip
    if kind == "end":
        return stop
    start = clock(entry[2])
    assert start >= arrive, f"hand-chosen start {entry[2]} before the arrival at {ref}"
    stop.update(start=instant(start), depart=instant(start + entry[3]), wait_minutes=start - arrive)
    if kind == "visit":
        lead = next(x for x in problem["leads"] if x["id"] == ref)
        stop.update(lead_id=ref, effective=lead.get("kind") == "appointment")
    elif kind == "sweep":
        stop.update(building_id=ref, anchor_lead_id=entry[4])
    return stop


def geometry(stops: list[Json], extra: list[Json]) -> Json:
    def pos(p: Json) -> list[float]:
        return [p["lon"], p["lat"]]

    line = {"type": "LineString", "coordinates": [pos(s["location"]) for s in stops]}
    places = [s["location"] for s in stops] + extra
    points = [{"type": "Point", "coordinates": pos(p)} for p in places]
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "geometry": g, "properties": {}}
                         for g in [line, *points]]}  # fmt: skip


def build_plan(problem: Json, route: list[tuple[Any, ...]], unvisited: dict[str, str]) -> Json:
    """The plan of ``route``, leaving the office at 08:30, with totals and geometry."""
    here, depart = problem["rep"]["start"], clock("08:30")
    stops: list[Json] = [{"type": "start", "location": here, "depart": instant(depart)}]
    for entry in route:
        stop = timed_stop(problem, entry, here, depart)
        stops.append(stop)
        if entry[0] != "end":
            here, depart = stop["location"], clock(entry[2]) + entry[3]
    leads = {x["id"]: x for x in problem["leads"]}
    visits = [s for s in stops if s["type"] == "visit"]
    moving = stops[1:]
    return {
        "plan_id": "p1", "rep_id": "r1", "date": "2026-11-27", "crs": "wgs84",
        "status": "ok", "issues": [], "stops": stops,
        "totals": {
            "visits": len(visits),
            "effective_visits": sum(1 for s in visits if s["effective"]),
            "sweeps": sum(1 for s in stops if s["type"] == "sweep"),
            "travel_minutes": sum(s["travel_minutes"] for s in moving),
            "travel_km": sum(s["travel_km"] for s in moving),
            "service_minutes": sum(e[3] for e in route if e[0] in ("visit", "sweep")),
            "wait_minutes": sum(s.get("wait_minutes", 0.0) for s in moving),
            "return_at": stops[-1]["arrive"],
            "value": sum(leads[s["lead_id"]]["value"] for s in visits),
        },
        "unvisited": [{"lead_id": i, "reason": r} for i, r in unvisited.items()],
        "solver": {"engine": "hand", "travel_model": MODEL.to_dict()},
        "geometry": geometry(stops, [leads[i]["location"] for i in unvisited]),
    }  # fmt: skip


def valid_case() -> Case:
    problem = copy.deepcopy(PROBLEM)
    return problem, build_plan(problem, ROUTE, {"L3": "window_unreachable"})


def on_provider_model() -> Case:
    problem, plan = valid_case()
    plan["solver"]["travel_model"] = {"kind": "osrm", "url": "http://localhost:5000"}
    return problem, plan


# --- the broken variants ------------------------------------------------------------


def visit_outside_window() -> Case:
    problem = copy.deepcopy(PROBLEM)
    route = [
        ("visit", "L2", "09:00", 30),
        ("visit", "L1", "09:50", 45),
        ("sweep", "B1", "10:36", 20, "L1"),
        ("break", None, "11:30", 30),
        ("end",),
    ]
    return problem, build_plan(problem, route, {"L3": "window_unreachable"})


def late_return() -> Case:
    problem, plan = valid_case()
    problem["rep"]["return_by"] = "12:00"
    return problem, plan


def lead_in_neither_list() -> Case:
    problem = copy.deepcopy(PROBLEM)
    plan = build_plan(problem, ROUTE, {})
    return problem, plan


def wrong_value() -> Case:
    problem, plan = valid_case()
    plan["totals"]["value"] += 1
    return problem, plan


def sweep_after_another_visit() -> Case:
    problem = copy.deepcopy(PROBLEM)
    route = [
        ("visit", "L1", "10:00", 45),
        ("visit", "L2", "11:05", 30),
        ("sweep", "B1", "11:55", 20, "L1"),
        ("break", None, "12:15", 30),
        ("end",),
    ]
    return problem, build_plan(problem, route, {"L3": "window_unreachable"})


def sweep_beyond_radius() -> Case:
    problem = copy.deepcopy(PROBLEM)
    route = [
        ("visit", "L2", "09:00", 30),
        ("visit", "L1", "10:00", 45),
        ("sweep", "B2", "10:58", 30, "L1"),
        ("break", None, "11:30", 30),
        ("end",),
    ]
    return problem, build_plan(problem, route, {"L3": "window_unreachable"})


def needless_min_visits_issue() -> Case:
    problem, plan = valid_case()
    plan["issues"].append({"code": "min_visits_unmet", "message": "only 2 visits"})
    return problem, plan


def not_maximal() -> Case:
    problem = copy.deepcopy(PROBLEM)
    problem["leads"].append(
        {"id": "L4", "location": {"lat": 39.9975, "lon": 116.4830}, "kind": "new", "value": 10}
    )  # 210 m from the office, open all day, and the day ends at 12:16
    plan = build_plan(problem, ROUTE, {"L3": "window_unreachable", "L4": "no_time"})
    return problem, plan


def infeasible_though_empty_day_fits() -> Case:
    problem, plan = valid_case()
    plan.update(
        status="infeasible",
        issues=[{"code": "day_infeasible", "message": "no day"}],
        stops=[],
        unvisited=[{"lead_id": x["id"], "reason": "day_infeasible"} for x in problem["leads"]],
    )
    return problem, plan


def reachable_called_unreachable() -> Case:
    problem = copy.deepcopy(PROBLEM)
    problem["leads"][2]["windows"] = [["08:30", "09:30"]]  # alone: there at 09:08
    return problem, build_plan(problem, ROUTE, {"L3": "window_unreachable"})


def faster_than_transit() -> Case:
    problem, plan = on_provider_model()
    first = plan["stops"][1]
    saved = first["travel_minutes"] - 1.0
    first.update(travel_minutes=1.0, arrive=instant(clock("08:31")))
    first["wait_minutes"] += saved
    plan["totals"]["travel_minutes"] -= saved
    plan["totals"]["wait_minutes"] += saved
    return problem, plan


BROKEN = [
    # L1 (10:00-10:30) starts at 09:50
    pytest.param(visit_outside_window, "outside", id="visit-outside-window"),
    # return_by moved to 12:00; the plan is back at 12:16
    pytest.param(late_return, "after return_by", id="late-return"),
    # L3 is neither visited nor listed unvisited
    pytest.param(lead_in_neither_list, "neither visited nor", id="lead-missing"),
    # totals.value one more than L1 + L2
    pytest.param(wrong_value, "totals.value", id="wrong-value"),
    # B1 swept after L2 although its anchor is L1
    pytest.param(sweep_after_another_visit, "not right after its anchor", id="sweep-not-after"),
    # B2 is 1 km from its anchor L1, radius 300 m
    pytest.param(sweep_beyond_radius, "beyond the sweep radius", id="sweep-beyond-radius"),
    # min_visits_unmet with 2 visits of min 2
    pytest.param(needless_min_visits_issue, "issue min_visits_unmet", id="needless-issue"),
    # L4, 210 m from the office, left as no_time with six hours to spare
    pytest.param(not_maximal, "not maximal", id="not-maximal"),
    # infeasible although an empty day with lunch fits easily
    pytest.param(infeasible_though_empty_day_fits, "empty day", id="false-infeasible"),
    # L3 said window_unreachable although it can be reached alone at 09:08
    pytest.param(reachable_called_unreachable, "alone it can be reached", id="false-unreachable"),
    # under a road-network provider, 1.1 km in 1 minute by transit
    pytest.param(faster_than_transit, "faster than 40 km/h", id="speed-cap"),
]
VALID = [
    pytest.param(valid_case, id="builtin-model"),  # the day as planned, builtin legs
    pytest.param(on_provider_model, id="provider-model"),  # the same day echoed as "osrm"
]


@pytest.fixture(scope="module")
def checker() -> ModuleType:
    """The team's independent checker, when this clone sits beside ../shared."""
    if not CHECKER_PATH.is_file():
        pytest.skip(
            f"no independent checker at {CHECKER_PATH}: this clone has no ../shared, so the "
            "verifier cannot be compared with it (the verifier's own tests still run)"
        )
    spec = importlib.util.spec_from_file_location("check_plan", CHECKER_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("case", VALID)
def test_a_valid_plan_has_no_violations(case: Callable[[], Case]) -> None:
    assert verify_plan(*case()) == []


@pytest.mark.parametrize(("case", "expected"), BROKEN)
def test_each_broken_plan_is_reported_with_its_rule(
    case: Callable[[], Case], expected: str
) -> None:
    violations = verify_plan(*case())
    assert any(expected in v for v in violations), violations


def test_a_malformed_plan_is_reported_rather_than_raised() -> None:
    violations = verify_plan(copy.deepcopy(PROBLEM), {"status": "ok", "stops": [{"type": "start"}]})
    assert violations


@pytest.mark.parametrize("case", VALID)
def test_the_checker_also_passes_the_valid_plans(
    case: Callable[[], Case], checker: ModuleType
) -> None:
    assert checker.check(*case())["violations"] == []


@pytest.mark.parametrize(("case", "expected"), BROKEN)
def test_the_checker_also_fails_each_broken_plan(
    case: Callable[[], Case], expected: str, checker: ModuleType
) -> None:
    problem, plan = case()
    assert verify_plan(problem, plan), "the verifier passed a broken plan"
    assert not checker.check(problem, plan)["ok"], "the checker passed a broken plan"
