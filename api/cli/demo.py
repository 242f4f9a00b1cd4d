"""``ironroute demo``: a generated Beijing branch, balanced and planned, with no network."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.cli._common import err, progress, summary_table
from api.cli.balance import balance_branch

if TYPE_CHECKING:
    from planner import DayPlan


def demo(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for problems, plans and routes")
    ] = Path("demo-output"),
    seed: Annotated[int, typer.Option(help="Seed of the generated branch")] = 2026,
    reps: Annotated[int, typer.Option(min=1, max=200, help="Number of reps")] = 12,
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.01, max=600)] = 1.0,
    new_reps: Annotated[int, typer.Option("--new-reps", min=0, max=6, help="Reps joining")] = 2,
) -> None:
    """Generate a Beijing branch (no network), balance its lead pool among the reps, plan
    every rep's day (each building swept by one rep at most), write the balance, plans and
    GeoJSON."""
    from api.documents.branch import parse_branch, problem_document, with_options
    from api.documents.svg_map import routes_svg
    from planner import solve
    from planner.demo import make_branch
    from planner.runs import branch_problems

    branch = make_branch(seed=seed, n_reps=reps)
    for sub in ("problems", "plans"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    branch = balance_branch(branch, out, new_reps=new_reps, console=err)
    (out / "branch.json").write_text(json.dumps(branch, ensure_ascii=False, indent=2), "utf-8")
    # the morning run's split: sweeps are assigned branch-wide before any rep is planned
    planned_doc = with_options(branch, time_limit_s=time_limit)
    split = branch_problems(parse_branch(planned_doc))
    position = {rep["id"]: i for i, rep in enumerate(planned_doc["reps"])}
    for failure in split.failures:
        err.print(f"[red]{failure.rep_id}[/] not planned: {failure.message}")
    problems = split.problems
    plans: list[DayPlan] = []
    features: list[dict[str, Any]] = []
    with progress() as bar:
        task = bar.add_task(
            f"planning {len(problems)} reps of {branch['branch_id']}", total=len(problems)
        )
        for day in problems:
            rep_id = day.rep.id
            doc = problem_document(
                planned_doc,
                position[rep_id],
                {b.id for b in day.buildings},
                day.skipped_sweeps,
            )
            result = solve(day, plan_id=str(uuid.uuid4()))
            (out / "problems" / f"{rep_id}.json").write_text(json.dumps(doc, indent=2), "utf-8")
            (out / "plans" / f"{rep_id}.json").write_text(
                json.dumps(result.to_dict(), ensure_ascii=False, indent=2), "utf-8"
            )
            for f in result.geometry["features"]:
                features.append({**f, "properties": {**f["properties"], "rep_id": rep_id}})
            plans.append(result)
            bar.advance(task)
    (out / "routes.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), "utf-8"
    )
    (out / "routes.svg").write_text(
        routes_svg([p.to_dict() for p in plans], title=f"{branch['branch_id']} {branch['date']}"),
        "utf-8",
    )
    err.print(summary_table(f"{branch['branch_id']} — {branch['date']}", plans))
    err.print(f"wrote {out}/balance.json, {out}/territories.geojson (the balanced pool),")
    err.print(f"{out}/plans/*.json, {out}/problems/*.json, {out}/routes.geojson (map data)")
    err.print(f"and {out}/routes.svg (a map to open in a browser)")
