"""The balancer's answer: who takes which lead, what each rep carries, and the team metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

UnassignedReason = Literal["capacity", "no_eligible_rep"]
SplitReason = Literal["capacity", "private_owners", "reclaimed", "private_owner"]
PinnedReason = Literal["private_leads", "private_buildings", "capacity", "search"]


@dataclass(frozen=True, slots=True, kw_only=True)
class UnassignedLead:
    """A lead no rep takes: ``capacity`` (no eligible rep has room) or ``no_eligible_rep``
    (the only reps with room are excluded, e.g. the reclaimed lead's previous owner)."""

    lead_id: str
    reason: UnassignedReason


@dataclass(frozen=True, slots=True, kw_only=True)
class RepLoad:
    """One rep's share: its leads (private ones included), their value and the workload.

    ``workload_minutes`` = ``visit_minutes`` + ``travel_minutes`` (README, "workload
    estimate"); ``km`` is the road distance of that tour; ``shortfall`` the leads missing
    to ``min_leads``.
    """

    rep_id: str
    lead_ids: tuple[str, ...]
    private_leads: int
    value: float
    visit_minutes: float
    travel_minutes: float
    km: float
    stops: int
    shortfall: int
    is_new: bool
    takes_pool: bool

    @property
    def leads(self) -> int:
        return len(self.lead_ids)

    @property
    def workload_minutes(self) -> float:
        return self.visit_minutes + self.travel_minutes


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildingSplit:
    """A building whose leads went to more than one rep, and why it had to be."""

    building_id: str
    rep_ids: tuple[str, ...]
    reason: SplitReason


@dataclass(frozen=True, slots=True, kw_only=True)
class PinnedRep:
    """A rep outside the target bands (workload ±5 %, value ±10 % of the team mean), and
    what holds it there.

    ``private_leads``: its private leads alone are above the band; ``private_buildings``:
    above the band, and every stop it holds has its own private leads (only splitting
    buildings could lighten it); ``capacity``: ``max_leads``, ``min_leads`` or
    ``capacity_minutes`` bind it; ``search``: no rule does (the search ended there).
    """

    rep_id: str
    reason: PinnedReason
    workload_over_mean: float
    value_over_mean: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Overlap:
    """Two territories that overlap, and by how much (km²)."""

    a: str
    b: str
    km2: float


@dataclass(frozen=True, slots=True, kw_only=True)
class BalanceMetrics:
    """Team figures over the reps that take pool leads (``balanced_reps``).

    Ratios are over the mean of those reps; ``value_spread`` is (max − min) / mean.
    ``mean_km_to_centre`` is the compactness: the mean straight-line km from each assigned
    lead to the centre (mean position) of its rep's leads. ``pinned`` lists the reps
    outside the target bands and why.
    """

    balanced_reps: int
    workload_max_over_mean: float
    workload_min_over_mean: float
    value_max_over_mean: float
    value_min_over_mean: float
    value_spread: float
    new_rep_value_over_mean: float | None
    leads_moved: int
    leads_assigned: int
    leads_unassigned: int
    shortfall_leads: int
    reps_below_min: int
    reps_over_capacity: int
    buildings_split: int
    splits: tuple[BuildingSplit, ...]
    overlap_km2: tuple[Overlap, ...]
    total_km: float
    mean_km_to_centre: float
    pinned: tuple[PinnedRep, ...]
    seconds: float
    search_moves: int

    def to_dict(self) -> dict[str, Any]:
        out = {
            name: getattr(self, name)
            for name in self.__slots__
            if name not in ("splits", "overlap_km2", "pinned")
        }
        out["pinned"] = [
            {
                "rep_id": p.rep_id,
                "reason": p.reason,
                "workload_over_mean": p.workload_over_mean,
                "value_over_mean": p.value_over_mean,
            }
            for p in self.pinned
        ]
        out["splits"] = [
            {"building_id": s.building_id, "rep_ids": list(s.rep_ids), "reason": s.reason}
            for s in self.splits
        ]
        out["overlap_km2"] = [{"a": o.a, "b": o.b, "km2": o.km2} for o in self.overlap_km2]
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Allocation:
    """The balance of a pool: every lead is in exactly one of ``assignments``/``unassigned``.

    ``territories`` is an RFC 7946 FeatureCollection (WGS-84): one polygon per rep with
    leads, its figures as properties.
    """

    assignments: tuple[tuple[str, str], ...]
    unassigned: tuple[UnassignedLead, ...]
    reps: tuple[RepLoad, ...]
    metrics: BalanceMetrics
    territories: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The output document (the CLI's and the HTTP API's JSON)."""
        return {
            "assignments": dict(self.assignments),
            "unassigned": [{"lead_id": u.lead_id, "reason": u.reason} for u in self.unassigned],
            "reps": [rep_dict(r) for r in self.reps],
            "metrics": self.metrics.to_dict(),
            "territories": self.territories,
        }


def rep_dict(r: RepLoad) -> dict[str, Any]:
    """A rep's figures as JSON (also the properties of its territory)."""
    return {
        "rep_id": r.rep_id,
        "leads": r.leads,
        "lead_ids": list(r.lead_ids),
        "private_leads": r.private_leads,
        "value": round(r.value, 3),
        "workload_minutes": round(r.workload_minutes, 2),
        "visit_minutes": round(r.visit_minutes, 2),
        "travel_minutes": round(r.travel_minutes, 2),
        "km": round(r.km, 3),
        "stops": r.stops,
        "shortfall": r.shortfall,
        "is_new": r.is_new,
        "takes_pool": r.takes_pool,
    }
