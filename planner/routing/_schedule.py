"""Re-timing under the time-of-day travel model: the truth every plan is held to.

A route is a sequence of stop specs (visit, sweep, break, end). ``simulate`` leaves the
office at a given minute and, leg by leg, applies the travel model at the moment each
leg starts, waits for windows and fails at the first stop it cannot start in time. This
is the same rule the independent plan checker applies.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo import LatLon
from planner.routing._context import SWEEP_WINDOWS, DayContext, Item

EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Spec:
    """A stop to make: where, within which start windows, for how long."""

    kind: str  # "visit" | "sweep" | "break" | "end"
    place: LatLon
    windows: tuple[tuple[float, float], ...] = ()
    service: float = 0.0
    lead: int = -1
    building: int = -1
    anchor: int = -1


@dataclass(frozen=True, slots=True)
class Timed:
    """A spec with its times (minutes after local midnight) and the leg that reached it."""

    spec: Spec
    travel_min: float
    travel_km: float
    arrive: float
    start: float
    depart: float


@dataclass(frozen=True, slots=True)
class Schedule:
    """A feasible, timed day: departure from the start, then every stop in order."""

    items: tuple[Item, ...]
    depart: float
    stops: tuple[Timed, ...]

    @property
    def return_at(self) -> float:
        return self.stops[-1].arrive


def item_specs(ctx: DayContext, item: Item) -> list[Spec]:
    """A visit followed by its sweeps."""
    lead = item.lead
    specs = [
        Spec(
            "visit",
            ctx.lead_wgs[lead],
            ctx.lead_windows[lead],
            ctx.lead_service[lead],
            lead=lead,
        )
    ]
    specs += [
        Spec("sweep", ctx.building_wgs[b], SWEEP_WINDOWS, ctx.sweep_min[b], building=b, anchor=lead)
        for b in item.sweeps
    ]
    return specs


def route_specs(ctx: DayContext, items: tuple[Item, ...] | list[Item]) -> list[Spec]:
    """The stops of a route, without break and end."""
    out: list[Spec] = []
    for item in items:
        out += item_specs(ctx, item)
    return out


def end_spec(ctx: DayContext) -> Spec:
    return Spec("end", ctx.end)


def simulate(ctx: DayContext, specs: list[Spec], depart: float) -> tuple[list[Timed], int]:
    """Time ``specs`` leaving the start at ``depart``; returns the timeline and -1, or the
    timeline so far and the index of the first spec that cannot be made in time."""
    travel, mode = ctx.travel, ctx.mode
    return_by = float(ctx.problem.rep.return_by_min)
    t, here = depart, ctx.start
    out: list[Timed] = []
    for k, sp in enumerate(specs):
        leg = travel.leg(here, sp.place, mode, t)
        arrive = t + leg.minutes
        if sp.kind == "end":
            if arrive > return_by + EPS:
                return out, k
            out.append(Timed(sp, leg.minutes, leg.km, arrive, arrive, arrive))
            return out, -1
        start = None
        for a, z in sp.windows:
            if arrive <= z + EPS:
                start = max(arrive, a)
                break
        if start is None:
            return out, k
        out.append(Timed(sp, leg.minutes, leg.km, arrive, start, start + sp.service))
        t, here = start + sp.service, sp.place
    return out, -1


def fits(ctx: DayContext, specs: list[Spec]) -> bool:
    """True when ``specs`` (ending with the end spec) can be made leaving at shift start."""
    return simulate(ctx, specs, float(ctx.problem.rep.shift_start_min))[1] < 0


def break_placements(ctx: DayContext, stops: list[Spec]) -> list[list[Spec]]:
    """Every way to put the lunch break into ``stops`` (+ end): at a stop or on arrival at
    the next, never between a visit and its sweeps. One list when there is no lunch."""
    lunch = ctx.problem.rep.lunch
    full = stops + [end_spec(ctx)]
    if lunch is None:
        return [full]
    windows = ((float(lunch.earliest_min), float(lunch.latest_min)),)
    out: list[list[Spec]] = []
    for gap in range(len(full)):
        if full[gap].kind == "sweep":
            continue
        prev_place = full[gap - 1].place if gap else ctx.start
        for place in (prev_place, full[gap].place):
            brk = Spec("break", place, windows, float(lunch.minutes))
            out.append(full[:gap] + [brk] + full[gap:])
    return out


def best_schedule(ctx: DayContext, items: tuple[Item, ...] | list[Item]) -> Schedule | None:
    """The feasible timing of ``items`` that returns earliest (lunch placed best), or None."""
    depart = float(ctx.problem.rep.shift_start_min)
    best: tuple[float, float, list[Timed]] | None = None
    lunch = ctx.problem.rep.lunch
    noon = (lunch.earliest_min + lunch.latest_min) / 2 if lunch else 0.0
    for specs in break_placements(ctx, route_specs(ctx, items)):
        timeline, failed = simulate(ctx, specs, depart)
        if failed >= 0:
            continue
        brk = next((s.start for s in timeline if s.spec.kind == "break"), noon)
        key = (round(timeline[-1].arrive, 6), abs(brk - noon))
        if best is None or key < best[:2]:
            best = (key[0], key[1], timeline)
    if best is None:
        return None
    return Schedule(tuple(items), depart, tuple(best[2]))


def latest_departure(ctx: DayContext, schedule: Schedule) -> Schedule:
    """Leave the office as late as still reaches the first stop at the same start time,
    so the rep waits at the desk rather than outside the first door."""
    first = schedule.stops[0]
    if first.start - first.arrive <= 1e-6 or first.spec.kind == "end":
        return schedule
    lo, hi = schedule.depart, first.start
    travel, mode, place = ctx.travel, ctx.mode, first.spec.place
    for _ in range(40):
        mid = (lo + hi) / 2
        if mid + travel.leg(ctx.start, place, mode, mid).minutes <= first.start:
            lo = mid
        else:
            hi = mid
    lo = int(lo * 60) / 60  # whole seconds, never later than the bound
    leg = travel.leg(ctx.start, place, mode, lo)
    arrive = lo + leg.minutes
    if arrive > first.start + EPS:
        return schedule
    head = Timed(first.spec, leg.minutes, leg.km, arrive, first.start, first.depart)
    return Schedule(schedule.items, lo, (head,) + schedule.stops[1:])
