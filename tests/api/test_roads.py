"""Road networks as a setting: `ironroute roads build`, then plans, balances, runs and the
HTTP API timed on the tiles (Valhalla), and the fallback to the built-in model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("valhalla")
pytest.importorskip("osmium")

from typer.testing import CliRunner  # noqa: E402

from api.cli.main import app  # noqa: E402
from tests.api.conftest import running_api  # noqa: E402
from tests.conftest import assert_plan_valid  # noqa: E402
from tests.geo.providers.synthetic_city import SyntheticCity, write_gtfs, write_osm_pbf  # noqa: E402

runner = CliRunner()
CITY = SyntheticCity()


@pytest.fixture(scope="module")
def roads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tiles of the synthetic city (streets and two bus lines), built by the CLI."""
    root = tmp_path_factory.mktemp("roads")
    extract = write_osm_pbf(CITY, root / "city.osm.pbf")
    gtfs = write_gtfs(CITY, root / "gtfs")
    out = root / "roads"
    result = runner.invoke(
        app, ["roads", "build", str(extract), "--gtfs", str(gtfs), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "graph tiles" in result.output
    return out


def city_day(mode: str, n: int = 12, seed: int = 3, far: bool = False) -> dict[str, Any]:
    """A day on the synthetic city's streets (``far``: one lead 1,000 km away)."""
    start = CITY.inside(0.5, 0.5)
    leads = [
        {
            "id": f"L{i}",
            "location": {"lat": p.lat, "lon": p.lon},
            "value": 20 + 5 * (i % 7),
            "effective": i % 4 == 0,
        }
        for i, p in enumerate(CITY.points(n, seed=seed))
    ]
    if far:
        leads[-1]["location"] = {"lat": 39.99, "lon": 116.48}
    return {
        "date": "2026-11-27",
        "timezone": "Asia/Shanghai",
        "rep": {"id": "r17", "start": {"lat": start.lat, "lon": start.lon}, "mode": mode},
        "options": {"time_limit_s": 0.5, "deterministic": True},
        "leads": leads,
        "buildings": [],
    }


def plan_cli(tmp_path: Path, problem: dict[str, Any], *extra: str) -> dict[str, Any]:
    src, out = tmp_path / "problem.json", tmp_path / "plan.json"
    src.write_text(json.dumps(problem))
    result = runner.invoke(app, ["plan", str(src), "-o", str(out), *extra])
    assert result.exit_code == 0, result.output
    plan: dict[str, Any] = json.loads(out.read_text())
    assert_plan_valid(problem, plan)
    return plan


@pytest.mark.parametrize(
    "mode",
    [
        "drive",  # the auto matrix
        "transit",  # GTFS buses, per-pair routes
        "walk",  # the pedestrian matrix
    ],
)
def test_a_plan_on_road_tiles_is_timed_by_valhalla_and_passes_the_checker(
    roads: Path, tmp_path: Path, mode: str
) -> None:
    plan = plan_cli(tmp_path, city_day(mode), "--roads", str(roads))
    assert plan["solver"]["travel_model"]["kind"] == "valhalla"
    assert "travel_fallback" not in plan["solver"]
    assert plan["totals"]["visits"] >= 8


def test_road_times_differ_from_the_built_in_model(roads: Path, tmp_path: Path) -> None:
    on_roads = plan_cli(tmp_path, city_day("drive"), "--roads", str(roads))
    builtin = plan_cli(tmp_path, city_day("drive"))
    assert builtin["solver"]["travel_model"]["kind"] == "builtin"
    legs = [s["travel_minutes"] for s in on_roads["stops"] if s["type"] != "start"]
    base = [s["travel_minutes"] for s in builtin["stops"] if s["type"] != "start"]
    assert legs != base


def test_a_point_off_the_network_falls_back_to_the_built_in_model_and_says_so(
    roads: Path, tmp_path: Path
) -> None:
    plan = plan_cli(tmp_path, city_day("drive", far=True), "--roads", str(roads))
    assert plan["solver"]["travel_model"]["kind"] == "builtin"
    fallback = plan["solver"]["travel_fallback"]
    assert fallback["provider"]["kind"] == "valhalla"
    assert fallback["reason"]
    assert "travel_fallback" in {i["code"] for i in plan["issues"]}


def test_the_environment_chooses_the_provider_and_a_missing_tile_folder_is_exit_2(
    roads: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IRONROUTE_TRAVEL_PROVIDER", "valhalla")
    monkeypatch.setenv("IRONROUTE_VALHALLA_TILES", str(roads))
    plan = plan_cli(tmp_path, city_day("bike"))
    assert plan["solver"]["travel_model"]["kind"] == "valhalla"
    monkeypatch.delenv("IRONROUTE_VALHALLA_TILES")
    src = tmp_path / "p.json"
    src.write_text(json.dumps(city_day("bike")))
    result = runner.invoke(app, ["plan", str(src)])
    assert result.exit_code == 2
    assert "valhalla_tiles" in result.output
    result = runner.invoke(app, ["plan", str(src), "--roads", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "--roads" in result.output


def test_a_balance_times_workloads_on_the_tiles(roads: Path, tmp_path: Path) -> None:
    points = CITY.points(60, seed=11)
    base = CITY.inside(0.5, 0.5)
    request = {
        "reps": [
            {"id": f"r{j}", "base": {"lat": base.lat, "lon": base.lon}, "mode": "drive"}
            for j in range(3)
        ],
        "leads": [
            {"id": f"L{i}", "location": {"lat": p.lat, "lon": p.lon}, "value": 10 + i % 9}
            for i, p in enumerate(points)
        ],
        "options": {"time_limit_s": 2},
    }
    src, out = tmp_path / "req.json", tmp_path / "res.json"
    src.write_text(json.dumps(request))
    result = runner.invoke(app, ["balance", str(src), "-o", str(out), "--roads", str(roads)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["travel_model"]["kind"] == "valhalla"
    assert doc["travel_fallback"] is None
    assert len(doc["assignments"]) == 60


def test_the_server_plans_on_the_tiles_its_settings_name(roads: Path, tmp_path: Path) -> None:
    problem = city_day("drive")
    url = f"sqlite:///{tmp_path / 'roads.db'}"
    with (
        running_api(url, travel_provider="valhalla", valhalla_tiles=str(roads)) as api,
        api.client("crm") as c,
    ):
        answer = c.post("/v1/plans", json=problem)
        assert answer.status_code == 201, answer.text
        plan = answer.json()
    assert plan["solver"]["travel_model"]["kind"] == "valhalla"
    assert_plan_valid(problem, plan)


def test_a_morning_run_plans_every_rep_on_the_tiles(roads: Path, tmp_path: Path) -> None:
    start = CITY.inside(0.5, 0.5)
    reps = []
    for j in range(3):
        day = city_day("drive", n=10, seed=20 + j)
        reps.append(
            {
                "id": f"r{j}",
                "start": {"lat": start.lat, "lon": start.lon},
                "mode": "drive",
                "leads": day["leads"],
            }
        )
    branch = {
        "branch_id": "sh-grid",
        "date": "2026-11-27",
        "timezone": "Asia/Shanghai",
        "options": {"time_limit_s": 0.3},
        "reps": reps,
    }
    src, out = tmp_path / "branch.json", tmp_path / "plans"
    src.write_text(json.dumps(branch))
    db = f"sqlite:///{tmp_path / 'run.db'}"
    result = runner.invoke(
        app,
        ["run", str(src), "--db", db, "--workers", "1", "--out", str(out), "--roads", str(roads)],
    )
    assert result.exit_code == 0, result.output
    plans = [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]
    assert len(plans) == 3
    assert {p["solver"]["travel_model"]["kind"] for p in plans} == {"valhalla"}


def test_a_small_transit_day_asks_the_engine_fewer_than_200_times(roads: Path) -> None:
    # 12 leads, deterministic search: 284 engine calls before transit legs were bounded by
    # the walk, the planning matrix routed only near neighbours and fill skipped the
    # insertions whose services alone overrun the day; 186 after
    import datetime as dt

    from api.documents.day import parse_day_problem
    from geo.providers.valhalla import ValhallaProvider
    from planner import solve

    provider = ValhallaProvider(roads / "tiles", day=dt.date(2026, 11, 27))
    problem = city_day("transit")
    plan = json.loads(json.dumps(solve(parse_day_problem(problem), travel=provider).to_dict()))
    assert_plan_valid(problem, plan)
    assert plan["totals"]["visits"] >= 8
    assert provider.engine_calls < 200
