"""``/v1/branches/{branch_id}/days/{date}``: every rep's plan of a branch's day (the console)."""

from __future__ import annotations

from datetime import date as Date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field

from api.documents.balance import BalanceResponse
from api.documents.plan import DayPlanOut
from api.http.deps import ServicesDep, read, require
from api.http.errors import NotFound, error_responses
from api.store.branch_days import branch_day
from api.store.keys import Principal
from api.store.plans import dumps

router = APIRouter(prefix="/v1/branches", tags=["branches"])

BranchReader = Annotated[
    Principal, Depends(require("crm", "manager", action="read a branch's day"))
]


class BranchDayRun(BaseModel):
    """A batch run of the branch on that day (newest first)."""

    run_id: str = Field(description="Poll GET /v1/runs/{run_id} for its progress")
    state: str = Field(description="'running' or 'finished'")
    total: int = Field(description="Reps in the run")
    created_at: str = Field(description="ISO 8601 instant, UTC")
    finished_at: str | None


class BranchDayRep(BaseModel):
    """One rep of the branch and its newest plan of the day (null: not planned yet)."""

    rep_id: str
    plan: DayPlanOut | None


class BranchBalance(BalanceResponse):
    balance_id: str


class BranchDayOut(BaseModel):
    """A branch's day: its reps in the newest run's order, each with its newest plan."""

    branch_id: str
    date: str = Field(description="ISO YYYY-MM-DD")
    runs: list[BranchDayRun]
    reps: list[BranchDayRep]
    balance: BranchBalance | None = Field(
        description="The territory balance the reps were dealt from: the one named by "
        "`balance_id`, else the newest of the last 20 stored balances whose reps include "
        "every rep of the branch; null when there is none"
    )


@router.get(
    "/{branch_id}/days/{date}",
    operation_id="get_branch_day",
    summary="Every rep's plan of a branch's day, with its runs and territory balance",
    response_model=BranchDayOut,
    responses=error_responses(401, 403, 404, 422),
)
async def get_branch_day(
    branch_id: Annotated[str, Path(min_length=1, max_length=128, description="The branch")],
    date: Annotated[Date, Path(description="The day, YYYY-MM-DD")],
    principal: BranchReader,
    svc: ServicesDep,
    balance_id: Annotated[
        str | None,
        Query(min_length=1, max_length=64, description="The balance to show (default: found)"),
    ] = None,
) -> Response:
    """The branch's reps are those of its batch runs stored for that date; each plan is the
    rep's newest of the day (a later re-plan replaces the run's), exactly as stored."""
    found = await read(svc, branch_day, svc.store, branch_id, date, balance_id)
    if found is None:
        raise NotFound(f"no run of branch {branch_id!r} is stored for {date.isoformat()}")
    reps = ",".join(
        f'{{"rep_id":{dumps(rep_id)},"plan":{body or "null"}}}' for rep_id, body in found.reps
    )
    text = (
        f'{{"branch_id":{dumps(found.branch_id)},"date":"{found.date.isoformat()}",'
        f'"runs":{dumps(found.runs)},"reps":[{reps}],"balance":{found.balance or "null"}}}'
    )
    return Response(text, media_type="application/json")
