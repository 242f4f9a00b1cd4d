"""Factories and hypothesis strategies for balancing problems near the Wangjing office."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from geo import LatLon
from planner import (
    BalanceOptions,
    BalanceProblem,
    BalanceWeights,
    PoolLead,
    Site,
    TerritoryRep,
)
from tests.planner.factories import offset


def at(km_north: float, km_east: float) -> LatLon:
    p = offset(km_north, km_east)
    return LatLon(p["lat"], p["lon"])


def rep(rep_id: str, north: float = 0.0, east: float = 0.0, **fields: Any) -> TerritoryRep:
    return TerritoryRep(id=rep_id, base=at(north, east), **fields)


def lead(lead_id: str, north: float, east: float, **fields: Any) -> PoolLead:
    return PoolLead(id=lead_id, location=at(north, east), **fields)


def problem(
    reps: list[TerritoryRep], leads: list[PoolLead], buildings: list[Site] | None = None
) -> BalanceProblem:
    return BalanceProblem(
        reps=tuple(reps),
        leads=tuple(leads),
        buildings=tuple(buildings or ()),
        options=BalanceOptions(weights=BalanceWeights()),
    )


@st.composite
def problems(
    draw: st.DrawFn,
    *,
    max_reps: int = 5,
    max_leads: int = 70,
    statuses: tuple[str, ...] = ("pool", "pool", "pool", "private", "reclaimed"),
    bounds: tuple[int, int] = (0, 25),
) -> BalanceProblem:
    """Small random branches: reps around the office, leads in up to 8 buildings or loose,
    owners, private and reclaimed leads, bounds anywhere in ``bounds``."""
    n_reps = draw(st.integers(1, max_reps))
    reps = []
    for j in range(n_reps):
        lo = draw(st.integers(bounds[0], bounds[1]))
        hi = draw(st.integers(lo, bounds[1]))
        reps.append(
            rep(
                f"r{j}",
                draw(st.floats(-4, 4)),
                draw(st.floats(-4, 4)),
                min_leads=lo,
                max_leads=hi,
                is_new=draw(st.booleans()),
            )
        )
    n_buildings = draw(st.integers(0, 8))
    sites = [
        Site(id=f"B{b}", location=at(draw(st.floats(-5, 5)), draw(st.floats(-5, 5))))
        for b in range(n_buildings)
    ]
    leads = []
    for i in range(draw(st.integers(0, max_leads))):
        status = draw(st.sampled_from(statuses))
        owner = draw(st.sampled_from([None, *(r.id for r in reps)]))
        building = draw(st.sampled_from([None, *(s.id for s in sites)])) if sites else None
        if building is not None:
            where = next(s.location for s in sites if s.id == building)
        else:
            where = at(draw(st.floats(-5, 5)), draw(st.floats(-5, 5)))
        fields: dict[str, Any] = {
            "building_id": building,
            "value": draw(st.integers(0, 100)),
            "effort_min": draw(st.sampled_from([20.0, 30.0, 45.0])),
        }
        if status == "private":
            fields.update(status="private", owner=owner or reps[0].id)
        elif status == "reclaimed":
            fields.update(status="reclaimed", previous_owner=owner or reps[0].id)
        else:
            fields.update(owner=owner)
        leads.append(PoolLead(id=f"L{i}", location=where, **fields))
    return problem(reps, leads, sites)
