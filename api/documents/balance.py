"""Territory balancing as JSON documents: the request and response models (the CRM team's
manual, via OpenAPI) and :func:`balance_document`, which the CLI and the HTTP endpoint
``POST /v1/territories/balance`` both call."""

from __future__ import annotations

import datetime as dt
import time
from typing import Annotated, Any, Literal

from geojson_pydantic import Feature, FeatureCollection, Polygon
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.documents.day import BuildingIn, Id, InputError, LatLonIn, _or, _Strict, json_path
from geo import CRS, ProviderUnavailable, TravelSource
from planner import (
    DEFAULT_EFFORT_MIN,
    DEFAULT_MAX_LEADS,
    DEFAULT_MIN_LEADS,
    DEFAULT_TIME_LIMIT_S,
    BalanceOptions,
    BalanceProblem,
    BalanceWeights,
    PoolLead,
    ProblemError,
    Site,
    TerritoryRep,
    balance,
)
from planner.routing.solve import BUILTIN_TRAVEL

Count = Annotated[int, Field(ge=0, le=100_000)]


class BalanceRepIn(_Strict):
    """A rep who takes leads."""

    id: Id
    base: LatLonIn = Field(
        description="Where the rep's days start (office or home): {lat, lon} in degrees, "
        "latitude first, in the request's crs"
    )
    min_leads: Count | None = Field(None, description="Fewest leads to hold; default 30")
    max_leads: Count | None = Field(None, description="Most leads to hold; default 50")
    capacity_minutes: float | None = Field(
        None,
        gt=0,
        le=100_000,
        description="Cap on the estimated workload, minutes (visit minutes plus tour travel "
        "minutes, see the README); default none",
    )
    is_new: bool | None = Field(None, description="A new rep: owed a fair share of value")
    mode: Literal["transit", "drive", "bike", "walk"] | None = Field(
        None, description="Travel mode of the workload estimate; default transit"
    )


class PoolLeadIn(_Strict):
    """A lead of the pool."""

    id: Id
    location: LatLonIn = Field(
        description="{lat, lon} in degrees, latitude first, in the request's crs"
    )
    building_id: Id | None = Field(None, description="A building of `buildings`")
    value: float | None = Field(None, ge=0, le=100, description="CRM lead score 0-100; default 0")
    owner: Id | None = Field(None, description="The rep holding it today (a rep id) or null")
    status: Literal["pool", "private", "reclaimed"] | None = Field(
        None,
        description="pool (free to assign; default), private (stays with `owner`), reclaimed "
        "(must go to a rep other than `previous_owner`)",
    )
    previous_owner: Id | None = Field(
        None, description="The rep a reclaimed lead was taken from (required when reclaimed)"
    )
    effort_minutes: float | None = Field(
        None, ge=0, le=600, description="Visit length in minutes; default 30"
    )


class WeightsIn(_Strict):
    """Relative weights of the soft goals, 0-100 each (default 1)."""

    balance: float | None = Field(None, ge=0, le=100, description="Even workload")
    value: float | None = Field(None, ge=0, le=100, description="Even lead value")
    compactness: float | None = Field(
        None, ge=0, le=100, description="Short travel from the base, tight territories"
    )
    churn: float | None = Field(None, ge=0, le=100, description="Keep leads with their owner")


class BalanceOptionsIn(_Strict):
    time_limit_s: float | None = Field(
        None, gt=0, le=600, description="Wall-clock seconds for the whole balance; default 10"
    )
    weights: WeightsIn | None = None


class BalanceRequest(_Strict):
    """A branch's reps and lead pool to split among them."""

    crs: Literal["wgs84", "gcj02", "bd09"] | None = Field(
        None, description="Coordinate system of every location; default wgs84"
    )
    branch_id: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="The branch whose pool this is (optional): the branch's day in the "
        "console and at GET /v1/branches/{branch_id}/days/{date} shows its newest balance",
    )
    reps: list[BalanceRepIn] = Field(min_length=1, max_length=2_000)
    leads: list[PoolLeadIn] = Field(max_length=100_000)
    buildings: list[BuildingIn] | None = Field(
        None, max_length=100_000, description="Buildings as in the day problem"
    )
    options: BalanceOptionsIn | None = None


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UnassignedOut(_Out):
    lead_id: str
    reason: Literal["capacity", "no_eligible_rep"] = Field(
        description="capacity: no eligible rep has room; no_eligible_rep: the only reps with "
        "room are excluded (a reclaimed lead's previous owner)"
    )


class RepOut(_Out):
    rep_id: str
    leads: int = Field(description="Leads held, private ones included")
    lead_ids: list[str]
    private_leads: int
    value: float = Field(description="Sum of the leads' values")
    workload_minutes: float = Field(description="visit_minutes + travel_minutes")
    visit_minutes: float = Field(description="Sum of the leads' effort minutes")
    travel_minutes: float = Field(
        description="Minutes of a quick tour from the base through every stop and back"
    )
    km: float = Field(description="Road km of that tour")
    stops: int = Field(description="Distinct buildings (or loose leads) in the tour")
    shortfall: int = Field(description="Leads missing to min_leads")
    is_new: bool
    takes_pool: bool = Field(description="False when private leads already fill max_leads")


class SplitOut(_Out):
    building_id: str
    rep_ids: list[str]
    reason: Literal["capacity", "private_owners", "reclaimed", "private_owner"] = Field(
        description="Why the building is split: `private_owners` (private leads of two "
        "reps), `reclaimed` (a reclaimed lead cannot join the rep holding it), "
        "`private_owner` (one rep's private leads; its pool leads went to others for the "
        "bands or compactness), `capacity` (a bound forced it)"
    )


class OverlapOut(_Out):
    a: str
    b: str
    km2: float = Field(description="Area shared by the two territories, km²")


class PinnedOut(_Out):
    rep_id: str
    reason: Literal["private_leads", "private_buildings", "capacity", "search"] = Field(
        description="What holds the rep outside the target bands: `private_leads` (its "
        "private leads alone are above the band), `private_buildings` (above the band and "
        "every building it holds has its own private leads: only a split could lighten it), "
        "`capacity` (max_leads, min_leads or capacity_minutes bind it), `search` (no rule "
        "does: the search ended there)"
    )
    workload_over_mean: float = Field(description="The rep's workload over the team mean")
    value_over_mean: float = Field(description="The rep's value over the team mean")


class MetricsOut(_Out):
    """Team figures over the reps that take pool leads; ratios are to their mean."""

    balanced_reps: int
    workload_max_over_mean: float
    workload_min_over_mean: float
    value_max_over_mean: float
    value_min_over_mean: float
    value_spread: float = Field(description="(max - min) / mean of the reps' value")
    new_rep_value_over_mean: float | None = Field(
        description="Mean value of the new reps over the team's mean; null without new reps"
    )
    leads_moved: int = Field(description="Leads with an owner that now go to another rep")
    leads_assigned: int
    leads_unassigned: int
    shortfall_leads: int = Field(description="Leads missing to min_leads, over all reps")
    reps_below_min: int
    reps_over_capacity: int
    buildings_split: int
    splits: list[SplitOut]
    overlap_km2: list[OverlapOut]
    total_km: float
    mean_km_to_centre: float = Field(
        description="Compactness: mean straight-line km from each assigned lead to the "
        "centre (mean position) of its rep's leads"
    )
    pinned: list[PinnedOut] = Field(
        description="Reps outside the target bands (workload ±5 %, value ±10 % of the "
        "mean), each with the reason; empty when every rep is inside"
    )
    seconds: float
    search_moves: int = Field(description="Moves and swaps made by the local search")


class BalanceResponse(_Out):
    """Every lead is in exactly one of `assignments` and `unassigned`."""

    assignments: dict[str, str] = Field(description="lead id -> rep id (private leads too)")
    unassigned: list[UnassignedOut]
    reps: list[RepOut]
    metrics: MetricsOut
    territories: FeatureCollection[Feature[Polygon, dict[str, Any]]] = Field(
        description="RFC 7946 (WGS-84, positions [lon, lat]): one buffered hull per rep "
        "with its figures as properties"
    )
    travel_model: dict[str, Any] = Field(
        description="The travel-time model that timed the workload tours ({'kind': "
        "'builtin' | 'valhalla', ...}), as plans echo it in solver.travel_model"
    )
    travel_fallback: dict[str, Any] | None = Field(
        None,
        description="Set when the configured road-network provider could not answer: "
        "{'provider': {...}, 'reason': ...}; the built-in model timed the tours instead",
    )


def parse_balance_request(data: Any) -> BalanceProblem:
    """Validate a balance request and build the planner's problem (or raise InputError)."""
    try:
        m = BalanceRequest.model_validate(data)
    except ValidationError as err:
        raise InputError(
            [{"field": json_path(e["loc"]), "message": e["msg"]} for e in err.errors()]
        ) from None
    try:
        return _to_domain(m)
    except ProblemError as err:
        raise InputError([{"field": err.field, "message": err.message}]) from None


def _to_domain(m: BalanceRequest) -> BalanceProblem:
    reps = tuple(
        TerritoryRep(
            id=r.id,
            base=r.base.domain(),
            min_leads=_or(r.min_leads, DEFAULT_MIN_LEADS),
            max_leads=_or(r.max_leads, DEFAULT_MAX_LEADS),
            capacity_min=r.capacity_minutes,
            is_new=bool(r.is_new),
            mode=_or(r.mode, "transit"),
        )
        for r in m.reps
    )
    leads = tuple(
        PoolLead(
            id=x.id,
            location=x.location.domain(),
            building_id=x.building_id,
            value=_or(x.value, 0.0),
            owner=x.owner,
            status=_or(x.status, "pool"),
            previous_owner=x.previous_owner,
            effort_min=_or(x.effort_minutes, DEFAULT_EFFORT_MIN),
        )
        for x in m.leads
    )
    o = m.options or BalanceOptionsIn()
    w = o.weights or WeightsIn()
    weights = BalanceWeights(
        balance=_or(w.balance, 1.0),
        value=_or(w.value, 1.0),
        compactness=_or(w.compactness, 1.0),
        churn=_or(w.churn, 1.0),
    )
    return BalanceProblem(
        reps=reps,
        leads=leads,
        buildings=tuple(Site(id=b.id, location=b.location.domain()) for b in m.buildings or []),
        crs=CRS(_or(m.crs, CRS.WGS84)),
        options=BalanceOptions(
            time_limit_s=_or(o.time_limit_s, DEFAULT_TIME_LIMIT_S), weights=weights
        ),
    )


def balance_document(data: Any, travel: TravelSource | None = None) -> dict[str, Any]:
    """Balance a request document and return the response document.

    Parameters
    ----------
    data : Any
        The parsed JSON body (a :class:`BalanceRequest`).
    travel : TravelSource, optional
        Where the workload tours' travel times come from (the built-in model when
        omitted); a provider that cannot answer falls back to the built-in model, and the
        response says so in ``travel_fallback``.

    Returns
    -------
    dict
        The :class:`BalanceResponse` as JSON-ready data.

    Raises
    ------
    InputError
        When the document is invalid; ``errors`` names each field by its JSON path
        (``leads[3].owner``).
    """
    problem = parse_balance_request(data)
    fallback: dict[str, Any] | None = None
    try:
        # the pool has no date: today's timetable (transit) and traffic profile
        provider = (travel or BUILTIN_TRAVEL).for_day(dt.date.today())
        result = balance(problem, clock=time.monotonic, travel=provider)
    except ProviderUnavailable as e:
        fallback = {"provider": (travel or BUILTIN_TRAVEL).to_dict(), "reason": str(e)}
        provider = BUILTIN_TRAVEL
        result = balance(problem, clock=time.monotonic, travel=provider)
    doc = {**result.to_dict(), "travel_model": provider.to_dict(), "travel_fallback": fallback}
    return BalanceResponse.model_validate(doc).model_dump(mode="json")
