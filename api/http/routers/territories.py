"""``/v1/territories``: balance a branch's lead pool among its reps; results are stored."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from api.documents.balance import BalanceRequest, BalanceResponse
from api.http.deps import Balancer, ServicesDep, read
from api.http.errors import NotFound, error_responses
from api.http.solver_pool import balance_in_worker
from api.store.plans import dumps

router = APIRouter(prefix="/v1/territories", tags=["territories"])
DEFAULT_BALANCE_TIME_LIMIT_S = 10.0


class StoredBalance(BalanceResponse):
    """A balance result as stored, under its id."""

    balance_id: str = Field(description="Id to fetch the result again")


@router.post(
    "/balance",
    operation_id="balance_territories",
    summary="Split a lead pool among reps, and store the result",
    status_code=201,
    response_model=StoredBalance,
    responses={
        201: {
            "description": "Balanced and stored; `Location` is the result's URL",
            "headers": {"Location": {"schema": {"type": "string"}}},
        },
        **error_responses(401, 403, 413, 422, 503),
    },
)
async def balance_territories(
    balance_request: BalanceRequest, request: Request, principal: Balancer, svc: ServicesDep
) -> Response:
    """Fair workloads and value, compact territories, buildings kept whole, reclaimed leads
    to someone new. `options.time_limit_s` (default 10 s) is capped by the server's maximum;
    the balance runs in a solver process."""
    doc: dict[str, Any] = json.loads(await request.body())
    options = dict(doc.get("options") or {})
    asked = options.get("time_limit_s") or DEFAULT_BALANCE_TIME_LIMIT_S
    options["time_limit_s"] = min(float(asked), svc.settings.max_time_limit_s)
    result, _ = await svc.pool.run(
        balance_in_worker,
        {**doc, "options": options},
        svc.solve_settings.travel,
        what="a territory balance",
    )
    balance_id = await run_in_threadpool(
        svc.store.save_balance, doc, result, created_by=principal.key_id
    )
    svc.metrics.balances_stored.inc()
    return Response(
        dumps({**result, "balance_id": balance_id}),
        status_code=201,
        media_type="application/json",
        headers={"Location": f"/v1/territories/balances/{balance_id}"},
    )


@router.get(
    "/balances/{balance_id}",
    operation_id="get_balance",
    summary="A stored territory balance",
    response_model=StoredBalance,
    responses=error_responses(401, 403, 404, 422),
)
async def get_balance(
    balance_id: Annotated[str, Path(min_length=1, max_length=64)],
    principal: Balancer,
    svc: ServicesDep,
) -> Response:
    """The balance result exactly as it was answered."""
    found = await read(svc, svc.store.get_balance, balance_id)
    if found is None:
        raise NotFound(f"no territory balance with id {balance_id!r}")
    return Response(dumps(found), media_type="application/json")
