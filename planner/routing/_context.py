"""Solver-side facts of one day problem: WGS-84 places, windows, services, sweep options.

Built once per solve and shared by the routing model, the re-timer and the repair
steps, so that every stage sees the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from geo import BuildingIndex, BuildingSite, LatLon, TravelTimeProvider, to_wgs84
from planner.routing.objective import building_score
from planner.routing.problem import SWEEP_WINDOW, DayProblem

MAX_SWEEP_OPTIONS = 4
"""Buildings considered as sweep targets after one effective visit (own, then nearest)."""


@dataclass(frozen=True, slots=True)
class Item:
    """One element of a route: visit lead ``lead`` (index), then sweep ``sweeps`` in order."""

    lead: int
    sweeps: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class DayContext:
    """Everything the optimizers need, in solver indices (leads and buildings by position)."""

    problem: DayProblem
    travel: TravelTimeProvider
    mode: str
    start: LatLon
    end: LatLon
    lead_wgs: tuple[LatLon, ...]
    building_wgs: tuple[LatLon, ...]
    lead_windows: tuple[tuple[tuple[float, float], ...], ...]
    lead_service: tuple[float, ...]
    lead_effective: tuple[bool, ...]
    lead_appointment: tuple[bool, ...]
    lead_weighted: tuple[float, ...]
    sweep_min: tuple[float, ...]
    building_score: tuple[int, ...]
    own_building: tuple[int | None, ...]
    sweep_options: tuple[tuple[int, ...], ...]
    """Per lead: building indices it may sweep after its visit (own first), () if none."""

    @property
    def n_leads(self) -> int:
        return len(self.lead_wgs)

    def variants(self, lead: int) -> list[Item]:
        """The visit alone, then with one sweep, then with two (effective leads only)."""
        options = self.sweep_options[lead]
        out = [Item(lead)]
        out += [Item(lead, (b,)) for b in options]
        out += [Item(lead, pair) for pair in combinations(options, 2)]
        return out


def merge_windows(windows: tuple[tuple[int, int], ...]) -> tuple[tuple[float, float], ...]:
    """Windows sorted by opening, overlapping ones merged (same start times allowed)."""
    out: list[tuple[float, float]] = []
    for a, z in sorted(windows):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], float(z)))
        else:
            out.append((float(a), float(z)))
    return tuple(out)


def build_context(problem: DayProblem, travel: TravelTimeProvider) -> DayContext:
    """Convert a validated problem into solver-side facts (WGS-84, minutes, indices)."""
    crs = problem.crs
    rep = problem.rep
    b_index = {b.id: i for i, b in enumerate(problem.buildings)}
    index = BuildingIndex(
        [
            BuildingSite(id=b.id, location=b.location, footprint=b.footprint)
            for b in problem.buildings
        ]
    )
    options: list[tuple[int, ...]] = []
    own: list[int | None] = []
    closed = {b_index[s.building_id] for s in problem.skipped_sweeps}
    for lead in problem.leads:
        own_b = b_index.get(lead.building_id) if lead.building_id else None
        own.append(own_b)
        if not lead.effective:
            options.append(())
            continue
        near = [b_index[bid] for bid in index.near(lead.location, problem.rules.sweep_radius_m)]
        ordered = ([own_b] if own_b is not None else []) + [b for b in near if b != own_b]
        ordered = [b for b in ordered if b not in closed]
        options.append(tuple(ordered[:MAX_SWEEP_OPTIONS]))
    return DayContext(
        problem=problem,
        travel=travel,
        mode=rep.mode,
        start=to_wgs84(rep.start, crs),
        end=to_wgs84(rep.end, crs),
        lead_wgs=tuple(to_wgs84(lead.location, crs) for lead in problem.leads),
        building_wgs=tuple(to_wgs84(b.location, crs) for b in problem.buildings),
        lead_windows=tuple(merge_windows(lead.windows) for lead in problem.leads),
        lead_service=tuple(float(lead.service_min) for lead in problem.leads),
        lead_effective=tuple(lead.effective for lead in problem.leads),
        lead_appointment=tuple(lead.is_appointment for lead in problem.leads),
        lead_weighted=tuple(problem.weighted_value(lead) for lead in problem.leads),
        sweep_min=tuple(float(b.sweep_min) for b in problem.buildings),
        building_score=tuple(building_score(b.tenants) for b in problem.buildings),
        own_building=tuple(own),
        sweep_options=tuple(options),
    )


SWEEP_WINDOWS: tuple[tuple[float, float], ...] = ((float(SWEEP_WINDOW[0]), float(SWEEP_WINDOW[1])),)
