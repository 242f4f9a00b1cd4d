"""The routing model's data: nodes, integer matrices, windows, penalties — no OR-Tools.

Node 0 is the start, node 1 the end; every other node is one *variant* of a lead: the
visit alone, or the visit followed by one or two sweeps (left from the last building).
A lead's variants form one disjunction, so at most one of them is in the route.
Integers are seconds; travel and service round up, window closes round down, so a
route the solver finds feasible is feasible in exact minutes on the same matrix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from geo import LatLon
from planner.routing import objective as W
from planner.routing._context import DayContext, Item
from planner.routing.problem import SWEEP_WINDOW

START, END = 0, 1
HORIZON_S = 48 * 3600


def up(minutes: float) -> int:
    """Minutes to whole seconds, rounded up (durations, window opens)."""
    return int(math.ceil(minutes * 60 - 1e-6))


def down(minutes: float) -> int:
    """Minutes to whole seconds, rounded down (window closes)."""
    return int(math.floor(minutes * 60 + 1e-6))


@dataclass(frozen=True, slots=True, kw_only=True)
class RoutingData:
    """Integer data for the routing solver, indexed by node."""

    items: tuple[Item | None, ...]
    time_s: np.ndarray
    cost: np.ndarray
    service_s: tuple[int, ...]
    windows_s: tuple[tuple[tuple[int, int], ...], ...]
    disjunctions: tuple[tuple[tuple[int, ...], int], ...]
    exclusive: tuple[tuple[int, ...], ...]
    visit_unit: tuple[int, ...]
    effective_unit: tuple[int, ...]
    shift_start_s: int
    return_by_s: int
    lunch_s: tuple[int, int, int] | None
    min_visits: int
    min_effective: int
    target_effective: int
    n_vehicles: int = 1
    """Routes to build; each leaves node 0 and ends at node 1 (a day has one)."""

    @property
    def n_nodes(self) -> int:
        return len(self.items)


def _variant_timing(ctx: DayContext, item: Item) -> tuple[float, list[tuple[float, float]]]:
    """Service minutes of a variant (visit, walks, sweeps) and its windows for the visit start."""
    lead = item.lead
    windows = list(ctx.lead_windows[lead])
    here, t_after_visit = ctx.lead_wgs[lead], ctx.lead_service[lead]
    offset = t_after_visit
    for b in item.sweeps:
        walk = ctx.travel.leg(here, ctx.building_wgs[b], ctx.mode, 12 * 60.0).minutes
        offset += walk
        # the sweep must start in its window: visit start + offset in [09:00, 17:30]
        lo, hi = SWEEP_WINDOW[0] - offset, SWEEP_WINDOW[1] - offset
        windows = [(max(a, lo), min(z, hi)) for a, z in windows if max(a, lo) <= min(z, hi)]
        offset += ctx.sweep_min[b]
        here = ctx.building_wgs[b]
    return offset, windows


def build_routing_data(ctx: DayContext, keep: tuple[Item, ...] = ()) -> RoutingData:
    """Nodes, matrices, windows and penalties for the day, ready for the routing engine.

    ``keep`` is the route of the plan being revised (a re-plan), in order: each of its
    leads costs :data:`~planner.routing.objective.STABILITY_PER_STOP` more to drop, and as
    much again to reach from another predecessor or with other sweeps than before.
    """
    problem, rep = ctx.problem, ctx.problem.rep
    kept_leads = {it.lead for it in keep}
    lead_nodes: dict[int, list[int]] = {}
    items: list[Item | None] = [None, None]
    in_place: list[LatLon] = [ctx.start, ctx.end]
    out_place: list[LatLon] = [ctx.start, ctx.end]
    service: list[int] = [0, 0]
    windows: list[tuple[tuple[int, int], ...]] = [
        ((up(rep.shift_start_min), rep.return_by_min * 60),),
        ((up(rep.shift_start_min), rep.return_by_min * 60),),
    ]
    entry: list[int] = [0, 0]
    disjunctions: list[tuple[tuple[int, ...], int]] = []
    sweeping: dict[int, list[int]] = {}
    for lead in range(ctx.n_leads):
        variants = []
        for item in ctx.variants(lead):
            svc_min, wins = _variant_timing(ctx, item)
            wins_s = tuple((up(a), down(z)) for a, z in wins if up(a) <= down(z))
            if wins_s:
                variants.append((item, svc_min, wins_s))
        if not variants:
            continue
        extra = [_sweep_worth(ctx, item) for item, _, _ in variants]
        best_extra = max(extra)
        can_sweep = any(item.sweeps for item, _, _ in variants)
        nodes = []
        for (item, svc_min, wins_s), worth in zip(variants, extra, strict=True):
            nodes.append(len(items))
            items.append(item)
            in_place.append(ctx.lead_wgs[lead])
            out_place.append(
                ctx.building_wgs[item.sweeps[-1]] if item.sweeps else ctx.lead_wgs[lead]
            )
            service.append(up(svc_min))
            windows.append(wins_s)
            missing = W.SWEEP_AFTER_EFFECTIVE if (can_sweep and not item.sweeps) else 0
            entry.append(missing + best_extra - worth)
            for b in item.sweeps:
                sweeping.setdefault(b, []).append(nodes[-1])
        lead_nodes[lead] = nodes
        penalty = W.VALUE_PER_DECIPOINT * W.value_units(ctx.lead_weighted[lead]) + best_extra
        if lead in kept_leads:
            penalty += W.STABILITY_PER_STOP
        if ctx.lead_appointment[lead]:
            penalty += W.APPOINTMENT
        if can_sweep:
            penalty += W.SWEEP_AFTER_EFFECTIVE
        disjunctions.append((tuple(nodes), penalty))

    travel_s = _travel_seconds(ctx, in_place, out_place)
    service_arr = np.asarray(service, dtype=np.int64)
    time_s = travel_s + service_arr[:, None]
    cost = travel_s * W.TRAVEL_PER_S + np.asarray(entry, dtype=np.int64)[None, :]
    if keep:
        cost = cost + _stability_cost(items, lead_nodes, keep)
    visit_unit = tuple(0 if it is None else 1 for it in items)
    eff_unit = tuple(0 if it is None else int(ctx.lead_effective[it.lead]) for it in items)
    lunch = rep.lunch
    return RoutingData(
        items=tuple(items),
        time_s=time_s,
        cost=cost,
        service_s=tuple(service),
        windows_s=tuple(windows),
        disjunctions=tuple(disjunctions),
        exclusive=tuple(tuple(v) for v in sweeping.values() if len(v) > 1),
        visit_unit=visit_unit,
        effective_unit=eff_unit,
        shift_start_s=up(rep.shift_start_min),
        return_by_s=rep.return_by_min * 60,
        lunch_s=(
            (lunch.earliest_min * 60, lunch.latest_min * 60, up(lunch.minutes)) if lunch else None
        ),
        min_visits=problem.rules.min_visits,
        min_effective=problem.rules.min_effective,
        target_effective=max(problem.rules.target_effective, problem.rules.min_effective),
    )


def _stability_cost(
    items: list[Item | None], lead_nodes: dict[int, list[int]], keep: tuple[Item, ...]
) -> np.ndarray:
    """Arc costs that keep a revised route: entering a kept lead's node costs
    ``STABILITY_PER_STOP`` unless it comes from the lead it followed before (or the start,
    for the first), and once more in a variant with other sweeps than before."""
    n = len(items)
    extra = np.zeros((n, n), dtype=np.int64)
    before = [START]
    for item in keep:
        nodes = lead_nodes.get(item.lead)
        if not nodes:
            continue
        for j in nodes:
            extra[:, j] += W.STABILITY_PER_STOP
            extra[before, j] -= W.STABILITY_PER_STOP
            other = items[j]
            if other is not None and other.sweeps != item.sweeps:
                extra[:, j] += W.STABILITY_PER_STOP
        before = nodes
    return extra


def kept_nodes(data: RoutingData, keep: tuple[Item, ...]) -> tuple[int, ...]:
    """The nodes of a revised route (the same variant, else the visit alone), for a warm start."""
    where = {it: node for node, it in enumerate(data.items) if it is not None}
    out = []
    for item in keep:
        node = where.get(item, where.get(Item(item.lead)))
        if node is not None:
            out.append(node)
    return tuple(out)


def _sweep_worth(ctx: DayContext, item: Item) -> int:
    points = W.sweep_score(item.sweeps, ctx.own_building[item.lead], ctx.building_score)
    return points * W.EXTRA_SWEEP_PER_SCORE


def _travel_seconds(ctx: DayContext, in_place: list[LatLon], out_place: list[LatLon]) -> np.ndarray:
    """Travel seconds from each node's departure place to each node's arrival place.

    Between visits the off-peak matrix (most of the working day); from the start, the
    exact legs leaving at shift start; into the end, the legs that arrive exactly at
    ``return_by`` (so the return limit is exact). Re-timing catches the rest.
    """
    rep = ctx.problem.rep
    m = ctx.travel.matrix(out_place, ctx.mode, None, in_place).minutes
    first = ctx.travel.matrix([ctx.start], ctx.mode, float(rep.shift_start_min), in_place).minutes
    m = m.copy()
    m[0, :] = first[0]
    for i, place in enumerate(out_place):
        m[i, 1] = ctx.travel.leg_arriving(
            place, ctx.end, ctx.mode, float(rep.return_by_min)
        ).minutes
    return np.ceil(m * 60 - 1e-6).astype(np.int64)
