"""The re-plan documents: the changes a rep's day went through (request), the plan being
revised read back into the planner's types, and a day problem written out as a document
(the rest of the day is stored and checked as one)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, Field, ValidationError, model_validator

from api.documents.day import (
    Id,
    InputError,
    LatLonIn,
    LeadIn,
    Window,
    _Strict,
    field_errors,
    leads_domain,
)
from geo import LatLon
from planner import DayProblem, ProblemError, Stop, format_hhmm, parse_hhmm
from planner.routing import Changes, Overrun, PlanSoFar, RemovedWindow


class OverrunIn(_Strict):
    """A stop that ran long: name it (a visit by `lead_id`, a sweep by `building_id`) and
    say by how many `minutes`, or when the rep actually left (`depart`)."""

    lead_id: Id | None = Field(None, description="The visit that ran long")
    building_id: Id | None = Field(None, description="The sweep that ran long")
    minutes: float | None = Field(None, ge=0, le=600, description="Minutes longer than planned")
    depart: AwareDatetime | None = Field(None, description="When the rep left (ISO 8601 instant)")

    @model_validator(mode="after")
    def _one_of_each(self) -> OverrunIn:
        if (self.lead_id is None) == (self.building_id is None):
            raise ValueError("name the stop by lead_id (a visit) or building_id (a sweep)")
        if (self.minutes is None) == (self.depart is None):
            raise ValueError("give either minutes (how much longer) or depart")
        return self


class RemovedWindowIn(_Strict):
    lead_id: Id
    window: Window = Field(
        description="['HH:MM', 'HH:MM']: the lead's visit may no longer start inside it (a "
        "window of the lead equal to it disappears)"
    )


class ChangesIn(_Strict):
    """What changed since the plan was made, and where and when the rep is now."""

    now: AwareDatetime = Field(description="The present instant (ISO 8601 with offset)")
    position: LatLonIn = Field(description="Where the rep is now, in the problem's crs")
    cancelled: list[Id] = Field(
        default_factory=list, max_length=500, description="Lead ids cancelled"
    )
    overruns: list[OverrunIn] = Field(default_factory=list, max_length=100)
    new_leads: list[LeadIn] = Field(
        default_factory=list,
        max_length=100,
        description="Leads added to the day (hot lead calls), as in a day problem",
    )
    removed_windows: list[RemovedWindowIn] = Field(default_factory=list, max_length=100)


def parse_changes(data: Any) -> Changes:
    """Validate a changes document and build the planner's changes (or InputError)."""
    try:
        m = ChangesIn.model_validate(data)
    except ValidationError as err:
        raise InputError(field_errors(err)) from None
    try:
        return changes_domain(m)
    except ProblemError as err:
        raise InputError([{"field": err.field, "message": err.message}]) from None


def changes_domain(m: ChangesIn) -> Changes:
    """The planner's changes from a validated document."""
    new = leads_domain(m.new_leads)
    removed = tuple(
        RemovedWindow(
            lead_id=r.lead_id,
            start_min=parse_hhmm(r.window[0], f"removed_windows[{k}].window[0]"),
            end_min=parse_hhmm(r.window[1], f"removed_windows[{k}].window[1]"),
        )
        for k, r in enumerate(m.removed_windows)
    )
    return Changes(
        now=m.now,
        position=m.position.domain(),
        cancelled=tuple(m.cancelled),
        overruns=tuple(
            Overrun(
                lead_id=o.lead_id, building_id=o.building_id, minutes=o.minutes, depart=o.depart
            )
            for o in m.overruns
        ),
        new_leads=new,
        removed_windows=removed,
    )


# -- the plan being revised ----------------------------------------------------------------


def _when(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


def _stop(doc: dict[str, Any]) -> Stop:
    loc = doc["location"]
    return Stop(
        type=doc["type"],
        location=LatLon(float(loc["lat"]), float(loc["lon"])),
        lead_id=doc.get("lead_id"),
        building_id=doc.get("building_id"),
        anchor_lead_id=doc.get("anchor_lead_id"),
        effective=doc.get("effective"),
        travel_minutes=float(doc.get("travel_minutes") or 0.0),
        travel_km=float(doc.get("travel_km") or 0.0),
        arrive=_when(doc.get("arrive")),
        start=_when(doc.get("start")),
        depart=_when(doc.get("depart")),
        wait_minutes=float(doc.get("wait_minutes") or 0.0),
        links=doc.get("links"),
    )


def plan_so_far(plan: Any) -> PlanSoFar:
    """The planner's view of a stored plan document (or InputError naming the field)."""
    if not isinstance(plan, dict):
        raise InputError([{"field": "plan", "message": "a day plan document is needed"}])
    stops: list[Stop] = []
    done: list[Stop] = []
    for key, into in (("stops", stops), ("done", done)):
        for k, doc in enumerate(plan.get(key) or []):
            try:
                into.append(_stop(doc))
            except (KeyError, TypeError, ValueError) as err:
                raise InputError(
                    [{"field": f"plan.{key}[{k}]", "message": f"not a plan stop: {err}"}]
                ) from None
    version = plan.get("version") or 1
    return PlanSoFar(
        plan_id=plan.get("plan_id"),
        version=int(version) if isinstance(version, int) else 1,
        stops=tuple(stops),
        done=tuple(done),
    )


# -- a day problem as a document -----------------------------------------------------------


def _point(p: LatLon) -> dict[str, float]:
    return {"lat": p.lat, "lon": p.lon}


def problem_document(p: DayProblem) -> dict[str, Any]:
    """The day-problem document of ``p`` (every default written out). A start to the
    second (a re-plan's) is written as its whole minute: the rep leaves at or after it."""
    rep, rules, o = p.rep, p.rules, p.options
    lunch = rep.lunch
    return {
        "date": p.date.isoformat(),
        "timezone": p.timezone,
        "crs": str(p.crs),
        "rep": {
            "id": rep.id,
            "start": _point(rep.start),
            "end": _point(rep.end),
            "shift_start": format_hhmm(math.floor(rep.shift_start_min + 1e-9)),
            "return_by": format_hhmm(rep.return_by_min),
            "mode": rep.mode,
            "lunch": None
            if lunch is None
            else {
                "earliest": format_hhmm(lunch.earliest_min),
                "latest": format_hhmm(lunch.latest_min),
                "minutes": lunch.minutes,
            },
        },
        "rules": {
            "min_visits": rules.min_visits,
            "min_effective": rules.min_effective,
            "target_effective": rules.target_effective,
            "sweep_radius_m": rules.sweep_radius_m,
        },
        "options": {
            "time_limit_s": o.time_limit_s,
            "deterministic": o.deterministic,
            "urgency_weight": o.urgency_weight,
        },
        "leads": [
            {
                "id": x.id,
                "location": _point(x.location),
                "building_id": x.building_id,
                "kind": x.kind,
                "value": x.value,
                "service_minutes": x.service_min,
                "windows": [[format_hhmm(a), format_hhmm(z)] for a, z in x.windows],
                "reclaim_at": x.reclaim_at.isoformat() if x.reclaim_at else None,
                "effective": x.effective,
            }
            for x in p.leads
        ],
        "buildings": [
            {
                "id": b.id,
                "location": _point(b.location),
                "name": b.name,
                "footprint": b.footprint,
                "tenants": b.tenants,
                "sweep_minutes": b.sweep_min,
            }
            for b in p.buildings
        ],
        # the working days as the planner had them: no public calendar looked up again
        "calendar": {
            "country": "none",
            "days_off": [d.isoformat() for d in p.calendar.days_off],
            "working_days": [d.isoformat() for d in p.calendar.working_days],
        },
        "skipped_sweeps": [
            {"building_id": s.building_id, "reason": s.reason} for s in p.skipped_sweeps
        ],
    }
