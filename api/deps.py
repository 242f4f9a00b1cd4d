"""FastAPI dependencies: the app's services and who is calling (API key → role)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import Forbidden, Unauthorized
from api.keys import Principal
from api.services import Services

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


ServicesDep = Annotated[Services, Depends(services)]


def authenticate(
    svc: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller's principal from ``Authorization: Bearer <key>``, or 401."""
    if credentials is None:
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    principal = svc.keys.authenticate(credentials.credentials)
    if principal is None:
        raise Unauthorized("unknown or revoked API key")
    return principal


def require(*roles: str, action: str) -> Callable[[Principal], Principal]:
    """A dependency that lets only ``roles`` through (403 for the others)."""

    def _check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if principal.role not in roles:
            raise Forbidden(
                f"a {principal.role} key may not {action} (allowed: {', '.join(roles)})"
            )
        return principal

    return _check


PlanWriter = Annotated[Principal, Depends(require("crm", action="create plans"))]
PlanReader = Annotated[Principal, Depends(require("crm", "manager", "rep", action="read plans"))]
Balancer = Annotated[Principal, Depends(require("crm", "manager", action="balance territories"))]
