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
    from rich.progress import Progress

    from planner import DayPlan, DayProblem
    from planner.runs.sweeps import BranchProblems


def demo(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for problems, plans and routes")
    ] = Path("demo-output"),
    seed: Annotated[int, typer.Option(help="Seed of the generated branch")] = 2026,
    reps: Annotated[int, typer.Option(min=1, max=200, help="Number of reps")] = 12,
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.01, max=600)] = 1.0,
    new_reps: Annotated[int, typer.Option("--new-reps", min=0, max=6, help="Reps joining")] = 2,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Also store the balance and the plans (as a finished run of the branch) in "
            "this database, e.g. sqlite:///demo-output/ironroute.db, for /console",
        ),
    ] = None,
) -> None:
    """Generate a Beijing branch (no network), balance its lead pool among the reps, plan
    every rep's day (each building swept by one rep at most), write the balance, plans and
    GeoJSON (and store them with --db)."""
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
    days: list[DayProblem] = []
    features: list[dict[str, Any]] = []
    with progress() as bar:
        task = bar.add_task(
            f"planning {len(problems)} reps of {branch['branch_id']}", total=len(problems)
        )
        for day in problems:
            plans.append(solve(day, plan_id=str(uuid.uuid4())))
            days.append(day)
            bar.advance(task)
        recovered = _second_pass(split, days, plans, bar)
    for day, result in zip(days, plans, strict=True):
        rep_id = day.rep.id
        doc = problem_document(
            planned_doc, position[rep_id], {b.id for b in day.buildings}, day.skipped_sweeps
        )
        (out / "problems" / f"{rep_id}.json").write_text(json.dumps(doc, indent=2), "utf-8")
        (out / "plans" / f"{rep_id}.json").write_text(
            json.dumps(result.to_dict(), ensure_ascii=False, indent=2), "utf-8"
        )
        for f in result.geometry["features"]:
            features.append({**f, "properties": {**f["properties"], "rep_id": rep_id}})
    (out / "routes.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), "utf-8"
    )
    (out / "routes.svg").write_text(
        routes_svg([p.to_dict() for p in plans], title=f"{branch['branch_id']} {branch['date']}"),
        "utf-8",
    )
    err.print(summary_table(f"{branch['branch_id']} — {branch['date']}", plans))
    if recovered:
        err.print(f"second sweep pass: {recovered} building(s) left unswept by their owner swept")
    err.print(f"wrote {out}/balance.json, {out}/territories.geojson (the balanced pool),")
    err.print(f"{out}/plans/*.json, {out}/problems/*.json, {out}/routes.geojson (map data)")
    err.print(f"and {out}/routes.svg (a map to open in a browser)")
    if db is not None:
        run_id = store_demo(db, out, branch, days, plans)
        err.print(f"stored the balance and run [bold]{run_id}[/] in {db}")
    hint = console_hint(db or f"sqlite:///{out}/ironroute.db", branch, out, stored=db is not None)
    err.print(hint, soft_wrap=True)


def _second_pass(
    split: BranchProblems, days: list[DayProblem], plans: list[DayPlan], bar: Progress
) -> int:
    """The morning run's second pass (``planner.runs.second_pass``), in place: a contested
    building its owner left unswept is offered to the next rep, whose re-plan replaces its
    plan when it sweeps the building and ranks at least as high. Returns the buildings
    recovered."""
    from planner import solve
    from planner.runs.second_pass import PlanOutline, better, offers, second_problem

    outlines = {day.rep.id: PlanOutline.of(plan) for day, plan in zip(days, plans, strict=True)}
    offer = offers(split.assignment, days, outlines, split.sites)
    index = {day.rep.id: i for i, day in enumerate(days)}
    task = bar.add_task("second sweep pass", total=len(offer.reps))
    recovered = 0
    for rep_id in offer.reps:
        i = index[rep_id]
        problem = second_problem(days[i], offer)
        result = solve(problem, plan_id=str(uuid.uuid4()))
        after = PlanOutline.of(result)
        released = offer.released[rep_id]
        if better(problem, outlines[rep_id], after, released):
            days[i], plans[i] = problem, result
            recovered += len(after.swept & set(released))
        bar.advance(task)
    return recovered


def store_demo(
    db: str, out: Path, branch: dict[str, Any], days: list[DayProblem], plans: list[DayPlan]
) -> str:
    """Store the demo's balance and its plans as a finished run of the branch; the run's id."""
    from api.documents.branch import default_run_id, parse_branch
    from api.store.plans import PlanStore
    from api.store.runs import SqlRunStore
    from planner.runs import RunReport

    store = PlanStore.from_url(db)
    try:
        store.migrate()
        request = json.loads((out / "balance-request.json").read_text("utf-8"))
        store.save_balance(request, json.loads((out / "balance.json").read_text("utf-8")))
        run_id = default_run_id(branch)
        runs = SqlRunStore(store, branch)
        runs.begin_run(run_id, parse_branch(branch))
        for day, plan in zip(days, plans, strict=True):
            runs.save_plan(run_id, day, plan)
        n = len(plans)
        runs.finish_run(
            run_id, RunReport(run_id=run_id, total=n, planned=n, skipped=0, failures=())
        )
    finally:
        store.dispose()
    return run_id


def console_hint(db: str, branch: dict[str, Any], out: Path, *, stored: bool) -> str:
    """How to see the demo's day in the browser console (/console)."""
    env = f"IRONROUTE_DATABASE_URL={db}"
    first = (
        ""
        if stored
        else f"  .venv/bin/ironroute run {out}/branch.json --db {db}   # stores the day's plans\n"
    )
    return (
        "[bold]In the browser[/] (the manager's console; a rep key shows that rep's day):\n"
        f"{first}"
        f"  {env} .venv/bin/ironroute keys create --role manager   # prints a key\n"
        f"  {env} .venv/bin/ironroute serve\n"
        f"  open http://127.0.0.1:8000/console#branch={branch['branch_id']}&date={branch['date']}"
        " and paste the key"
    )
