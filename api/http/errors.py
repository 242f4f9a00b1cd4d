"""Errors of the HTTP API and the one place they become responses.

Every error answers ``{"code", "message", "details"}`` (``ErrorBody``), is declared with
that schema in the OpenAPI document (``error_responses``), and never carries a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.documents.day import json_path

log = logging.getLogger("ironroute.api")


class ErrorDetail(BaseModel):
    """One thing wrong with the request."""

    model_config = ConfigDict(extra="forbid")

    field: str | None = Field(
        description="JSON path of the offending value, e.g. 'leads[3].windows[0]' (body), "
        "'query.dry_run', 'header.idempotency-key'; null when no single field is at fault"
    )
    message: str


class ErrorBody(BaseModel):
    """The body of every error response."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="Stable machine-readable code, e.g. 'invalid_input'")
    message: str = Field(description="What went wrong, for a person")
    details: list[ErrorDetail] = Field(default_factory=list)


class ApiError(Exception):
    """Root of the errors the API answers on purpose (status, code, message, details)."""

    status = 500
    code = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        details: Sequence[Mapping[str, str | None]] | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = [dict(d) for d in details or ()]
        self.headers = headers
        if code is not None:
            self.code = code

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class Unauthorized(ApiError):
    """No API key, or one the server does not know (or that was revoked)."""

    status, code = 401, "unauthorized"

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(ApiError):
    """The key is valid but its role (or rep) may not do this."""

    status, code = 403, "forbidden"


class NotFound(ApiError):
    """Nothing is stored under that id."""

    status, code = 404, "not_found"


class Conflict(ApiError):
    """The request clashes with one still in progress (same Idempotency-Key)."""

    status, code = 409, "conflict"


class PayloadTooLarge(ApiError):
    """The request body is over the server's limit."""

    status, code = 413, "payload_too_large"


class InvalidInput(ApiError):
    """The request is well-formed JSON but breaks the contract; details name the fields."""

    status, code = 422, "invalid_input"


class SolverFailed(ApiError):
    """The solver crashed or failed; the server itself is fine."""

    status, code = 500, "solver_error"


class Unavailable(ApiError):
    """The server cannot take the request now (database down, solver queue full)."""

    status, code = 503, "unavailable"


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
}

_DESCRIPTIONS = {
    401: "Missing, unknown or revoked API key (send `Authorization: Bearer <key>`)",
    403: "The key's role may not do this (or a rep key asks for another rep's plans)",
    404: "Nothing is stored under that id",
    409: "A request with this Idempotency-Key is still being solved; retry later",
    413: "The request body is larger than the server accepts",
    415: "The body's Content-Encoding is neither gzip nor identity",
    422: "Invalid input; `details` names every offending field by its JSON path",
    500: "The solver crashed or failed, or an unexpected error (never a traceback)",
    503: "The database is unreachable or the solver queue is full; retry later",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` declaring each status with the ErrorBody schema (500 always)."""
    return {
        s: {"model": ErrorBody, "description": _DESCRIPTIONS[s]} for s in sorted({*statuses, 500})
    }


def error_response(
    status: int, code: str, message: str, details: list[Any] | None = None, **kw: Any
) -> JSONResponse:
    return JSONResponse(
        {"code": code, "message": message, "details": details or []}, status_code=status, **kw
    )


def _field(loc: tuple[int | str, ...]) -> str:
    if loc and loc[0] == "body":
        return json_path(tuple(loc[1:]))
    if loc and loc[0] in ("query", "path", "header", "cookie"):
        return ".".join(str(p) for p in loc)
    return json_path(tuple(loc))


def validation_details(errors: Any) -> list[dict[str, str | None]]:
    """pydantic/FastAPI validation errors as ``{"field", "message"}`` details."""
    out: list[dict[str, str | None]] = []
    for e in errors:
        message = str(e.get("msg", "invalid"))
        ctx_error = (e.get("ctx") or {}).get("error")
        if e.get("type") == "json_invalid" and ctx_error:
            message = f"{message}: {ctx_error}"
        out.append({"field": _field(tuple(e.get("loc", ()))), "message": message})
    return out


def install_error_handlers(app: FastAPI) -> None:
    """Route every exception to an ErrorBody response (unexpected ones to a bare 500)."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = validation_details(exc.errors())
        fields = ", ".join(sorted({str(d["field"]) for d in details}))
        return error_response(422, "invalid_input", f"invalid request: {fields}", details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI could not decode the body (not UTF-8 JSON)
            return error_response(
                422,
                "invalid_input",
                "the request body could not be read as UTF-8 JSON",
                [{"field": "(body)", "message": str(exc.detail)}],
            )
        code = _STATUS_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return error_response(exc.status_code, code, message, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "unexpected server error; it has been logged")
