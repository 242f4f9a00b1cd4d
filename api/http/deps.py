"""FastAPI dependencies: the app's services and who is calling (API key → role)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.http.errors import Forbidden, Unauthorized
from api.http.services import Services
from api.store.keys import Principal

T = TypeVar("T")
_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    bearerFormat="irk_…",
    description="An API key from `ironroute keys create --role crm|manager|rep`",
)


def services(request: Request) -> Services:
    """The services of the app serving this request."""
    svc: Services = request.app.state.services
    return svc


async def _services(request: Request) -> Services:
    return services(request)  # async: a plain def dependency would run in the thread pool


ServicesDep = Annotated[Services, Depends(_services)]


async def authenticate(
    request: Request, credentials: HTTPAuthorizationCredentials | None
) -> Principal:
    """The caller's principal from ``Authorization: Bearer <key>``, or 401."""
    if credentials is None:
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    keys = services(request).keys
    key = credentials.credentials
    principal = keys.cached(key) or await run_in_threadpool(keys.authenticate, key)
    if principal is None:
        raise Unauthorized("unknown or revoked API key")
    return principal


def require(*roles: str, action: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency that authenticates the caller and lets only ``roles`` through (401, 403).

    One dependency (beside the bearer scheme) per route: FastAPI's per-dependency cost is a
    visible share of a GET's time.
    """

    async def _check(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        principal = await authenticate(request, credentials)
        if principal.role not in roles:
            raise Forbidden(
                f"a {principal.role} key may not {action} (allowed: {', '.join(roles)})"
            )
        return principal

    return _check


async def read[T](svc: Services, fn: Callable[..., T], *args: Any) -> T:
    """Run a database read: inline for SQLite (a WAL read of one indexed row takes well
    under a millisecond and never waits for a writer), in the thread pool otherwise."""
    if svc.store.inline_reads:
        return fn(*args)
    return await run_in_threadpool(fn, *args)


PlanWriter = Annotated[Principal, Depends(require("crm", action="create plans"))]
PlanReader = Annotated[Principal, Depends(require("crm", "manager", "rep", action="read plans"))]
Balancer = Annotated[Principal, Depends(require("crm", "manager", action="balance territories"))]
VisitWriter = Annotated[
    Principal, Depends(require("crm", "manager", "rep", action="report visits"))
]
Auditor = Annotated[
    Principal, Depends(require("crm", "manager", action="audit visits and read debriefs"))
]
