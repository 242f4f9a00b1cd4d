"""The `ironroute` CLI: plans to files and stdout, the demo, and clear errors (exit 2)."""

from __future__ import annotations

import copy
import gc
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli.main import app
from api.documents.balance import BalanceResponse
from tests.conftest import DATA, assert_plan_valid

runner = CliRunner()


def write(tmp_path: Path, doc: Any, name: str = "problem.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def test_plan_writes_a_checked_plan_to_a_file(tmp_path, small_problem):
    out = tmp_path / "plan.json"
    result = runner.invoke(
        app, ["plan", str(write(tmp_path, small_problem)), "-o", str(out), "--deterministic"]
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(out.read_text())
    assert plan["plan_id"]
    assert_plan_valid(small_problem, plan)
    assert "visits" in result.output  # the summary table


def test_plan_prints_the_plan_on_stdout_without_an_output_file(tmp_path, small_problem):
    result = runner.invoke(
        app, ["plan", str(write(tmp_path, small_problem)), "--time-limit", "0.2"]
    )
    assert result.exit_code == 0
    plan = json.loads(result.stdout[: result.stdout.rindex("}") + 1])
    assert plan["solver"]["time_limit_s"] == 0.2


def _mutate(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    *parents, last = path.split(".")
    node: Any = doc
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("leads.0.location.lat", 91.0, "leads[0].location.lat"),  # latitude out of range
        ("leads.2.location.lon", -181.0, "leads[2].location.lon"),  # longitude out of range
        ("leads.0.windows", [["10:30", "10:00"]], "leads[0].windows[0]"),  # closes before it opens
        ("leads.3.building_id", "NOPE", "leads[3].building_id"),  # unknown building
        ("leads.1.id", "L1", "leads[1].id"),  # duplicate lead id
        ("leads.4.service_minutes", -5, "leads[4].service_minutes"),  # negative service time
        ("leads.0.windows", [["9:00", "10:00"]], "leads[0].windows[0][0]"),  # not HH:MM
        ("rep.mode", "teleport", "rep.mode"),  # unknown travel mode
        ("rep.colour", "red", "rep.colour"),  # unknown field: never silently ignored
        (
            "buildings.0.footprint",
            {"type": "Polygon", "coordinates": [[[116.4, 39.9]]]},
            "buildings[0].footprint",
        ),  # not a ring
        ("rules.min_visits", -1, "rules.min_visits"),  # negative rule
        ("date", "2026-13-01", "date"),  # no such date
    ],
)
def test_bad_input_exits_2_naming_the_field(tmp_path, small_problem, path, value, field):
    result = runner.invoke(app, ["plan", str(write(tmp_path, _mutate(small_problem, path, value)))])
    assert result.exit_code == 2, result.output
    assert field in result.output
    assert "Traceback" not in result.output


def test_more_than_500_leads_is_refused(tmp_path, small_problem):
    base = small_problem["leads"][2]
    small_problem["leads"] = [{**base, "id": f"X{i}"} for i in range(501)]
    result = runner.invoke(app, ["plan", str(write(tmp_path, small_problem))])
    assert result.exit_code == 2 and "leads" in result.output


def test_a_file_that_is_not_json_exits_2(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    result = runner.invoke(app, ["plan", str(path)])
    assert result.exit_code == 2 and "not JSON" in result.output


def test_a_missing_file_exits_2(tmp_path):
    result = runner.invoke(app, ["plan", str(tmp_path / "nope.json")])
    assert result.exit_code == 2 and "cannot read" in result.output


def test_the_demo_plans_every_rep_with_checked_plans_and_a_geojson(tmp_path):
    # the whole branch, its pool first balanced among 12 reps and 2 new ones: every rep's
    # day meets the rules of the mission
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--out", str(out), "--time-limit", "0.5"])
    assert result.exit_code == 0, result.output
    balanced = json.loads((out / "balance.json").read_text())
    BalanceResponse.model_validate(balanced)
    assert balanced["metrics"]["workload_max_over_mean"] <= 1.05
    assert json.loads((out / "territories.geojson").read_text()) == balanced["territories"]
    assert "workload max/mean" in result.output  # the balance table
    plans = sorted((out / "plans").glob("*.json"))
    assert len(plans) == 14
    for path in plans:
        plan = json.loads(path.read_text())
        problem = json.loads((out / "problems" / path.name).read_text())
        assert_plan_valid(problem, plan)
        assert plan["totals"]["visits"] >= 8 and plan["totals"]["effective_visits"] >= 2
        assert plan["totals"]["sweeps"] >= 1
        assert plan["totals"]["return_at"] <= "2026-11-27T18:00:00+08:00"
        stops = plan["stops"]
        for before, sweep in zip(stops, stops[1:], strict=False):
            if sweep["type"] == "sweep":  # right after its effective visit (or its sweeps)
                assert before["type"] in ("visit", "sweep")
    svg = (out / "routes.svg").read_text()
    assert svg.startswith("<svg") and svg.count("<polyline") == 14
    routes = json.loads((out / "routes.geojson").read_text())
    assert routes["type"] == "FeatureCollection"
    assert {f["properties"]["rep_id"] for f in routes["features"]} == {
        f"r{k:02d}" for k in range(1, 15)
    }
    for path in plans:  # each rep plans the leads the balance gave it
        problem = json.loads((out / "problems" / path.name).read_text())
        held = {k for k, v in balanced["assignments"].items() if v == path.stem}
        assert {lead["id"] for lead in problem["leads"]} == held
    # one rep at most sweeps a building, after the second pass too
    swept = [
        stop["building_id"]
        for path in plans
        for stop in json.loads(path.read_text())["stops"]
        if stop["type"] == "sweep"
    ]
    assert swept and len(swept) == len(set(swept))


def test_planning_loads_no_geocoder_http_stack() -> None:
    # geopy's package imports its geocoders, requests and urllib3 (~0.1-0.2 s of every
    # `ironroute plan`); only geo.geodesic_km needs geopy, and it imports it when called
    code = (
        "import sys, api.cli.main, api.documents.day, api.travel, planner;"
        "print(sorted(m for m in ('geopy', 'requests', 'urllib3') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_plan_imports_neither_the_balancer_nor_batch_runs_nor_the_server(tmp_path: Path) -> None:
    # `ironroute plan` in a fresh process, through the console script's entry: the lazy names
    # (PEP 562) of planner, planner.routing and geo keep the territory balancer, batch runs,
    # the re-planner and the territory shapes out (rich's progress bars load with the commands
    # that draw them), no IRONROUTE_* variable keeps pydantic-settings out, one country's
    # holiday module is loaded, not ~250, and start-up ends with the collector frozen, back
    # on, and pydantic's plugin scan skipped
    out = tmp_path / "plan.json"
    code = (
        "import gc, os, sys\n"
        "from api.cli.main import main\n"
        f"sys.argv = ['ironroute', 'plan', {str(DATA / 'wangjing_small.json')!r},"
        f" '--time-limit', '0.05', '-o', {str(out)!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as e:\n"
        "    assert not e.code, e.code\n"
        "banned = ('planner.territory', 'planner.runs', 'planner.audit', 'planner.demo',"
        " 'planner.routing._replan', 'geo.territory', 'rich.progress',"
        " 'fastapi', 'sqlalchemy', 'pydantic_settings', 'api.settings', 'api.store', 'api.http',"
        " 'geopy', 'requests')\n"
        "print(sorted(m for m in sys.modules if m.startswith(banned)))\n"
        "print(sum(m.startswith('holidays.countries.') for m in sys.modules))\n"
        "print(gc.isenabled(), gc.get_freeze_count() > 0, os.environ['PYDANTIC_DISABLE_PLUGINS'])\n"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith("IRONROUTE_") and k != "PYDANTIC_DISABLE_PLUGINS"
    }
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    loaded, countries, gc_state = done.stdout.strip().splitlines()[-3:]
    assert loaded == "[]"
    assert countries == "1"
    assert gc_state == "True True __all__"
    assert json.loads(out.read_text())["status"] in ("ok", "shortfall")


def test_a_plan_run_in_process_leaves_the_collector_and_environment_alone(tmp_path, small_problem):
    # only the console script's process (api.cli.main.main) freezes the heap and sets
    # PYDANTIC_DISABLE_PLUGINS: a caller's process (here pytest's) keeps its own
    plugins = os.environ.get("PYDANTIC_DISABLE_PLUGINS")
    frozen = gc.get_freeze_count()
    result = runner.invoke(
        app, ["plan", str(write(tmp_path, small_problem)), "--time-limit", "0.05"]
    )
    assert result.exit_code == 0, result.output
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen
    assert os.environ.get("PYDANTIC_DISABLE_PLUGINS") == plugins


def test_the_lazy_names_are_the_objects_they_name() -> None:
    # PEP 562 names resolve to the defining module's objects, and a direct import of the
    # private re-planner module cannot shadow the package's `replan` function
    import geo
    import geo.territory
    import planner.routing
    import planner.routing._replan

    assert geo.Territories is geo.territory.Territories
    assert planner.routing.replan is planner.routing._replan.replan
    assert planner.routing.Changes is planner.routing._replan.Changes
    assert {"Territories"} <= set(dir(geo))
    assert {"replan", "Changes", "Replanned"} <= set(dir(planner.routing))
    with pytest.raises(AttributeError):
        _ = planner.routing.no_such_name
