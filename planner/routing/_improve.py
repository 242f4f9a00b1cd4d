"""After the solver: make the route hold under the real travel model, then fill it.

``repair`` drops the least valuable stops until the re-timed route is feasible;
``fill`` inserts every lead that still fits (the plan is *maximal*: no unvisited lead
with a value can be put between two stops without breaking a limit), and
``upgrade`` swaps a visited lead for a better one when the day has room for it.
Every test is a re-timing under the same model the plan is checked with.
"""

from __future__ import annotations

import math

from planner.routing import objective as W
from planner.routing._context import DayContext, Item
from planner.routing._schedule import (
    EPS,
    Schedule,
    Spec,
    Timed,
    best_schedule,
    fits,
    item_specs,
    simulate,
)

_SLACK_TOL_MIN = 1e-3  # the quick test rejects only beyond this: it never rules out a fit


def rank(ctx: DayContext, items: tuple[Item, ...] | list[Item]) -> tuple[int, ...]:
    """The planner's priorities of a route, as a tuple compared lexicographically."""
    rules = ctx.problem.rules
    leads = [it.lead for it in items]
    return W.rank(
        appointments=sum(ctx.lead_appointment[x] for x in leads),
        visits=len(leads),
        effective=sum(ctx.lead_effective[x] for x in leads),
        swept_effective=sum(1 for it in items if it.sweeps),
        value_units=sum(W.value_units(ctx.lead_weighted[x]) for x in leads),
        sweep_points=sum(
            W.sweep_score(it.sweeps, ctx.own_building[it.lead], ctx.building_score) for it in items
        ),
        min_visits=rules.min_visits,
        min_effective=rules.min_effective,
        target_effective=rules.target_effective,
    )


def repair(ctx: DayContext, items: list[Item]) -> Schedule:
    """Drop stops (a sweep first, then whole visits, least priority lost first) until the
    route is feasible under the time-of-day model. The empty day must be feasible."""
    while True:
        schedule = best_schedule(ctx, items)
        if schedule is not None:
            return schedule
        options: list[list[Item]] = []
        for i, it in enumerate(items):
            if it.sweeps:
                options.append(items[:i] + [Item(it.lead, it.sweeps[:-1])] + items[i + 1 :])
            options.append(items[:i] + items[i + 1 :])
        options.sort(key=lambda o: rank(ctx, o), reverse=True)
        feasible = next((o for o in options if best_schedule(ctx, o) is not None), None)
        items = feasible if feasible is not None else options[0]


def _candidates(ctx: DayContext, visited: set[int], *, needs_more: bool) -> list[int]:
    """Unvisited leads worth a try (value, appointment, or any while visits are short),
    appointments first, then by urgency-weighted value."""
    out = [
        x
        for x in range(ctx.n_leads)
        if x not in visited and (ctx.lead_weighted[x] > 0 or ctx.lead_appointment[x] or needs_more)
    ]
    out.sort(key=lambda x: (not ctx.lead_appointment[x], -ctx.lead_weighted[x], x))
    return out


def _free_variants(ctx: DayContext, lead: int, swept: set[int]) -> list[Item]:
    """The lead's variants whose buildings are still unswept, the most sweeps first."""
    variants = [v for v in ctx.variants(lead) if not set(v.sweeps) & swept]
    variants.sort(key=lambda v: rank(ctx, [v])[3:], reverse=True)
    return variants


def _insertions(specs: list[Spec]) -> list[tuple[int, int]]:
    """(spec position, item position) pairs where a new visit may go: before any stop but
    a sweep (a sweep follows its visit)."""
    out, item_pos = [], 0
    for k, sp in enumerate(specs):
        if sp.kind != "sweep":
            out.append((k, item_pos))
        if sp.kind == "visit":
            item_pos += 1
    return out


def _latest_arrivals(ctx: DayContext, specs: list[Spec]) -> list[float]:
    """For each stop of a route that ends with the end, the latest arrival there that
    still makes every later stop in time (-inf when none does). Legs are first-in,
    first-out, so arriving later never helps: one ``leg_arriving`` per leg, backwards."""
    latest = [-math.inf] * len(specs)
    latest[-1] = float(ctx.problem.rep.return_by_min)
    for k in range(len(specs) - 2, -1, -1):
        if latest[k + 1] == -math.inf:
            break
        sp, nxt = specs[k], specs[k + 1]
        back = ctx.travel.leg_arriving(sp.place, nxt.place, ctx.mode, latest[k + 1])
        leave_by = latest[k + 1] - back.minutes
        latest[k] = max(
            (min(z, leave_by - sp.service) for a, z in sp.windows if a + sp.service <= leave_by),
            default=-math.inf,
        )
    return latest


def _cannot_fit(extra: list[Spec], leave: float, latest: float) -> bool:
    """True when stops ``extra``, reached after leaving the stop before at ``leave``,
    cannot hand over by ``latest`` to the stop after them even with instant legs: their
    services (and the window openings they wait for) alone take too long. Asks no leg."""
    t = leave
    for sp in extra:
        opening = next((a for a, z in sp.windows if t <= z + EPS), None)
        if opening is None:
            return True
        t = max(t, opening) + sp.service
    return t > latest + _SLACK_TOL_MIN


def _leave_times(ctx: DayContext, stops: tuple[Timed, ...]) -> list[float]:
    """When the rep leaves the place before each stop (the start for the first)."""
    return [float(ctx.problem.rep.shift_start_min)] + [t.depart for t in stops[:-1]]


def _slack(ctx: DayContext, schedule: Schedule) -> tuple[list[float], list[float]] | None:
    """When the rep leaves the place before each stop and the latest arrival at each
    stop, for the quick test; None when ``fits`` would not re-time the schedule as it is
    (it leaves at shift start)."""
    specs = [t.spec for t in schedule.stops]
    timeline, failed = simulate(ctx, specs, float(ctx.problem.rep.shift_start_min))
    if failed >= 0:
        return None
    return _leave_times(ctx, tuple(timeline)), _latest_arrivals(ctx, specs)


def _best_insertion(ctx: DayContext, schedule: Schedule) -> Schedule | None:
    """The most valuable lead that still fits, in its best variant, where the day returns
    earliest; None when no lead fits anywhere. The test keeps the lunch where it is, as
    the plan checker's maximality test does; the winner is re-timed with every placement."""
    items = list(schedule.items)
    visited = {it.lead for it in items}
    swept = {b for it in items for b in it.sweeps}
    needs_more = len(items) < ctx.problem.rules.min_visits
    specs = [t.spec for t in schedule.stops]
    positions = _insertions(specs)
    slack = _slack(ctx, schedule)
    for lead in _candidates(ctx, visited, needs_more=needs_more):
        for variant in _free_variants(ctx, lead, swept):
            extra = item_specs(ctx, variant)
            best: Schedule | None = None
            for k, pos in positions:
                if slack is not None and _cannot_fit(extra, slack[0][k], slack[1][k]):
                    continue
                if not fits(ctx, specs[:k] + extra + specs[k:]):
                    continue
                trial = best_schedule(ctx, items[:pos] + [variant] + items[pos:])
                if trial is not None and (best is None or trial.return_at < best.return_at):
                    best = trial
            if best is not None:
                return best
    return None


def fill(ctx: DayContext, schedule: Schedule) -> Schedule:
    """Insert leads that still fit until none does, the most valuable first."""
    while (filled := _best_insertion(ctx, schedule)) is not None:
        schedule = filled
    return schedule


def _item_spans(specs: list[Spec]) -> list[tuple[int, int]]:
    """Spec index range [first, last) of each route item (a visit and its sweeps)."""
    spans: list[tuple[int, int]] = []
    for k, sp in enumerate(specs):
        if sp.kind == "visit":
            spans.append((k, k + 1))
        elif sp.kind == "sweep":
            spans[-1] = (spans[-1][0], k + 1)
    return spans


def _replaced(
    ctx: DayContext,
    schedule: Schedule,
    i: int,
    variant: Item,
    slack: tuple[list[float], list[float]] | None,
) -> Schedule | None:
    """The route with item ``i`` replaced by ``variant``, if it fits. The quick test keeps
    the lunch where it is; only a route that passes it is re-timed with every placement.
    ``slack`` (of ``schedule``, see :func:`_slack`) rules out, without a leg, a variant
    whose services alone overrun the next stop's latest arrival."""
    specs = [t.spec for t in schedule.stops]
    a, z = _item_spans(specs)[i]
    extra = item_specs(ctx, variant)
    if slack is not None and _cannot_fit(extra, slack[0][a], slack[1][z]):
        return None
    if not fits(ctx, specs[:a] + extra + specs[z:]):
        return None
    items = list(schedule.items)
    return best_schedule(ctx, items[:i] + [variant] + items[i + 1 :])


def _better_swap(ctx: DayContext, schedule: Schedule) -> Schedule | None:
    """The first replacement of a visit by an unvisited lead that ranks higher and fits."""
    items = list(schedule.items)
    visited = {it.lead for it in items}
    current = rank(ctx, items)
    slack = _slack(ctx, schedule)
    for i, old in enumerate(items):
        swept = {b for j, it in enumerate(items) if j != i for b in it.sweeps}
        for lead in _candidates(ctx, visited, needs_more=False):
            if ctx.lead_weighted[lead] <= ctx.lead_weighted[old.lead] and not (
                ctx.lead_appointment[lead] or ctx.lead_effective[lead]
            ):
                continue
            for variant in _free_variants(ctx, lead, swept):
                if rank(ctx, items[:i] + [variant] + items[i + 1 :]) <= current:
                    continue
                trial = _replaced(ctx, schedule, i, variant, slack)
                if trial is not None:
                    return trial
    return None


def upgrade(ctx: DayContext, schedule: Schedule) -> Schedule:
    """Replace a visit by an unvisited lead (in its place) whenever the route ranks
    higher and stays feasible; repeat until no swap helps."""
    while (better := _better_swap(ctx, schedule)) is not None:
        schedule = better
    return schedule


def fits_alone(ctx: DayContext, lead: int) -> bool:
    """Leave at shift start, go straight to the lead, come straight back: does it fit?"""
    specs = item_specs(ctx, Item(lead))[:1] + [Spec("end", ctx.end)]
    return simulate(ctx, specs, float(ctx.problem.rep.shift_start_min))[1] < 0


def could_replace(ctx: DayContext, schedule: Schedule, lead: int) -> bool:
    """True when the lead fits the day in place of one of its non-appointment visits."""
    slack = _slack(ctx, schedule)
    return any(
        _replaced(ctx, schedule, i, Item(lead), slack) is not None
        for i, old in enumerate(schedule.items)
        if not ctx.lead_appointment[old.lead]
    )
