"""Visit records as the audit sees them, and the rep-day they belong to.

A record is what a rep's phone reported: a lead, check-in and check-out instants, one GPS fix
(WGS-84) with its accuracy, the outcome and the claimed ``effective`` flag. The rep-day
context is what the plan knew: where each lead and building is, the lead's windows and the
rep's working day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo

from geo import CRS, LatLon, to_wgs84
from planner.errors import ProblemError
from planner.routing.problem import DEFAULT_TIMEZONE, DayProblem

Outcome = Literal[
    "met_decision_maker", "met_staff", "not_in", "refused", "rescheduled", "closed", "other"
]
OUTCOMES: tuple[str, ...] = get_args(Outcome)
"""Every outcome a visit record may carry; only ``met_decision_maker`` makes a visit effective."""

MET_OUTCOMES = frozenset({"met_decision_maker", "met_staff"})
"""Outcomes that mean somebody was met: the planned visit happened."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VisitRecord:
    """One reported visit (or building sweep) of a rep.

    Parameters
    ----------
    record_id : str
        The CRM's (or the phone's) id of the record; unique.
    rep_id, lead_id : str
        Who visited whom. A sweep may name the effective lead it follows, or no lead.
    date : datetime.date
        The working day the record belongs to.
    check_in, check_out : datetime.datetime
        Aware instants; ``check_out >= check_in``.
    location : LatLon
        The GPS fix at check-in, WGS-84.
    accuracy_m : float
        The fix's reported accuracy radius in metres, >= 0.
    outcome : str
        One of :data:`OUTCOMES`.
    effective : bool
        The rep's claim that a decision maker was met.
    building_id : str, optional
        The building the visit or sweep was in.
    sweep : bool
        A cold-call sweep of ``building_id``, not a lead visit.
    note, branch_id : str, optional
        Free text; the branch the rep reported for.

    Raises
    ------
    ProblemError
        If a field breaks its rule (the field is named).
    """

    record_id: str
    rep_id: str
    date: dt.date
    check_in: dt.datetime
    check_out: dt.datetime
    location: LatLon
    accuracy_m: float
    outcome: str
    effective: bool = False
    lead_id: str | None = None
    building_id: str | None = None
    sweep: bool = False
    note: str | None = None
    branch_id: str | None = None

    def __post_init__(self) -> None:
        if self.check_in.tzinfo is None or self.check_out.tzinfo is None:
            raise ProblemError("check_in", "instants need a UTC offset")
        if self.check_out < self.check_in:
            raise ProblemError("check_out", "check-out is before check-in")
        if not self.accuracy_m >= 0:
            raise ProblemError("accuracy_m", f"must be >= 0 metres: {self.accuracy_m!r}")
        if self.outcome not in OUTCOMES:
            raise ProblemError("outcome", f"must be one of {', '.join(OUTCOMES)}")
        if self.sweep and self.building_id is None:
            raise ProblemError("building_id", "a sweep names the building it swept")
        if not self.sweep and self.lead_id is None:
            raise ProblemError("lead_id", "a visit names its lead")

    @property
    def duration_s(self) -> int:
        """Whole seconds from check-in to check-out."""
        return int((self.check_out - self.check_in).total_seconds())


@dataclass(frozen=True, slots=True, kw_only=True)
class LeadPlace:
    """Where a lead is (WGS-84), its building, and when it may be visited (local minutes)."""

    id: str
    location: LatLon
    building_id: str | None = None
    windows: tuple[tuple[int, int], ...] = ()
    effective: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildingPlace:
    """A building's point (WGS-84) and optional footprint (GeoJSON Polygon, WGS-84)."""

    id: str
    location: LatLon
    footprint: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RepDay:
    """What is known of a rep's day: its leads, buildings, time zone and working day.

    ``shift_start_min`` / ``return_by_min`` are local minutes after midnight, or None to
    take the audit thresholds' working day.
    """

    rep_id: str
    date: dt.date
    timezone: str = DEFAULT_TIMEZONE
    leads: Mapping[str, LeadPlace] = field(default_factory=dict)
    buildings: Mapping[str, BuildingPlace] = field(default_factory=dict)
    shift_start_min: float | None = None
    return_by_min: int | None = None
    start: LatLon | None = None
    mode: str = "transit"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_problem(cls, problem: DayProblem) -> RepDay:
        """The rep-day a day problem describes (its points converted to WGS-84)."""
        crs = CRS(problem.crs)

        def wgs(p: LatLon) -> LatLon:
            return p if crs == CRS.WGS84 else to_wgs84(p, crs)

        buildings = {
            b.id: BuildingPlace(
                id=b.id,
                location=wgs(b.location),
                footprint=_footprint_wgs84(b.footprint, crs) if b.footprint else None,
            )
            for b in problem.buildings
        }
        leads = {
            x.id: LeadPlace(
                id=x.id,
                location=wgs(x.location),
                building_id=x.building_id,
                windows=x.windows,
                effective=x.effective,
            )
            for x in problem.leads
        }
        return cls(
            rep_id=problem.rep.id,
            date=problem.date,
            timezone=problem.timezone,
            leads=leads,
            buildings=buildings,
            shift_start_min=problem.rep.shift_start_min,
            return_by_min=problem.rep.return_by_min,
            start=wgs(problem.rep.start),
            mode=problem.rep.mode,
        )


def _footprint_wgs84(footprint: Mapping[str, Any], crs: CRS) -> Mapping[str, Any]:
    if crs == CRS.WGS84:
        return footprint
    rings = []
    for ring in footprint["coordinates"]:
        out = []
        for lon, lat in ring:
            p = to_wgs84(LatLon(lat, lon), crs)
            out.append([p.lon, p.lat])
        rings.append(out)
    return {"type": "Polygon", "coordinates": rings}
