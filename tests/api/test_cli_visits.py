"""``ironroute visits import``, ``audit`` and ``debrief`` on a SQLite file."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from api.cli.main import app
from api.store.plans import PlanStore
from api.store.visits import VisitStore

runner = CliRunner()
FIELDS = ["record_id", "rep_id", "lead_id", "date", "check_in", "check_out", "lat", "lon",
          "accuracy_m", "outcome", "effective", "branch_id"]  # fmt: skip


def rows(plan: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for k, s in enumerate(x for x in plan["stops"] if x["type"] == "visit"):
        out.append(
            {
                "record_id": f"c{k}",
                "rep_id": plan["rep_id"],
                "lead_id": s["lead_id"],
                "date": plan["date"],
                "check_in": s["start"],
                "check_out": s["depart"],
                "lat": s["location"]["lat"],
                "lon": s["location"]["lon"],
                "accuracy_m": 12.5,
                "outcome": "met_decision_maker" if s["effective"] else "met_staff",
                "effective": str(s["effective"]).lower(),
                "branch_id": "bj-cli",
            }
        )
    return out


def write_csv(path: Path, items: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(items)
    return path


def test_import_audit_and_debrief_from_the_command_line(tmp_path, solved):
    problem, plan = solved
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    store = PlanStore.from_url(url)
    store.migrate()
    store.save_plan(problem, plan)
    items = rows(plan)

    bad = [dict(x) for x in items]
    bad[1]["check_out"] = "2026-11-27T08:00:00+08:00"  # before check-in
    bad[3]["outcome"] = "napping"
    r = runner.invoke(app, ["visits", "import", str(write_csv(tmp_path / "bad.csv", bad)),
                            "--database-url", url])  # fmt: skip
    assert r.exit_code == 2
    assert "line 3.check_out" in r.output and "line 5.outcome" in r.output
    assert VisitStore(store).of_rep_day("r17", plan["date"]) == []  # all or nothing

    good = write_csv(tmp_path / "good.csv", items)
    for _ in range(2):  # the second import finds every record already stored
        r = runner.invoke(app, ["visits", "import", str(good), "--database-url", url])
        assert r.exit_code == 0, r.output
    assert "already stored" in r.output
    assert len(VisitStore(store).of_rep_day("r17", plan["date"])) == len(items)

    fake = [{**{k: v for k, v in items[0].items() if k not in ("lat", "lon")},
             "record_id": "fake", "effective": True, "outcome": "not_in",
             "location": {"lat": items[0]["lat"] + 0.02, "lon": items[0]["lon"]}}]  # fmt: skip
    path = tmp_path / "fake.json"
    path.write_text(json.dumps(fake))
    assert runner.invoke(app, ["visits", "import", str(path), "--database-url", url]).exit_code == 0

    out = tmp_path / "audit.json"
    r = runner.invoke(app, ["audit", "--date", plan["date"], "--seed", "3", "-o", str(out),
                            "--database-url", url])  # fmt: skip
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    flags = {x["record_id"]: {f["code"] for f in x["flags"]} for x in doc["records"]}
    assert {"far_from_lead_strong", "effective_without_decision_maker"} <= flags["fake"]
    assert doc["days"][0]["flagged"]

    out = tmp_path / "debrief.json"
    r = runner.invoke(app, ["debrief", "bj-cli", plan["date"], "-o", str(out),
                            "--database-url", url])  # fmt: skip
    assert r.exit_code == 0, r.output
    (group,) = json.loads(out.read_text())["groups"]
    (rep,) = group["reps"]
    assert rep["planned"]["visits"] == plan["totals"]["visits"] == rep["actual"]["visits"] - 1
    assert rep["audit"]["flagged"]
    r = runner.invoke(app, ["audit", "--date", "2026-02-30", "--database-url", url])
    assert r.exit_code == 2 and "date" in r.output
