"""``/v1/audits/visits`` and ``/v1/branches/{branch_id}/debrief/{date}``: the quality team's
audit of reported visits and the branch's evening debrief."""

from __future__ import annotations

from datetime import date as Date
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool

from api.documents.audit import AuditOut, AuditRequestIn, thresholds_domain
from api.documents.day import InputError
from api.documents.debrief import DebriefOut
from api.http.deps import Auditor, ServicesDep
from api.http.errors import InvalidInput, NotFound, error_responses
from api.store.reports import audit_of_day, branch_debrief

router = APIRouter(tags=["audits"])


@router.post(
    "/v1/audits/visits",
    operation_id="audit_visits",
    summary="Audit a day's visit records",
    response_model=AuditOut,
    responses=error_responses(401, 403, 413, 422, 503),
)
async def audit_visits(request: AuditRequestIn, principal: Auditor, svc: ServicesDep) -> AuditOut:
    """Risk flags with evidence for every record of the day (of `rep_ids`, or of the reps of
    `branch_id`, else of every rep), each checked against the rep's latest stored plan; a score
    per record and per rep-day; and a risk-weighted sample for spot checks, the same for the
    same seed. Nothing is stored."""
    try:
        thresholds_domain(request.thresholds)
    except InputError as err:
        raise InvalidInput(
            f"invalid thresholds: {err.errors[0]['field']}", details=err.errors
        ) from None
    doc = await run_in_threadpool(audit_of_day, svc.store, request)
    return AuditOut.model_validate(doc)


@router.get(
    "/v1/branches/{branch_id}/debrief/{date}",
    operation_id="get_branch_debrief",
    summary="A branch's evening debrief",
    response_model=DebriefOut,
    responses=error_responses(401, 403, 404, 422),
)
async def get_branch_debrief(
    branch_id: Annotated[str, Path(min_length=1, max_length=128)],
    date: Annotated[Date, Path(description="The day, YYYY-MM-DD")],
    principal: Auditor,
    svc: ServicesDep,
) -> DebriefOut:
    """Per group and rep: plan against reports, planned visits missed by reason (the outcome
    reported, or `not_recorded`), and the audit's flags. The branch's reps are those of its
    runs of that day and those whose records name the branch."""
    doc = await run_in_threadpool(branch_debrief, svc.store, branch_id, date)
    if doc is None:
        raise NotFound(f"no run or visit record of branch {branch_id!r} on {date.isoformat()}")
    return DebriefOut.model_validate(doc)
