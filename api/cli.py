"""The `ironroute` command line: a thin shell over the planner, same JSON as the HTTP API.

Exit codes: 0 done, 1 a plan could not be made (solver failure), 2 bad input.
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.bench import bench_app
from api.cli_balance import balance_branch, balance_cmd
from api.cli_keys import keys_app
from api.cli_run import run as run_command
from api.cli_serve import db_app, serve
from api.schemas import InputError, parse_day_problem
from api.svg_map import routes_svg
from planner import DayPlan, PlannerError, SolveSettings, solve
from planner.demo import day_problems, make_branch

app = typer.Typer(
    name="ironroute",
    help="Route planning and territory optimization for field sales forces.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(bench_app, name="bench")
app.add_typer(keys_app, name="keys")
app.add_typer(db_app, name="db")
app.command()(serve)
app.command("balance")(balance_cmd)
app.command("run")(run_command)
err = Console(stderr=True)


def _fail(code: int, message: str, details: list[dict[str, str]] | None = None) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    for d in details or []:
        err.print(f"  [red]{d['field']}[/]: {d['message']}")
    return typer.Exit(code)


def _read_json(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise _fail(2, f"cannot read {path}: {e.strerror or e}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise _fail(2, f"{path} is not JSON: {e.msg} at line {e.lineno} column {e.colno}") from None


def _summary_table(title: str, plans: list[DayPlan]) -> Table:
    table = Table(title=title, title_justify="left")
    for name in (
        "rep",
        "status",
        "visits",
        "effective",
        "sweeps",
        "km",
        "travel min",
        "back at",
        "value",
    ):
        table.add_column(name, justify="left" if name in ("rep", "status") else "right")
    for p in plans:
        t = p.totals
        style = {"ok": "green", "shortfall": "yellow", "infeasible": "red"}[p.status]
        table.add_row(
            p.rep_id,
            f"[{style}]{p.status}[/]",
            str(t.visits),
            str(t.effective_visits),
            str(t.sweeps),
            f"{t.travel_km:.1f}",
            f"{t.travel_minutes:.0f}",
            t.return_at.strftime("%H:%M") if t.return_at else "-",
            f"{t.value:g}",
        )
    return table


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


@app.command()
def plan(
    problem: Annotated[str, typer.Argument(help="Day problem JSON file ('-' for stdin)")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the plan here (default stdout)")
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", min=0.01, max=600, help="Solver seconds")
    ] = None,
    deterministic: Annotated[
        bool, typer.Option("--deterministic", help="Stop by a work limit: repeatable plans")
    ] = False,
) -> None:
    """Plan one rep's day from a day problem; write the day plan as JSON."""
    data = _read_json(problem)
    if isinstance(data, dict):
        opts = dict(data.get("options") or {})
        if time_limit is not None:
            opts["time_limit_s"] = time_limit
        if deterministic:
            opts["deterministic"] = True
        if opts:
            data["options"] = opts
    try:
        day = parse_day_problem(data)
    except InputError as e:
        raise _fail(2, f"invalid day problem {problem}", e.errors) from None
    with err.status(f"planning {day.rep.id}'s day ({len(day.leads)} leads)…"):
        try:
            result = solve(
                day, plan_id=str(uuid.uuid4()), settings=SolveSettings(max_time_limit_s=600)
            )
        except PlannerError as e:
            raise _fail(1, str(e)) from None
    text = json.dumps(result.to_dict(), ensure_ascii=False, indent=2)
    if output is None:
        sys.stdout.write(text + "\n")
    else:
        output.write_text(text + "\n", encoding="utf-8")
    err.print(_summary_table(f"plan {result.plan_id} ({result.date})", [result]))
    for issue in result.issues:
        err.print(f"  [yellow]{issue.code}[/]: {issue.message}")


@app.command()
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
    every rep's day, write the balance, plans and GeoJSON."""
    branch = make_branch(seed=seed, n_reps=reps)
    for sub in ("problems", "plans"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    branch = balance_branch(branch, out, new_reps=new_reps, console=err)
    problems = day_problems(branch)
    (out / "branch.json").write_text(json.dumps(branch, ensure_ascii=False, indent=2), "utf-8")
    plans: list[DayPlan] = []
    features: list[dict[str, Any]] = []
    with _progress() as progress:
        task = progress.add_task(
            f"planning {len(problems)} reps of {branch['branch_id']}", total=len(problems)
        )
        for doc in problems:
            doc = {**doc, "options": {**(doc.get("options") or {}), "time_limit_s": time_limit}}
            day = parse_day_problem(doc)
            result = solve(day, plan_id=str(uuid.uuid4()))
            rep_id = day.rep.id
            (out / "problems" / f"{rep_id}.json").write_text(json.dumps(doc, indent=2), "utf-8")
            (out / "plans" / f"{rep_id}.json").write_text(
                json.dumps(result.to_dict(), ensure_ascii=False, indent=2), "utf-8"
            )
            for f in result.geometry["features"]:
                features.append({**f, "properties": {**f["properties"], "rep_id": rep_id}})
            plans.append(result)
            progress.advance(task)
    (out / "routes.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), "utf-8"
    )
    (out / "routes.svg").write_text(
        routes_svg([p.to_dict() for p in plans], title=f"{branch['branch_id']} {branch['date']}"),
        "utf-8",
    )
    err.print(_summary_table(f"{branch['branch_id']} — {branch['date']}", plans))
    err.print(f"wrote {out}/balance.json, {out}/territories.geojson (the balanced pool),")
    err.print(f"{out}/plans/*.json, {out}/problems/*.json, {out}/routes.geojson (map data)")
    err.print(f"and {out}/routes.svg (a map to open in a browser)")


def main() -> None:  # pragma: no cover - console-script entry
    app()
