"""Visit records as JSON documents (HTTP body, JSON or CSV import) and the planner's
``VisitRecord`` from them. Every error names its field: ``check_out``, ``records[3].outcome``,
``line 5.check_in``.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date as Date
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, StringConstraints, ValidationError

from api.documents.day import Id, InputError, LatLonIn, _Strict, field_errors
from geo import CRS, to_wgs84
from planner import ProblemError
from planner.audit import Outcome, VisitRecord

MAX_RECORDS = 50_000


class VisitIn(_Strict):
    """One visit (or building sweep) as the rep's phone reported it."""

    record_id: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = Field(
        None,
        description="The record's id (the phone's or the CRM's). Posting the same id again "
        "answers the stored record; default: a new UUID",
    )
    rep_id: Id
    lead_id: Id | None = Field(None, description="The lead visited (a sweep may omit it)")
    date: Date = Field(
        ge=Date(2000, 1, 1), le=Date(2099, 12, 31), description="The working day, YYYY-MM-DD"
    )
    check_in: AwareDatetime = Field(description="ISO 8601 instant with offset")
    check_out: AwareDatetime = Field(description="ISO 8601 instant with offset, >= check_in")
    location: LatLonIn = Field(description="The GPS fix at check-in, in `crs`")
    accuracy_m: float = Field(ge=0, le=100_000, description="The fix's accuracy radius, metres")
    crs: Literal["wgs84", "gcj02", "bd09"] | None = Field(
        None, description="Coordinate system of `location`; default wgs84"
    )
    outcome: Outcome = Field(description="What happened; only met_decision_maker is effective")
    effective: bool = Field(False, description="The rep claims a decision maker was met")
    building_id: Id | None = None
    sweep: bool = Field(False, description="A cold-call sweep of `building_id`, not a visit")
    note: str | None = Field(None, max_length=2000)
    branch_id: Id | None = Field(None, description="The rep's branch (the evening debrief)")


class VisitOut(VisitIn):
    """A stored record: every field as posted, ``record_id`` and ``crs`` filled in."""

    record_id: str
    crs: Literal["wgs84", "gcj02", "bd09"]


class RepDayVisitsOut(_Strict):
    rep_id: str
    date: Date
    records: list[VisitOut] = Field(description="By check-in")


def record_document(model: VisitIn) -> dict[str, Any]:
    """The stored and answered document of a record: every field, defaults filled in."""
    doc = model.model_dump(mode="json")
    doc["record_id"] = model.record_id or str(uuid.uuid4())
    doc["crs"] = model.crs or "wgs84"
    return doc


def check_record(model: VisitIn, prefix: str = "") -> VisitRecord:
    """The planner's record (WGS-84), or InputError naming the field under ``prefix``."""
    at = model.location.domain()
    crs = CRS(model.crs or "wgs84")
    try:
        if model.check_in.date() != model.date:  # the local date in its own offset
            raise ProblemError("date", f"check_in is on {model.check_in.date()}, not {model.date}")
        return VisitRecord(
            record_id=model.record_id or "-",
            rep_id=model.rep_id,
            lead_id=model.lead_id,
            date=model.date,
            check_in=model.check_in,
            check_out=model.check_out,
            location=at if crs == CRS.WGS84 else to_wgs84(at, crs),
            accuracy_m=model.accuracy_m,
            outcome=model.outcome,
            effective=model.effective,
            building_id=model.building_id,
            sweep=model.sweep,
            note=model.note,
            branch_id=model.branch_id,
        )
    except ProblemError as err:
        raise InputError([{"field": prefix + err.field, "message": err.message}]) from None


def parse_visit(data: Any) -> dict[str, Any]:
    """Validate one record document; its stored document (InputError naming every field)."""
    try:
        model = VisitIn.model_validate(data)
    except ValidationError as err:
        raise InputError(field_errors(err)) from None
    check_record(model)
    return record_document(model)


def visit_from_document(doc: dict[str, Any]) -> VisitRecord:
    """The planner's record from a stored document."""
    model = VisitIn.model_validate(doc)
    return check_record(model)


def parse_visits(items: list[Any], where: list[str]) -> list[dict[str, Any]]:
    """Validate many records; ``where[i]`` prefixes row i's fields. All or nothing: every bad
    row is named in one InputError, and duplicate record ids are errors too."""
    errors: list[dict[str, str]] = []
    docs: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        prefix = where[i]
        try:
            model = VisitIn.model_validate(item)
        except ValidationError as err:
            for e in field_errors(err):
                errors.append({"field": f"{prefix}.{e['field']}", "message": e["message"]})
            continue
        try:
            check_record(model, prefix + ".")
        except InputError as err:
            errors += err.errors
            continue
        doc = record_document(model)
        if model.record_id is not None:
            if model.record_id in seen:
                errors.append(
                    {
                        "field": f"{prefix}.record_id",
                        "message": f"duplicate of {where[seen[model.record_id]]}",
                    }
                )
                continue
            seen[model.record_id] = i
        docs.append(doc)
    if errors:
        raise InputError(errors)
    return docs


_CSV_FLOATS = ("accuracy_m",)
_CSV_BOOLS = ("effective", "sweep")
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


def rows_from_csv(text: str) -> tuple[list[Any], list[str]]:
    """CSV rows as record documents (columns are the JSON fields, ``lat`` and ``lon`` for
    the location); the second list names each row ``line N``."""
    reader = csv.DictReader(io.StringIO(text))
    items: list[Any] = []
    where: list[str] = []
    for row in reader:
        doc: dict[str, Any] = {}
        for key, raw in row.items():
            if key is None:
                doc["(extra columns)"] = raw
                continue
            value = (raw or "").strip()
            if key in ("lat", "lon"):
                doc.setdefault("location", {})[key] = _number(value)
            elif key in _CSV_FLOATS:
                doc[key] = _number(value)
            elif key in _CSV_BOOLS:
                low = value.lower()
                doc[key] = True if low in _TRUE else False if low in _FALSE else value
            elif value != "":
                doc[key] = value
        items.append(doc)
        where.append(f"line {reader.line_num}")
    return items, where


def _number(value: str) -> Any:
    try:
        return float(value)
    except ValueError:
        return value
