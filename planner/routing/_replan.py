"""Re-plan the rest of a rep's day from where the rep is now, after the day has changed.

The rest of the day is itself a valid day problem (``Replanned.problem``): it starts at
the rep's position at the present instant (``rep.start``, ``shift_start``), the stops
already made are out of it (their leads and swept buildings removed, the visit minimums
lowered by what was done, the lunch dropped once taken), and the changes are applied
(cancelled leads out, overruns pushing the made stops later, new leads in, windows
removed). It is solved from the plan being revised as a warm start, every change to that
plan priced by ``objective.STABILITY_PER_STOP``, so among near-equal days the one that
changes least wins. The plan answers that problem in ``stops`` (so the day-plan checker
holds it to the contract for the rest of the day) and carries the stops already made, as
they happened, and the diff in ``revision``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime

from geo import LatLon, TravelTimeProvider, haversine_km, to_wgs84
from planner.errors import ProblemError
from planner.routing._context import Item
from planner.routing.plan import DayPlan, Revision, Stop, StopChange
from planner.routing.problem import DayProblem, Lead, Lunch, Rules
from planner.routing.solve import SolveSettings, solve

SAME_PLACE_KM = 0.05
"""A position this close to a stop is at the stop (the checker's "same place")."""
ON_THE_WAY = 1.25
"""Between two stops, a position whose detour (from the stop left, via the position, to
the next) is at most this share of the direct line (plus 50 m) is on the planned way."""
SAME_TIME_S = 60.0
"""A stop whose start moves by no more than this is kept, not moved."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Overrun:
    """A stop made longer than planned: ``minutes`` more, or left at ``depart``."""

    lead_id: str | None = None
    building_id: str | None = None
    minutes: float | None = None
    depart: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RemovedWindow:
    """Visits to ``lead_id`` may no longer start inside ``[start_min, end_min]``."""

    lead_id: str
    start_min: int
    end_min: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Changes:
    """What happened since the plan was made, and where and when the rep is now."""

    now: datetime
    position: LatLon
    cancelled: tuple[str, ...] = ()
    overruns: tuple[Overrun, ...] = ()
    new_leads: tuple[Lead, ...] = ()
    removed_windows: tuple[RemovedWindow, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanSoFar:
    """The plan being revised: its stops (start to end) and the stops made before it."""

    plan_id: str | None
    version: int = 1
    stops: tuple[Stop, ...]
    done: tuple[Stop, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Replanned:
    """The rest of the day as a day problem, and its plan (with ``revision`` set)."""

    problem: DayProblem
    plan: DayPlan


def replan(
    problem: DayProblem,
    previous: PlanSoFar,
    changes: Changes,
    *,
    travel: TravelTimeProvider | None = None,
    settings: SolveSettings | None = None,
    plan_id: str | None = None,
) -> Replanned:
    """Re-plan the rest of the day of ``problem`` (which ``previous`` answers).

    Raises
    ------
    ProblemError
        When a change names an unknown or already visited lead, a stop not in the plan, or
        the present instant is not on the problem's day before ``return_by``; ``field`` is
        the JSON path in the changes document (``cancelled[2]``, ``new_leads[0].id``, ``now``).
    """
    _check_now(problem, changes.now)
    timed = _timed_with_overruns(problem, previous.stops, changes.overruns)
    done_now, origin, origin_min, on_plan = _split(problem, previous, timed, changes)
    _check_overruns_started(changes.overruns, done_now)
    if origin_min >= problem.rep.return_by_min:
        raise ProblemError("now", "the rep is busy until after return_by: nothing is left to plan")
    done = previous.done + tuple(done_now)
    rest, keep, left_out = _rest_problem(problem, previous, done, origin, origin_min, changes)
    unchanged = on_plan and not (
        changes.cancelled or changes.overruns or changes.new_leads or changes.removed_windows
    )
    # nothing changed: the plan stands (only checked, and filled if room appeared)
    plan = solve(
        rest, travel=travel, settings=settings, plan_id=plan_id, keep=keep, search=not unchanged
    )
    plan = _same_instants(plan, timed)
    diff = _diff(problem, timed, done, plan, changes, left_out)
    visits = [s for s in (*done, *plan.stops) if s.type == "visit"]
    leads = {x.id: x for x in (*problem.leads, *changes.new_leads)}
    day_totals = {
        "visits": len(visits),
        "effective_visits": sum(1 for s in visits if s.effective),
        "sweeps": sum(1 for s in (*done, *plan.stops) if s.type == "sweep"),
        "value": sum(leads[s.lead_id].value for s in visits if s.lead_id in leads),
        "done_visits": sum(1 for s in done if s.type == "visit"),
    }
    revision = Revision(
        previous_plan_id=previous.plan_id,
        version=previous.version + 1,
        now=changes.now,
        origin=origin,
        origin_at=problem.instant(origin_min),
        done=done,
        changes=diff,
        day_totals=day_totals,
    )
    return Replanned(problem=rest, plan=replace(plan, revision=revision))


# -- the present and the stops already made --------------------------------------------


def _minutes(problem: DayProblem, t: datetime) -> float:
    midnight = problem.instant(0)
    return (t - midnight).total_seconds() / 60.0


def _check_now(problem: DayProblem, now: datetime) -> None:
    if now.tzinfo is None:
        raise ProblemError("now", "an instant with a UTC offset is needed")
    m = _minutes(problem, now)
    if not 0 <= m < 24 * 60:
        raise ProblemError("now", f"not on the plan's day {problem.date.isoformat()}")
    if m >= problem.rep.return_by_min:
        raise ProblemError("now", "the day is over: now is not before return_by")


@dataclass(slots=True)
class _Timed:
    """A stop of the plan being revised with its times after the overruns (minutes)."""

    stop: Stop
    arrive: float
    start: float
    depart: float
    planned_start: float


def _timed_with_overruns(
    problem: DayProblem, stops: tuple[Stop, ...], overruns: tuple[Overrun, ...]
) -> list[_Timed]:
    """The plan's stops with each overrun applied and every later stop pushed back by it
    (legs as long as planned; a stop that waited for its window absorbs the delay)."""
    longer: dict[int, Overrun] = {}
    for k, o in enumerate(overruns):
        where = f"overruns[{k}]"
        hit = [
            i
            for i, s in enumerate(stops)
            if (o.lead_id is not None and s.type == "visit" and s.lead_id == o.lead_id)
            or (o.building_id is not None and s.type == "sweep" and s.building_id == o.building_id)
        ]
        if (o.lead_id is None) == (o.building_id is None):
            raise ProblemError(where, "name the stop by lead_id (a visit) or building_id (a sweep)")
        if not hit:
            name = o.lead_id or o.building_id
            raise ProblemError(where, f"{name!r} is no stop of the plan's rest of the day")
        if (o.minutes is None) == (o.depart is None):
            raise ProblemError(where, "give either minutes (how much longer) or depart")
        if o.minutes is not None and not 0 <= o.minutes <= 600:
            raise ProblemError(f"{where}.minutes", "must be between 0 and 600")
        longer[hit[0]] = o
    out: list[_Timed] = []
    if not stops:
        return out
    t0 = _minutes(problem, stops[0].depart) if stops[0].depart else problem.rep.shift_start_min
    out.append(_Timed(stops[0], t0, t0, t0, t0))
    for i, s in enumerate(stops[1:], start=1):
        prev = stops[i - 1]
        leg = _span(problem, prev.depart, s.arrive)
        arrive = out[-1].depart + leg
        planned_start = _minutes(problem, s.start or s.arrive or prev.depart or problem.instant(0))
        start = max(arrive, planned_start)
        service = _span(problem, s.start, s.depart)
        depart = start + service
        late = longer.get(i)
        if late is not None and late.minutes is not None:
            depart += late.minutes
        elif late is not None and late.depart is not None:
            depart = _minutes(problem, late.depart)
            if depart < start:
                k = list(longer).index(i)
                raise ProblemError(f"overruns[{k}].depart", "before the stop started")
        out.append(_Timed(s, arrive, start, depart, planned_start))
    return out


def _span(problem: DayProblem, a: datetime | None, b: datetime | None) -> float:
    if a is None or b is None:
        return 0.0
    return _minutes(problem, b) - _minutes(problem, a)


def _check_overruns_started(overruns: tuple[Overrun, ...], done: list[Stop]) -> None:
    made = {(s.type, s.lead_id if s.type == "visit" else s.building_id) for s in done}
    for k, o in enumerate(overruns):
        key = ("visit", o.lead_id) if o.lead_id is not None else ("sweep", o.building_id)
        if key not in made:
            name = o.lead_id or o.building_id
            raise ProblemError(f"overruns[{k}]", f"stop {name!r} has not started by now")


def _split(
    problem: DayProblem, previous: PlanSoFar, timed: list[_Timed], changes: Changes
) -> tuple[list[Stop], LatLon, float, bool]:
    """The stops made by now (as they happened), where and when the rest starts, and
    whether the rep is on plan (at the stop or on the way the plan says, in time)."""
    now = _minutes(problem, changes.now)
    n_done = 0
    for k, t in enumerate(timed[1:-1], start=1):
        if t.start <= now + 1e-9:
            n_done = k
    # a visit's sweeps go with it: the rep is in the building
    while n_done and n_done + 1 < len(timed) - 1 and timed[n_done + 1].stop.type == "sweep":
        n_done += 1
    made = timed[1 : n_done + 1]
    rep = problem.rep
    here = rep.start
    left_at = float(rep.shift_start_min)
    left_start = bool(timed) and (bool(made) or now >= timed[0].depart)
    if left_start:
        head = timed[0]
        start_stop = replace(head.stop, depart=problem.instant(head.depart))
        done: list[Stop] = [start_stop] if not previous.done else []
    else:
        done = []
    last = made[-1] if made else (timed[0] if left_start else None)
    on_plan = last is None and _km(problem, changes.position, here) <= SAME_PLACE_KM
    if last is not None:
        here, left_at = last.stop.location, last.depart
        near = _km(problem, changes.position, here) <= SAME_PLACE_KM
        nxt = timed[n_done + 1] if n_done + 1 < len(timed) else None
        if last.depart > now:
            on_plan = near  # still at the stop
            if not near:
                last.depart = left_at = now  # the rep has already left
        elif nxt is not None:
            # between two stops: on plan when on the way from one to the other (or
            # waiting at the next), as long as the next is not due yet or reached
            nxt_km = _km(problem, changes.position, nxt.stop.location)
            via = _km(problem, here, changes.position) + nxt_km
            way = via <= ON_THE_WAY * _km(problem, here, nxt.stop.location) + SAME_PLACE_KM
            on_plan = way and (now < nxt.arrive or nxt_km <= SAME_PLACE_KM)
    for t in made:
        done.append(
            replace(
                t.stop,
                arrive=problem.instant(t.arrive),
                start=problem.instant(t.start),
                depart=problem.instant(t.depart),
                travel_minutes=t.stop.travel_minutes,
                wait_minutes=max(0.0, t.start - t.arrive),
            )
        )
    if on_plan:  # the rest of the day starts where and when the rep left, as planned
        return done, here, max(left_at, float(rep.shift_start_min)), True
    origin_min = max(now, left_at, float(rep.shift_start_min))
    origin = here if _km(problem, changes.position, here) <= SAME_PLACE_KM else changes.position
    return done, origin, origin_min, False


def _km(problem: DayProblem, a: LatLon, b: LatLon) -> float:
    return haversine_km(to_wgs84(a, problem.crs), to_wgs84(b, problem.crs))


# -- the rest of the day as a day problem ------------------------------------------------


def _cut(windows: tuple[tuple[int, int], ...], a: int, z: int) -> tuple[tuple[int, int], ...]:
    """``windows`` without the starts strictly inside ``(a, z)``; a window equal to
    ``[a, z]`` disappears."""
    out: list[tuple[int, int]] = []
    for wa, wz in windows:
        if wz <= a or wa >= z:
            out.append((wa, wz))
            continue
        if wa < a:
            out.append((wa, a))
        if z < wz:
            out.append((z, wz))
    return tuple(out)


def _rest_problem(
    problem: DayProblem,
    previous: PlanSoFar,
    done: tuple[Stop, ...],
    origin: LatLon,
    origin_min: float,
    changes: Changes,
) -> tuple[DayProblem, tuple[Item, ...], dict[str, str]]:
    """The rest of the day, the warm start (the plan's remaining route, in the new lead
    indices) and the leads left out before solving with why (cancelled, window_removed)."""
    visited = {s.lead_id for s in done if s.type == "visit"}
    swept = {s.building_id for s in done if s.type == "sweep"}
    known = {x.id for x in problem.leads}
    for k, lead_id in enumerate(changes.cancelled):
        if lead_id not in known:
            raise ProblemError(f"cancelled[{k}]", f"unknown lead {lead_id!r}")
        if lead_id in visited:
            raise ProblemError(f"cancelled[{k}]", f"lead {lead_id!r} is already visited")
    for k, rw in enumerate(changes.removed_windows):
        if rw.lead_id not in known and rw.lead_id not in {x.id for x in changes.new_leads}:
            raise ProblemError(f"removed_windows[{k}].lead_id", f"unknown lead {rw.lead_id!r}")
        if rw.end_min < rw.start_min:
            raise ProblemError(f"removed_windows[{k}].window", "window closes before it opens")
    _check_new_leads(problem, known, changes.new_leads)

    left_out: dict[str, str] = {x: "cancelled" for x in changes.cancelled}
    leads: list[Lead] = []
    for lead in (*problem.leads, *changes.new_leads):
        if lead.id in visited or lead.id in left_out:
            continue
        windows = lead.windows
        for rw in changes.removed_windows:
            if rw.lead_id == lead.id:
                windows = _cut(windows, rw.start_min, rw.end_min)
        if not windows:
            left_out[lead.id] = "window_removed"
            continue
        building = lead.building_id if lead.building_id not in swept else None
        leads.append(replace(lead, windows=windows, building_id=building))

    rep, rules = problem.rep, problem.rules
    made = [s for s in done if s.type == "visit"]
    n_eff = sum(1 for s in made if s.effective)
    lunch: Lunch | None = rep.lunch
    if any(s.type == "break" for s in done):
        lunch = None
    elif lunch is not None and lunch.latest_min < origin_min:
        late = math.ceil(origin_min - 1e-9)
        lunch = replace(lunch, earliest_min=late, latest_min=late)
    rest = DayProblem(
        date=problem.date,
        timezone=problem.timezone,
        crs=problem.crs,
        rep=replace(rep, start=origin, end=rep.end, shift_start_min=origin_min, lunch=lunch),
        rules=Rules(
            min_visits=max(0, rules.min_visits - len(made)),
            min_effective=max(0, rules.min_effective - n_eff),
            target_effective=max(0, rules.target_effective - n_eff),
            sweep_radius_m=rules.sweep_radius_m,
        ),
        options=problem.options,
        calendar=problem.calendar,
        leads=tuple(leads),
        buildings=tuple(b for b in problem.buildings if b.id not in swept),
        # the branch's sweep split and cooldown hold for the rest of the day too
        skipped_sweeps=tuple(s for s in problem.skipped_sweeps if s.building_id not in swept),
    )
    lead_index = {x.id: i for i, x in enumerate(rest.leads)}
    building_index = {b.id: i for i, b in enumerate(rest.buildings)}
    keep: list[Item] = []
    for s in previous.stops:
        if s.type == "visit" and s.lead_id in lead_index and s.lead_id not in visited:
            keep.append(Item(lead_index[s.lead_id]))
        elif s.type == "sweep" and keep:
            b = building_index.get(s.building_id or "")
            anchor = rest.leads[keep[-1].lead].id
            if b is not None and s.anchor_lead_id == anchor:
                keep[-1] = Item(keep[-1].lead, (*keep[-1].sweeps, b))
    return rest, tuple(keep), left_out


def _check_new_leads(problem: DayProblem, known: set[str], new: tuple[Lead, ...]) -> None:
    """New leads: unique ids, known buildings, the lead rules of a day problem."""
    seen: set[str] = set()
    for k, lead in enumerate(new):
        if lead.id in known or lead.id in seen:
            raise ProblemError(f"new_leads[{k}].id", f"lead id {lead.id!r} is already in the day")
        seen.add(lead.id)
    try:
        DayProblem(
            date=problem.date,
            rep=problem.rep,
            leads=new,
            buildings=problem.buildings,
            timezone=problem.timezone,
            crs=problem.crs,
        )
    except ProblemError as err:
        field = err.field.replace("leads[", "new_leads[", 1)
        raise ProblemError(field, err.message) from None


def _same_instants(plan: DayPlan, timed: list[_Timed]) -> DayPlan:
    """The plan with each time that differs from the plan revised only by the rounding of
    instants to the second (at most 2 s) set back to the instant it had there."""
    if not plan.stops:
        return plan
    old = {_key(t.stop): t.stop for t in timed[1:]}

    def same(a: datetime | None, b: datetime | None) -> datetime | None:
        if a is None or b is None or abs((a - b).total_seconds()) > 2:
            return a
        return b

    stops = [plan.stops[0]]
    for s in plan.stops[1:]:
        was = old.get(_key(s))
        if was is None:
            stops.append(s)
            continue
        stops.append(
            replace(
                s,
                arrive=same(s.arrive, was.arrive),
                start=same(s.start, was.start),
                depart=same(s.depart, was.depart),
            )
        )
    totals = replace(plan.totals, return_at=stops[-1].arrive) if stops[-1].arrive else plan.totals
    return replace(plan, stops=tuple(stops), totals=totals)


# -- the diff ----------------------------------------------------------------------------


def _key(s: Stop) -> tuple[str, str]:
    return (s.type, (s.lead_id if s.type == "visit" else s.building_id) or "")


def _diff(
    problem: DayProblem,
    timed: list[_Timed],
    done: tuple[Stop, ...],
    plan: DayPlan,
    changes: Changes,
    left_out: dict[str, str],
) -> tuple[StopChange, ...]:
    """Every visit and sweep of the plan revised not made yet, and every one of the new
    plan: kept (same start within a minute), moved, added or dropped, with why.

    Reasons: dropped ``cancelled``, ``window_removed`` or the new plan's unvisited reason
    (``no_time``, ``lower_value``, ``window_unreachable``); added ``new_lead`` or
    ``fits_now`` (an earlier lead the day has room for now); moved ``overrun`` (later after
    an overrun), ``new_lead`` / ``fits_now`` (after a stop added before it), the reason of a
    stop dropped before it, ``reordered``, else ``late`` or ``earlier``.
    """
    made = {_key(s) for s in done if s.type in ("visit", "sweep")}
    before = [t for t in timed if t.stop.type in ("visit", "sweep") and _key(t.stop) not in made]
    old = {_key(t.stop): t for t in before}
    new = [s for s in plan.stops if s.type in ("visit", "sweep")]
    new_keys = {_key(s) for s in new}
    unvisited = {u.lead_id: u.reason for u in plan.unvisited}
    new_ids = {x.id for x in changes.new_leads}

    def anchor(s: Stop) -> str:
        return (s.lead_id if s.type == "visit" else s.anchor_lead_id) or ""

    def change(kind: str, s: Stop, **kw: object) -> StopChange:
        return StopChange(
            kind=kind,  # type: ignore[arg-type]
            type=s.type,  # type: ignore[arg-type]
            lead_id=s.lead_id if s.type == "visit" else None,
            building_id=s.building_id if s.type == "sweep" else None,
            **kw,  # type: ignore[arg-type]
        )

    dropped: dict[tuple[str, str], str] = {}
    for t in before:
        if _key(t.stop) not in new_keys:
            lead = anchor(t.stop)
            reason = left_out.get(lead) or unvisited.get(lead) or "no_time"
            dropped[_key(t.stop)] = reason
    old_order = [k for k in old if k in new_keys]
    new_order = [_key(s) for s in new if _key(s) in old]
    out: list[StopChange] = []
    added: list[str] = []
    for s in new:
        k = _key(s)
        was_timed = old.get(k)
        if was_timed is None:
            reason = "new_lead" if anchor(s) in new_ids else "fits_now"
            out.append(change("added", s, after=s.start, reason=reason))
            added.append(reason)
            continue
        was = problem.instant(was_timed.planned_start)
        shift = (s.start - was).total_seconds() if s.start else 0.0
        if abs(shift) <= SAME_TIME_S:
            out.append(change("kept", s, before=was, after=s.start))
            continue
        gone = [r for j, r in dropped.items() if list(old).index(j) < list(old).index(k)]
        if changes.overruns and shift > 0:
            reason = "overrun"
        elif added:
            reason = added[-1]
        elif gone:
            reason = gone[-1]
        elif old_order.index(k) != new_order.index(k):
            reason = "reordered"
        else:
            reason = "late" if shift > 0 else "earlier"
        out.append(change("moved", s, before=was, after=s.start, reason=reason))
    for t in before:
        if _key(t.stop) in dropped:
            was = problem.instant(t.planned_start)
            out.append(change("dropped", t.stop, before=was, reason=dropped[_key(t.stop)]))
    return tuple(out)
