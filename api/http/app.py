"""The HTTP API the CRM calls: ``create_app(settings)`` builds it (``ironroute serve`` runs it).

Versioned under ``/v1``; OpenAPI at ``/openapi.json``, docs at ``/docs`` (served offline).
Storage is migrated and the solver processes started when the app starts (its lifespan).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from api.http.docs import install_docs
from api.http.errors import install_error_handlers
from api.http.idempotency import IdempotencyStore
from api.http.limits import BodyLimitMiddleware
from api.http.metrics import Metrics, MetricsMiddleware
from api.http.routers import (
    audits,
    branches,
    health,
    me,
    plans,
    reps,
    runs,
    territories,
    visits,
)
from api.http.routers.console import mount_console
from api.http.services import Services
from api.http.solver_pool import SolverPool, SolveTarget, solve_in_worker
from api.settings import Settings, get_settings
from api.store.keys import CachedKeys, KeyStore
from api.store.plans import Clock, PlanStore, utc_now

DESCRIPTION = """\
Route planning for field sales reps: post a day problem, get a feasible day plan.

**Authentication.** Every `/v1` call sends `Authorization: Bearer <key>`; keys are made with
`ironroute keys create --role crm|manager|rep [--rep-id …]`. `crm` may do everything,
`manager` may balance territories and read every plan, `rep` reads only its own plans.

**Errors.** Every error answers `{"code", "message", "details"}`; `details` lists
`{"field", "message"}` with the JSON path of each offending field (`leads[3].windows[0]`).

**Units.** Times in problems are local `HH:MM`; every instant in a plan is ISO 8601 with an
offset; durations are minutes, distances road kilometres; points are `{"lat", "lon"}` in the
problem's `crs`, while GeoJSON is `[lon, lat]` in WGS-84.
"""


_KNOWN_QUERY: dict[int, frozenset[str]] = {}


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def reject_unknown_query(request: Request) -> None:
    """A query parameter the operation does not declare is an error (422), never ignored."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    known = _KNOWN_QUERY.get(id(route))
    if known is None:
        known = _KNOWN_QUERY[id(route)] = frozenset(_query_names(route.dependant))
    unknown = sorted({k for k in request.query_params if k not in known})
    if unknown:
        raise RequestValidationError(
            [
                {"loc": ("query", k), "msg": "unknown query parameter", "type": "extra_forbidden"}
                for k in unknown
            ]
        )


def create_app(
    settings: Settings | None = None,
    *,
    solve_target: SolveTarget = solve_in_worker,
    clock: Clock = utc_now,
) -> FastAPI:
    """The ironroute API on ``settings`` (default: from ``IRONROUTE_*`` variables).

    ``solve_target`` is the function the solver processes run (a module-level function);
    ``clock`` stamps stored rows.
    """
    settings = settings or get_settings()
    store = PlanStore.from_url(settings.database_url, clock=clock)
    services = Services(
        settings=settings,
        store=store,
        keys=CachedKeys(KeyStore(store.engine, clock=clock), ttl_s=settings.key_cache_ttl_s),
        idempotency=IdempotencyStore(
            store.engine,
            ttl_s=settings.idempotency_ttl_s,
            stale_after_s=settings.max_time_limit_s + 120,
            clock=clock,
        ),
        pool=SolverPool(
            settings.solver_workers,
            max_in_flight=settings.max_queued_solves,
            target=solve_target,
            nice=settings.solver_nice,
            deadline_s=settings.max_time_limit_s + settings.solver_grace_s,
        ),
        metrics=Metrics(),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await run_in_threadpool(store.migrate)
        await run_in_threadpool(services.pool.start)
        try:
            yield
        finally:
            await run_in_threadpool(services.pool.shutdown)
            store.dispose()

    app = FastAPI(
        title="ironroute",
        version="1",
        summary="Day routes and territories for B2B field sales teams",
        description=DESCRIPTION,
        lifespan=lifespan,
        dependencies=[Depends(reject_unknown_query)],
        docs_url=None,  # install_docs serves Swagger UI from the package, not a CDN
        redoc_url=None,  # ReDoc exists only on a CDN
    )
    app.state.services = services
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    install_error_handlers(app)
    install_docs(app)
    app.include_router(plans.router)
    app.include_router(reps.router)
    app.include_router(territories.router)
    app.include_router(visits.router)
    app.include_router(audits.router)
    app.include_router(runs.router)  # batch runs; its lifespan runs them in the background
    app.include_router(branches.router)
    app.include_router(me.router)
    app.include_router(health.router)
    mount_console(app)  # /console: the manager's and the rep's pages
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        route_limits={("POST", "/v1/runs"): settings.max_run_body_bytes},
    )
    app.add_middleware(MetricsMiddleware, metrics=services.metrics)
    return app


ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorBody"}


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, with every error declared as JSON ``ErrorBody`` — also on the
    routes whose success is GeoJSON, iCalendar or Prometheus text."""
    if app.openapi_schema is None:
        doc = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            description=app.description,
            routes=app.routes,
        )
        for operations in doc["paths"].values():
            for op in operations.values():
                for status, response in op["responses"].items():
                    if int(status) >= 400:
                        response["content"] = {"application/json": {"schema": ERROR_SCHEMA}}
        app.openapi_schema = doc
    return app.openapi_schema
