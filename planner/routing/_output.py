"""Turn a timed schedule into the day plan of the contract (stops, totals, GeoJSON)."""

from __future__ import annotations

from typing import Any

from geo import LatLon, to_wgs84
from planner.routing._context import DayContext
from planner.routing._schedule import Schedule, Timed
from planner.routing.links import nav_links
from planner.routing.plan import RULE_CODES, DayPlan, Issue, Stop, Totals, Unvisited


def assemble_plan(
    ctx: DayContext,
    schedule: Schedule | None,
    issues: list[Issue],
    unvisited: list[Unvisited] | tuple[Unvisited, ...],
    solver: dict[str, Any],
    plan_id: str | None,
) -> DayPlan:
    """The plan for ``schedule``; None means the day itself is infeasible."""
    problem = ctx.problem
    if schedule is None:
        return DayPlan(
            plan_id=plan_id,
            rep_id=problem.rep.id,
            date=problem.date,
            crs=str(problem.crs),
            status="infeasible",
            issues=tuple(issues),
            stops=(),
            totals=Totals(),
            unvisited=tuple(
                Unvisited(lead_id=x.id, reason="day_infeasible") for x in problem.leads
            ),
            solver=solver,
            geometry=_geometry(ctx, [], [x.location for x in problem.leads]),
            skipped_sweeps=problem.skipped_sweeps,
        )
    stops = _stops(ctx, schedule)
    visits = [s for s in stops if s.type == "visit"]
    leads = {x.id: x for x in problem.leads}
    totals = Totals(
        visits=len(visits),
        effective_visits=sum(1 for s in visits if s.effective),
        sweeps=sum(1 for s in stops if s.type == "sweep"),
        travel_km=sum(s.travel_km for s in stops),
        travel_minutes=sum(s.travel_minutes for s in stops),
        service_minutes=sum(
            t.depart - t.start for t in schedule.stops if t.spec.kind in ("visit", "sweep")
        ),
        wait_minutes=sum(s.wait_minutes for s in stops),
        return_at=stops[-1].arrive,
        value=sum(leads[s.lead_id].value for s in visits if s.lead_id),
    )
    codes = {i.code for i in issues}
    return DayPlan(
        plan_id=plan_id,
        rep_id=problem.rep.id,
        date=problem.date,
        crs=str(problem.crs),
        status="shortfall" if codes & set(RULE_CODES) else "ok",
        issues=tuple(issues),
        stops=tuple(stops),
        totals=totals,
        unvisited=tuple(unvisited),
        solver=solver,
        geometry=_geometry(
            ctx,
            stops,
            [leads[u.lead_id].location for u in unvisited],
            [u.lead_id for u in unvisited],
        ),
        skipped_sweeps=problem.skipped_sweeps,
    )


def _stops(ctx: DayContext, schedule: Schedule) -> list[Stop]:
    problem = ctx.problem
    at = problem.instant

    def link(place: LatLon, name: str) -> dict[str, str]:
        return nav_links(place, problem.crs, name, problem.rep.mode)

    out = [Stop(type="start", location=problem.rep.start, depart=at(schedule.depart))]
    timeline = schedule.stops
    for k, t in enumerate(timeline):
        sp = t.spec
        common: dict[str, Any] = dict(
            travel_minutes=t.travel_min,
            travel_km=t.travel_km,
            arrive=at(t.arrive),
            wait_minutes=t.start - t.arrive,
        )
        if sp.kind == "end":
            out.append(
                Stop(
                    type="end",
                    location=problem.rep.end,
                    links=link(problem.rep.end, END_NAME),
                    **common,
                )
            )
            continue
        common.update(start=at(t.start), depart=at(t.depart))
        if sp.kind == "visit":
            lead = problem.leads[sp.lead]
            out.append(
                Stop(
                    type="visit",
                    location=lead.location,
                    lead_id=lead.id,
                    effective=lead.effective,
                    links=link(lead.location, _lead_name(ctx, sp.lead)),
                    **common,
                )
            )
        elif sp.kind == "sweep":
            b = problem.buildings[sp.building]
            out.append(
                Stop(
                    type="sweep",
                    location=b.location,
                    building_id=b.id,
                    anchor_lead_id=problem.leads[sp.anchor].id,
                    links=link(b.location, b.name or b.id),
                    **common,
                )
            )
        else:
            out.append(
                Stop(type="break", location=_break_location(ctx, out, timeline, k), **common)
            )
    return out


END_NAME = "End of day"
"""The label of the end's navigation links."""


def _lead_name(ctx: DayContext, lead: int) -> str:
    """A visit's label: the lead id, and its building's name when it has one."""
    x = ctx.problem.leads[lead]
    own = ctx.own_building[lead]
    b = ctx.problem.buildings[own] if own is not None else None
    return f"{x.id} · {b.name}" if b is not None and b.name else x.id


def _break_location(
    ctx: DayContext, done: list[Stop], timeline: tuple[Timed, ...], k: int
) -> LatLon:
    """The problem-CRS location of a break: the stop before it, or the one after."""
    prev_place = timeline[k - 1].spec.place if k else ctx.start
    if timeline[k].spec.place == prev_place:
        return done[-1].location
    nxt = timeline[k + 1].spec
    problem = ctx.problem
    if nxt.kind == "visit":
        return problem.leads[nxt.lead].location
    if nxt.kind == "sweep":
        return problem.buildings[nxt.building].location
    return problem.rep.end


def _geometry(
    ctx: DayContext,
    stops: list[Stop],
    unvisited_at: list[LatLon],
    unvisited_ids: list[str] | None = None,
) -> dict[str, Any]:
    """RFC 7946 FeatureCollection (WGS-84, [lon, lat]): the route, its stops, the leads left."""
    crs = ctx.problem.crs

    def pos(p: LatLon) -> list[float]:
        w = to_wgs84(p, crs)
        return [round(w.lon, 7), round(w.lat, 7)]

    features: list[dict[str, Any]] = []
    if stops:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [pos(s.location) for s in stops]},
                "properties": {"kind": "route", "rep_id": ctx.problem.rep.id},
            }
        )
    for seq, s in enumerate(stops):
        props: dict[str, Any] = {"kind": "stop", "seq": seq, "type": s.type}
        for key in ("lead_id", "building_id", "anchor_lead_id"):
            if getattr(s, key):
                props[key] = getattr(s, key)
        when = s.start or s.arrive or s.depart
        if when is not None:
            props["time"] = when.isoformat(timespec="minutes")
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": pos(s.location)},
                "properties": props,
            }
        )
    for i, p in enumerate(unvisited_at):
        props = {"kind": "unvisited"}
        if unvisited_ids:
            props["lead_id"] = unvisited_ids[i]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": pos(p)},
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", "features": features}
