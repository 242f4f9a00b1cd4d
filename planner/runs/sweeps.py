"""Who sweeps which building: one rep of a branch per building and day, decided branch-wide.

Each rep's day is planned alone, so before the per-rep solves every building that two or
more reps could sweep (in reach of one of their effective leads) is given to exactly one of
them, and a building swept within the branch's cooldown is given to none. The choice is a
pure function of the branch and its sweep history — never of the order in which reps are
planned or how many workers plan them — so every pass of a run, on any pool, agrees.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from geo import BuildingIndex, LatLon, haversine_km, to_wgs84
from planner.errors import ProblemError
from planner.routing.problem import DayProblem, Lead, SkippedSweep
from planner.runs.branch import Branch, RepFailure, SweepRecord, building_index, day_problem


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepAssignment:
    """The branch's sweeps of the day: who may sweep each contested building, who may not.

    ``owner`` maps every building some rep could sweep (and not on cooldown) to the one rep
    that may sweep it; ``skipped`` lists, per rep id, the buildings in the rep's reach it
    must leave alone, with the reason, in the order of the rep's problem; ``ranking`` lists,
    per building, every rep that could sweep it, best first (the owner, then the rest: the
    run's second pass offers a building its owner left unswept down this list).
    """

    owner: Mapping[str, str] = field(default_factory=dict)
    ranking: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    skipped: Mapping[str, tuple[SkippedSweep, ...]] = field(default_factory=dict)

    def apply(self, problem: DayProblem) -> DayProblem:
        """``problem`` with its skipped sweeps set (unchanged when it has none)."""
        skips = self.skipped.get(problem.rep.id, ())
        if not skips:
            return problem
        return replace(problem, skipped_sweeps=skips)


def recent_buildings(
    history: Iterable[SweepRecord], day: date, cooldown_days: int
) -> frozenset[str]:
    """Buildings swept less than ``cooldown_days`` days before ``day`` (not on ``day`` itself).

    A building swept on day *d* may be swept again from *d* + ``cooldown_days`` on: with the
    default 14, at most once every two weeks.
    """
    if cooldown_days <= 0:
        return frozenset()
    since = day - timedelta(days=cooldown_days)
    return frozenset(r.building_id for r in history if since < r.date < day)


def assign_sweeps(
    problems: Sequence[DayProblem],
    sites: BuildingIndex,
    *,
    recent: frozenset[str] = frozenset(),
) -> SweepAssignment:
    """Give each building in reach of some rep to exactly one rep; none if swept recently.

    A building goes to the rep where its sweep is worth most to the branch, compared in
    this order (the first difference decides):

    1. the sweep would follow an **appointment** (a mandatory visit, so the sweep happens);
    2. the anchoring effective lead has the **fewest other buildings** in reach (a rep who
       loses its only building has an effective visit without a sweep, a higher priority
       of the day plan than any further sweep);
    3. the building is the anchor lead's **own** building;
    4. the anchor lead's **urgency-weighted value** (the likelier visit);
    5. the anchor lead is **closer** to the building;
    6. the **rep id** (a fixed tie-break).

    Each rep's best anchor for the building is compared. The result depends only on the
    problems (their order included) and ``recent``.

    Parameters
    ----------
    problems : sequence of DayProblem
        Every rep's day problem of the branch (reps already planned in an earlier pass
        too, so that every pass decides alike).
    sites : BuildingIndex
        The branch's buildings (``planner.runs.branch.building_index``).
    recent : frozenset of str
        Buildings on cooldown: skipped as ``swept_recently`` by every rep in reach.
    """
    # (building id) -> [(key, rep id)]
    claims: dict[str, list[tuple[tuple[float | int | str, ...], str]]] = {}
    reach_of: dict[str, list[str]] = {}
    for problem in problems:
        rep_id = problem.rep.id
        radius = problem.rules.sweep_radius_m
        reach: set[str] = set()
        best: dict[str, tuple[float | int | str, ...]] = {}
        places = {b.id: b.location for b in problem.buildings}
        anchors = [lead for lead in problem.leads if lead.effective]
        reach_by_lead = {lead.id: lead_reach(lead, sites, radius) for lead in anchors}
        for lead in anchors:
            in_reach = reach_by_lead[lead.id]
            reach.update(in_reach)
            open_ = [b for b in in_reach if b not in recent]
            for b in open_:
                key: tuple[float | int | str, ...] = (
                    0 if lead.is_appointment else 1,
                    len(open_) - 1,
                    0 if lead.building_id == b else 1,
                    -problem.weighted_value(lead),
                    _distance_m(problem, lead, places[b]),
                )
                if b not in best or key < best[b]:
                    best[b] = key
        for b, key in best.items():
            claims.setdefault(b, []).append(((*key, rep_id), rep_id))
        order = {b.id: i for i, b in enumerate(problem.buildings)}
        reach_of[rep_id] = sorted(reach, key=lambda b: (order.get(b, len(order)), b))
    ranking = {b: tuple(r for _, r in sorted(c)) for b, c in sorted(claims.items())}
    owner = {b: reps[0] for b, reps in ranking.items()}
    skipped: dict[str, tuple[SkippedSweep, ...]] = {}
    for rep_id, buildings in reach_of.items():
        skips = tuple(
            SkippedSweep(building_id=b, reason="swept_recently")
            if b in recent
            else SkippedSweep(building_id=b, reason="swept_by_other_rep")
            for b in buildings
            if b in recent or owner.get(b, rep_id) != rep_id
        )
        if skips:
            skipped[rep_id] = skips
    return SweepAssignment(owner=owner, ranking=ranking, skipped=skipped)


@dataclass(frozen=True, slots=True, kw_only=True)
class BranchProblems:
    """A branch split into day problems with the sweep assignment applied to each."""

    problems: tuple[DayProblem, ...]
    """Every valid rep's day problem, in branch order, its ``skipped_sweeps`` set."""
    failures: tuple[RepFailure, ...]
    """Reps whose day problem is invalid (``invalid_input``), in branch order."""
    assignment: SweepAssignment
    sites: BuildingIndex
    """The branch's buildings, indexed (the second pass looks up reach in it)."""


def branch_problems(branch: Branch, history: Iterable[SweepRecord] = ()) -> BranchProblems:
    """Split ``branch`` into its reps' day problems, each building swept by at most one rep.

    ``history`` (sweeps kept in a store) and ``branch.sweep_history`` together put the
    buildings swept in the ``branch.sweep_cooldown_days`` days before the branch's date
    on cooldown.
    """
    sites = building_index(branch)
    problems: list[DayProblem] = []
    failures: list[RepFailure] = []
    for i, item in enumerate(branch.reps):
        try:
            problems.append(day_problem(branch, i, sites))
        except ProblemError as err:
            failures.append(
                RepFailure(
                    rep_id=item.rep.id, code="invalid_input", message=str(err), field=err.field
                )
            )
    recent = recent_buildings(
        [*branch.sweep_history, *history], branch.date, branch.sweep_cooldown_days
    )
    assignment = assign_sweeps(problems, sites, recent=recent)
    return BranchProblems(
        problems=tuple(assignment.apply(p) for p in problems),
        failures=tuple(failures),
        assignment=assignment,
        sites=sites,
    )


def lead_reach(lead: Lead, sites: BuildingIndex, radius_m: float) -> list[str]:
    """Buildings an effective lead's sweep may go to: its own, and those in reach."""
    near = sites.near(lead.location, radius_m)
    if lead.building_id is not None and lead.building_id not in near:
        return [lead.building_id, *near]
    return near


def _distance_m(problem: DayProblem, lead: Lead, place: LatLon) -> float:
    a, b = to_wgs84(lead.location, problem.crs), to_wgs84(place, problem.crs)
    return round(haversine_km(a, b) * 1000.0, 3)


__all__ = [
    "BranchProblems",
    "SweepAssignment",
    "SweepRecord",
    "assign_sweeps",
    "branch_problems",
    "lead_reach",
    "recent_buildings",
]
