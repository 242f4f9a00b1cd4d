"""The day planner: every rule of DESIGN.md's 'What the planner optimizes', end to end."""

from __future__ import annotations

from typing import Any

import pytest

from api.documents.day import parse_day_problem
from geo import CRS, LatLon, from_wgs84
from planner import SolveSettings, solve
from tests.conftest import assert_plan_valid
from tests.planner.factories import day, lead, offset, ring_of_leads


def plan_of(doc: dict[str, Any], **settings: Any) -> dict[str, Any]:
    plan = solve(parse_day_problem(doc), settings=SolveSettings(**settings)).to_dict()
    assert_plan_valid(doc, plan)
    return plan


def visited(plan: dict[str, Any]) -> list[str]:
    return [s["lead_id"] for s in plan["stops"] if s["type"] == "visit"]


def test_the_small_wangjing_day_is_ok_and_passes_both_checkers(small_problem):
    plan = plan_of(small_problem)
    assert plan["status"] == "ok"
    assert plan["totals"]["visits"] >= 8
    assert plan["totals"]["effective_visits"] >= 2
    assert plan["stops"][0]["type"] == "start" and plan["stops"][-1]["type"] == "end"
    assert plan["totals"]["return_at"] <= "2026-11-27T18:00:00+08:00"


def test_every_appointment_is_visited_inside_its_window(small_problem):
    plan = plan_of(small_problem)
    stop = next(s for s in plan["stops"] if s.get("lead_id") == "L1")
    assert "2026-11-27T10:00:00+08:00" <= stop["start"] <= "2026-11-27T10:30:00+08:00"


def test_each_effective_visit_is_followed_by_a_sweep_when_a_building_is_near():
    leads = [
        lead("E1", 1.0, 0.0, effective=True, building_id="B1"),
        lead("E2", -1.0, 0.5, effective=True),
        *ring_of_leads(8, radius_km=1.5),
    ]
    buildings = [
        {"id": "B1", "location": offset(1.0, 0.0), "tenants": 100},
        {"id": "B2", "location": offset(1.1, 0.0), "tenants": 10},
        {"id": "B3", "location": offset(-1.1, 0.5), "tenants": 50},
    ]
    plan = plan_of(day(leads, buildings=buildings))
    stops = plan["stops"]
    for i, s in enumerate(stops):
        if s["type"] == "visit" and s["lead_id"] in ("E1", "E2"):
            assert stops[i + 1]["type"] == "sweep"
            assert stops[i + 1]["anchor_lead_id"] == s["lead_id"]
    first_sweep = next(s for s in stops if s["type"] == "sweep" and s["anchor_lead_id"] == "E1")
    assert first_sweep["building_id"] == "B1", "its own building first"
    swept = [s["building_id"] for s in stops if s["type"] == "sweep"]
    assert len(swept) == len(set(swept)), "a building is swept at most once"


def test_an_urgent_lead_beats_a_more_valuable_one_when_only_one_fits():
    # both at the same place; the day only has room for one 30-minute visit
    urgent = lead("U", 1.0, 1.0, value=50, reclaim_at="2026-11-28T00:00:00+08:00")
    plain = lead("P", 1.0, 1.0, value=60)
    doc = day([plain, urgent], rep={"return_by": "09:50"}, rules={"min_visits": 1})
    assert visited(plan_of(doc)) == ["U"]


def test_a_lead_reclaimed_over_the_weekend_is_urgent_on_friday():
    doc = day(
        [
            lead("SAT", 0, 1, reclaim_at="2026-11-28T12:00:00+08:00"),
            lead("MON", 0, 1, reclaim_at="2026-11-30T09:00:00+08:00"),
        ]
    )
    problem = parse_day_problem(doc)
    sat, mon = problem.leads
    assert problem.is_urgent(sat) and not problem.is_urgent(mon)
    assert problem.weighted_value(sat) == 75.0


def test_too_short_a_day_is_a_shortfall_with_the_unmet_rules_named():
    doc = day(ring_of_leads(12), rep={"return_by": "11:00"})
    plan = plan_of(doc)
    assert plan["status"] == "shortfall"
    codes = {i["code"] for i in plan["issues"]}
    assert "min_visits_unmet" in codes and "min_effective_unmet" in codes
    assert plan["stops"] and len(plan["unvisited"]) == 12 - plan["totals"]["visits"]
    assert {u["reason"] for u in plan["unvisited"]} <= {"no_time", "window_unreachable"}


def test_a_missed_appointment_is_reported_and_never_called_lower_value():
    # two appointments at the same time far apart: only one can be kept
    a = lead("A1", 3, 0, kind="appointment", windows=[["10:00", "10:05"]])
    b = lead("A2", -3, 0, kind="appointment", windows=[["10:00", "10:05"]])
    plan = plan_of(day([a, b, *ring_of_leads(8)]))
    assert plan["status"] == "shortfall"
    assert "appointment_missed" in {i["code"] for i in plan["issues"]}
    missed = [u for u in plan["unvisited"] if u["lead_id"] in ("A1", "A2")]
    assert len(missed) == 1 and missed[0]["reason"] == "no_time"


def test_a_day_whose_office_cannot_be_reached_back_in_time_is_infeasible():
    doc = day(ring_of_leads(5), rep={"end": offset(20, 0), "return_by": "08:40"})
    plan = plan_of(doc)
    assert plan["status"] == "infeasible" and plan["stops"] == []
    assert [i["code"] for i in plan["issues"]] == ["day_infeasible"]
    assert {u["reason"] for u in plan["unvisited"]} == {"day_infeasible"}


def test_a_lunch_that_cannot_be_placed_makes_the_day_infeasible():
    doc = day(
        ring_of_leads(5), rep={"lunch": {"earliest": "18:30", "latest": "19:00", "minutes": 30}}
    )
    plan = plan_of(doc)
    assert plan["status"] == "infeasible"
    assert "lunch" in plan["issues"][0]["message"]


def test_a_lead_whose_window_cannot_be_reached_is_window_unreachable():
    far = lead("FAR", 15, 0, windows=[["08:35", "08:40"]], value=90)
    plan = plan_of(day([far, *ring_of_leads(9)]))
    assert {"lead_id": "FAR", "reason": "window_unreachable"} in plan["unvisited"]


def test_lunch_is_one_break_inside_its_window(small_problem):
    plan = plan_of(small_problem)
    breaks = [s for s in plan["stops"] if s["type"] == "break"]
    assert len(breaks) == 1
    assert "2026-11-27T11:30:00+08:00" <= breaks[0]["start"] <= "2026-11-27T13:30:00+08:00"


@pytest.mark.parametrize(
    "mode",
    [
        "transit",  # the default: 8 min access, rush 16 km/h
        "drive",  # parking 3 min, rush 18 km/h
        "bike",  # slow but no access time
        "walk",  # everything on foot
    ],
)
def test_every_travel_mode_gives_a_checked_plan(mode):
    plan = plan_of(day(ring_of_leads(14, radius_km=1.5), rep={"mode": mode}))
    assert plan["stops"]
    speeds = {"transit": 40, "drive": 60, "bike": 25, "walk": 7}
    for s in plan["stops"][1:]:
        if s["travel_minutes"] > 0:
            assert s["travel_km"] / 1.0 / (s["travel_minutes"] / 60) <= speeds[mode] * 1.5


def test_morning_rush_makes_the_first_leg_slower_than_midday():
    late = day(ring_of_leads(10, radius_km=4.0), rep={"shift_start": "10:30"})
    early = day(ring_of_leads(10, radius_km=4.0))
    first_late = plan_of(late)["stops"][1]["travel_minutes"]
    first_early = plan_of(early)["stops"][1]["travel_minutes"]
    assert first_early > first_late  # same ring distance, 08:30 is in the rush


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])  # Amap's and Baidu's systems
def test_problems_in_chinese_coordinate_systems_plan_in_wgs84_geometry(small_problem, crs):
    doc = small_problem
    doc["crs"] = crs

    def move(p: dict[str, float]) -> None:
        q = from_wgs84(LatLon(p["lat"], p["lon"]), CRS(crs))
        p["lat"], p["lon"] = q.lat, q.lon

    move(doc["rep"]["start"])
    for x in doc["leads"] + doc["buildings"]:
        move(x["location"])
    doc["buildings"] = [b for b in doc["buildings"] if not b.get("footprint")]
    plan = plan_of(doc)
    assert plan["crs"] == crs
    start = plan["stops"][0]["location"]
    assert start == doc["rep"]["start"]
    line = plan["geometry"]["features"][0]["geometry"]["coordinates"]
    assert abs(line[0][0] - 116.4807) < 1e-5 and abs(line[0][1] - 39.9968) < 1e-5


def test_deterministic_mode_gives_the_same_plan_twice(small_problem):
    small_problem["options"] = {"deterministic": True}
    a, b = plan_of(small_problem), plan_of(small_problem)
    assert [s.get("lead_id") or s["type"] for s in a["stops"]] == [
        s.get("lead_id") or s["type"] for s in b["stops"]
    ]
    assert a["solver"]["search"]["branch_limit"] is not None


def test_the_plan_echoes_its_travel_model_and_time_limit(small_problem):
    small_problem["options"] = {"time_limit_s": 0.3}
    plan = plan_of(small_problem)
    assert plan["solver"]["travel_model"]["kind"] == "builtin"
    assert plan["solver"]["time_limit_s"] == 0.3


def test_the_time_limit_is_capped_by_the_caller(small_problem):
    small_problem["options"] = {"time_limit_s": 30}
    plan = plan_of(small_problem, max_time_limit_s=0.2)
    assert plan["solver"]["time_limit_s"] == 0.2
