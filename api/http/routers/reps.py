"""``/v1/reps/{rep_id}/plans/{date}``: the plan a rep's phone shows in the morning."""

from __future__ import annotations

from datetime import date as Date
from typing import Annotated

from fastapi import APIRouter, Path, Response

from api.documents.ics import plan_calendar
from api.documents.plan import DayPlanOut
from api.http.deps import PlanReader, ServicesDep, read
from api.http.errors import Forbidden, NotFound, error_responses
from api.http.routers.plans import ICalendarResponse
from api.http.services import Services
from api.store.keys import Principal
from api.store.plans import StoredPlan

router = APIRouter(prefix="/v1/reps", tags=["reps"])


RepId = Annotated[str, Path(min_length=1, max_length=128, description="The rep's CRM id")]
Day = Annotated[Date, Path(description="The day, YYYY-MM-DD")]


@router.get(
    "/{rep_id}/plans/{date}.ics",
    operation_id="get_latest_rep_plan_ics",
    summary="The latest plan of a rep for a day as an iCalendar file (a calendar to follow)",
    response_class=ICalendarResponse,
    responses={
        200: {
            "description": "RFC 5545 calendar of the day's latest version: every visit, sweep "
            "and break, made and planned; each stop keeps its UID across versions",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        },
        **error_responses(401, 403, 404, 422),
    },
)
async def get_latest_rep_plan_ics(
    rep_id: RepId, date: Day, principal: PlanReader, svc: ServicesDep
) -> Response:
    """Subscribe a phone calendar to this URL: it follows every re-plan of the day."""
    found = await _latest(rep_id, date, principal, svc)
    problem = await read(svc, svc.store.get_problem, found.plan_id) or {}
    ics = plan_calendar(found.document(), problem, found.created_at)
    name = f"{rep_id}-{date.isoformat()}.ics"
    return ICalendarResponse(ics, headers={"Content-Disposition": f'attachment; filename="{name}"'})


async def _latest(rep_id: str, date: Date, principal: Principal, svc: Services) -> StoredPlan:
    if not principal.may_read_rep(rep_id):
        raise Forbidden(f"this rep key reads only the plans of rep {principal.rep_id!r}")
    found = await read(svc, svc.store.latest_stored_plan, rep_id, date)
    if found is None:
        raise NotFound(f"no plan stored for rep {rep_id!r} on {date.isoformat()}")
    return found


@router.get(
    "/{rep_id}/plans/{date}",
    operation_id="get_latest_rep_plan",
    summary="The latest plan of a rep for a day",
    response_model=DayPlanOut,
    responses=error_responses(401, 403, 404, 422),
)
async def get_latest_rep_plan(
    rep_id: RepId, date: Day, principal: PlanReader, svc: ServicesDep
) -> Response:
    """The newest plan stored for that rep and day (a re-plan replaces the earlier one)."""
    found = await _latest(rep_id, date, principal, svc)
    return Response(found.body, media_type="application/json")
