"""Plan one rep's day: build the routing model, solve, re-time, repair, fill, report.

``solve(problem)`` is the whole pipeline; each stage is a pure function of the one
before. The plan's times come from the time-of-day travel model, never from the
solver's static matrix.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from geo import ProviderUnavailable, TravelModel, TravelSource, TravelTimeProvider
from planner.routing._context import DayContext, Item, build_context
from planner.routing._improve import could_replace, fill, fits_alone, repair, upgrade
from planner.routing._model import build_routing_data, kept_nodes
from planner.routing._ortools import solve_routing
from planner.routing._output import assemble_plan
from planner.routing._schedule import Schedule, best_schedule, end_spec, latest_departure, simulate
from planner.routing.plan import DayPlan, Issue, Unvisited
from planner.routing.problem import DayProblem
from planner.routing.search_setup import DEFAULT_SETUP, SearchSetup

DEFAULT_TIME_LIMIT_S = 1.0
BUILTIN_TRAVEL = TravelModel()


@dataclass(frozen=True, slots=True, kw_only=True)
class SolveSettings:
    """What the caller decides: the default and the maximum time limit, the search, and
    where travel times come from (the built-in model unless a road network is set)."""

    default_time_limit_s: float = DEFAULT_TIME_LIMIT_S
    max_time_limit_s: float = 60.0
    setup: SearchSetup = DEFAULT_SETUP
    travel: TravelSource = BUILTIN_TRAVEL


def solve(
    problem: DayProblem,
    *,
    travel: TravelTimeProvider | None = None,
    settings: SolveSettings | None = None,
    plan_id: str | None = None,
    keep: tuple[Item, ...] = (),
    search: bool = True,
) -> DayPlan:
    """Plan the day of ``problem`` and return the plan (never raises for 'no plan').

    ``keep`` (a re-plan) is the route being revised, in the problem's lead indices: the
    search starts from it and prices every change to it (``objective.STABILITY_PER_STOP``).
    Without ``search`` the route is ``keep`` as it is, only repaired if it no longer fits
    and filled with whatever fits beside it.

    Travel times come from ``travel``, else from ``settings.travel`` for the problem's
    date. When that provider cannot answer (its engine is missing, a point lies off its
    road network, it has no such mode), the day is planned on the built-in model instead
    and the plan says so: ``solver.travel_model`` echoes the model that timed it,
    ``solver.travel_fallback`` names the provider asked first and why it was not used,
    and an information issue ``travel_fallback`` repeats it.
    """
    settings = settings or SolveSettings()
    began = time.perf_counter()
    try:
        chosen = travel or settings.travel.for_day(problem.date)
        return _solve(problem, chosen, settings, plan_id, began, keep, search)
    except ProviderUnavailable as e:
        if travel is BUILTIN_TRAVEL:
            raise
        asked = (travel or settings.travel).to_dict()
        plan = _solve(problem, BUILTIN_TRAVEL, settings, plan_id, began, keep, search)
        fallback = {"provider": asked, "reason": str(e)}
        note = Issue(
            code="travel_fallback",
            message=f"timed by the built-in model: the {asked.get('kind')} provider "
            f"could not answer ({e})",
        )
        return replace(
            plan,
            issues=(*plan.issues, note),
            solver={**plan.solver, "travel_fallback": fallback},
        )


def _solve(
    problem: DayProblem,
    travel: TravelTimeProvider,
    settings: SolveSettings,
    plan_id: str | None,
    began: float,
    keep: tuple[Item, ...] = (),
    search: bool = True,
) -> DayPlan:
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

    if not search:
        items = list(keep)
        schedule = latest_departure(ctx, fill(ctx, repair(ctx, items)))
        solver_info.update(
            seconds=round(time.perf_counter() - began, 3),
            objective=None,
            search_status="kept",
            repaired=len(schedule.items) < len(items),
        )
        return assemble_plan(
            ctx,
            schedule,
            _rule_issues(ctx, schedule),
            _unvisited(ctx, schedule),
            solver_info,
            plan_id,
        )
    data = build_routing_data(ctx, keep)
    # the limit is for the whole plan: keep a little for re-timing and filling
    search_s = max(0.05, limit - (time.perf_counter() - began) - min(0.1, 0.1 * limit))
    warm = (kept_nodes(data, keep),) if keep else None
    result = solve_routing(data, setup, search_s, initial=warm)
    items = [it for it in (data.items[n] for n in result.routes[0]) if it is not None]
    schedule = fill(ctx, repair(ctx, items))
    upgraded = upgrade(ctx, schedule)
    if upgraded is not schedule:
        schedule = fill(ctx, upgraded)
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
    """Why not even an empty day fits: the way back, or the lunch break."""
    rep = ctx.problem.rep
    home_in_time = simulate(ctx, [end_spec(ctx)], float(rep.shift_start_min))[1] < 0
    why = (
        "the lunch break cannot be placed between shift_start and return_by"
        if home_in_time
        else "rep.end cannot be reached from rep.start by return_by"
    )
    return [Issue(code="day_infeasible", message=f"not even an empty day fits: {why}")]


def _rule_issues(ctx: DayContext, schedule: Schedule) -> list[Issue]:
    """One issue per unmet rule (these make a shortfall), then information."""
    problem, rules = ctx.problem, ctx.problem.rules
    visited = {it.lead for it in schedule.items}
    n_visits, n_eff = len(visited), sum(ctx.lead_effective[x] for x in visited)
    missed = [
        lead.id
        for x, lead in enumerate(problem.leads)
        if ctx.lead_appointment[x] and x not in visited
    ]
    bare = [
        problem.leads[it.lead].id
        for it in schedule.items
        if ctx.lead_effective[it.lead] and not it.sweeps
    ]
    found = [
        ("appointment_missed", bool(missed), f"appointments not in the plan: {', '.join(missed)}"),
        (
            "min_visits_unmet",
            n_visits < rules.min_visits,
            f"{n_visits} visits fit the day; min_visits is {rules.min_visits}",
        ),
        (
            "min_effective_unmet",
            n_eff < rules.min_effective,
            f"{n_eff} effective visits fit the day; min_effective is {rules.min_effective}",
        ),
        (
            "target_effective_unmet",
            rules.min_effective <= n_eff < rules.target_effective,
            f"{n_eff} effective visits; target_effective is {rules.target_effective}",
        ),
        (
            "effective_without_sweep",
            bool(bare),
            f"no building left to sweep after effective visits: {', '.join(bare)}",
        ),
    ]
    issues = [Issue(code=code, message=message) for code, unmet, message in found if unmet]
    return issues + skipped_sweep_issues(problem)


_SKIP_MESSAGES = {
    "swept_by_other_rep": "swept by another rep of the branch today, not planned here",
    "swept_recently": "swept within the branch's sweep cooldown, not planned again yet",
}


def skipped_sweep_issues(problem: DayProblem) -> list[Issue]:
    """One information issue per reason a building in reach is not swept (code = reason)."""
    out: list[Issue] = []
    for reason, message in _SKIP_MESSAGES.items():
        ids = [s.building_id for s in problem.skipped_sweeps if s.reason == reason]
        if ids:
            out.append(Issue(code=reason, message=f"buildings {message}: {', '.join(ids)}"))
    return out


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


__all__ = ["SolveSettings", "solve"]
