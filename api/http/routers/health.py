"""Probes and metrics: ``/healthz`` (process up), ``/readyz`` (database reachable),
``/metrics`` (Prometheus). None of them needs an API key."""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from api.http.deps import ServicesDep
from api.http.errors import Unavailable, error_responses

router = APIRouter(tags=["operations"])
log = logging.getLogger("ironroute.api")


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Ready(BaseModel):
    status: Literal["ready"] = "ready"
    database: str


@router.get("/healthz", operation_id="health", response_model=Health, responses=error_responses())
async def health() -> Health:
    """200 while the process answers at all."""
    return Health()


@router.get("/readyz", operation_id="ready", response_model=Ready, responses=error_responses(503))
async def ready(svc: ServicesDep) -> Ready:
    """200 when the database answers a query, else 503."""
    try:
        await run_in_threadpool(svc.store.ping)
    except SQLAlchemyError as err:
        log.warning("readiness: database unreachable: %s", err)
        raise Unavailable("the database is unreachable", code="database_unavailable") from None
    return Ready(database=svc.store.engine.dialect.name)


@router.get(
    "/metrics",
    operation_id="metrics",
    responses={
        200: {
            "description": "Prometheus text exposition format",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        },
        **error_responses(),
    },
)
async def metrics(svc: ServicesDep) -> Response:
    """Request counts and latencies by route, solve times, plans stored."""
    return Response(generate_latest(svc.metrics.registry), media_type=CONTENT_TYPE_LATEST)
