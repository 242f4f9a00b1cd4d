"""Generated rep-days to measure the audit on: honest days replayed from a plan with GPS
noise, late starts and skipped stops, and fabricated ones (teleporting, copied coordinates,
check-ins far from the lead, effective claims without a decision maker, overlapping visits).

Pure: the randomness comes in as a ``random.Random``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from geo import MODES, LatLon, TravelModel, haversine_km
from planner.audit.visit import RepDay, VisitRecord
from planner.routing.plan import DayPlan
from planner.routing.problem import DayProblem

FABRICATIONS: tuple[str, ...] = (
    "teleport",
    "copied_coordinates",
    "far_check_in",
    "effective_without_decision_maker",
    "overlapping",
)
"""The kinds of fabricated day :func:`fabricated_day` makes."""

_EFFECTIVE_OUTCOMES = (
    ("met_decision_maker", 0.65),
    ("met_staff", 0.15),
    ("not_in", 0.10),
    ("rescheduled", 0.05),
    ("refused", 0.05),
)
_OTHER_OUTCOMES = (
    ("met_decision_maker", 0.15),
    ("met_staff", 0.50),
    ("not_in", 0.20),
    ("refused", 0.10),
    ("rescheduled", 0.05),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulatedDay:
    """A generated rep-day: its records, what the plan knew, and the truth (None: honest)."""

    records: tuple[VisitRecord, ...]
    context: RepDay
    fabrication: str | None


def _pick(rng: random.Random, table: Sequence[tuple[str, float]]) -> str:
    return rng.choices([o for o, _ in table], weights=[w for _, w in table])[0]


def _offset(p: LatLon, metres: float, bearing: float) -> LatLon:
    north = metres * math.cos(bearing) / 111_320.0
    east = metres * math.sin(bearing) / (111_320.0 * math.cos(math.radians(p.lat)))
    return LatLon(round(p.lat + north, 6), round(p.lon + east, 6))


def _gps_fix(rng: random.Random, at: LatLon) -> tuple[LatLon, float]:
    """A phone's fix near ``at``: accuracy 5-65 m (3 %: a poor 100-300 m fix), the error
    Rayleigh-distributed with sigma accuracy/2; 1 % multipath outliers 150-400 m off."""
    accuracy = rng.uniform(100, 300) if rng.random() < 0.03 else rng.uniform(5, 65)
    if rng.random() < 0.01:
        error = rng.uniform(150, 400)
    else:
        error = (accuracy / 2) * math.sqrt(-2 * math.log(1 - rng.random()))
    return _offset(at, error, rng.uniform(0, 2 * math.pi)), round(accuracy, 1)


def honest_day(
    problem: DayProblem, plan: DayPlan, rng: random.Random, *, rep_id: str | None = None
) -> SimulatedDay:
    """The plan's day as an honest rep lives it.

    Each visit or sweep is done (5 % of visits are skipped and not recorded); the rep starts
    each stop after its planned start (jitter -3..+8 min) and never before the planned travel
    from the last check-out (× 0.85-1.2) is over; a visit lasts its planned minutes × 0.7-1.3
    (whole seconds); the fix is a noisy GPS fix at the stop; outcomes are drawn by the lead's
    kind and only a met decision maker is claimed effective.
    """
    rep = rep_id or plan.rep_id
    context = dataclasses.replace(RepDay.from_problem(problem), rep_id=rep)
    leads = {x.id: x for x in problem.leads}
    records: list[VisitRecord] = []
    last_out: dt.datetime | None = None
    outcomes: dict[str, str] = {}
    for k, stop in enumerate(plan.stops):
        if stop.type not in ("visit", "sweep") or stop.start is None or stop.depart is None:
            continue
        if stop.type == "visit" and rng.random() < 0.05:
            continue
        if stop.type == "sweep" and outcomes.get(str(stop.anchor_lead_id)) is None:
            continue  # its anchor visit was skipped
        start = stop.start + dt.timedelta(minutes=rng.uniform(-3, 8))
        if last_out is not None:
            travel = dt.timedelta(minutes=stop.travel_minutes * rng.uniform(0.85, 1.2))
            start = max(start, last_out + travel)
        start = start.replace(microsecond=0)
        planned_s = (stop.depart - stop.start).total_seconds()
        duration = dt.timedelta(seconds=int(planned_s * rng.uniform(0.7, 1.3)))
        fix, accuracy = _gps_fix(rng, context_point(context, stop.location, problem))
        lead_id: str | None
        if stop.type == "visit":
            lead = leads[str(stop.lead_id)]
            outcome = _pick(rng, _EFFECTIVE_OUTCOMES if lead.effective else _OTHER_OUTCOMES)
            outcomes[lead.id] = outcome
            lead_id, building_id = lead.id, lead.building_id
        else:
            outcome, lead_id, building_id = "met_staff", stop.anchor_lead_id, stop.building_id
        record = VisitRecord(
            record_id=f"{rep}-{plan.date}-{k:02d}",
            rep_id=rep,
            lead_id=lead_id,
            date=plan.date,
            check_in=start,
            check_out=start + duration,
            location=fix,
            accuracy_m=accuracy,
            outcome=outcome,
            effective=outcome == "met_decision_maker" and stop.type == "visit",
            building_id=building_id,
            sweep=stop.type == "sweep",
        )
        records.append(record)
        last_out = record.check_out
    return SimulatedDay(records=tuple(records), context=context, fabrication=None)


def context_point(context: RepDay, stop_location: LatLon, problem: DayProblem) -> LatLon:
    """A plan stop's location in WGS-84 (plans keep the problem's crs)."""
    if str(problem.crs) == "wgs84":
        return stop_location
    from geo import to_wgs84

    return to_wgs84(stop_location, problem.crs)


def fabricated_day(
    problem: DayProblem,
    plan: DayPlan,
    rng: random.Random,
    kind: str,
    *,
    rep_id: str | None = None,
    travel: TravelModel | None = None,
) -> SimulatedDay:
    """An honest day with one kind of fabrication (:data:`FABRICATIONS`) worked in."""
    base = honest_day(problem, plan, rng, rep_id=rep_id)
    records = list(base.records)
    visits = [i for i, r in enumerate(records) if not r.sweep]
    if len(visits) < 3:
        raise ValueError("a fabricated day needs an honest day of at least 3 visits")
    if kind == "teleport":
        records = _teleport(records, visits, base.context, rng, travel or TravelModel())
    elif kind == "copied_coordinates":
        chosen = sorted(rng.sample(visits, rng.randint(3, min(5, len(visits)))))
        fix = records[chosen[0]].location
        shortest = min(records[i].duration_s for i in chosen)
        seconds = max(300, shortest // 60 * 60)  # typed in whole minutes
        for i in chosen:
            r = records[i]
            records[i] = dataclasses.replace(
                r, location=fix, check_out=r.check_in + dt.timedelta(seconds=seconds)
            )
    elif kind == "far_check_in":
        for i in rng.sample(visits, rng.randint(1, 3)):
            r = records[i]
            lead = base.context.leads[str(r.lead_id)]
            at = _offset(lead.location, rng.uniform(1500, 5000), rng.uniform(0, 2 * math.pi))
            records[i] = dataclasses.replace(r, location=at, accuracy_m=rng.uniform(8, 30))
    elif kind == "effective_without_decision_maker":
        for i in rng.sample(visits, rng.randint(1, 2)):
            outcome = rng.choice(("met_staff", "not_in", "rescheduled"))
            records[i] = dataclasses.replace(records[i], outcome=outcome, effective=True)
    elif kind == "overlapping":
        j = rng.choice(visits[1:])
        prev = records[j - 1]
        length = prev.check_out - prev.check_in
        shift = prev.check_in + length * rng.uniform(0.2, 0.6)
        r = records[j]
        records[j] = dataclasses.replace(
            r, check_in=shift, check_out=shift + (r.check_out - r.check_in)
        )
        records.sort(key=lambda x: x.check_in)
    else:
        raise ValueError(f"unknown fabrication {kind!r} (known: {FABRICATIONS})")
    return SimulatedDay(records=tuple(records), context=base.context, fabrication=kind)


def _teleport(
    records: list[VisitRecord],
    visits: list[int],
    context: RepDay,
    rng: random.Random,
    travel: TravelModel,
) -> list[VisitRecord]:
    """One visit replaced by a claimed visit at the lead farthest from the one before it,
    reached in under 40 % of the fastest travel time (any mode, off-peak)."""
    i = rng.choice(visits[1:])
    prev = records[i - 1]
    seen = {r.lead_id for r in records}
    far = max(
        (x for x in context.leads.values() if x.id not in seen),
        key=lambda x: haversine_km(prev.location, x.location),
        default=None,
    )
    if far is None or haversine_km(prev.location, far.location) < 1.5:
        far = max(context.leads.values(), key=lambda x: haversine_km(prev.location, x.location))
    fix, accuracy = _gps_fix(rng, far.location)
    offpeak = dataclasses.replace(travel, rush=())
    fastest = min(offpeak.leg(prev.location, fix, m, 600.0).minutes for m in MODES)
    gap = dt.timedelta(minutes=rng.uniform(0.5, 0.4 * fastest))
    check_in = (prev.check_out + gap).replace(microsecond=0)
    r = records[i]
    duration = r.check_out - r.check_in
    records[i] = dataclasses.replace(
        r,
        lead_id=far.id,
        building_id=far.building_id,
        location=fix,
        accuracy_m=accuracy,
        check_in=check_in,
        check_out=check_in + duration,
    )
    return sorted(records, key=lambda x: x.check_in)
