"""The day plan as the HTTP API answers it: pydantic models for the OpenAPI document.

The planner writes the plan document (``DayPlan.to_dict``); these models describe it, field
by field, with units, for the CRM team's generated clients. A test holds the two together.
"""

from __future__ import annotations

from datetime import date as Date
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PointOut(_Out):
    lat: float = Field(description="Latitude in degrees, in the plan's crs")
    lon: float = Field(description="Longitude in degrees, in the plan's crs")


class IssueOut(_Out):
    code: str = Field(
        description="appointment_missed, min_visits_unmet, min_effective_unmet (the rules "
        "that make a shortfall), day_infeasible, or an information code"
    )
    message: str


class LinksOut(_Out):
    """Navigation deep links to a stop, one tap from a phone."""

    amap: str | None = Field(
        None,
        description="Amap route plan to the stop: `amapuri://route/plan/?dlat=..&dlon=..&dname=.."
        "&dev=0&t=1` in GCJ-02 (t: 0 car, 1 transit, 2 walk, 3 bike, by the rep's mode)",
    )
    baidu: str | None = Field(
        None,
        description="Baidu directions: `baidumap://map/direction?destination=latlng:LAT,LON|name:.."
        "&coord_type=bd09ll&mode=transit` in BD-09 (mode by the rep's mode); absent, like "
        "amap, where the shift to GCJ-02 leaves the valid range (next to a pole or the "
        "antimeridian, far from China)",
    )
    geo: str = Field(description="RFC 5870 URI `geo:LAT,LON?q=LAT,LON(name)` in WGS-84")


class StopOut(_Out):
    """One stop; the leg that reaches it (minutes, road km) belongs to it."""

    type: Literal["start", "visit", "sweep", "break", "end"]
    location: PointOut
    lead_id: str | None = Field(None, description="Visits: the lead visited")
    effective: bool | None = Field(None, description="Visits: a decision maker is expected")
    building_id: str | None = Field(None, description="Sweeps: the building cold-called")
    anchor_lead_id: str | None = Field(None, description="Sweeps: the effective visit before")
    travel_minutes: float | None = Field(None, description="Minutes of the leg to this stop")
    travel_km: float | None = Field(None, description="Road kilometres of the leg to this stop")
    arrive: AwareDatetime | None = Field(None, description="ISO 8601 instant with offset")
    start: AwareDatetime | None = None
    depart: AwareDatetime | None = None
    wait_minutes: float | None = Field(None, description="Minutes between arrive and start")
    links: LinksOut | None = Field(
        None, description="Visits, sweeps and the end: navigation deep links to the stop"
    )


class TotalsOut(_Out):
    visits: int
    effective_visits: int
    sweeps: int
    travel_km: float
    travel_minutes: float
    service_minutes: float = Field(description="Minutes spent on visits and sweeps")
    wait_minutes: float
    return_at: AwareDatetime | None = Field(description="Arrival at the end; null if infeasible")
    value: float = Field(description="Sum of the visited leads' value, as given")


class UnvisitedOut(_Out):
    lead_id: str
    reason: Literal["window_unreachable", "no_time", "lower_value", "day_infeasible"]


class SkippedSweepOut(_Out):
    building_id: str
    reason: Literal["swept_by_other_rep", "swept_recently"] = Field(
        description="Another rep of the branch sweeps it today, or it was swept within the "
        "branch's sweep cooldown"
    )


class ChangeOut(_Out):
    """One visit or sweep in a re-plan's diff."""

    type: Literal["visit", "sweep"]
    lead_id: str | None = Field(None, description="Visits: the lead")
    building_id: str | None = Field(None, description="Sweeps: the building")
    before: AwareDatetime | None = Field(None, description="Its start in the plan revised")
    after: AwareDatetime | None = Field(None, description="Its start now")
    reason: str | None = Field(
        None,
        description="dropped: cancelled, window_removed, no_time, lower_value, "
        "window_unreachable; added: new_lead, fits_now; moved: overrun, new_lead, fits_now, "
        "cancelled, window_removed, no_time, lower_value, reordered, late, earlier",
    )


class OriginOut(_Out):
    location: PointOut = Field(description="Where the rest of the day starts (the plan's crs)")
    at: AwareDatetime = Field(description="When it starts")


class ReplanOut(_Out):
    """How a re-plan came about and what it changed."""

    now: AwareDatetime = Field(description="The present instant of the request")
    origin: OriginOut
    kept: list[ChangeOut] = Field(description="Same stop, start within a minute")
    moved: list[ChangeOut] = Field(description="Same stop, another start")
    added: list[ChangeOut]
    dropped: list[ChangeOut]
    day_totals: dict[str, Any] = Field(
        description="The whole day, made and planned: visits, effective_visits, sweeps, value, "
        "done_visits"
    )


class PlanVersionOut(_Out):
    plan_id: str
    version: int
    previous_plan_id: str | None
    created_at: AwareDatetime


class DayPlanOut(_Out):
    """A rep's planned day (DESIGN.md's day plan)."""

    plan_id: str | None = Field(description="Id to fetch it again; null on a dry run")
    rep_id: str
    date: Date
    crs: Literal["wgs84", "gcj02", "bd09"]
    status: Literal["ok", "shortfall", "infeasible"]
    issues: list[IssueOut]
    stops: list[StopOut]
    totals: TotalsOut
    unvisited: list[UnvisitedOut]
    skipped_sweeps: list[SkippedSweepOut] = Field(
        default_factory=list,
        description="Buildings in the rep's reach not swept because of the branch (each also "
        "named by an information issue of the same code); empty for a single plan",
    )
    solver: dict[str, Any] = Field(
        description="Engine, seconds, time_limit_s, search set-up and the travel_model used"
    )
    geometry: dict[str, Any] = Field(
        description="RFC 7946 FeatureCollection in WGS-84: the route as a LineString, a "
        "Point per stop and per unvisited lead ([lon, lat] positions)"
    )
    version: int | None = Field(None, description="1 for a morning plan, +1 per re-plan")
    previous_plan_id: str | None = Field(None, description="The plan this one revises")
    done: list[StopOut] | None = Field(
        None,
        description="Re-plans: the stops already made, as they happened (the day's start "
        "first); `stops` is then the rest of the day, from the rep's position",
    )
    replan: ReplanOut | None = Field(None, description="Re-plans: the origin and the diff")
