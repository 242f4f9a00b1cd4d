"""The run's second pass: a contested building its owner left unswept goes to the next rep.

The branch-wide assignment (``planner.runs.sweeps``) gives a contested building to one rep
before anyone is planned; when that rep then drops the visit the sweep hangs on, nobody
sweeps the building. Once every rep has a plan, each such building is *offered* to one rep
that lost it — the best-ranked other claimant whose plan visits an effective lead in reach
of it, else the next in the ranking — and those reps alone are planned again with the
building released. The re-plan replaces the rep's plan only if it sweeps an offered building,
keeps every building the plan swept, and ranks at least as high by the planner's objective
(:func:`planner.routing.objective.rank`). Everything here is a function of the first-pass
plans and the assignment, so any pool, order or resumed pass decides alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from geo import BuildingIndex
from planner.routing import objective as W
from planner.routing.plan import DayPlan
from planner.routing.problem import DayProblem, SkippedSweep
from planner.runs.sweeps import SweepAssignment, lead_reach


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanOutline:
    """What the second pass needs of a stored plan: its id, visits and sweeps in order."""

    plan_id: str
    visits: tuple[str, ...]
    """Lead ids visited, in route order."""
    sweeps: tuple[tuple[str, str], ...]
    """``(anchor lead id, building id)`` of each sweep, in route order."""

    @classmethod
    def of(cls, plan: DayPlan) -> PlanOutline:
        return cls(
            plan_id=plan.plan_id or "",
            visits=tuple(s.lead_id for s in plan.stops if s.type == "visit" and s.lead_id),
            sweeps=tuple(
                (s.anchor_lead_id, s.building_id)
                for s in plan.stops
                if s.type == "sweep" and s.anchor_lead_id and s.building_id
            ),
        )

    @property
    def swept(self) -> frozenset[str]:
        return frozenset(b for _, b in self.sweeps)


@dataclass(frozen=True, slots=True, kw_only=True)
class Offers:
    """The second pass's offers: buildings released to a rep, and taken from their owner."""

    released: Mapping[str, tuple[str, ...]]
    """Rep id -> the buildings offered to it (it may now sweep them)."""
    taken: Mapping[str, tuple[str, ...]]
    """Owner rep id -> its unswept buildings offered to another rep (it may no longer)."""

    @property
    def reps(self) -> tuple[str, ...]:
        """The reps to plan again (in sorted order): those offered a building."""
        return tuple(sorted(self.released))


def offers(
    assignment: SweepAssignment,
    problems: Sequence[DayProblem],
    outlines: Mapping[str, PlanOutline],
    sites: BuildingIndex,
) -> Offers:
    """Each building its owner's plan does not sweep, offered to one other claimant.

    The receiver is the best-ranked claimant (``assignment.ranking``) after the owner whose
    plan visits an effective lead with the building in reach, else the next claimant in the
    ranking; a building with a single claimant is offered to no one. Every rep of
    ``problems`` must have an outline.
    """
    by_rep = {p.rep.id: p for p in problems}
    released: dict[str, list[str]] = {}
    taken: dict[str, list[str]] = {}
    for building, ranked in sorted(assignment.ranking.items()):
        owner, others = ranked[0], ranked[1:]
        if not others or building in outlines[owner].swept:
            continue
        to = next(
            (r for r in others if _visits_anchor(by_rep[r], outlines[r], building, sites)),
            others[0],
        )
        released.setdefault(to, []).append(building)
        taken.setdefault(owner, []).append(building)
    return Offers(
        released={r: tuple(b) for r, b in released.items()},
        taken={r: tuple(b) for r, b in taken.items()},
    )


def second_problem(problem: DayProblem, offer: Offers) -> DayProblem:
    """``problem`` with its offered buildings released and its taken ones skipped."""
    rep_id = problem.rep.id
    free = set(offer.released.get(rep_id, ()))
    gone = set(offer.taken.get(rep_id, ()))
    skips = [s for s in problem.skipped_sweeps if s.building_id not in free]
    known = {s.building_id for s in skips}
    skips += [
        SkippedSweep(building_id=b.id, reason="swept_by_other_rep")
        for b in problem.buildings
        if b.id in gone and b.id not in known
    ]
    order = {b.id: i for i, b in enumerate(problem.buildings)}
    skips.sort(key=lambda s: order[s.building_id])
    return replace(problem, skipped_sweeps=tuple(skips))


def better(
    problem: DayProblem, before: PlanOutline, after: PlanOutline, released: Sequence[str]
) -> bool:
    """Whether the re-plan ``after`` replaces ``before``: it sweeps an offered building,
    keeps every building ``before`` swept, and ranks at least as high."""
    return (
        bool(after.swept & set(released))
        and before.swept <= after.swept
        and plan_rank(problem, after) >= plan_rank(problem, before)
    )


def plan_rank(problem: DayProblem, outline: PlanOutline) -> tuple[int, ...]:
    """The plan's priorities (:func:`planner.routing.objective.rank`) on ``problem``."""
    leads = {lead.id: lead for lead in problem.leads}
    scores = {b.id: W.building_score(b.tenants) for b in problem.buildings}
    visited = [leads[x] for x in outline.visits]
    after: dict[str, list[str]] = {}
    for anchor, building in outline.sweeps:
        after.setdefault(anchor, []).append(building)
    points = sum(  # objective.sweep_score, by building id
        (W.OWN_BUILDING_SCORE if buildings[0] == leads[anchor].building_id else 0)
        + sum(scores[b] for b in buildings)
        for anchor, buildings in after.items()
    )
    rules = problem.rules
    return W.rank(
        appointments=sum(lead.is_appointment for lead in visited),
        visits=len(visited),
        effective=sum(lead.effective for lead in visited),
        swept_effective=len(after),
        value_units=sum(W.value_units(problem.weighted_value(lead)) for lead in visited),
        sweep_points=points,
        min_visits=rules.min_visits,
        min_effective=rules.min_effective,
        target_effective=rules.target_effective,
    )


def _visits_anchor(
    problem: DayProblem, outline: PlanOutline, building: str, sites: BuildingIndex
) -> bool:
    radius = problem.rules.sweep_radius_m
    visited = set(outline.visits)
    return any(
        lead.effective and lead.id in visited and building in lead_reach(lead, sites, radius)
        for lead in problem.leads
    )


__all__ = ["Offers", "PlanOutline", "better", "offers", "plan_rank", "second_problem"]
