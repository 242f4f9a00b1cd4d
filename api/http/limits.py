"""Request body limit and ``Content-Encoding: gzip``: bodies over the limit are refused with 413
before they are read whole — at once when Content-Length says so, else as soon as the stream
passes the limit. A gzip body is inflated here, chunk by chunk, and the limit applies to the
inflated size (so a gzip bomb is refused after at most the limit's bytes are inflated); a
body that is not valid gzip is 422 naming the fault, any other encoding 415."""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

GZIP_WBITS = 16 + zlib.MAX_WBITS  # a gzip header and trailer around the deflate stream
_DROPPED = {b"content-encoding", b"content-length"}  # no longer true of the inflated body


class BodyLimitMiddleware:
    """Parameters: ``max_bytes``, the limit of every request; ``route_limits``, other limits
    for some ``(method, path)`` pairs (e.g. the large branch documents of ``POST /v1/runs``)."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        route_limits: Mapping[tuple[str, str], int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.route_limits = dict(route_limits or {})

    @staticmethod
    def _too_large(limit: int) -> str:
        return f"request body over {limit} bytes, the most this server accepts here"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.route_limits.get((scope["method"], scope["path"]), self.max_bytes)
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _refuse(send, 413, "payload_too_large", self._too_large(limit))
            return
        encoding = headers.get(b"content-encoding", b"identity").strip().lower()
        if encoding in (b"gzip", b"x-gzip"):
            scope = {
                **scope,
                "headers": [(k, v) for k, v in scope["headers"] if k.lower() not in _DROPPED],
            }
            await self.app(scope, _Inflating(receive, limit, self._too_large(limit)), send)
            return
        if encoding not in (b"identity", b""):
            message = (
                f"Content-Encoding {encoding.decode('latin-1')!r} is not supported; "
                "send the body as is or gzip-compressed (Content-Encoding: gzip)"
            )
            await _refuse(send, 415, "unsupported_media_type", message)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # FastAPI re-raises HTTPExceptions from body reading; the error handlers
                    # turn it into the usual error body
                    raise HTTPException(413, self._too_large(limit))
            return message

        await self.app(scope, limited, send)


class _Inflating:
    """A ``receive`` that inflates a gzip body (one or more members) as it arrives."""

    def __init__(self, receive: Receive, limit: int, too_large: str) -> None:
        self.receive = receive
        self.limit = limit
        self.too_large = too_large
        self.inflater = zlib.decompressobj(wbits=GZIP_WBITS)
        self.wire = 0
        self.inflated = 0

    async def __call__(self) -> Message:
        message = await self.receive()
        if message["type"] != "http.request":
            return message
        data: bytes = message.get("body", b"")
        self.wire += len(data)
        if self.wire > self.limit:
            raise HTTPException(413, self.too_large)
        out = []
        try:
            while data:
                piece = self.inflater.decompress(data, self.limit - self.inflated + 1)
                self.inflated += len(piece)
                if self.inflated > self.limit:
                    raise HTTPException(413, self.too_large)
                out.append(piece)
                data = self.inflater.unconsumed_tail
                if self.inflater.eof and self.inflater.unused_data:  # another gzip member
                    data = self.inflater.unused_data
                    self.inflater = zlib.decompressobj(wbits=GZIP_WBITS)
        except zlib.error as err:
            raise HTTPException(422, f"the request body is not valid gzip: {err}") from None
        if not message.get("more_body", False) and not self.inflater.eof:
            raise HTTPException(
                422, "the request body is not valid gzip: the stream ends early (truncated)"
            )
        return {**message, "body": b"".join(out)}


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"code": code, "message": message, "details": []}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
