"""The visit audit: risk flags with evidence per record, scores per record and rep-day, and
a risk-weighted, seeded sample for the quality team's spot checks.

Pure: the records, what the plans knew of each rep-day, the thresholds and the travel model
all come in as arguments.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import shapely

from geo import MODES, LatLon, TravelModel, footprint_polygon, haversine_km
from planner.audit.thresholds import FLAG_CODES, Thresholds
from planner.audit.visit import RepDay, VisitRecord

Evidence = Mapping[str, float | int | str | None]
RepDayKey = tuple[str, dt.date]


@dataclass(frozen=True, slots=True, kw_only=True)
class Flag:
    """One risk a record shows: its code, the points it adds, why, and the numbers behind it."""

    code: str
    points: float
    message: str
    evidence: Evidence


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordAudit:
    record_id: str
    rep_id: str
    date: dt.date
    score: float
    flagged: bool
    flags: tuple[Flag, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class DayAudit:
    """A rep-day: its records' summed score (capped at 100), and how often each flag fired."""

    rep_id: str
    date: dt.date
    records: int
    score: float
    flagged: bool
    flag_counts: Mapping[str, int]
    flagged_records: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditReport:
    records: tuple[RecordAudit, ...]
    days: tuple[DayAudit, ...]
    sample: tuple[str, ...]
    thresholds: Thresholds


def audit(
    records: Sequence[VisitRecord],
    days: Mapping[RepDayKey, RepDay] | None = None,
    *,
    thresholds: Thresholds | None = None,
    travel: TravelModel | None = None,
    sample_size: int = 10,
    seed: int = 0,
    sample_base_weight: float = 5.0,
) -> AuditReport:
    """Audit visit records.

    Parameters
    ----------
    records : sequence of VisitRecord
        Any number of reps and days; copied coordinates are looked for across all of them.
    days : mapping of (rep_id, date) to RepDay, optional
        What each rep-day's plan knew (leads, buildings, working day). Records of a rep-day
        without one are checked for everything but places and windows (``unknown_lead``).
    thresholds : Thresholds, optional
        Tolerances, weights and flagging scores (the documented defaults).
    travel : TravelModel, optional
        The travel model; its off-peak speeds bound the fastest possible travel.
    sample_size, seed, sample_base_weight
        The spot-check sample: ``sample_size`` records drawn without replacement with
        probability proportional to ``score + sample_base_weight``, the same for the same
        records and seed.

    Returns
    -------
    AuditReport
        Records in (rep, date, check-in) order, rep-days in (rep, date) order, the sample.
    """
    th = thresholds or Thresholds()
    model = dataclasses.replace(travel or TravelModel(), rush=())
    days = days or {}
    ordered = sorted(records, key=lambda r: (r.rep_id, r.date, r.check_in, r.record_id))
    flags: dict[str, list[Flag]] = {r.record_id: [] for r in ordered}
    by_day: dict[RepDayKey, list[VisitRecord]] = defaultdict(list)
    for r in ordered:
        by_day[(r.rep_id, r.date)].append(r)
    for key, day_records in by_day.items():
        ctx = days.get(key) or RepDay(rep_id=key[0], date=key[1])
        for r in day_records:
            flags[r.record_id] += _place_flags(r, ctx, th)
            flags[r.record_id] += _time_flags(r, ctx, th)
        _sequence_flags(day_records, th, model, flags)
        _duration_flags(day_records, th, flags)
    _copied_flags(ordered, th, flags)

    audits = tuple(_record_audit(r, flags[r.record_id], th) for r in ordered)
    day_audits = tuple(
        _day_audit(key, [a for a in audits if (a.rep_id, a.date) == key], th) for key in by_day
    )
    sample = risk_sample(audits, size=sample_size, seed=seed, base_weight=sample_base_weight)
    return AuditReport(records=audits, days=day_audits, sample=sample, thresholds=th)


def risk_sample(
    audits: Sequence[RecordAudit], *, size: int, seed: int, base_weight: float = 5.0
) -> tuple[str, ...]:
    """``size`` record ids drawn without replacement, each with weight ``score + base``.

    Efraimidis-Spirakis: every record gets the key ``u ** (1 / weight)`` with ``u`` from a
    ``random.Random(seed)`` drawn in (rep, date, check-in, id) order; the largest keys win.
    """
    rng = random.Random(seed)
    keyed = []
    for a in audits:
        weight = max(a.score + base_weight, 1e-9)
        keyed.append((rng.random() ** (1.0 / weight), a.record_id))
    keyed.sort(key=lambda k: (-k[0], k[1]))
    return tuple(record_id for _, record_id in keyed[: max(0, size)])


# --- rules --------------------------------------------------------------------------------


def _flag(th: Thresholds, code: str, message: str, **evidence: float | int | str | None) -> Flag:
    return Flag(code=code, points=th.weight(code), message=message, evidence=evidence)


def _local_min(t: dt.datetime, ctx: RepDay) -> float:
    local = t.astimezone(ctx.zone)
    base = dt.datetime.combine(ctx.date, dt.time(0), tzinfo=ctx.zone)
    return (local - base).total_seconds() / 60.0


def _hhmm(minutes: float) -> str:
    m = int(math.floor(minutes))
    return f"{m // 60:02d}:{m % 60:02d}"


def _place_flags(r: VisitRecord, ctx: RepDay, th: Thresholds) -> list[Flag]:
    targets: list[LatLon] = []
    footprints = []
    lead = ctx.leads.get(r.lead_id) if r.lead_id else None
    if lead is not None and not r.sweep:
        targets.append(lead.location)
    for bid in {lead.building_id if lead else None, r.building_id} - {None}:
        b = ctx.buildings.get(str(bid))
        if b is not None:
            targets.append(b.location)
            if b.footprint is not None:
                footprints.append(footprint_polygon(b.footprint))
    if lead is None and not r.sweep and r.lead_id and not targets:
        return [
            _flag(
                th,
                "unknown_lead",
                f"lead {r.lead_id!r} is not in the rep's plan",
                lead_id=r.lead_id,
            )
        ]
    if not targets:
        return []
    point = shapely.Point(r.location.lon, r.location.lat)
    if any(fp.covers(point) for fp in footprints):
        return []
    distance_m = min(haversine_km(r.location, t) for t in targets) * 1000.0
    accuracy = min(r.accuracy_m, th.max_accuracy_m)
    allowed = accuracy + th.far_tolerance_m
    excess = distance_m - allowed
    if excess <= 0:
        return []
    code = "far_from_lead_strong" if excess > th.far_strong_m else "far_from_lead"
    what = "building" if r.sweep else "lead"
    return [
        _flag(
            th,
            code,
            f"check-in {distance_m:.0f} m from the {what}, {allowed:.0f} m allowed "
            f"(accuracy {accuracy:.0f} m + tolerance {th.far_tolerance_m:.0f} m)",
            distance_m=round(distance_m, 1),
            accuracy_m=r.accuracy_m,
            allowed_m=round(allowed, 1),
        )
    ]


def _time_flags(r: VisitRecord, ctx: RepDay, th: Thresholds) -> list[Flag]:
    out: list[Flag] = []
    start = ctx.shift_start_min if ctx.shift_start_min is not None else th.shift_start_min
    end = ctx.return_by_min if ctx.return_by_min is not None else th.shift_end_min
    t_in, t_out = _local_min(r.check_in, ctx), _local_min(r.check_out, ctx)
    if t_in < start - th.shift_tolerance_min or t_out > end + th.shift_tolerance_min:
        out.append(
            _flag(
                th,
                "outside_working_day",
                f"visit {_hhmm(t_in)}-{_hhmm(t_out)} outside the working day "
                f"{_hhmm(start)}-{_hhmm(end)}",
                check_in_local=_hhmm(t_in),
                check_out_local=_hhmm(t_out),
                shift_start=_hhmm(start),
                shift_end=_hhmm(end),
            )
        )
    lead = ctx.leads.get(r.lead_id) if r.lead_id and not r.sweep else None
    if lead is not None and lead.windows:
        tol = th.window_tolerance_min
        if not any(a - tol <= t_in <= z + tol for a, z in lead.windows):
            windows = ", ".join(f"{_hhmm(a)}-{_hhmm(z)}" for a, z in lead.windows)
            out.append(
                _flag(
                    th,
                    "outside_lead_window",
                    f"check-in {_hhmm(t_in)} outside the lead's windows {windows}",
                    check_in_local=_hhmm(t_in),
                    windows=windows,
                )
            )
    return out


def _fastest_minutes(a: LatLon, b: LatLon, km: float, model: TravelModel) -> float:
    """The fastest door-to-door minutes over ``km`` of straight line from ``a`` toward ``b``,
    any mode, off-peak speeds."""
    crow = haversine_km(a, b)
    if km <= 0 or crow <= 0:
        return 0.0
    f = min(1.0, km / crow)
    end = LatLon(a.lat + (b.lat - a.lat) * f, a.lon + (b.lon - a.lon) * f)
    return min(model.leg(a, end, mode, 600.0).minutes for mode in MODES)


def _sequence_flags(
    day: list[VisitRecord], th: Thresholds, model: TravelModel, flags: dict[str, list[Flag]]
) -> None:
    tol = dt.timedelta(minutes=th.overlap_tolerance_min)
    for i, a in enumerate(day):
        for b in day[i + 1 :]:
            if b.check_in >= a.check_out - tol:
                break
            overlap = (min(a.check_out, b.check_out) - b.check_in).total_seconds() / 60.0
            if overlap <= th.overlap_tolerance_min:
                continue
            for x, y in ((a, b), (b, a)):
                flags[x.record_id].append(
                    _flag(
                        th,
                        "overlapping_visits",
                        f"overlaps record {y.record_id!r} by {overlap:.1f} min",
                        other_record_id=y.record_id,
                        overlap_min=round(overlap, 2),
                    )
                )
    for a, b in zip(day, day[1:], strict=False):
        gap_min = (b.check_in - a.check_out).total_seconds() / 60.0
        if gap_min < -th.overlap_tolerance_min:
            continue  # an overlap, flagged above
        crow_km = haversine_km(a.location, b.location)
        slack_m = sum(min(x.accuracy_m, th.max_accuracy_m) + th.far_tolerance_m for x in (a, b))
        km = max(0.0, crow_km - slack_m / 1000.0)
        if km < 0.05:
            continue
        fastest = _fastest_minutes(a.location, b.location, km, model)
        gap = max(gap_min, 0.0)
        speed = math.inf if gap <= 0 else km / (gap / 60.0)
        if gap < th.travel_slack * fastest or speed > th.max_speed_kmh:
            flags[b.record_id].append(
                _flag(
                    th,
                    "impossible_travel",
                    f"{km:.2f} km from record {a.record_id!r} in {gap:.1f} min; the fastest "
                    f"travel takes {fastest:.1f} min",
                    from_record_id=a.record_id,
                    km=round(km, 3),
                    gap_min=round(gap, 2),
                    fastest_min=round(fastest, 2),
                    speed_kmh=None if math.isinf(speed) else round(speed, 1),
                )
            )


def _duration_flags(day: list[VisitRecord], th: Thresholds, flags: dict[str, list[Flag]]) -> None:
    groups: dict[int, list[VisitRecord]] = defaultdict(list)
    for r in day:
        if not r.sweep:
            groups[r.duration_s].append(r)
    for duration_s, same in groups.items():
        if len(same) >= th.repeat_durations:
            for r in same:
                flags[r.record_id].append(
                    _flag(
                        th,
                        "repeated_durations",
                        f"{len(same)} visits of this day last exactly {duration_s} s",
                        duration_s=duration_s,
                        count=len(same),
                    )
                )


def _decimals(x: float) -> int:
    text = repr(float(x))
    if "e" in text or "E" in text:
        return 0
    return len(text.split(".")[1].rstrip("0")) if "." in text else 0


def _copied_flags(
    records: Iterable[VisitRecord], th: Thresholds, flags: dict[str, list[Flag]]
) -> None:
    groups: dict[tuple[float, float], list[VisitRecord]] = defaultdict(list)
    n = th.copy_decimals
    for r in records:
        if _decimals(r.location.lat) >= n and _decimals(r.location.lon) >= n:
            groups[(round(r.location.lat, n), round(r.location.lon, n))].append(r)
    for (lat, lon), same in groups.items():
        places = {r.lead_id if not r.sweep else f"building:{r.building_id}" for r in same}
        if len(places) < th.copy_min_leads:
            continue
        for r in same:
            others = [o.record_id for o in same if o.record_id != r.record_id]
            flags[r.record_id].append(
                _flag(
                    th,
                    "copied_coordinates",
                    f"the same fix ({lat}, {lon}) at {len(places)} different leads",
                    lat=lat,
                    lon=lon,
                    leads=len(places),
                    other_records=",".join(others[:5]),
                )
            )


def _record_audit(r: VisitRecord, found: list[Flag], th: Thresholds) -> RecordAudit:
    order = {code: i for i, code in enumerate(FLAG_CODES)}
    if r.effective and r.outcome != "met_decision_maker":
        found.append(
            _flag(
                th,
                "effective_without_decision_maker",
                f"claimed effective with outcome {r.outcome!r}",
                outcome=r.outcome,
            )
        )
    ordered = tuple(sorted(found, key=lambda f: order[f.code]))
    score = min(100.0, sum(f.points for f in ordered))
    return RecordAudit(
        record_id=r.record_id,
        rep_id=r.rep_id,
        date=r.date,
        score=score,
        flagged=score >= th.record_threshold,
        flags=ordered,
    )


def _day_audit(key: RepDayKey, audits: list[RecordAudit], th: Thresholds) -> DayAudit:
    counts: dict[str, int] = {}
    for a in audits:
        for f in a.flags:
            counts[f.code] = counts.get(f.code, 0) + 1
    score = min(100.0, sum(a.score for a in audits))
    return DayAudit(
        rep_id=key[0],
        date=key[1],
        records=len(audits),
        score=score,
        flagged=score >= th.day_threshold,
        flag_counts=counts,
        flagged_records=tuple(a.record_id for a in audits if a.flagged),
    )
