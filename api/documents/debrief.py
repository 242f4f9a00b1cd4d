"""The evening debrief of a branch: per group and rep, plan against what was reported (visits,
effective visits, sweeps, km, on time), the planned visits missed and why, and audit flags.
"""

from __future__ import annotations

from collections import Counter
from datetime import date as Date
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from geo import CRS, LatLon, TravelModel, to_wgs84
from planner.audit import MET_OUTCOMES, AuditReport

ON_TIME_TOLERANCE = timedelta(minutes=15)
"""A planned visit checked in no later than this after its planned start is on time."""

MISS_REASONS = ("not_in", "refused", "rescheduled", "closed", "other", "not_recorded")


class FiguresOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    visits: int
    effective: int
    sweeps: int
    km: float


class ActualOut(FiguresOut):
    claimed_effective: int = Field(description="Records claiming effective (audited)")
    on_time: int = Field(description="Planned visits checked in <= 15 min after the plan")
    late: int
    unplanned: int = Field(description="Visits to leads the plan did not visit")
    first_check_in: datetime | None
    last_check_out: datetime | None


class RepAuditOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    score: float
    flagged: bool
    flags: dict[str, int]
    flagged_records: list[str]


class MissOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lead_id: str
    reason: str


class RepDebriefOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rep_id: str
    group: str | None
    plan_id: str | None
    planned: FiguresOut | None
    actual: ActualOut
    misses: dict[str, int] = Field(description="Planned visits not done, by reason")
    missed: list[MissOut]
    audit: RepAuditOut


class TotalsOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reps: int
    planned: FiguresOut
    actual: FiguresOut
    misses: dict[str, int]
    flagged_reps: int


class GroupDebriefOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group: str | None
    totals: TotalsOut
    reps: list[RepDebriefOut]


class DebriefOut(BaseModel):
    """A branch's day, plan against reports, for the evening team meeting."""

    model_config = ConfigDict(extra="forbid")
    branch_id: str
    date: Date
    totals: TotalsOut
    groups: list[GroupDebriefOut]


def _wgs(stop: dict[str, Any], crs: str) -> LatLon:
    p = LatLon(stop["location"]["lat"], stop["location"]["lon"])
    return p if crs == "wgs84" else to_wgs84(p, CRS(crs))


def _point(record: dict[str, Any]) -> LatLon:
    p = LatLon(record["location"]["lat"], record["location"]["lon"])
    crs = record.get("crs") or "wgs84"
    return p if crs == "wgs84" else to_wgs84(p, CRS(crs))


def _actual_km(plan: dict[str, Any] | None, records: list[dict[str, Any]], mode: str) -> float:
    """Road km of the reported day on the built-in model: office, each check-in, office."""
    points = [_point(r) for r in records]
    if plan and plan.get("stops"):
        crs = str(plan.get("crs") or "wgs84")
        points = [_wgs(plan["stops"][0], crs), *points, _wgs(plan["stops"][-1], crs)]
    model = TravelModel()
    return sum(model.leg(a, b, mode, 600.0).km for a, b in zip(points, points[1:], strict=False))


def rep_debrief(
    rep_id: str,
    group: str | None,
    plan: dict[str, Any] | None,
    mode: str,
    records: list[dict[str, Any]],
    report: AuditReport,
) -> dict[str, Any]:
    """One rep's row of the debrief."""
    records = sorted(records, key=lambda r: datetime.fromisoformat(r["check_in"]))
    visits = [r for r in records if not r.get("sweep")]
    by_lead: dict[str, dict[str, Any]] = {}
    for r in visits:
        best = by_lead.get(r["lead_id"])
        if best is None or (r["outcome"] in MET_OUTCOMES and best["outcome"] not in MET_OUTCOMES):
            by_lead[r["lead_id"]] = r
    planned_visits = [s for s in (plan or {}).get("stops", []) if s["type"] == "visit"]
    on_time = late = 0
    missed: list[dict[str, str]] = []
    for s in planned_visits:
        done = by_lead.get(s["lead_id"])
        if done is None or done["outcome"] not in MET_OUTCOMES:
            missed.append(
                {"lead_id": s["lead_id"], "reason": done["outcome"] if done else "not_recorded"}
            )
        if done is not None:
            delay = datetime.fromisoformat(done["check_in"]) - datetime.fromisoformat(s["start"])
            on_time += delay <= ON_TIME_TOLERANCE
            late += delay > ON_TIME_TOLERANCE
    planned_leads = {s["lead_id"] for s in planned_visits}
    day = next((d for d in report.days if d.rep_id == rep_id), None)
    totals = (plan or {}).get("totals") or {}
    return {
        "rep_id": rep_id,
        "group": group,
        "plan_id": (plan or {}).get("plan_id"),
        "planned": None
        if plan is None
        else {
            "visits": int(totals.get("visits", 0)),
            "effective": int(totals.get("effective_visits", 0)),
            "sweeps": int(totals.get("sweeps", 0)),
            "km": round(float(totals.get("travel_km", 0.0)), 2),
        },
        "actual": {
            "visits": len(visits),
            "effective": sum(r["outcome"] == "met_decision_maker" for r in visits),
            "claimed_effective": sum(bool(r.get("effective")) for r in visits),
            "sweeps": len(records) - len(visits),
            "km": round(_actual_km(plan, records, mode), 2),
            "on_time": on_time,
            "late": late,
            "unplanned": sum(r["lead_id"] not in planned_leads for r in visits) if plan else 0,
            "first_check_in": records[0]["check_in"] if records else None,
            "last_check_out": max((r["check_out"] for r in records), default=None),
        },
        "misses": dict(Counter(m["reason"] for m in missed)),
        "missed": missed,
        "audit": {
            "score": day.score if day else 0.0,
            "flagged": day.flagged if day else False,
            "flags": dict(day.flag_counts) if day else {},
            "flagged_records": list(day.flagged_records) if day else [],
        },
    }


def _totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    figures = ("visits", "effective", "sweeps", "km")
    planned = {k: sum((r["planned"] or {}).get(k, 0) for r in rows) for k in figures}
    actual = {k: sum(r["actual"][k] for r in rows) for k in figures}
    misses: Counter[str] = Counter()
    for r in rows:
        misses.update(r["misses"])
    planned["km"] = round(planned["km"], 2)
    actual["km"] = round(actual["km"], 2)
    return {
        "reps": len(rows),
        "planned": planned,
        "actual": actual,
        "misses": {k: misses[k] for k in MISS_REASONS if misses[k]},
        "flagged_reps": sum(r["audit"]["flagged"] for r in rows),
    }


def debrief_document(branch_id: str, day: Date, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The debrief of the branch from its reps' rows, grouped (reps without a group last)."""
    groups: dict[str | None, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: (r["group"] is None, r["group"] or "", r["rep_id"])):
        groups.setdefault(row["group"], []).append(row)
    return {
        "branch_id": branch_id,
        "date": day.isoformat(),
        "totals": _totals(rows),
        "groups": [{"group": g, "totals": _totals(rs), "reps": rs} for g, rs in groups.items()],
    }
