"""The balancer's view of a problem: stops (buildings or loose leads), assignable units and
the per-rep bounds, all as solver indices. Private leads are fixed here and never move.

A *unit* is the pool leads of one stop that share one exclusion set (the previous owner of
its reclaimed leads); the units of one stop are kept with one rep unless a bound forces a
split.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from geo import LatLon, LocalProjection, to_wgs84
from planner.territory.problem import BalanceProblem


@dataclass(frozen=True, slots=True, kw_only=True)
class Stop:
    """A place a rep goes: a building, or a lead without one."""

    location: LatLon  # WGS-84
    building_id: str | None
    private: dict[int, int]  # rep index -> private leads here


@dataclass(frozen=True, slots=True, kw_only=True)
class Unit:
    """Pool leads of one stop with one exclusion set: assigned together when possible."""

    stop: int
    leads: tuple[int, ...]
    excluded: frozenset[int]
    value: float
    effort_min: float
    own: dict[int, int]  # rep index -> leads of this unit it owns today

    @property
    def size(self) -> int:
        return len(self.leads)


@dataclass(frozen=True, slots=True, kw_only=True)
class Pool:
    """Everything the balancing stages share, in solver indices."""

    problem: BalanceProblem
    stops: tuple[Stop, ...]
    units: tuple[Unit, ...]
    stop_xy: npt.NDArray[np.float64]  # (stops, 2) metres
    base_xy: npt.NDArray[np.float64]  # (reps, 2) metres
    bases: tuple[LatLon, ...]  # WGS-84
    projection: LocalProjection
    private_count: tuple[int, ...]
    private_value: tuple[float, ...]
    private_effort: tuple[float, ...]
    private_stops: tuple[frozenset[int], ...]
    takes_pool: tuple[bool, ...]  # False: private leads already fill max_leads
    lower: tuple[int, ...]  # pool leads a rep should get (min_leads, shortfall spread)
    upper: tuple[int, ...]  # pool leads a rep may get (max_leads)
    lead_stop: tuple[int, ...]

    @property
    def n_reps(self) -> int:
        return len(self.bases)


def build_pool(problem: BalanceProblem) -> Pool:
    """Stops, units and bounds of a validated problem."""
    crs = problem.crs
    rep_index = {r.id: j for j, r in enumerate(problem.reps)}
    n = len(problem.reps)
    bases = tuple(to_wgs84(r.base, crs) for r in problem.reps)
    sites = {b.id: to_wgs84(b.location, crs) for b in problem.buildings}
    stop_of: dict[str, int] = {}
    locations: list[LatLon] = []
    buildings: list[str | None] = []
    private: list[dict[int, int]] = []
    lead_stop: list[int] = []
    for lead in problem.leads:
        key = f"b:{lead.building_id}" if lead.building_id is not None else f"l:{lead.id}"
        s = stop_of.get(key)
        if s is None:
            s = stop_of[key] = len(locations)
            where = sites[lead.building_id] if lead.building_id is not None else lead.location
            locations.append(where if lead.building_id is not None else to_wgs84(where, crs))
            buildings.append(lead.building_id)
            private.append({})
        lead_stop.append(s)

    p_count, p_value, p_effort = [0] * n, [0.0] * n, [0.0] * n
    p_stops: list[set[int]] = [set() for _ in range(n)]
    grouped: dict[tuple[int, frozenset[int]], list[int]] = defaultdict(list)
    for i, lead in enumerate(problem.leads):
        s = lead_stop[i]
        if lead.status == "private":
            j = rep_index[lead.owner]  # type: ignore[index]
            private[s][j] = private[s].get(j, 0) + 1
            p_count[j] += 1
            p_value[j] += lead.value
            p_effort[j] += lead.effort_min
            p_stops[j].add(s)
            continue
        excluded = (
            frozenset({rep_index[lead.previous_owner]})  # type: ignore[index]
            if lead.status == "reclaimed"
            else frozenset()
        )
        grouped[(s, excluded)].append(i)

    units = []
    for (s, excluded), members in grouped.items():
        own: dict[int, int] = {}
        for i in members:
            owner = problem.leads[i].owner
            if owner is not None and rep_index[owner] not in excluded:
                own[rep_index[owner]] = own.get(rep_index[owner], 0) + 1
        units.append(
            Unit(
                stop=s,
                leads=tuple(members),
                excluded=excluded,
                value=sum(problem.leads[i].value for i in members),
                effort_min=sum(problem.leads[i].effort_min for i in members),
                own=own,
            )
        )

    points = list(bases) + locations
    origin = LatLon(
        float(np.mean([p.lat for p in points])), float(np.mean([p.lon for p in points]))
    )
    projection = LocalProjection(origin)
    stop_xy = np.array([projection.to_xy(p) for p in locations], dtype=np.float64).reshape(-1, 2)
    base_xy = np.array([projection.to_xy(p) for p in bases], dtype=np.float64).reshape(-1, 2)
    takes = tuple(p_count[j] < r.max_leads for j, r in enumerate(problem.reps))
    upper = tuple(
        max(0, r.max_leads - p_count[j]) if takes[j] else 0 for j, r in enumerate(problem.reps)
    )
    need = [max(0, r.min_leads - p_count[j]) if takes[j] else 0 for j, r in enumerate(problem.reps)]
    supply = sum(u.size for u in units)
    return Pool(
        problem=problem,
        stops=tuple(
            Stop(location=loc, building_id=b, private=pv)
            for loc, b, pv in zip(locations, buildings, private, strict=True)
        ),
        units=tuple(units),
        stop_xy=stop_xy,
        base_xy=base_xy,
        bases=bases,
        projection=projection,
        private_count=tuple(p_count),
        private_value=tuple(p_value),
        private_effort=tuple(p_effort),
        private_stops=tuple(frozenset(s) for s in p_stops),
        takes_pool=takes,
        lower=spread_shortfall(need, supply),
        upper=upper,
        lead_stop=tuple(lead_stop),
    )


def spread_shortfall(need: list[int], supply: int) -> tuple[int, ...]:
    """Each rep's lower bound when ``supply`` cannot meet every ``need``: the shortfall is
    spread evenly (every rep misses the same number of leads, give or take one).

    >>> spread_shortfall([10, 10, 4], 15)
    (7, 7, 1)
    """
    if sum(need) <= supply:
        return tuple(need)
    level = 0
    while sum(max(0, k - level) for k in need) > supply:
        level += 1
    out = [max(0, k - level) for k in need]
    spare = supply - sum(out)
    for j in sorted(range(len(need)), key=lambda j: (-need[j], j)):
        if spare == 0:
            break
        if need[j] > out[j]:
            out[j] += 1
            spare -= 1
    return tuple(out)
