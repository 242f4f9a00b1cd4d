"""``/v1/reps/{rep_id}/plans/{date}``: the plan a rep's phone shows in the morning."""

from __future__ import annotations

from datetime import date as Date
from typing import Annotated

from fastapi import APIRouter, Path, Response

from api.documents.plan import DayPlanOut
from api.http.deps import PlanReader, ServicesDep, read
from api.http.errors import Forbidden, NotFound, error_responses

router = APIRouter(prefix="/v1/reps", tags=["reps"])


@router.get(
    "/{rep_id}/plans/{date}",
    operation_id="get_latest_rep_plan",
    summary="The latest plan of a rep for a day",
    response_model=DayPlanOut,
    responses=error_responses(401, 403, 404, 422),
)
async def get_latest_rep_plan(
    rep_id: Annotated[str, Path(min_length=1, max_length=128, description="The rep's CRM id")],
    date: Annotated[Date, Path(description="The day, YYYY-MM-DD")],
    principal: PlanReader,
    svc: ServicesDep,
) -> Response:
    """The newest plan stored for that rep and day (a re-plan replaces the earlier one)."""
    if not principal.may_read_rep(rep_id):
        raise Forbidden(f"this rep key reads only the plans of rep {principal.rep_id!r}")
    found = await read(svc, svc.store.latest_stored_plan, rep_id, date)
    if found is None:
        raise NotFound(f"no plan stored for rep {rep_id!r} on {date.isoformat()}")
    return Response(found.body, media_type="application/json")
