"""The branch document of a batch run: pydantic models and the planner's ``Branch`` from them.

A branch is ``{"branch_id", "date", "timezone", "crs", "rules", "options", "buildings",
"reps": [{<rep fields of the day problem>, "leads": [...]}]}``. Errors in the branch's own
fields reject the whole document (:class:`~api.documents.day.InputError`, every field named);
errors inside one rep are that rep's failure in the run, so the other reps are planned.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date as Date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.documents.calendar import CalendarIn
from api.documents.day import (
    BuildingIn,
    Id,
    InputError,
    LatLonIn,
    LeadIn,
    OptionsIn,
    RepIn,
    RulesIn,
    _or,
    _Strict,
    buildings_domain,
    calendar_domain,
    field_errors,
    leads_domain,
    options_domain,
    rep_domain,
    rules_domain,
)
from geo import CRS
from planner import DEFAULT_TIMEZONE, MAX_LEADS, ProblemError, SkippedSweep
from planner.runs.batch import Branch, BranchRep, RepFailure, SweepRecord
from planner.runs.branch import DEFAULT_SWEEP_COOLDOWN_DAYS

MAX_REPS = 20_000


class BranchRepIn(RepIn):
    """A rep of the branch: the day problem's rep fields plus the rep's leads for the day."""

    name: str | None = Field(None, max_length=200, description="Display name")
    group: str | None = Field(
        None, max_length=128, description="The rep's team in the branch (the evening debrief)"
    )
    leads: list[LeadIn] = Field(max_length=MAX_LEADS, description="The rep's assigned leads")


class OfficeIn(_Strict):
    name: str | None = Field(None, max_length=200)
    location: LatLonIn


class SweepHistoryIn(_Strict):
    building_id: Id
    date: Date = Field(description="The day it was swept, YYYY-MM-DD")


class _RepKey(BaseModel):
    """What every rep needs for its failure to be recorded: an object with an id."""

    model_config = ConfigDict(extra="allow")
    id: Id


class BranchIn(_Strict):
    """A branch's day: shared settings and buildings, and every rep with its leads."""

    branch_id: Id
    date: Date = Field(
        ge=Date(2000, 1, 1), le=Date(2099, 12, 31), description="The working day, YYYY-MM-DD"
    )
    timezone: str | None = Field(None, description="IANA zone; default Asia/Shanghai")
    crs: Literal["wgs84", "gcj02", "bd09"] | None = Field(None, description="Default wgs84")
    rules: RulesIn | None = None
    options: OptionsIn | None = None
    calendar: CalendarIn | None = Field(
        None, description="Working days (public calendar, default CN, and the branch's overrides)"
    )
    office: OfficeIn | None = Field(None, description="Shown on maps; reps carry their start")
    buildings: list[BuildingIn] | None = None
    reps: list[_RepKey] = Field(min_length=1, max_length=MAX_REPS)
    sweep_cooldown_days: int | None = Field(
        None,
        ge=0,
        le=365,
        description="A building swept less than this many days before `date` (by the history "
        "below or in the store) is not swept again; default 14, 0 turns it off",
    )
    sweep_history: list[SweepHistoryIn] | None = Field(
        None, max_length=100_000, description="Earlier sweeps of the branch's buildings"
    )


def parse_branch(data: Any) -> Branch:
    """Validate a branch document; a rep with bad data becomes a rejected rep, not an error.

    Raises
    ------
    InputError
        If a branch-wide field is invalid (every error, named by its JSON path).
    """
    try:
        envelope = BranchIn.model_validate(data)
    except ValidationError as err:
        raise InputError(field_errors(err)) from None
    reps: list[BranchRep] = []
    rejected: list[RepFailure] = []
    for i, key in enumerate(envelope.reps):
        try:
            rep_in = BranchRepIn.model_validate(key.model_dump())
            reps.append(BranchRep(rep=rep_domain(rep_in), leads=leads_domain(rep_in.leads)))
        except ValidationError as err:
            errors = field_errors(err, ("reps", i))
            rejected.append(
                RepFailure(
                    rep_id=key.id,
                    code="invalid_input",
                    message="; ".join(f"{e['field']}: {e['message']}" for e in errors),
                    field=errors[0]["field"],
                )
            )
        except ProblemError as err:
            field = f"reps[{i}].{err.field.removeprefix('rep.')}"
            rejected.append(
                RepFailure(
                    rep_id=key.id,
                    code="invalid_input",
                    message=f"{field}: {err.message}",
                    field=field,
                )
            )
    try:
        return Branch(
            branch_id=envelope.branch_id,
            date=envelope.date,
            timezone=_or(envelope.timezone, DEFAULT_TIMEZONE),
            crs=CRS(_or(envelope.crs, CRS.WGS84)),
            rules=rules_domain(envelope.rules),
            options=options_domain(envelope.options),
            calendar=calendar_domain(envelope.date, envelope.calendar),
            buildings=buildings_domain(envelope.buildings),
            reps=tuple(reps),
            rejected=tuple(rejected),
            sweep_cooldown_days=_or(envelope.sweep_cooldown_days, DEFAULT_SWEEP_COOLDOWN_DAYS),
            sweep_history=tuple(
                SweepRecord(building_id=h.building_id, date=h.date)
                for h in envelope.sweep_history or ()
            ),
        )
    except ProblemError as err:
        raise InputError([{"field": err.field, "message": err.message}]) from None


def with_options(data: Any, **options: Any) -> Any:
    """The branch document with ``options`` entries set (None values leave them as they are)."""
    if not isinstance(data, dict):
        return data
    given = {k: v for k, v in options.items() if v is not None}
    if not given:
        return data
    return {**data, "options": {**(data.get("options") or {}), **given}}


_REP_FIELDS = ("id", "start", "end", "shift_start", "return_by", "mode", "lunch")
_SHARED_FIELDS = ("date", "timezone", "crs", "rules", "options", "calendar")


def problem_document(
    data: dict[str, Any],
    index: int,
    building_ids: set[str] | None = None,
    skipped_sweeps: Sequence[SkippedSweep] = (),
) -> dict[str, Any]:
    """The day-problem document of rep ``index`` of the branch document ``data``.

    ``building_ids`` keeps only those buildings (the ones the rep's problem carries);
    ``None`` keeps every building of the branch, as the branch format defines it.
    ``skipped_sweeps`` (the branch's sweep assignment for this rep) is written when given.
    """
    rep = data["reps"][index]
    doc: dict[str, Any] = {k: data[k] for k in _SHARED_FIELDS if k in data}
    doc["rep"] = {k: rep[k] for k in _REP_FIELDS if k in rep}
    doc["leads"] = rep.get("leads", [])
    doc["buildings"] = [
        b for b in data.get("buildings") or [] if building_ids is None or b["id"] in building_ids
    ]
    if skipped_sweeps:
        doc["skipped_sweeps"] = [
            {"building_id": s.building_id, "reason": s.reason} for s in skipped_sweeps
        ]
    return doc


def default_run_id(document: dict[str, Any]) -> str:
    """``<branch_id>-<date>-<8 hex of the document's digest>``: the same file, the same run."""
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:8]
    return f"{str(document.get('branch_id'))[:96]}-{document.get('date')}-{digest}"
