"""A branch's day: the reps of a branch with their leads, and each rep's day problem.

The batch run (``planner.runs.batch``) plans these; the edge (``api.documents.branch``)
builds them from the branch document. A rep whose own data is unreadable is kept as a
:class:`RepFailure` so that it is reported, not dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from geo import CRS, BuildingIndex, BuildingSite, LatLon
from planner.errors import ProblemError
from planner.routing.problem import (
    DEFAULT_TIMEZONE,
    Building,
    DayProblem,
    Lead,
    Options,
    Rep,
    Rules,
    WorkCalendar,
)

FailureCode = Literal["invalid_input", "solver_error", "worker_lost"]
"""Why a rep has no plan: its data, the solver, or the worker that was planning it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RepFailure:
    """Why one rep has no plan in a run: ``field`` is the JSON path of bad input, if any."""

    rep_id: str
    code: FailureCode
    message: str
    field: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepRecord:
    """A building of the branch swept on a day (the sweep history behind the cooldown)."""

    building_id: str
    date: date


DEFAULT_SWEEP_COOLDOWN_DAYS = 14
"""A building swept this many days before a branch's date is not swept again that day."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BranchRep:
    """One rep of a branch and the leads assigned to it for the day."""

    rep: Rep
    leads: tuple[Lead, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Branch:
    """A branch's day: shared settings and buildings, every rep with its leads.

    ``rejected`` holds the reps whose own data could not even be read (the edge found the
    error); they are reported as failures of the run, in the same order of ids.
    """

    branch_id: str
    date: date
    reps: tuple[BranchRep, ...]
    buildings: tuple[Building, ...] = ()
    timezone: str = DEFAULT_TIMEZONE
    crs: CRS = CRS.WGS84
    rules: Rules = field(default_factory=Rules)
    options: Options = field(default_factory=Options)
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    rejected: tuple[RepFailure, ...] = ()
    sweep_cooldown_days: int = DEFAULT_SWEEP_COOLDOWN_DAYS
    """Days after a sweep in which no rep of the branch sweeps that building again (0: off)."""
    sweep_history: tuple[SweepRecord, ...] = ()
    """Earlier sweeps the branch document reports (the store may know more)."""

    def __post_init__(self) -> None:
        seen: set[str] = set()
        ids = [r.rep.id for r in self.reps] + [f.rep_id for f in self.rejected]
        for rep_id in ids:
            if rep_id in seen:
                raise ProblemError("reps", f"duplicate rep id {rep_id!r}")
            seen.add(rep_id)
        if not 0 <= self.sweep_cooldown_days <= 365:
            raise ProblemError("sweep_cooldown_days", "must be between 0 and 365 days")
        # the branch-wide checks of a day problem, so that a rep's error is the rep's own
        DayProblem(
            date=self.date,
            timezone=self.timezone,
            crs=self.crs,
            rep=Rep(id="-", start=LatLon(0.0, 0.0), end=LatLon(0.0, 0.0)),
            leads=(),
            buildings=self.buildings,
            rules=self.rules,
            options=self.options,
            calendar=self.calendar,
        )

    @property
    def rep_ids(self) -> tuple[str, ...]:
        """Every rep's id: the planned ones in order, then the rejected ones."""
        return tuple(r.rep.id for r in self.reps) + tuple(f.rep_id for f in self.rejected)


def day_problem(branch: Branch, index: int, sites: BuildingIndex | None = None) -> DayProblem:
    """The day problem of ``branch.reps[index]``: its rep and leads, the branch's settings.

    Only the buildings the rep could sweep are carried (its leads' own buildings and those
    within ``rules.sweep_radius_m`` of, or covering, an effective lead), in branch order:
    the planner never looks at any other, so the plan is the one all buildings would give.

    Raises
    ------
    ProblemError
        If the rep's data breaks a rule of the day problem; ``field`` is prefixed with
        ``reps[index].`` (``leads[…]`` of the day problem are ``reps[i].leads[…]`` here).
    """
    item = branch.reps[index]
    sites = sites or building_index(branch)
    wanted: set[str] = set()
    for lead in item.leads:
        if lead.building_id is not None:
            wanted.add(lead.building_id)
        if lead.effective:
            wanted.update(sites.near(lead.location, branch.rules.sweep_radius_m))
    try:
        return DayProblem(
            date=branch.date,
            timezone=branch.timezone,
            crs=branch.crs,
            rep=item.rep,
            rules=branch.rules,
            options=branch.options,
            calendar=branch.calendar,
            leads=item.leads,
            buildings=tuple(b for b in branch.buildings if b.id in wanted),
        )
    except ProblemError as err:  # only rep.* and leads* can be wrong here (see Branch)
        raise ProblemError(f"reps[{index}].{err.field.removeprefix('rep.')}", err.message) from None


def building_index(branch: Branch) -> BuildingIndex:
    """A spatial index of the branch's buildings (build once, split many reps)."""
    return BuildingIndex(
        [
            BuildingSite(id=b.id, location=b.location, footprint=b.footprint)
            for b in branch.buildings
        ]
    )


__all__ = [
    "DEFAULT_SWEEP_COOLDOWN_DAYS",
    "Branch",
    "BranchRep",
    "FailureCode",
    "RepFailure",
    "SweepRecord",
    "building_index",
    "day_problem",
]
