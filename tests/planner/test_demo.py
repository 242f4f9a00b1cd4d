"""Tests of the seeded demo branch generator (planner/demo/branch.py)."""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

import pytest
from shapely.geometry import Point, shape

from planner.demo.branch import day_problems, make_branch

OFFICE = {"lat": 39.9968, "lon": 116.4807}
NEXT_SHIFT_START = datetime.fromisoformat("2026-11-30T08:30:00+08:00")  # 11-27 is a Friday

# The keys DESIGN.md's day problem defines, level by level.
PROBLEM_KEYS = {"date", "timezone", "crs", "rep", "rules", "options", "leads", "buildings"}
REP_KEYS = {"id", "start", "end", "shift_start", "return_by", "mode", "lunch"}
LUNCH_KEYS = {"earliest", "latest", "minutes"}
RULES_KEYS = {"min_visits", "min_effective", "target_effective", "sweep_radius_m"}
OPTIONS_KEYS = {"time_limit_s"}
LEAD_KEYS = {
    "id", "location", "building_id", "kind", "value", "service_minutes", "windows",
    "reclaim_at", "effective",
}  # fmt: skip
BUILDING_KEYS = {"id", "location", "name", "footprint", "tenants", "sweep_minutes"}
LOCATION_KEYS = {"lat", "lon"}


def haversine_m(a: dict[str, float], b: dict[str, float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (a["lat"], a["lon"], b["lat"], b["lon"]))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(min(1.0, h)))


def minutes(hhmm: str) -> int:
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def is_effective(lead: dict[str, Any]) -> bool:
    return lead["kind"] == "appointment" or lead.get("effective") is True


@pytest.fixture(scope="module")
def branch() -> dict[str, Any]:
    return make_branch()


@pytest.fixture(scope="module")
def problems(branch: dict[str, Any]) -> list[dict[str, Any]]:
    return day_problems(branch)


@pytest.fixture(scope="module")
def leads(branch: dict[str, Any]) -> list[dict[str, Any]]:
    return [lead for rep in branch["reps"] for lead in rep["leads"]]


@pytest.fixture(scope="module")
def buildings(branch: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["id"]: b for b in branch["buildings"]}


def test_the_same_seed_gives_byte_identical_json() -> None:
    first = json.dumps(make_branch(seed=7), sort_keys=True)
    assert json.dumps(make_branch(seed=7), sort_keys=True) == first
    problems = json.dumps(day_problems(make_branch(seed=7)), sort_keys=True)
    assert json.dumps(day_problems(make_branch(seed=7)), sort_keys=True) == problems


def test_different_seeds_give_different_branches() -> None:
    dumps = {json.dumps(make_branch(seed=seed), sort_keys=True) for seed in (1, 2, 2026)}
    assert len(dumps) == 3


def test_the_branch_has_the_documented_top_level_shape(branch: dict[str, Any]) -> None:
    assert set(branch) == {
        "branch_id", "date", "timezone", "crs", "rules", "options", "office", "buildings",
        "reps",
    }  # fmt: skip
    assert branch["branch_id"] == "bj-wangjing"
    assert (branch["date"], branch["timezone"], branch["crs"]) == (
        "2026-11-27", "Asia/Shanghai", "wgs84",
    )  # fmt: skip
    assert branch["rules"] == {
        "min_visits": 8, "min_effective": 2, "target_effective": 3, "sweep_radius_m": 300,
    }  # fmt: skip
    assert branch["options"] == {"time_limit_s": 1.0}
    assert set(branch["office"]) == {"name", "location"}
    assert branch["office"]["location"] == OFFICE


def test_there_are_twelve_reps_with_30_to_50_leads_each(branch: dict[str, Any]) -> None:
    reps = branch["reps"]
    assert [rep["id"] for rep in reps] == [f"r{i:02d}" for i in range(1, 13)]
    assert len({rep["name"] for rep in reps}) == 12
    for rep in reps:
        assert set(rep) == REP_KEYS | {"name", "leads"}
        assert 30 <= len(rep["leads"]) <= 50, rep["id"]
        assert rep["start"] == OFFICE and rep["end"] is None
        assert (rep["shift_start"], rep["return_by"]) == ("08:30", "18:00")
        assert rep["lunch"] == {"earliest": "11:30", "latest": "13:30", "minutes": 30}


def test_modes_are_mostly_transit_with_one_driver_and_one_or_two_bikes(
    branch: dict[str, Any],
) -> None:
    modes = [rep["mode"] for rep in branch["reps"]]
    assert modes.count("drive") == 1
    assert modes.count("bike") in (1, 2)
    assert modes.count("transit") == len(modes) - 1 - modes.count("bike")


def test_lead_and_building_ids_are_unique_across_the_branch(
    branch: dict[str, Any], leads: list[dict[str, Any]]
) -> None:
    lead_ids = [lead["id"] for lead in leads]
    assert len(set(lead_ids)) == len(lead_ids)
    assert all(lead_id.startswith("L") for lead_id in lead_ids)
    building_ids = [b["id"] for b in branch["buildings"]]
    assert len(set(building_ids)) == len(building_ids)


def test_every_lead_is_in_an_existing_building(
    leads: list[dict[str, Any]], buildings: dict[str, dict[str, Any]]
) -> None:
    assert all(lead["building_id"] in buildings for lead in leads)


def test_there_are_60_to_80_buildings_with_plausible_tenants_and_sweeps(
    branch: dict[str, Any],
) -> None:
    assert 60 <= len(branch["buildings"]) <= 80
    names = [b["name"] for b in branch["buildings"]]
    assert len(set(names)) == len(names)
    for b in branch["buildings"]:
        assert set(b) == BUILDING_KEYS
        assert 10 <= b["tenants"] <= 300
        assert 20 <= b["sweep_minutes"] <= 60 and b["sweep_minutes"] % 5 == 0


def test_about_a_third_of_the_buildings_have_footprints(branch: dict[str, Any]) -> None:
    share = sum(b["footprint"] is not None for b in branch["buildings"]) / len(branch["buildings"])
    assert 0.25 <= share <= 0.42


def test_every_footprint_is_a_closed_valid_rectangle_around_its_building(
    buildings: dict[str, dict[str, Any]],
) -> None:
    for b in buildings.values():
        footprint = b["footprint"]
        if footprint is None:
            continue
        assert footprint["type"] == "Polygon"
        ring = footprint["coordinates"][0]
        assert len(footprint["coordinates"]) == 1 and len(ring) == 5
        assert ring[0] == ring[-1], b["id"]
        polygon = shape(footprint)
        assert polygon.is_valid, b["id"]
        assert polygon.contains(Point(b["location"]["lon"], b["location"]["lat"])), b["id"]
        west, south, east, north = polygon.bounds
        width = haversine_m({"lat": south, "lon": west}, {"lat": south, "lon": east})
        height = haversine_m({"lat": south, "lon": west}, {"lat": north, "lon": west})
        assert 60 <= width <= 250 and 60 <= height <= 250, b["id"]


def test_no_footprint_holds_another_building(buildings: dict[str, dict[str, Any]]) -> None:
    for b in buildings.values():
        if b["footprint"] is None:
            continue
        polygon = shape(b["footprint"])
        for other in buildings.values():
            if other is not b:
                where = Point(other["location"]["lon"], other["location"]["lat"])
                assert not polygon.contains(where), (b["id"], other["id"])


def test_every_lead_lies_in_its_buildings_footprint_or_within_60_m(
    leads: list[dict[str, Any]], buildings: dict[str, dict[str, Any]]
) -> None:
    for lead in leads:
        b = buildings[lead["building_id"]]
        if b["footprint"] is not None:
            where = Point(lead["location"]["lon"], lead["location"]["lat"])
            assert shape(b["footprint"]).contains(where), lead["id"]
        else:
            assert haversine_m(lead["location"], b["location"]) <= 60, lead["id"]


def test_buildings_come_in_clusters_with_neighbours_100_to_400_m_away(
    branch: dict[str, Any],
) -> None:
    points = [b["location"] for b in branch["buildings"]]
    for i, a in enumerate(points):
        nearest = min(haversine_m(a, b) for j, b in enumerate(points) if j != i)
        assert 99 <= nearest <= 400


def test_every_point_is_within_10_km_of_the_office(
    branch: dict[str, Any], leads: list[dict[str, Any]]
) -> None:
    for b in branch["buildings"]:
        assert haversine_m(OFFICE, b["location"]) <= 10_000, b["id"]
        if b["footprint"] is not None:
            for lon, lat in b["footprint"]["coordinates"][0]:
                assert haversine_m(OFFICE, {"lat": lat, "lon": lon}) <= 10_000, b["id"]
    for lead in leads:
        assert haversine_m(OFFICE, lead["location"]) <= 10_000, lead["id"]


def test_each_rep_has_two_or_three_appointments_at_least_two_hours_apart(
    branch: dict[str, Any],
) -> None:
    for rep in branch["reps"]:
        appointments = [lead for lead in rep["leads"] if lead["kind"] == "appointment"]
        assert 2 <= len(appointments) <= 3, rep["id"]
        windows = []
        for lead in appointments:
            assert lead["service_minutes"] in (45, 60)
            assert len(lead["windows"]) == 1
            opens, closes = map(minutes, lead["windows"][0])
            assert minutes("09:30") <= opens and closes <= minutes("16:30")
            assert 30 <= closes - opens <= 60
            assert opens % 15 == 0 and closes % 15 == 0
            windows.append((opens, closes))
        windows.sort()
        for (_, closes), (opens, _) in zip(windows, windows[1:], strict=False):
            assert opens - closes >= 120, rep["id"]


def test_each_rep_has_at_least_four_effective_leads(branch: dict[str, Any]) -> None:
    for rep in branch["reps"]:
        assert sum(is_effective(lead) for lead in rep["leads"]) >= 4, rep["id"]


def test_lead_fields_stay_in_their_documented_ranges(leads: list[dict[str, Any]]) -> None:
    for lead in leads:
        assert set(lead) <= LEAD_KEYS and set(lead["location"]) == LOCATION_KEYS
        assert lead["kind"] in ("appointment", "follow_up", "new")
        assert isinstance(lead["value"], int) and 5 <= lead["value"] <= 100
        assert lead.get("effective", True) is True
        if lead["kind"] != "appointment":
            assert lead.get("service_minutes", 20) in (20, 40)
        for opens, closes in lead.get("windows", []):
            assert minutes("09:00") <= minutes(opens) < minutes(closes) <= minutes("17:30")
        if "reclaim_at" in lead:
            assert lead["reclaim_at"].endswith("+08:00")
            assert datetime.fromisoformat(lead["reclaim_at"]).utcoffset() is not None


def test_the_lead_mix_matches_a_sales_day(leads: list[dict[str, Any]]) -> None:
    others = [lead for lead in leads if lead["kind"] != "appointment"]
    follow_up = sum(lead["kind"] == "follow_up" for lead in others) / len(others)
    effective = sum(lead.get("effective") is True for lead in others) / len(others)
    windowed = sum("windows" in lead for lead in others) / len(others)
    reclaimed = [
        datetime.fromisoformat(lead["reclaim_at"]) for lead in leads if "reclaim_at" in lead
    ]
    urgent = sum(at < NEXT_SHIFT_START for at in reclaimed)
    assert 0.15 <= follow_up <= 0.35
    assert 0.10 <= effective <= 0.22
    assert 0.05 <= windowed <= 0.40
    assert 0.20 <= len(reclaimed) / len(leads) <= 0.40
    assert 0 < urgent < len(reclaimed)


def test_appointments_and_effective_leads_score_higher(leads: list[dict[str, Any]]) -> None:
    def mean(values: list[int]) -> float:
        return sum(values) / len(values)

    strong = mean([lead["value"] for lead in leads if is_effective(lead)])
    plain = mean([lead["value"] for lead in leads if not is_effective(lead)])
    assert strong > plain + 15


def test_every_day_problem_has_only_the_design_keys(problems: list[dict[str, Any]]) -> None:
    assert len(problems) == 12
    for problem in problems:
        assert set(problem) == PROBLEM_KEYS
        assert set(problem["rep"]) == REP_KEYS
        assert set(problem["rep"]["lunch"]) == LUNCH_KEYS
        assert set(problem["rep"]["start"]) == LOCATION_KEYS
        assert set(problem["rules"]) == RULES_KEYS
        assert set(problem["options"]) == OPTIONS_KEYS
        for lead in problem["leads"]:
            assert set(lead) <= LEAD_KEYS and set(lead["location"]) == LOCATION_KEYS
        for b in problem["buildings"]:
            assert set(b) == BUILDING_KEYS and set(b["location"]) == LOCATION_KEYS


def test_a_day_problem_holds_its_reps_leads_and_the_buildings_around_them(
    branch: dict[str, Any], problems: list[dict[str, Any]]
) -> None:
    for rep, problem in zip(branch["reps"], problems, strict=True):
        assert problem["rep"]["id"] == rep["id"] and problem["leads"] == rep["leads"]
        assert (problem["date"], problem["timezone"], problem["crs"]) == (
            branch["date"], branch["timezone"], branch["crs"],
        )  # fmt: skip

        def near(b: dict[str, Any], leads: list[dict[str, Any]] = rep["leads"]) -> bool:
            return any(
                b["id"] == lead["building_id"]
                or haversine_m(b["location"], lead["location"]) <= 400
                for lead in leads
            )

        expected = [b for b in branch["buildings"] if near(b)]
        assert problem["buildings"] == expected


def test_day_problems_are_copies_not_views_of_the_branch() -> None:
    branch = make_branch(seed=3, n_reps=2)
    before = json.dumps(branch, sort_keys=True)
    problem = day_problems(branch)[0]
    problem["leads"][0]["location"]["lat"] = 0.0
    problem["buildings"][0]["name"] = "changed"
    problem["rep"]["lunch"]["minutes"] = 0
    problem["rules"]["min_visits"] = 0
    assert json.dumps(branch, sort_keys=True) == before


def test_the_branch_is_json_serialisable(branch: dict[str, Any]) -> None:
    text = json.dumps(branch, sort_keys=True, allow_nan=False)
    assert json.loads(text) == branch
    assert json.loads(json.dumps(day_problems(json.loads(text)))) == day_problems(branch)


def test_smaller_branches_follow_the_arguments() -> None:
    branch = make_branch(seed=11, n_reps=3, date="2026-12-01", leads_per_rep=(8, 8))
    assert [rep["id"] for rep in branch["reps"]] == ["r01", "r02", "r03"]
    assert all(len(rep["leads"]) == 8 for rep in branch["reps"])
    assert branch["date"] == "2026-12-01"
    for rep in branch["reps"]:
        assert sum(is_effective(lead) for lead in rep["leads"]) >= 4


def test_the_buildings_depend_on_the_seed_only() -> None:
    assert make_branch(n_reps=2)["buildings"] == make_branch(n_reps=12)["buildings"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_reps": 0},  # no reps
        {"n_reps": 100},  # ids would outgrow "r99"
        {"leads_per_rep": (3, 10)},  # too few leads for the appointments and effective leads
        {"leads_per_rep": (40, 30)},  # range upside down
        {"date": "27/11/2026"},  # not an ISO date
    ],
)
def test_bad_arguments_raise_value_error(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        make_branch(**kwargs)
