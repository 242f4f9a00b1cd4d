"""``/v1/plans``: solve and store a day plan; read it back as JSON, GeoJSON or iCalendar."""

from __future__ import annotations

import json
import time
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from api.documents.day import DayProblemIn, InputError, parse_day_problem, to_domain
from api.documents.ics import plan_calendar
from api.documents.plan import DayPlanOut, PlanVersionOut
from api.documents.replan import ChangesIn, changes_domain, plan_so_far
from api.http.deps import PlanReader, PlanWriter, ServicesDep, read
from api.http.errors import Conflict, Forbidden, InvalidInput, NotFound, error_responses
from api.http.idempotency import Claim, idempotent
from api.http.services import Services
from api.http.solver_pool import replan_in_worker
from api.store.keys import Principal
from api.store.plans import StoredPlan, dumps, sha256_json
from planner import DayProblem, ProblemError

router = APIRouter(prefix="/v1/plans", tags=["plans"])

JSON = "application/json"
PlanId = Annotated[str, Path(min_length=1, max_length=64, description="The plan's id")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Any unique string (a UUID): a retry with the same key and body gets the "
        "stored answer instead of a second solve; the same key with another body is 422, "
        "and while the first request is still solving a retry gets 409",
    ),
]


class GeoJSONResponse(JSONResponse):
    media_type = "application/geo+json"


class ICalendarResponse(Response):
    media_type = "text/calendar"


def _domain(problem: DayProblemIn) -> DayProblem:
    try:
        return to_domain(problem)
    except ProblemError as err:
        raise InvalidInput(
            f"invalid day problem: {err.field}",
            details=[{"field": err.field, "message": err.message}],
        ) from None


@router.post(
    "",
    operation_id="create_plan",
    summary="Solve a day problem and store the plan",
    status_code=201,
    response_model=DayPlanOut,
    responses={
        200: {"model": DayPlanOut, "description": "Dry run: solved, not stored (plan_id null)"},
        201: {
            "description": "Solved and stored; `Location` is the plan's URL",
            "headers": {"Location": {"schema": {"type": "string"}}},
        },
        **error_responses(401, 403, 409, 413, 422, 503),
    },
)
async def create_plan(
    problem: DayProblemIn,
    request: Request,
    principal: PlanWriter,
    svc: ServicesDep,
    idempotency_key: IdempotencyKey = None,
    dry_run: Annotated[
        bool, Query(description="Solve and answer 200 without storing the plan")
    ] = False,
) -> Response:
    """Plan one rep's day. The time limit is the problem's `options.time_limit_s` or the
    server's default, capped by the server's maximum; solving runs in a worker process."""
    doc: dict[str, Any] = json.loads(await request.body())
    day = _domain(problem)

    async def handle(claim: Claim) -> Response:
        return await _solve_and_store(svc, principal, doc, day, dry_run, claim)

    fp = ("POST /v1/plans", str(dry_run), sha256_json(doc))
    return await idempotent(svc.idempotency, principal.key_id, idempotency_key, fp, handle)


async def _solve_and_store(
    svc: Services,
    principal: Principal,
    doc: dict[str, Any],
    day: DayProblem,
    dry_run: bool,
    claim: Claim,
) -> Response:
    metrics = svc.metrics
    metrics.solves_in_flight.inc()
    try:
        plan, worker_s = await svc.pool.solve(
            day, svc.solve_settings, None if dry_run else str(uuid.uuid4())
        )
    except Exception as err:
        metrics.solve_failures.labels(getattr(err, "code", "internal_error")).inc()
        raise
    finally:
        metrics.solves_in_flight.dec()
    metrics.solve_seconds.observe(float(plan["solver"].get("seconds") or 0.0))
    body = dumps(plan)
    status = 200 if dry_run else 201

    def _store() -> None:
        with svc.store.engine.begin() as conn:
            if not dry_run:
                svc.store.insert_plan(conn, doc, plan, created_by=principal.key_id)
            claim.finish(conn, status, body)

    began = time.perf_counter()
    if claim.key is not None or not dry_run:
        await run_in_threadpool(_store)
    timing = f'solve;dur={worker_s * 1000:.1f};desc="solver process", '
    timing += f"store;dur={(time.perf_counter() - began) * 1000:.1f}"
    headers = {"Server-Timing": timing}
    if dry_run:
        return Response(body, status_code=200, media_type=JSON, headers=headers)
    metrics.plans_stored.inc()
    headers["Location"] = f"/v1/plans/{plan['plan_id']}"
    return Response(body, status_code=201, media_type=JSON, headers=headers)


def readable_plan(svc: Services, principal: Principal, plan_id: str) -> StoredPlan:
    """The stored plan, if it exists (404) and the caller may read it (403)."""
    found = svc.store.get_stored_plan(plan_id)
    if found is None:
        raise NotFound(f"no plan with id {plan_id!r}")
    if not principal.may_read_rep(found.rep_id):
        raise Forbidden(f"this rep key reads only the plans of rep {principal.rep_id!r}")
    return found


_READ_ERRORS = error_responses(401, 403, 404, 422)


@router.get(
    "/{plan_id}.geojson",
    operation_id="get_plan_geojson",
    summary="The plan's route as GeoJSON (WGS-84)",
    response_class=GeoJSONResponse,
    responses={
        200: {
            "description": "RFC 7946 FeatureCollection: the route as a LineString, a Point per "
            "stop and per unvisited lead, [lon, lat] in WGS-84",
            "content": {"application/geo+json": {"schema": {"type": "object"}}},
        },
        **_READ_ERRORS,
    },
)
async def get_plan_geojson(plan_id: PlanId, principal: PlanReader, svc: ServicesDep) -> Response:
    """Drop it on geojson.io or QGIS; every stop's properties say what happens there."""
    found = await read(svc, readable_plan, svc, principal, plan_id)
    doc = found.document()
    geometry = {**doc["geometry"], "properties": {"plan_id": plan_id, "rep_id": doc["rep_id"]}}
    return GeoJSONResponse(geometry)


@router.get(
    "/{plan_id}.ics",
    operation_id="get_plan_ics",
    summary="The plan's visits as an iCalendar file",
    response_class=ICalendarResponse,
    responses={
        200: {
            "description": "RFC 5545 calendar: one event per visit, sweep and break, in the "
            "problem's time zone",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        },
        **_READ_ERRORS,
    },
)
async def get_plan_ics(plan_id: PlanId, principal: PlanReader, svc: ServicesDep) -> Response:
    """Import it into a phone calendar: the day's stops with their places."""
    found = await read(svc, readable_plan, svc, principal, plan_id)
    problem = await read(svc, svc.store.get_problem, plan_id) or {}
    ics = plan_calendar(found.document(), problem, found.created_at)
    return ICalendarResponse(
        ics, headers={"Content-Disposition": f'attachment; filename="{plan_id}.ics"'}
    )


@router.get(
    "/{plan_id}",
    operation_id="get_plan",
    summary="A stored plan",
    response_model=DayPlanOut,
    responses=_READ_ERRORS,
)
async def get_plan(plan_id: PlanId, principal: PlanReader, svc: ServicesDep) -> Response:
    """The plan exactly as it was answered when it was created."""
    found = await read(svc, readable_plan, svc, principal, plan_id)
    return Response(found.body, media_type=JSON)


@router.post(
    "/{plan_id}/replan",
    operation_id="replan",
    summary="Re-plan the rest of the day after changes; store it as the plan's next version",
    status_code=201,
    response_model=DayPlanOut,
    responses={
        201: {
            "description": "The new version: `stops` is the rest of the day from the rep's "
            "position (a valid day plan of the rest-of-day problem), `done` the stops made, "
            "`replan` the diff (kept, moved, added, dropped, each with a reason)",
            "headers": {"Location": {"schema": {"type": "string"}}},
        },
        **error_responses(401, 403, 404, 409, 413, 422, 503),
    },
)
async def replan_plan(
    plan_id: PlanId,
    changes: ChangesIn,
    request: Request,
    principal: PlanWriter,
    svc: ServicesDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """From the rep's present instant and position: stops made stay as they happened (an
    overrun pushes them later), cancelled leads leave the day, new leads join it, removed
    windows close; the rest is re-solved from this plan, changing as little as value allows.
    Only the latest version of a day can be re-planned (else `409`); a bad change is `422`
    naming its field, and nothing is stored. A retry with the same `Idempotency-Key` gets
    the stored answer (even though the plan is no longer the latest version)."""
    found = await read(svc, readable_plan, svc, principal, plan_id)
    doc: dict[str, Any] = json.loads(await request.body())

    async def handle(claim: Claim) -> Response:
        return await _replan_and_store(svc, principal, found, changes, claim)

    fp = (f"POST /v1/plans/{plan_id}/replan", sha256_json(doc))
    return await idempotent(svc.idempotency, principal.key_id, idempotency_key, fp, handle)


async def _replan_and_store(
    svc: Services,
    principal: Principal,
    found: StoredPlan,
    changes: ChangesIn,
    claim: Claim,
) -> Response:
    plan_id = found.plan_id
    latest = await read(svc, svc.store.latest_stored_plan, found.rep_id, found.date)
    if latest is not None and latest.plan_id != plan_id:
        raise Conflict(
            f"plan {plan_id!r} has a newer version {latest.plan_id!r}: re-plan that one",
            details=[{"field": "plan_id", "message": f"latest is {latest.plan_id}"}],
        )
    problem_doc = await read(svc, svc.store.get_problem, plan_id) or {}
    try:
        problem = parse_day_problem(problem_doc)
        previous = plan_so_far(found.document())
        change = changes_domain(changes)
    except InputError as err:
        raise InvalidInput("cannot re-plan this plan", details=err.errors) from None
    except ProblemError as err:
        raise InvalidInput(
            f"invalid changes: {err.field}", details=[{"field": err.field, "message": err.message}]
        ) from None
    new_id = str(uuid.uuid4())
    out, worker_s = await svc.pool.run(
        replan_in_worker,
        problem,
        previous,
        change,
        svc.solve_settings,
        new_id,
        what=f"re-plan of {plan_id}",
    )
    plan, rest = out["plan"], out["problem"]
    body = dumps(plan)

    def _store() -> None:
        with svc.store.engine.begin() as conn:
            svc.store.insert_plan(conn, rest, plan, created_by=principal.key_id)
            claim.finish(conn, 201, body)

    began = time.perf_counter()
    try:
        await run_in_threadpool(_store)
    except IntegrityError:  # another re-plan of the same version landed first
        raise Conflict(
            f"plan {plan_id!r} was re-planned meanwhile: re-plan the new version"
        ) from None
    svc.metrics.plans_stored.inc()
    timing = f'solve;dur={worker_s * 1000:.1f};desc="solver process", '
    timing += f"store;dur={(time.perf_counter() - began) * 1000:.1f}"
    headers = {"Server-Timing": timing, "Location": f"/v1/plans/{new_id}"}
    return Response(body, status_code=201, media_type=JSON, headers=headers)


@router.get(
    "/{plan_id}/versions",
    operation_id="get_plan_versions",
    summary="Every version of the plan's day, oldest first",
    response_model=list[PlanVersionOut],
    responses=_READ_ERRORS,
)
async def get_plan_versions(plan_id: PlanId, principal: PlanReader, svc: ServicesDep) -> Response:
    """The chain of re-plans this plan belongs to; each version stays readable by its id."""
    await read(svc, readable_plan, svc, principal, plan_id)
    versions = await read(svc, svc.store.plan_versions, plan_id)
    return Response(dumps(versions), media_type=JSON)
