"""``ironroute plan``: one rep's day from a day problem, written as the day plan JSON.

Exit codes: 0 done, 1 a plan could not be made (solver failure), 2 bad input.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

import typer

from api.cli._common import (
    Roads,
    err,
    fail,
    read_json,
    start_up,
    summary_table,
    travel_with_roads,
    write_json,
)


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
    roads: Roads = None,
) -> None:
    """Plan one rep's day from a day problem; write the day plan as JSON."""
    data = read_json(problem)
    if isinstance(data, dict):
        opts = dict(data.get("options") or {})
        if time_limit is not None:
            opts["time_limit_s"] = time_limit
        if deterministic:
            opts["deterministic"] = True
        if opts:
            data["options"] = opts
    with start_up():
        from api.documents.day import InputError, parse_day_problem
        from planner import PlannerError, SolveSettings, solve

        travel = travel_with_roads(roads)
        try:
            day = parse_day_problem(data)
        except InputError as e:
            raise fail(2, f"invalid day problem {problem}", e.errors) from None
    with err.status(f"planning {day.rep.id}'s day ({len(day.leads)} leads)…"):
        try:
            settings = SolveSettings(max_time_limit_s=600, travel=travel)
            result = solve(day, plan_id=str(uuid.uuid4()), settings=settings)
        except PlannerError as e:
            raise fail(1, str(e)) from None
    write_json(result.to_dict(), output)
    err.print(summary_table(f"plan {result.plan_id} ({result.date})", [result]))
    if "travel_fallback" in result.solver:
        err.print("[yellow]travel_fallback[/]: planned on the built-in model")
    for issue in result.issues:
        err.print(f"  [yellow]{issue.code}[/]: {issue.message}")
