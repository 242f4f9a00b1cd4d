"""Idempotency keys: a retried POST gets the stored answer instead of a second solve.

A request with an ``Idempotency-Key`` header first *claims* the key (per API key) with the
request's fingerprint. A later request with the same key then gets the stored answer, a
``409`` while the first is still being solved, or a ``422`` when its body differs. A claim
whose request failed is released, so the retry solves again; one left pending by a server
that died is taken over once it is older than ``stale_after_s``. :func:`idempotent` is
that protocol for a route: claim, replay or handle, release on failure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from api.http.errors import Conflict, InvalidInput
from api.store.plans import Clock, as_utc, utc_now
from api.store.tables import idempotency


def fingerprint(*parts: str | bytes) -> str:
    """SHA-256 over the parts that make two requests 'the same' (method, path, body…)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class Replay:
    """The stored answer of an earlier request with the same key."""

    status_code: int
    body: str


class IdempotencyStore:
    """Claims, answers and releases of idempotency keys, scoped by API key id."""

    def __init__(
        self,
        engine: Engine,
        *,
        ttl_s: float,
        stale_after_s: float,
        clock: Clock = utc_now,
    ) -> None:
        self.engine = engine
        self.ttl = timedelta(seconds=ttl_s)
        self.stale_after = timedelta(seconds=stale_after_s)
        self.clock = clock

    def claim(self, principal: str, key: str, request_fingerprint: str) -> Replay | None:
        """Claim ``key`` for this request: None means 'go ahead, then finish or release'.

        Raises ``Conflict`` (409) while another request holds the key and ``InvalidInput``
        (422) when the key was used for a different request.
        """
        for _ in range(3):  # a row can vanish (released) between the insert and the read
            now = self.clock()
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        insert(idempotency).values(
                            principal=principal,
                            key=key,
                            fingerprint=request_fingerprint,
                            state="pending",
                            created_at=now,
                        )
                    )
                return None
            except IntegrityError:
                pass
            with self.engine.begin() as conn:
                row = conn.execute(
                    select(idempotency).where(
                        idempotency.c.principal == principal, idempotency.c.key == key
                    )
                ).one_or_none()
                if row is None:
                    continue
                age = now - as_utc(row.created_at)
                expired = age > (self.ttl if row.state == "done" else self.stale_after)
                if expired:
                    if self._take_over(conn, row.created_at, principal, key, request_fingerprint):
                        return None
                    continue
                if row.fingerprint != request_fingerprint:
                    raise InvalidInput(
                        "this Idempotency-Key was already used for a different request",
                        code="idempotency_key_reused",
                        details=[
                            {"field": "header.idempotency-key", "message": "used with another body"}
                        ],
                    )
                if row.state == "pending":
                    raise Conflict(
                        "the first request with this Idempotency-Key is still being solved; "
                        "retry in a moment to get its answer",
                        code="idempotency_in_progress",
                        headers={"Retry-After": "1"},
                    )
                return Replay(int(row.status_code), str(row.response))
        raise Conflict("the Idempotency-Key is contended; retry", code="idempotency_in_progress")

    def _take_over(
        self, conn: Connection, seen_at: object, principal: str, key: str, fp: str
    ) -> bool:
        result = conn.execute(
            update(idempotency)
            .where(
                idempotency.c.principal == principal,
                idempotency.c.key == key,
                idempotency.c.created_at == seen_at,
            )
            .values(
                fingerprint=fp,
                state="pending",
                status_code=None,
                response=None,
                created_at=self.clock(),
            )
        )
        return result.rowcount == 1

    def finish(
        self, conn: Connection, principal: str, key: str, status_code: int, body: str
    ) -> None:
        """Record the answer inside the caller's transaction (with the plan it stores)."""
        conn.execute(
            update(idempotency)
            .where(idempotency.c.principal == principal, idempotency.c.key == key)
            .values(state="done", status_code=status_code, response=body)
        )

    def release(self, principal: str, key: str) -> None:
        """Give a pending claim up (its request failed): the next retry solves again."""
        with self.engine.begin() as conn:
            conn.execute(
                delete(idempotency).where(
                    idempotency.c.principal == principal,
                    idempotency.c.key == key,
                    idempotency.c.state == "pending",
                )
            )


@dataclass(frozen=True, slots=True)
class Claim:
    """The key a request holds (``key`` None: the request sent none). The handler records its
    answer with :meth:`finish` inside the transaction that stores what it made."""

    store: IdempotencyStore
    principal: str
    key: str | None

    def finish(self, conn: Connection, status_code: int, body: str) -> None:
        """Store the answer for retries (nothing without a key)."""
        if self.key is not None:
            self.store.finish(conn, self.principal, self.key, status_code, body)


async def idempotent(
    store: IdempotencyStore,
    principal: str,
    key: str | None,
    request: tuple[str | bytes, ...],
    handle: Callable[[Claim], Awaitable[Response]],
) -> Response:
    """Answer a POST once per ``Idempotency-Key``: with no key, ``handle`` it; else claim the
    key for the request's ``fingerprint(*request)`` — a stored answer is replayed as it was
    (``Idempotent-Replayed: true``), another body is 422, a claim still pending 409 — and
    ``handle`` it, releasing the key if it raises (the retry then runs again)."""
    if key is None:
        return await handle(Claim(store, principal, None))
    replay = await run_in_threadpool(store.claim, principal, key, fingerprint(*request))
    if replay is not None:
        return Response(
            replay.body,
            status_code=replay.status_code,
            media_type="application/json",
            headers={"Idempotent-Replayed": "true"},
        )
    try:
        return await handle(Claim(store, principal, key))
    except BaseException:
        await run_in_threadpool(store.release, principal, key)
        raise
