"""Plan one rep's day: build the routing model, solve, re-time, repair, fill, report.

``solve(problem)`` is the whole pipeline; each stage is a pure function of the one
before. The plan's times come from the time-of-day travel model, never from the
solver's static matrix.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from geo import TravelModel, TravelTimeProvider
from planner._context import DayContext, Item, build_context
from planner._improve import could_replace, fill, fits_alone, rank, repair, upgrade
from planner._model import build_routing_data
from planner._output import assemble_plan
from planner._routing import solve_routing
from planner._schedule import Schedule, best_schedule, latest_departure
from planner.plan import DayPlan, Issue, Unvisited
from planner.problem import DayProblem
from planner.search import DEFAULT_SETUP, SearchSetup

DEFAULT_TIME_LIMIT_S = 1.0
BUILTIN_TRAVEL = TravelModel()


@dataclass(frozen=True, slots=True, kw_only=True)
class SolveSettings:
    """What the caller decides: the default and the maximum time limit, the search."""

    default_time_limit_s: float = DEFAULT_TIME_LIMIT_S
    max_time_limit_s: float = 60.0
    setup: SearchSetup = DEFAULT_SETUP


def solve(
    problem: DayProblem,
    *,
    travel: TravelTimeProvider | None = None,
    settings: SolveSettings | None = None,
    plan_id: str | None = None,
) -> DayPlan:
    """Plan the day of ``problem`` and return the plan (never raises for 'no plan')."""
    settings = settings or SolveSettings()
    travel = travel or BUILTIN_TRAVEL
    began = time.perf_counter()
    ctx = build_context(problem, travel)
    limit = min(
        problem.options.time_limit_s or settings.default_time_limit_s, settings.max_time_limit_s
    )
    setup = settings.setup
    if problem.options.deterministic and setup.branch_limit is None:
        setup = setup.deterministic()
    solver_info: dict[str, Any] = {
        "engine": "ortools",
        "time_limit_s": limit,
        "search": setup.to_dict(),
        "travel_model": travel.to_dict(),
    }
    if best_schedule(ctx, []) is None:
        solver_info.update(seconds=round(time.perf_counter() - began, 3), objective=None)
        return assemble_plan(ctx, None, _infeasible_issues(ctx), (), solver_info, plan_id)

    data = build_routing_data(ctx)
    result = solve_routing(data, setup, limit)
    items = [it for it in (data.items[n] for n in result.nodes) if it is not None]
    schedule = repair(ctx, items)
    schedule = upgrade(ctx, fill(ctx, schedule))
    schedule = fill(ctx, schedule)
    schedule = latest_departure(ctx, schedule)
    solver_info.update(
        seconds=round(time.perf_counter() - began, 3),
        solve_seconds=round(result.seconds, 3),
        objective=result.objective,
        search_status=result.status,
        repaired=len(schedule.items) < len(items),
    )
    return assemble_plan(
        ctx, schedule, _rule_issues(ctx, schedule), _unvisited(ctx, schedule), solver_info, plan_id
    )


def _infeasible_issues(ctx: DayContext) -> list[Issue]:
    rep = ctx.problem.rep
    why = (
        "the lunch break cannot be placed"
        if rep.lunch is not None and best_schedule_without_lunch(ctx)
        else "the end cannot be reached by return_by"
    )
    return [Issue(code="day_infeasible", message=f"not even an empty day fits: {why}")]


def best_schedule_without_lunch(ctx: DayContext) -> bool:
    from planner._schedule import Spec, simulate

    return simulate(ctx, [Spec("end", ctx.end)], float(ctx.problem.rep.shift_start_min))[1] < 0


def _rule_issues(ctx: DayContext, schedule: Schedule) -> list[Issue]:
    problem, rules = ctx.problem, ctx.problem.rules
    visited = {it.lead for it in schedule.items}
    n_eff = sum(ctx.lead_effective[x] for x in visited)
    issues: list[Issue] = []
    missed = [problem.leads[x].id for x in range(ctx.n_leads) if ctx.lead_appointment[x] and x not in visited]
    if missed:
        issues.append(Issue(code="appointment_missed", message=f"appointments not in the plan: {', '.join(missed)}"))
    if len(visited) < rules.min_visits:
        issues.append(Issue(code="min_visits_unmet", message=f"{len(visited)} visits fit the day; min_visits is {rules.min_visits}"))
    if n_eff < rules.min_effective:
        issues.append(Issue(code="min_effective_unmet", message=f"{n_eff} effective visits fit the day; min_effective is {rules.min_effective}"))
    elif n_eff < rules.target_effective:
        issues.append(Issue(code="target_effective_unmet", message=f"{n_eff} effective visits; the target is {rules.target_effective}"))
    bare = [problem.leads[it.lead].id for it in schedule.items if ctx.lead_effective[it.lead] and not it.sweeps]
    if bare:
        issues.append(Issue(code="effective_without_sweep", message=f"no building left to sweep after: {', '.join(bare)}"))
    return issues


def _unvisited(ctx: DayContext, schedule: Schedule) -> list[Unvisited]:
    problem, rules = ctx.problem, ctx.problem.rules
    visited = {it.lead for it in schedule.items}
    higher_rule_unmet = len(visited) < rules.min_visits or any(
        ctx.lead_appointment[x] and x not in visited for x in range(ctx.n_leads)
    )
    out: list[Unvisited] = []
    for x, lead in enumerate(problem.leads):
        if x in visited:
            continue
        if not fits_alone(ctx, x):
            reason = "window_unreachable"
        elif higher_rule_unmet or ctx.lead_appointment[x]:
            reason = "no_time"
        elif lead.value <= 0 or could_replace(ctx, schedule, x):
            reason = "lower_value"
        else:
            reason = "no_time"
        out.append(Unvisited(lead_id=lead.id, reason=reason))  # type: ignore[arg-type]
    return out


__all__ = ["SolveSettings", "solve", "rank", "Item"]
