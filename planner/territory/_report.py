"""The balancer's figures: each rep's load, the team metrics, building splits and why they
happened, and the territories as a GeoJSON FeatureCollection."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from geo import LatLon, Territories, to_wgs84
from planner.territory._pool import Pool
from planner.territory._state import State
from planner.territory.allocation import (
    BalanceMetrics,
    BuildingSplit,
    Overlap,
    PinnedReason,
    PinnedRep,
    RepLoad,
    rep_dict,
)
from planner.territory.objective import VALUE_TARGET, WORKLOAD_TARGET

TERRITORY_BUFFER_M = 150.0


def rep_loads(state: State, owner_of: list[int | None]) -> list[RepLoad]:
    pool = state.pool
    problem = pool.problem
    ids: list[list[str]] = [[] for _ in range(pool.n_reps)]
    for lead, j in zip(problem.leads, owner_of, strict=True):
        if j is not None:
            ids[j].append(lead.id)
    value = [0.0] * pool.n_reps
    effort = [0.0] * pool.n_reps
    for lead, j in zip(problem.leads, owner_of, strict=True):
        if j is not None:
            value[j] += lead.value
            effort[j] += lead.effort_min
    return [
        RepLoad(
            rep_id=rep.id,
            lead_ids=tuple(ids[j]),
            private_leads=pool.private_count[j],
            value=value[j],
            visit_minutes=effort[j],
            travel_minutes=state.tours[j].minutes,
            km=state.tours[j].km,
            stops=len(state.tours[j].order),
            shortfall=max(0, rep.min_leads - len(ids[j])),
            is_new=rep.is_new,
            takes_pool=pool.takes_pool[j],
        )
        for j, rep in enumerate(problem.reps)
    ]


def building_splits(pool: Pool, owner_of: list[int | None]) -> list[BuildingSplit]:
    """Buildings with leads at more than one rep, with the rule that forced each split."""
    problem = pool.problem
    holders: dict[str, set[int]] = defaultdict(set)
    reclaimed_from: dict[str, set[int]] = defaultdict(set)
    rep_index = {r.id: j for j, r in enumerate(problem.reps)}
    for lead, j in zip(problem.leads, owner_of, strict=True):
        if lead.building_id is None or j is None:
            continue
        holders[lead.building_id].add(j)
        if lead.status == "reclaimed":
            reclaimed_from[lead.building_id].add(rep_index[lead.previous_owner])  # type: ignore[index]
    private = {s.building_id: set(s.private) for s in pool.stops if s.building_id is not None}
    out = []
    for b, reps in holders.items():
        if len(reps) < 2:
            continue
        owners = private.get(b, set())
        if len(owners) >= 2:
            reason = "private_owners"
        elif reclaimed_from[b] & reps:  # a holder may not take a lead reclaimed from it
            reason = "reclaimed"
        elif owners:  # its owner goes there anyway: the pool leads went where they fit
            reason = "private_owner"
        else:
            reason = "capacity"
        ids = tuple(sorted(problem.reps[j].id for j in reps))
        out.append(BuildingSplit(building_id=b, rep_ids=ids, reason=reason))  # type: ignore[arg-type]
    return sorted(out, key=lambda s: s.building_id)


def territories(
    pool: Pool, owner_of: list[int | None], loads: list[RepLoad]
) -> tuple[dict[str, Any], list[Overlap]]:
    """One polygon per rep with leads (its figures as properties), and the overlaps."""
    problem = pool.problem
    points: list[list[LatLon]] = [[] for _ in range(pool.n_reps)]
    for lead, j in zip(problem.leads, owner_of, strict=True):
        if j is not None:
            points[j].append(to_wgs84(lead.location, problem.crs))
    shapes = Territories(points, buffer_m=TERRITORY_BUFFER_M)
    features = []
    for j, load in enumerate(loads):
        geometry = shapes.geojson(j)
        if geometry is None:
            continue
        props = {k: v for k, v in rep_dict(load).items() if k != "lead_ids"}
        props["area_km2"] = round(shapes.area_km2(j), 4)
        features.append({"type": "Feature", "geometry": geometry, "properties": props})
    overlaps = [
        Overlap(a=problem.reps[a].id, b=problem.reps[b].id, km2=round(km2, 4))
        for a, b, km2 in shapes.overlaps_km2()
    ]
    return {"type": "FeatureCollection", "features": features}, overlaps


def mean_km_to_centre(pool: Pool, owner_of: list[int | None]) -> float:
    """Mean straight-line km from each assigned lead to the centre of its rep's leads."""
    problem = pool.problem
    xy = np.array(
        [pool.projection.to_xy(to_wgs84(lead.location, problem.crs)) for lead in problem.leads],
        dtype=np.float64,
    ).reshape(-1, 2)
    return centre_distance_km(xy, owner_of)


def centre_distance_km(xy: np.ndarray[Any, Any], owner_of: list[int | None]) -> float:
    """Mean km from each point (metres, projected) with an owner to its owner's centroid."""
    held = [i for i, j in enumerate(owner_of) if j is not None]
    if not held:
        return 0.0
    owner = np.array([owner_of[i] for i in held], dtype=np.intp)
    pts = xy[held]
    n = int(owner.max()) + 1
    counts = np.bincount(owner, minlength=n).astype(np.float64)
    cx = np.bincount(owner, weights=pts[:, 0], minlength=n) / np.maximum(counts, 1)
    cy = np.bincount(owner, weights=pts[:, 1], minlength=n) / np.maximum(counts, 1)
    d = np.hypot(pts[:, 0] - cx[owner], pts[:, 1] - cy[owner])
    return round(float(d.mean()) / 1000.0, 4)


def pinned_reps(state: State, loads: list[RepLoad]) -> list[PinnedRep]:
    """The reps outside the target bands, each with what holds it there."""
    free = [j for j, r in enumerate(loads) if r.takes_pool]
    if not free:
        return []
    w_mean = float(np.mean([loads[j].workload_minutes for j in free])) or 1.0
    v_mean = float(np.mean([loads[j].value for j in free])) or 1.0
    out = []
    for j in free:
        w, v = loads[j].workload_minutes / w_mean, loads[j].value / v_mean
        high = w > 1 + WORKLOAD_TARGET or v > 1 + VALUE_TARGET
        low = w < 1 - WORKLOAD_TARGET or v < 1 - VALUE_TARGET
        if not (high or low):
            continue
        out.append(
            PinnedRep(
                rep_id=loads[j].rep_id,
                reason=_pinned_reason(state, j, loads[j], high=high, w_mean=w_mean, v_mean=v_mean),
                workload_over_mean=round(w, 4),
                value_over_mean=round(v, 4),
            )
        )
    return out


def _pinned_reason(
    state: State, j: int, load: RepLoad, *, high: bool, w_mean: float, v_mean: float
) -> PinnedReason:
    pool = state.pool
    rep = pool.problem.reps[j]
    if (
        pool.private_effort[j] > (1 + WORKLOAD_TARGET) * w_mean
        or pool.private_value[j] > (1 + VALUE_TARGET) * v_mean
    ):
        return "private_leads"
    if high and all(j in pool.stops[s].private for s in state.stop_leads[j]):
        return "private_buildings"
    at_max = load.leads >= rep.max_leads
    at_min = state.pool_count(j) <= pool.lower[j]
    at_cap = rep.capacity_min is not None and load.workload_minutes >= 0.97 * rep.capacity_min
    if (high and at_min) or (not high and (at_max or at_cap)):
        return "capacity"
    return "search"


def metrics(
    pool: Pool,
    loads: list[RepLoad],
    *,
    compactness_km: float,
    pinned: list[PinnedRep],
    moved: int,
    unassigned: int,
    splits: list[BuildingSplit],
    overlaps: list[Overlap],
    seconds: float,
    moves: int,
) -> BalanceMetrics:
    free = [r for r in loads if r.takes_pool]
    work = np.array([r.workload_minutes for r in free], dtype=np.float64)
    value = np.array([r.value for r in free], dtype=np.float64)
    new = [r.value for r in free if r.is_new]

    def ratio(values: np.ndarray[Any, Any], pick: str) -> float:
        if not len(values) or values.mean() <= 0:
            return 1.0
        return round(float(getattr(values, pick)() / values.mean()), 4)

    mean_value = float(value.mean()) if len(value) else 0.0
    return BalanceMetrics(
        balanced_reps=len(free),
        workload_max_over_mean=ratio(work, "max"),
        workload_min_over_mean=ratio(work, "min"),
        value_max_over_mean=ratio(value, "max"),
        value_min_over_mean=ratio(value, "min"),
        value_spread=round(float((value.max() - value.min()) / mean_value), 4)
        if mean_value > 0
        else 0.0,
        new_rep_value_over_mean=round(float(np.mean(new)) / mean_value, 4)
        if new and mean_value > 0
        else None,
        leads_moved=moved,
        leads_assigned=sum(r.leads for r in loads),
        leads_unassigned=unassigned,
        shortfall_leads=sum(r.shortfall for r in loads),
        reps_below_min=sum(1 for r in loads if r.shortfall),
        reps_over_capacity=sum(
            1
            for r, rep in zip(loads, pool.problem.reps, strict=True)
            if rep.capacity_min is not None and r.workload_minutes > rep.capacity_min + 1e-6
        ),
        buildings_split=len(splits),
        splits=tuple(splits),
        overlap_km2=tuple(overlaps),
        total_km=round(sum(r.km for r in loads), 3),
        mean_km_to_centre=compactness_km,
        pinned=tuple(pinned),
        seconds=round(seconds, 3),
        search_moves=moves,
    )
