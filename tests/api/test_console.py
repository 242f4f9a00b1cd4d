"""The console's server side: the branch-day and who-am-I endpoints, the pages and their
assets, the demo's --db option, and the SVG map's aspect (no browser needed here)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import get_args

import httpx
import pytest

from api.cli.demo import console_hint
from api.documents.svg_map import routes_svg
from api.http.routers.console import security_headers
from api.settings import Settings
from api.store.branch_days import branch_day
from api.store.plans import PlanStore
from planner.audit import Outcome
from tests.api.console_fixtures import ConsoleServer, DemoDay, serve_demo_day, store_demo_day


@pytest.fixture
def server(console_server: ConsoleServer) -> ConsoleServer:
    return console_server


def _get(server: ConsoleServer, path: str, key: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.get(server.api.url + path, headers=headers, timeout=30)


def test_a_managers_branch_day_holds_every_reps_stored_plan_and_the_balance(server):
    day = server.day
    r = _get(server, day.path, server.api.keys["manager"])
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["branch_id"] == day.branch["branch_id"] and doc["date"] == day.branch["date"]
    assert [rep["rep_id"] for rep in doc["reps"]] == [rep["id"] for rep in day.branch["reps"]]
    assert {rep["rep_id"]: rep["plan"] for rep in doc["reps"]} == day.plans
    assert [run["state"] for run in doc["runs"]] == ["finished"]
    assert doc["balance"]["metrics"] == day.balance["metrics"]
    assert doc["balance"]["territories"] == day.balance["territories"]


def test_the_crm_reads_a_branch_day_too_but_a_rep_key_may_not(server):
    assert _get(server, server.day.path, server.api.keys["crm"]).status_code == 200
    r = _get(server, server.day.path, server.rep_key)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert _get(server, server.day.path, None).status_code == 401


def test_an_unknown_branch_or_day_is_404_and_a_bad_date_422(server):
    key = server.api.keys["manager"]
    assert _get(server, "/v1/branches/nowhere/days/2026-11-27", key).status_code == 404
    assert _get(server, "/v1/branches/bj-wangjing/days/2026-11-28", key).status_code == 404
    assert _get(server, "/v1/branches/bj-wangjing/days/27-11-2026", key).status_code == 422


def test_a_named_balance_is_shown_and_an_unknown_one_is_null(server):
    key = server.api.keys["manager"]
    balance_id = _get(server, server.day.path, key).json()["balance"]["balance_id"]
    named = _get(server, f"{server.day.path}?balance_id={balance_id}", key).json()
    assert named["balance"]["balance_id"] == balance_id
    assert _get(server, f"{server.day.path}?balance_id=nope", key).json()["balance"] is None


def test_a_later_replan_of_a_rep_replaces_its_run_plan_in_the_branch_day(demo_day, tmp_path):
    db = tmp_path / "copy.db"
    db.write_bytes(Path(demo_day.db_url.removeprefix("sqlite:///")).read_bytes())
    store = PlanStore.from_url(f"sqlite:///{db}")
    rep_id = sorted(demo_day.plans)[0]
    problem = store.get_problem(demo_day.plans[rep_id]["plan_id"])
    assert problem is not None
    replan = {**demo_day.plans[rep_id], "plan_id": "replanned"}
    store.save_plan(problem, replan)
    found = branch_day(store, demo_day.branch["branch_id"], _date(demo_day))
    store.dispose()
    assert found is not None
    assert (
        dict(found.reps)[rep_id] is not None and '"plan_id":"replanned"' in dict(found.reps)[rep_id]
    )


def _date(day: DemoDay):
    from datetime import date

    return date.fromisoformat(day.branch["date"])


def test_the_branch_day_reads_the_same_on_each_backend(db_url, tmp_path):
    day = store_demo_day(tmp_path / "demo", db_url)
    store = PlanStore.from_url(db_url)
    try:
        found = branch_day(store, day.branch["branch_id"], _date(day))
    finally:
        store.dispose()
    assert found is not None
    assert [r for r, _ in found.reps] == [rep["id"] for rep in day.branch["reps"]]
    assert all(body is not None for _, body in found.reps)
    assert found.balance is not None


def test_me_names_the_keys_role_and_rep_and_never_the_key(server):
    r = _get(server, "/v1/me", server.rep_key)
    assert r.status_code == 200
    assert r.json()["role"] == "rep" and r.json()["rep_id"] == server.rep_id
    assert server.rep_key not in r.text
    assert _get(server, "/v1/me", server.api.keys["manager"]).json()["rep_id"] is None


def test_the_console_page_needs_no_key_and_carries_no_secret(server):
    r = _get(server, "/console", None)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    for key in (*server.api.keys.values(), server.rep_key):
        assert key not in r.text
    assert '"tile_url": ""' in r.text  # no base map by default
    outcomes = ", ".join(f'"{o}"' for o in get_args(Outcome))
    assert f'"outcomes": [{outcomes}]' in r.text  # the check-out offers what the API takes
    slash = _get(server, "/console/", None)
    assert slash.status_code == 308 and slash.headers["location"] == "/console"


@pytest.mark.parametrize(
    "asset",
    [
        "/console/vendor/leaflet/leaflet.js",  # Leaflet from the XStatic-Leaflet package
        "/console/vendor/leaflet/leaflet.css",
        "/console/assets/console.js",
        "/console/assets/debrief.js",
        "/console/assets/checkin.js",
        "/console/assets/crs.js",
        "/console/assets/console.css",
    ],
)
def test_the_pages_assets_are_served_by_the_app(server, asset):
    r = _get(server, asset, None)
    assert r.status_code == 200 and len(r.content) > 500


def test_the_pages_are_not_in_the_openapi_document_but_the_new_endpoints_are(server):
    paths = _get(server, "/openapi.json", None).json()["paths"]
    assert "/v1/branches/{branch_id}/days/{date}" in paths and "/v1/me" in paths
    assert not any(p.startswith("/console") for p in paths)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://tiles.example.com/{z}/{x}/{y}.png", "https://tiles.example.com"),  # one host
        ("https://{s}.tiles.example.com/{z}/{x}/{y}.png", "https://*.tiles.example.com"),  # {s}
    ],
)
def test_a_tile_server_is_allowed_for_images_only(url, allowed):
    csp = security_headers(Settings(console_tile_url=url))["Content-Security-Policy"]
    assert f"img-src 'self' data: {allowed};" in csp
    assert "connect-src 'self';" in csp and "script-src 'self';" in csp


def test_the_tile_settings_reach_the_page(demo_day):
    with serve_demo_day(
        demo_day, console_tile_url="https://t.example.com/{z}/{x}/{y}.png", console_tile_crs="gcj02"
    ) as running:
        html = httpx.get(running.api.url + "/console", timeout=30).text
    assert '"tile_url": "https://t.example.com/{z}/{x}/{y}.png"' in html
    assert '"tile_crs": "gcj02"' in html


def test_the_demo_prints_how_to_open_its_day_in_the_console(demo_day):
    hint = console_hint(demo_day.db_url, demo_day.branch, demo_day.out, stored=True)
    assert f"IRONROUTE_DATABASE_URL={demo_day.db_url}" in hint
    assert "/console#branch=bj-wangjing&date=2026-11-27" in hint


def _pixel_lengths(svg: str) -> list[float]:
    points = re.search(r'<polyline points="([^"]+)"', svg)
    assert points is not None
    xy = [tuple(map(float, p.split(","))) for p in points.group(1).split()]
    return [math.dist(a, b) for a, b in zip(xy, xy[1:], strict=False)]


def test_the_svg_map_draws_a_kilometre_east_as_long_as_a_kilometre_north():
    lat, lon = 39.99, 116.47
    dlat = 1 / 111.195  # 1 km of latitude, in degrees
    dlon = dlat / math.cos(math.radians(lat))  # 1 km of longitude at this latitude
    route = [[lon, lat], [lon + dlon, lat], [lon + dlon, lat + dlat]]
    plan = {
        "rep_id": "r1",
        "stops": [{}],
        "totals": {"visits": 0, "sweeps": 0},
        "geometry": {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": {"type": "LineString", "coordinates": route},
                 "properties": {"kind": "route"}},
            ],
        },
    }  # fmt: skip
    east, north = _pixel_lengths(routes_svg([plan]))
    assert east == pytest.approx(north, rel=0.01)


def test_the_branch_day_shows_the_newest_balance_made_for_that_branch(demo_day, tmp_path):
    db = tmp_path / "copy.db"
    db.write_bytes(Path(demo_day.db_url.removeprefix("sqlite:///")).read_bytes())
    store = PlanStore.from_url(f"sqlite:///{db}")
    branch_id, day = demo_day.branch["branch_id"], _date(demo_day)
    before = branch_day(store, branch_id, day)
    assert before is not None and before.balance is not None
    ours = json.loads(before.balance)["balance_id"]
    # newer balances of the same reps: one naming no branch, one of another branch
    result = {k: v for k, v in json.loads(before.balance).items() if k != "balance_id"}
    store.save_balance({"reps": []}, result)
    store.save_balance({"branch_id": "elsewhere", "reps": []}, result)
    still = branch_day(store, branch_id, day)
    assert still is not None and still.balance is not None
    assert json.loads(still.balance)["balance_id"] == ours
    newer = store.save_balance({"branch_id": branch_id, "reps": []}, result)
    now = branch_day(store, branch_id, day)
    store.dispose()
    assert now is not None and now.balance is not None
    assert json.loads(now.balance)["balance_id"] == newer
