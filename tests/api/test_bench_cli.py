"""`ironroute bench toptw`: a table or JSON lines, verified routes, clear argument errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from api.cli.main import app
from tests.planner.test_toptw import C101

runner = CliRunner()
PR01 = C101.parents[1] / "pr01_10" / "pr01.txt"


def test_bench_toptw_json_gives_one_verified_line_per_instance_and_route_count():
    result = runner.invoke(
        app, ["bench", "toptw", str(PR01), "--m", "1..2", "--time-limit", "0.5", "--json"]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    assert [(x["instance"], x["m"]) for x in lines] == [("pr01", 1), ("pr01", 2)]
    for x in lines:
        assert set(x) == {"instance", "m", "bks", "score", "gap_pct", "seconds", "routes"}
        assert x["bks"] in (308, 502) and 0 < x["score"] <= x["bks"]
        visited = [v for r in x["routes"] for v in r]
        assert len(visited) == len(set(visited)) and 0 not in visited


def test_bench_toptw_prints_a_table_with_the_gap():
    result = runner.invoke(app, ["bench", "toptw", str(PR01), "--time-limit", "0.3"])
    assert result.exit_code == 0
    assert "pr01" in result.stdout and "gap" in result.stdout and "yes" in result.stdout


def test_a_bad_route_count_is_refused_with_exit_2():
    result = runner.invoke(app, ["bench", "toptw", str(PR01), "--m", "0..3"])
    assert result.exit_code == 2 and "--m" in result.output


def test_a_file_that_is_not_an_instance_is_refused_with_exit_2(tmp_path):
    bad = tmp_path / "x.txt"
    bad.write_text("hello\n")
    result = runner.invoke(app, ["bench", "toptw", str(bad)])
    assert result.exit_code == 2 and "not a TOPTW instance" in " ".join(result.output.split())
