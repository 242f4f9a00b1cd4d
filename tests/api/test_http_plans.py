"""The plans API over real HTTP: solve, store, read back as JSON, GeoJSON and iCalendar."""

from __future__ import annotations

import copy
from typing import Any

from icalendar import Calendar

from api.documents.plan import DayPlanOut
from tests.conftest import assert_plan_valid


def _post(api, problem: dict[str, Any], who: str = "crm", **kw: Any):
    with api.client(who) as c:
        return c.post("/v1/plans", json=problem, **kw)


def test_posting_a_problem_answers_201_with_a_checked_stored_plan(api, small_problem_doc):
    r = _post(api, small_problem_doc)
    assert r.status_code == 201, r.text
    plan = r.json()
    assert plan["plan_id"] and r.headers["location"] == f"/v1/plans/{plan['plan_id']}"
    assert_plan_valid(small_problem_doc, plan)
    DayPlanOut.model_validate(plan)  # the OpenAPI schema describes exactly what is sent
    assert api.store.get_plan(plan["plan_id"]) == plan
    assert api.store.get_problem(plan["plan_id"]) == small_problem_doc


def test_a_stored_plan_reads_back_by_id_and_as_the_reps_latest(api, small_problem_doc):
    first = _post(api, small_problem_doc).json()
    second = _post(api, small_problem_doc).json()
    with api.client("crm") as c:
        assert c.get(f"/v1/plans/{first['plan_id']}").json() == first
        latest = c.get("/v1/reps/r17/plans/2026-11-27")
    assert latest.status_code == 200
    assert latest.json() == second


def test_a_dry_run_answers_200_without_storing(api, small_problem_doc):
    before = api.store.count_plans()
    r = _post(api, small_problem_doc, params={"dry_run": "true"})
    assert r.status_code == 200, r.text
    plan = r.json()
    assert plan["plan_id"] is None
    assert_plan_valid(small_problem_doc, plan)
    assert api.store.count_plans() == before


def test_the_time_limit_is_the_problems_capped_by_the_server(api, small_problem_doc):
    problem = copy.deepcopy(small_problem_doc)
    problem["options"] = {"time_limit_s": 500}
    plan = _post(api, problem, params={"dry_run": "true"}).json()
    assert plan["solver"]["time_limit_s"] == 1.0  # the test server's max_time_limit_s
    del problem["options"]
    plan = _post(api, problem, params={"dry_run": "true"}).json()
    assert plan["solver"]["time_limit_s"] == 0.3  # the test server's default


def test_unknown_plans_and_days_are_404_with_the_error_body(api):
    with api.client("crm") as c:
        for path in (
            "/v1/plans/nope",
            "/v1/plans/nope.geojson",
            "/v1/plans/nope.ics",
            "/v1/reps/r17/plans/2031-01-01",
        ):
            r = c.get(path)
            assert r.status_code == 404, path
            assert r.json()["code"] == "not_found" and r.json()["details"] == []


def test_the_geojson_is_the_route_in_wgs84(api, small_problem_doc):
    plan = _post(api, small_problem_doc).json()
    with api.client("rep") as c:
        r = c.get(f"/v1/plans/{plan['plan_id']}.geojson")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/geo+json")
    doc = r.json()
    assert doc["type"] == "FeatureCollection"
    lines = [f for f in doc["features"] if f["geometry"]["type"] == "LineString"]
    assert len(lines) == 1
    coords = lines[0]["geometry"]["coordinates"]
    start = plan["stops"][0]["location"]
    assert coords[0] == [start["lon"], start["lat"]]  # [lon, lat], wgs84 problem
    assert doc["properties"] == {"plan_id": plan["plan_id"], "rep_id": "r17"}


def test_the_calendar_has_one_event_per_visit_sweep_and_break(api, small_problem_doc):
    plan = _post(api, small_problem_doc).json()
    with api.client("rep") as c:
        r = c.get(f"/v1/plans/{plan['plan_id']}.ics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.content)
    events = list(cal.walk("VEVENT"))
    timed = [s for s in plan["stops"] if s["type"] in ("visit", "sweep", "break")]
    assert len(events) == len(timed) > 0
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    first_event, first_stop = events[0], timed[0]
    assert first_event.decoded("dtstart").isoformat() == first_stop["start"]
    assert first_event.decoded("dtend").isoformat() == first_stop["depart"]
    visits = [e for e in events if str(e["summary"]).startswith("Visit ")]
    assert len(visits) == plan["totals"]["visits"]
    assert "L1 (appointment, decision maker)" in {str(e["summary"])[6:] for e in visits}
    assert len({str(e["uid"]) for e in events}) == len(events)
