"""The balancing problem: the reps of a branch, the lead pool, its buildings and the weights.

Frozen domain types, validated once at construction (every message names the JSON path of
the offending field); the balancer trusts them. Coordinates are in the problem's ``crs``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from geo import CRS, LatLon
from planner.errors import ProblemError
from planner.routing.problem import Mode

LeadStatus = Literal["pool", "private", "reclaimed"]

DEFAULT_MIN_LEADS = 30
DEFAULT_MAX_LEADS = 50
DEFAULT_EFFORT_MIN = 30.0
"""Visit minutes of a lead without ``effort_minutes`` (the day planner's default visit)."""
DEFAULT_TIME_LIMIT_S = 10.0
MAX_BALANCE_LEADS = 100_000
MAX_BALANCE_REPS = 2_000


@dataclass(frozen=True, slots=True, kw_only=True)
class TerritoryRep:
    """A rep who takes leads: where it starts its days and how many leads it can hold.

    ``capacity_min`` caps the rep's estimated workload (minutes); None means no cap
    beyond ``max_leads``. ``mode`` is the rep's travel mode for the workload estimate.
    """

    id: str
    base: LatLon
    min_leads: int = DEFAULT_MIN_LEADS
    max_leads: int = DEFAULT_MAX_LEADS
    capacity_min: float | None = None
    is_new: bool = False
    mode: Mode = "transit"


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolLead:
    """A lead of the pool.

    ``status``: ``pool`` (free to assign; ``owner`` is its current rep, if any),
    ``private`` (stays with ``owner``), ``reclaimed`` (taken back: it must go to a rep
    other than ``previous_owner``).
    """

    id: str
    location: LatLon
    building_id: str | None = None
    value: float = 0.0
    owner: str | None = None
    status: LeadStatus = "pool"
    previous_owner: str | None = None
    effort_min: float = DEFAULT_EFFORT_MIN


@dataclass(frozen=True, slots=True, kw_only=True)
class Site:
    """A building as the balancer sees it: the stop its leads share."""

    id: str
    location: LatLon


@dataclass(frozen=True, slots=True, kw_only=True)
class BalanceWeights:
    """Relative weights of the soft goals (each 0-100; 1 is the tuned default).

    ``balance`` evens workload, ``value`` evens lead value, ``compactness`` shortens
    travel and keeps territories tight, ``churn`` keeps leads with their current owner.
    The hard rules (private leads, reclaimed leads, ``max_leads``) and the near-hard ones
    (``min_leads``, whole buildings, the ±5 % workload and ±10 % value bands) rank above
    every weight.
    """

    balance: float = 1.0
    value: float = 1.0
    compactness: float = 1.0
    churn: float = 1.0

    def __post_init__(self) -> None:
        for name in ("balance", "value", "compactness", "churn"):
            if not 0.0 <= getattr(self, name) <= 100.0:
                raise ProblemError(f"options.weights.{name}", "must be between 0 and 100")


@dataclass(frozen=True, slots=True, kw_only=True)
class BalanceOptions:
    """How to balance: a time limit (seconds, enforced with the caller's clock) and weights."""

    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    weights: BalanceWeights = field(default_factory=BalanceWeights)

    def __post_init__(self) -> None:
        if not 0 < self.time_limit_s <= 600:
            raise ProblemError("options.time_limit_s", "must be > 0 and at most 600 seconds")


@dataclass(frozen=True, slots=True, kw_only=True)
class BalanceProblem:
    """A branch to balance: reps, the lead pool and the buildings the leads are in."""

    reps: tuple[TerritoryRep, ...]
    leads: tuple[PoolLead, ...]
    buildings: tuple[Site, ...] = ()
    crs: CRS = CRS.WGS84
    options: BalanceOptions = field(default_factory=BalanceOptions)

    def __post_init__(self) -> None:
        if not self.reps:
            raise ProblemError("reps", "at least one rep is needed")
        if len(self.reps) > MAX_BALANCE_REPS:
            raise ProblemError("reps", f"{len(self.reps)} reps; at most {MAX_BALANCE_REPS}")
        if len(self.leads) > MAX_BALANCE_LEADS:
            raise ProblemError("leads", f"{len(self.leads)} leads; at most {MAX_BALANCE_LEADS}")
        rep_ids = _check_reps(self.reps)
        building_ids = _unique((b.id for b in self.buildings), "buildings", "duplicate building id")
        _unique((lead.id for lead in self.leads), "leads", "duplicate lead id")
        for i, lead in enumerate(self.leads):
            _check_lead(i, lead, rep_ids, building_ids)


def _unique(ids: Iterable[str], where: str, message: str) -> set[str]:
    seen: set[str] = set()
    for i, item in enumerate(ids):
        if item in seen:
            raise ProblemError(f"{where}[{i}].id", f"{message} {item!r}")
        seen.add(item)
    return seen


def _check_reps(reps: tuple[TerritoryRep, ...]) -> set[str]:
    ids = _unique((r.id for r in reps), "reps", "duplicate rep id")
    for i, rep in enumerate(reps):
        if rep.min_leads < 0:
            raise ProblemError(f"reps[{i}].min_leads", f"must be >= 0: rep {rep.id!r}")
        if rep.max_leads < rep.min_leads:
            raise ProblemError(
                f"reps[{i}].min_leads",
                f"min_leads {rep.min_leads} is above max_leads {rep.max_leads}: rep {rep.id!r}",
            )
        if rep.capacity_min is not None and rep.capacity_min <= 0:
            raise ProblemError(f"reps[{i}].capacity_minutes", f"must be > 0: rep {rep.id!r}")
    return ids


def _check_lead(i: int, lead: PoolLead, rep_ids: set[str], building_ids: set[str]) -> None:
    where = f"leads[{i}]"
    if lead.building_id is not None and lead.building_id not in building_ids:
        raise ProblemError(
            f"{where}.building_id", f"unknown building {lead.building_id!r}: lead {lead.id!r}"
        )
    if not 0 <= lead.value <= 100:
        raise ProblemError(f"{where}.value", f"must be 0-100: lead {lead.id!r}")
    if lead.effort_min < 0:
        raise ProblemError(f"{where}.effort_minutes", f"negative: lead {lead.id!r}")
    for name in ("owner", "previous_owner"):
        rep = getattr(lead, name)
        if rep is not None and rep not in rep_ids:
            raise ProblemError(f"{where}.{name}", f"unknown rep {rep!r}: lead {lead.id!r}")
    if lead.status == "private" and lead.owner is None:
        raise ProblemError(f"{where}.owner", f"a private lead needs its owner: lead {lead.id!r}")
    if lead.status == "reclaimed" and lead.previous_owner is None:
        raise ProblemError(
            f"{where}.previous_owner",
            f"a reclaimed lead names the rep it was taken from: lead {lead.id!r}",
        )
