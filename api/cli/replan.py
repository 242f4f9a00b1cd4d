"""``ironroute replan``: re-plan the rest of a day from a plan and the changes since.

Exit codes: 0 done, 1 the solver failed, 2 bad input (every bad field named).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli._common import (
    DatabaseUrl,
    Roads,
    err,
    fail,
    read_json,
    settings_with_roads,
    summary_table,
    write_json,
)


def replan(
    plan: Annotated[str, typer.Argument(help="The day plan JSON to revise ('-' for stdin)")],
    changes: Annotated[str, typer.Argument(help="Changes JSON: now, position, cancelled, …")],
    problem: Annotated[
        str | None,
        typer.Option(
            "--problem", help="The day problem the plan answers (default: from the database)"
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the new plan here (default stdout)")
    ] = None,
    problem_out: Annotated[
        Path | None,
        typer.Option(
            "--problem-out", help="Write the rest-of-day problem the new plan answers here"
        ),
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", min=0.01, max=600, help="Solver seconds")
    ] = None,
    database_url: DatabaseUrl = None,
    roads: Roads = None,
) -> None:
    """Re-plan the rest of a rep's day: stops made stay, the changes apply, the rest is
    re-solved from the plan, changing as little as value allows. Writes the new plan (its
    `stops` the rest of the day, `done` the stops made, `replan` the diff)."""
    plan_doc = read_json(plan)
    changes_doc = read_json(changes)
    from api.documents.day import InputError, parse_day_problem
    from api.documents.replan import parse_changes, plan_so_far, problem_document
    from api.travel import travel_source
    from planner import PlannerError, ProblemError, SolveSettings
    from planner.routing import replan as replan_day

    settings = settings_with_roads(roads, database_url=database_url)
    problem_doc: Any
    if problem is not None:
        problem_doc = read_json(problem)
    else:
        plan_id = plan_doc.get("plan_id") if isinstance(plan_doc, dict) else None
        from api.store.plans import PlanStore

        store = PlanStore.from_url(settings.database_url)
        problem_doc = store.get_problem(str(plan_id)) if plan_id else None
        store.dispose()
        if problem_doc is None:
            raise fail(2, f"no problem stored for plan {plan_id!r}: pass --problem PROBLEM.json")
    if time_limit is not None and isinstance(problem_doc, dict):
        problem_doc["options"] = {**(problem_doc.get("options") or {}), "time_limit_s": time_limit}
    try:
        day = parse_day_problem(problem_doc)
        previous = plan_so_far(plan_doc)
        change = parse_changes(changes_doc)
    except InputError as e:
        raise fail(2, "invalid input", e.errors) from None
    solve_settings = SolveSettings(max_time_limit_s=600, travel=travel_source(settings))
    with err.status(f"re-planning {day.rep.id}'s day…"):
        try:
            out = replan_day(
                day, previous, change, settings=solve_settings, plan_id=str(uuid.uuid4())
            )
        except ProblemError as e:
            raise fail(2, "invalid changes", [{"field": e.field, "message": e.message}]) from None
        except PlannerError as e:
            raise fail(1, str(e)) from None
    write_json(out.plan.to_dict(), output)
    if problem_out is not None:
        write_json(problem_document(out.problem), problem_out)
    result = out.plan
    err.print(summary_table(f"re-plan {result.plan_id} (rest of {result.date})", [result]))
    if result.revision is not None:
        counts = {"kept": 0, "moved": 0, "added": 0, "dropped": 0}
        for c in result.revision.changes:
            counts[c.kind] += 1
        err.print(", ".join(f"{k} {v}" for k, v in counts.items()))
        for c in result.revision.changes:
            if c.kind in ("dropped", "added", "moved"):
                err.print(f"  {c.kind} {c.lead_id or c.building_id}: {c.reason}")
