"""The visit-audit request and answer: thresholds (every one optional, defaults in README),
the sample's size and seed, and the flags, scores and sample of ``planner.audit``."""

from __future__ import annotations

from datetime import date as Date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.documents.day import HHMM, Id, InputError, _Strict, field_errors, parse_day_problem
from api.documents.visits import visit_from_document
from planner import ProblemError, format_hhmm, parse_hhmm
from planner.audit import AuditReport, FlagCode, RepDay, Thresholds, audit


class ThresholdsIn(_Strict):
    """Audit tolerances and scores; each one left out keeps its default (README, 'Visit audit')."""

    far_tolerance_m: float | None = Field(None, ge=0, le=10_000, description="Default 150 m")
    far_strong_m: float | None = Field(None, ge=0, le=100_000, description="Default 1000 m")
    max_accuracy_m: float | None = Field(None, ge=0, le=10_000, description="Default 200 m")
    travel_slack: float | None = Field(None, gt=0, le=1, description="Default 0.5")
    max_speed_kmh: float | None = Field(None, gt=0, le=1000, description="Default 60 km/h")
    overlap_tolerance_min: float | None = Field(None, ge=0, le=240, description="Default 1")
    shift_start: HHMM | None = Field(None, description="Default 08:30 (when no plan says)")
    shift_end: HHMM | None = Field(None, description="Default 18:00 (when no plan says)")
    shift_tolerance_min: float | None = Field(None, ge=0, le=240, description="Default 10")
    window_tolerance_min: float | None = Field(None, ge=0, le=240, description="Default 15")
    copy_decimals: int | None = Field(None, ge=3, le=12, description="Default 6")
    copy_min_leads: int | None = Field(None, ge=2, le=1000, description="Default 2")
    repeat_durations: int | None = Field(None, ge=2, le=1000, description="Default 3")
    weights: dict[FlagCode, float] | None = Field(
        None, description="Points per flag (0-100); each one left out keeps its default"
    )
    record_threshold: float | None = Field(None, ge=0, le=100, description="Default 40")
    day_threshold: float | None = Field(None, ge=0, le=100, description="Default 60")


class SampleIn(_Strict):
    size: int = Field(10, ge=0, le=10_000, description="Records drawn for spot checks")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="The same seed draws the same sample")
    base_weight: float = Field(
        5.0, ge=0, le=100, description="Added to each score: clean records can be drawn too"
    )


class AuditRequestIn(_Strict):
    """Which records to audit (a day, optionally some reps or one branch) and how."""

    date: Date = Field(ge=Date(2000, 1, 1), le=Date(2099, 12, 31), description="YYYY-MM-DD")
    rep_ids: list[Id] | None = Field(
        None, max_length=20_000, description="Only these reps; default every rep of the day"
    )
    branch_id: Id | None = Field(
        None, description="Only the reps of this branch (its runs and records of the day)"
    )
    thresholds: ThresholdsIn | None = None
    sample: SampleIn | None = None


class FlagOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: FlagCode
    points: float
    message: str
    evidence: dict[str, float | int | str | None]


class RecordAuditOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    record_id: str
    rep_id: str
    date: Date
    score: float = Field(description="Sum of the flags' points, capped at 100")
    flagged: bool
    flags: list[FlagOut]


class DayAuditOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rep_id: str
    date: Date
    records: int
    score: float = Field(description="Sum of the records' scores, capped at 100")
    flagged: bool
    flag_counts: dict[str, int]
    flagged_records: list[str]


class AuditOut(BaseModel):
    """Every audited record with its flags, every rep-day, and the spot-check sample."""

    model_config = ConfigDict(extra="forbid")
    date: Date
    summary: dict[str, int]
    days: list[DayAuditOut]
    records: list[RecordAuditOut]
    sample: list[str] = Field(description="Record ids for spot checks, riskiest draws first")
    thresholds: dict[str, Any] = Field(description="Every threshold in force (defaults filled)")


def parse_audit_request(data: Any) -> AuditRequestIn:
    try:
        return AuditRequestIn.model_validate(data)
    except ValidationError as err:
        raise InputError(field_errors(err)) from None


def thresholds_domain(t: ThresholdsIn | None) -> Thresholds:
    """The planner's thresholds (InputError naming the field when they disagree)."""
    if t is None:
        return Thresholds()
    given = t.model_dump(exclude_none=True)
    for name in ("shift_start", "shift_end"):
        if name in given:
            given[f"{name}_min"] = parse_hhmm(given.pop(name), f"thresholds.{name}")
    try:
        return Thresholds(**given)
    except ProblemError as err:
        raise InputError([{"field": f"thresholds.{err.field}", "message": err.message}]) from None


def thresholds_document(th: Thresholds) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in Thresholds.__dataclass_fields__:
        value = getattr(th, name)
        if name in ("shift_start_min", "shift_end_min"):
            out[name.removesuffix("_min")] = format_hhmm(value)
        else:
            out[name] = dict(value) if name == "weights" else value
    return out


def rep_day_of(problem: dict[str, Any] | None, rep_id: str, day: Date) -> RepDay:
    """What a stored day problem says of the rep-day (nothing known without one)."""
    if problem is None:
        return RepDay(rep_id=rep_id, date=day)
    try:
        return RepDay.from_problem(parse_day_problem(problem))
    except InputError:
        return RepDay(rep_id=rep_id, date=day)


def audit_report(
    request: AuditRequestIn,
    records: list[dict[str, Any]],
    problems: dict[str, dict[str, Any] | None],
) -> AuditReport:
    """Audit stored record documents against each rep's stored day problem (by rep id)."""
    visits = [visit_from_document(r) for r in records]
    days = {(rep, request.date): rep_day_of(p, rep, request.date) for rep, p in problems.items()}
    sample = request.sample or SampleIn()
    return audit(
        visits,
        days,
        thresholds=thresholds_domain(request.thresholds),
        sample_size=sample.size,
        seed=sample.seed,
        sample_base_weight=sample.base_weight,
    )


def audit_document(request: AuditRequestIn, report: AuditReport) -> dict[str, Any]:
    """The answer of ``POST /v1/audits/visits`` and ``ironroute audit``."""
    return {
        "date": request.date.isoformat(),
        "summary": {
            "records": len(report.records),
            "flagged_records": sum(a.flagged for a in report.records),
            "rep_days": len(report.days),
            "flagged_rep_days": sum(d.flagged for d in report.days),
        },
        "days": [
            {
                "rep_id": d.rep_id,
                "date": d.date.isoformat(),
                "records": d.records,
                "score": d.score,
                "flagged": d.flagged,
                "flag_counts": dict(d.flag_counts),
                "flagged_records": list(d.flagged_records),
            }
            for d in report.days
        ],
        "records": [
            {
                "record_id": a.record_id,
                "rep_id": a.rep_id,
                "date": a.date.isoformat(),
                "score": a.score,
                "flagged": a.flagged,
                "flags": [
                    {
                        "code": f.code,
                        "points": f.points,
                        "message": f.message,
                        "evidence": dict(f.evidence),
                    }
                    for f in a.flags
                ],
            }
            for a in report.records
        ],
        "sample": list(report.sample),
        "thresholds": thresholds_document(report.thresholds),
    }
