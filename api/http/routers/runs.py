"""``/v1/runs``: plan a whole branch in the background; read the run's progress.

Every finished plan is stored the moment it is ready and is readable at
``/v1/plans/{plan_id}`` at once; ``GET /v1/runs/{run_id}`` lists the plan ids so far.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.documents.branch import BranchIn, parse_branch
from api.documents.day import InputError
from api.http.deps import ServicesDep, require
from api.http.errors import Conflict, InvalidInput, NotFound, error_responses
from api.runs.service import RunService
from api.store.keys import Principal
from api.store.runs import run_status
from planner.runs.batch import RunConflictError


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The app's run service: started after the storage is migrated, stopped before it closes."""
    service = RunService(app.state.services.store, app.state.services.settings)
    app.state.runs = service
    await run_in_threadpool(service.start)
    try:
        yield
    finally:
        await run_in_threadpool(service.shutdown)


router = APIRouter(prefix="/v1/runs", tags=["runs"], lifespan=lifespan)

RunStarter = Annotated[Principal, Depends(require("crm", "manager", action="start runs"))]
RunReader = Annotated[Principal, Depends(require("crm", "manager", action="read runs"))]
RunId = Annotated[str, Path(min_length=1, max_length=128, description="The run's id")]


class RunAccepted(BaseModel):
    """A run was accepted: its reps are planned in the background."""

    run_id: str = Field(description="Poll GET /v1/runs/{run_id} for progress")
    branch_id: str
    date: str = Field(description="The working day, ISO YYYY-MM-DD")
    total: int = Field(description="Reps in the run")
    rejected: int = Field(description="Reps whose data is invalid (failed at once, see GET)")


class RunPlan(BaseModel):
    rep_id: str
    plan_id: str = Field(description="Readable at GET /v1/plans/{plan_id}")


class RunFailure(BaseModel):
    rep_id: str
    code: Literal["invalid_input", "solver_error", "worker_lost"]
    field: str | None = Field(description="JSON path in the branch document of bad input")
    message: str


class RunStatus(BaseModel):
    """A run's progress: how many reps are planned, failed or pending, and why they failed."""

    run_id: str
    branch_id: str
    date: str
    state: Literal["running", "finished"] = Field(
        description="finished: every rep was handled (planned or failed) in the last pass"
    )
    total: int
    planned: int
    failed: int
    pending: int
    created_at: str = Field(description="ISO 8601 instant, UTC")
    updated_at: str
    finished_at: str | None
    plans: list[RunPlan] = Field(description="Every plan of the run so far, in branch order")
    failures: list[RunFailure] = Field(description="Every failed rep, in branch order")


@router.post(
    "",
    operation_id="create_run",
    summary="Plan every rep of a branch in the background",
    status_code=202,
    response_model=RunAccepted,
    responses={
        202: {
            "description": "Accepted; `Location` is the run's status URL",
            "headers": {"Location": {"schema": {"type": "string"}}},
        },
        **error_responses(401, 403, 409, 413, 415, 422),
    },
)
async def create_run(
    branch: BranchIn,
    request: Request,
    response: Response,
    principal: RunStarter,
    svc: ServicesDep,
    run_id: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=128,
            pattern=r"^[A-Za-z0-9._:-]+$",
            description="Name the run; default `<branch_id>-<date>-<8 hex of the document's "
            "SHA-256>`, so posting the same document again is the same run (safe to retry)",
        ),
    ] = None,
) -> RunAccepted:
    """Accept a branch document (`branch_id`, `date`, shared `rules`, `options` and
    `buildings`, and `reps`, each with the day problem's rep fields and its `leads`).

    Branch-wide errors answer 422 naming the field; a rep whose own data is invalid does not
    stop the run: it is reported as that rep's failure in `GET /v1/runs/{run_id}`.
    Posting a document again resumes its run (reps already planned are kept, failed ones are
    tried again); a `run_id` already used for another document is 409.

    Large branches may be sent gzip-compressed (`Content-Encoding: gzip`); the body limit
    (`IRONROUTE_MAX_RUN_BODY_BYTES`, 64 MB) applies to the inflated document.
    """
    document: dict[str, Any] = await request.json()
    try:  # a 1,000-rep branch takes a while: not on the event loop
        parsed = await run_in_threadpool(parse_branch, document)
    except InputError as err:
        raise InvalidInput("invalid branch", details=err.errors) from None
    service: RunService = request.app.state.runs
    try:
        run_id = await run_in_threadpool(service.submit, document, parsed, principal.key_id, run_id)
    except RunConflictError as err:
        raise Conflict(str(err)) from None
    response.headers["Location"] = f"/v1/runs/{run_id}"
    return RunAccepted(
        run_id=run_id,
        branch_id=parsed.branch_id,
        date=parsed.date.isoformat(),
        total=len(parsed.rep_ids),
        rejected=len(parsed.rejected),
    )


@router.get(
    "/{run_id}",
    operation_id="get_run",
    summary="A run's progress: planned, failed and pending reps",
    response_model=RunStatus,
    responses=error_responses(401, 403, 404, 422),
)
async def get_run(run_id: RunId, principal: RunReader, svc: ServicesDep) -> RunStatus:
    found = await run_in_threadpool(run_status, svc.store, run_id)
    if found is None:
        raise NotFound(f"no run {run_id!r}")
    return RunStatus.model_validate(found)
