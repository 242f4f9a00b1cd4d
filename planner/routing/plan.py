"""The day plan: the answer to a day problem, as DESIGN.md's contract shapes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from geo import LatLon
from planner.routing.problem import SkippedSweep

Status = Literal["ok", "shortfall", "infeasible"]
StopType = Literal["start", "visit", "sweep", "break", "end"]
Reason = Literal["window_unreachable", "no_time", "lower_value", "day_infeasible"]

RULE_CODES = ("appointment_missed", "min_visits_unmet", "min_effective_unmet")
"""Issue codes used exactly when their rule is unmet (they make the status a shortfall)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Issue:
    code: str
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Stop:
    """One stop of the day; the leg that reaches it belongs to it (minutes, road km)."""

    type: StopType
    location: LatLon
    lead_id: str | None = None
    building_id: str | None = None
    anchor_lead_id: str | None = None
    effective: bool | None = None
    travel_minutes: float = 0.0
    travel_km: float = 0.0
    arrive: datetime | None = None
    start: datetime | None = None
    depart: datetime | None = None
    wait_minutes: float = 0.0
    links: dict[str, str] | None = None
    """Navigation deep links to the stop (visits, sweeps, the end): ``amap``, ``baidu``, ``geo``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Totals:
    visits: int = 0
    effective_visits: int = 0
    sweeps: int = 0
    travel_km: float = 0.0
    travel_minutes: float = 0.0
    service_minutes: float = 0.0
    wait_minutes: float = 0.0
    return_at: datetime | None = None
    value: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Unvisited:
    lead_id: str
    reason: Reason


ChangeKind = Literal["kept", "moved", "added", "dropped"]


@dataclass(frozen=True, slots=True, kw_only=True)
class StopChange:
    """What a re-plan did to one visit or sweep: kept, moved, added or dropped, and why.

    ``before`` is its start in the plan revised (None when added), ``after`` its start now
    (None when dropped)."""

    kind: ChangeKind
    type: Literal["visit", "sweep"]
    lead_id: str | None = None
    building_id: str | None = None
    before: datetime | None = None
    after: datetime | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Revision:
    """How a re-plan came about: the plan revised, the instant and place it starts from,
    the stops already made, and the diff (every visit and sweep of the rest of the day)."""

    previous_plan_id: str | None
    version: int
    now: datetime
    origin: LatLon
    origin_at: datetime
    done: tuple[Stop, ...]
    changes: tuple[StopChange, ...]
    day_totals: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class DayPlan:
    """A rep's planned day; ``geometry`` is an RFC 7946 FeatureCollection in WGS-84."""

    rep_id: str
    date: date
    crs: str
    status: Status
    issues: tuple[Issue, ...]
    stops: tuple[Stop, ...]
    totals: Totals
    unvisited: tuple[Unvisited, ...]
    solver: dict[str, Any]
    geometry: dict[str, Any]
    plan_id: str | None = None
    skipped_sweeps: tuple[SkippedSweep, ...] = ()
    """Buildings in the rep's reach it was not allowed to sweep today, with the reason."""
    revision: Revision | None = None
    """Set on a re-plan: ``stops`` is then the rest of the day, ``revision.done`` the rest."""

    def to_dict(self) -> dict[str, Any]:
        """The plan as the JSON document of the contract."""
        out: dict[str, Any] = {
            "plan_id": self.plan_id,
            "rep_id": self.rep_id,
            "date": self.date.isoformat(),
            "crs": self.crs,
            "status": self.status,
            "issues": [{"code": i.code, "message": i.message} for i in self.issues],
            "stops": [_stop_dict(s) for s in self.stops],
            "totals": _totals_dict(self.totals),
            "unvisited": [{"lead_id": u.lead_id, "reason": u.reason} for u in self.unvisited],
            "skipped_sweeps": [
                {"building_id": s.building_id, "reason": s.reason} for s in self.skipped_sweeps
            ],
            "solver": self.solver,
            "geometry": self.geometry,
        }
        rev = self.revision
        out["version"] = rev.version if rev else 1
        out["previous_plan_id"] = rev.previous_plan_id if rev else None
        if rev is not None:
            out["done"] = [_stop_dict(s) for s in rev.done]
            out["replan"] = _revision_dict(rev)
        return out


def _instant(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat(timespec="seconds")


def _stop_dict(s: Stop) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": s.type,
        "location": {"lat": s.location.lat, "lon": s.location.lon},
    }
    if s.type == "visit":
        out["lead_id"] = s.lead_id
        out["effective"] = bool(s.effective)
    if s.type == "sweep":
        out["building_id"] = s.building_id
        out["anchor_lead_id"] = s.anchor_lead_id
    if s.type == "start":
        out["depart"] = _instant(s.depart)
        return out
    out["travel_minutes"] = round(s.travel_minutes, 4)
    out["travel_km"] = round(s.travel_km, 4)
    out["arrive"] = _instant(s.arrive)
    if s.type != "end":
        out["start"] = _instant(s.start)
        out["depart"] = _instant(s.depart)
        out["wait_minutes"] = round(s.wait_minutes, 4)
    if s.links:
        out["links"] = dict(s.links)
    return out


def _totals_dict(t: Totals) -> dict[str, Any]:
    return {
        "visits": t.visits,
        "effective_visits": t.effective_visits,
        "sweeps": t.sweeps,
        "travel_km": round(t.travel_km, 3),
        "travel_minutes": round(t.travel_minutes, 3),
        "service_minutes": round(t.service_minutes, 3),
        "wait_minutes": round(t.wait_minutes, 3),
        "return_at": _instant(t.return_at),
        "value": t.value,
    }


def _change_dict(c: StopChange) -> dict[str, Any]:
    out: dict[str, Any] = {"type": c.type}
    if c.type == "visit":
        out["lead_id"] = c.lead_id
    else:
        out["building_id"] = c.building_id
    if c.before is not None:
        out["before"] = _instant(c.before)
    if c.after is not None:
        out["after"] = _instant(c.after)
    if c.reason is not None:
        out["reason"] = c.reason
    return out


def _revision_dict(r: Revision) -> dict[str, Any]:
    lists: dict[str, list[dict[str, Any]]] = {"kept": [], "moved": [], "added": [], "dropped": []}
    for c in r.changes:
        lists[c.kind].append(_change_dict(c))
    return {
        "now": _instant(r.now),
        "origin": {
            "location": {"lat": r.origin.lat, "lon": r.origin.lon},
            "at": _instant(r.origin_at),
        },
        **lists,
        "day_totals": r.day_totals,
    }
