"""Property tests: plans for generated days of many shapes pass both plan checkers."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.documents.day import parse_day_problem
from geo import LatLon, from_wgs84
from planner import SearchSetup, SolveSettings, solve
from tests.conftest import assert_plan_valid
from tests.planner.factories import OFFICE, offset

# a short deterministic search: repeatable examples, a fast suite
QUICK = SolveSettings(setup=SearchSetup(branch_limit=15_000))


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def windows(draw: st.DrawFn, style: str) -> list[list[str]] | None:
    if style == "loose" or (style == "mixed" and draw(st.booleans())):
        return None
    if style == "afternoon":
        return [["14:00", "17:30"]]
    opens = sorted(draw(st.lists(st.integers(8 * 4, 17 * 4), min_size=1, max_size=2, unique=True)))
    width = draw(st.sampled_from([5, 15, 30, 60, 120]))
    return [[hhmm(o * 15), hhmm(min(o * 15 + width, 24 * 60))] for o in opens]


@st.composite
def day_problems(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(8, 60))
    style = draw(st.sampled_from(["loose", "tight", "mixed", "afternoon"]))
    spread = draw(st.sampled_from([1.0, 3.0, 6.0]))
    n_buildings = draw(st.integers(0, 10))
    buildings = []
    for b in range(n_buildings):
        north, east = draw(st.floats(-spread, spread)), draw(st.floats(-spread, spread))
        buildings.append(
            {
                "id": f"B{b}",
                "location": offset(north, east),
                "tenants": draw(st.integers(0, 300)),
                "sweep_minutes": draw(st.sampled_from([None, 15, 30, 60])),
            }
        )
    n_appointments = draw(st.integers(0, 3))
    leads = []
    for i in range(n):
        in_building = buildings and draw(st.booleans())
        if in_building:
            b = draw(st.sampled_from(buildings))
            km_n, km_e = draw(st.floats(-0.08, 0.08)), draw(st.floats(-0.08, 0.08))
            loc = offset(km_n, km_e, b["location"])
        else:
            loc = offset(draw(st.floats(-spread, spread)), draw(st.floats(-spread, spread)))
        appointment = i < n_appointments
        lead: dict[str, Any] = {
            "id": f"L{i}",
            "location": loc,
            "kind": "appointment" if appointment else draw(st.sampled_from(["new", "follow_up"])),
            "value": draw(st.integers(0, 100)),
            "windows": draw(windows(style)),
        }
        if appointment:
            start = draw(st.integers(38, 66)) * 15
            lead["windows"] = [[hhmm(start), hhmm(start + 30)]]
        if in_building:
            lead["building_id"] = b["id"]
        if draw(st.integers(0, 4)) == 0:
            lead["effective"] = True
        if draw(st.integers(0, 3)) == 0:
            lead["reclaim_at"] = draw(
                st.sampled_from(["2026-11-27T20:00:00+08:00", "2026-12-03T00:00:00+08:00"])
            )
        if draw(st.integers(0, 5)) == 0:
            lead["service_minutes"] = draw(st.sampled_from([0, 10, 20, 60]))
        leads.append(lead)
    rep: dict[str, Any] = {
        "id": "r1",
        "start": dict(OFFICE),
        "mode": draw(st.sampled_from(["transit", "drive", "bike", "walk"])),
        "return_by": draw(st.sampled_from(["18:00", "18:00", "13:00", "09:10"])),
    }
    if draw(st.booleans()):
        rep["lunch"] = {"earliest": "11:30", "latest": "13:30", "minutes": 30}
    if draw(st.integers(0, 9)) == 0:
        rep["end"] = offset(25, 0)  # an end far away: may make the day infeasible
    doc = {
        "date": "2026-11-27",
        "rep": rep,
        "rules": {
            "min_visits": draw(st.integers(0, 20)),
            "min_effective": draw(st.integers(0, 4)),
            "sweep_radius_m": draw(st.sampled_from([100, 300, 600])),
        },
        "leads": leads,
        "buildings": buildings,
    }
    crs = draw(st.sampled_from(["wgs84", "gcj02", "bd09"]))
    if crs != "wgs84":
        doc["crs"] = crs
        for p in [rep["start"], *([rep["end"]] if "end" in rep else [])] + [
            x["location"] for x in leads + buildings
        ]:
            q = from_wgs84(LatLon(p["lat"], p["lon"]), crs)
            p["lat"], p["lon"] = q.lat, q.lon
    return doc


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(doc=day_problems())
def test_plans_for_generated_days_pass_both_checkers(doc):
    plan = solve(parse_day_problem(doc), settings=QUICK).to_dict()
    assert_plan_valid(doc, plan)
    codes = {i["code"] for i in plan["issues"]}
    if plan["status"] == "ok":
        assert not codes & {"appointment_missed", "min_visits_unmet", "min_effective_unmet"}
    if plan["status"] == "infeasible":
        assert codes == {"day_infeasible"}
