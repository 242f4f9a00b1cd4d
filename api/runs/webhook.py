"""The CRM webhook: recorded deliveries POSTed with an HMAC-SHA256 signature, retried with
backoff until the CRM answers 2xx — at least once each, across restarts.

Deliveries are rows of ``webhook_deliveries``, written in the same transaction as the plan
they announce (``api.run_store``), so a crash can delay a delivery but never lose one. Each
POST carries::

    X-Ironroute-Event: plan.finished | run.finished
    X-Ironroute-Delivery: <delivery id>       (the same on every retry: de-duplicate on it)
    X-Ironroute-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>

The CRM recomputes the HMAC over the timestamp, a dot and the raw body with the shared
secret, compares in constant time, and may refuse old timestamps (replays).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update

from api.settings import Settings
from api.store.plans import PlanStore
from api.store.run_tables import webhook_deliveries

SIGNATURE_HEADER = "X-Ironroute-Signature"
DELIVERY_HEADER = "X-Ironroute-Delivery"
EVENT_HEADER = "X-Ironroute-Event"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value of ``body`` sent at ``timestamp`` (unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes) -> bool:
    """True when ``header`` is a valid signature of ``body`` (what a CRM does on receipt)."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        expected = sign(secret, int(parts["t"]), body)
    except (KeyError, ValueError):
        return False
    return hmac.compare_digest(expected, header)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Seconds to wait before attempt ``n + 1`` after ``n`` failed ones: base × factor^(n-1)."""

    base_s: float = 5.0
    factor: float = 2.0
    max_s: float = 3600.0

    @classmethod
    def of(cls, settings: Settings) -> Backoff:
        """The backoff the webhook settings ask for."""
        return cls(base_s=settings.webhook_backoff_s, max_s=settings.webhook_backoff_max_s)

    def delay(self, failed_attempts: int) -> timedelta:
        return timedelta(
            seconds=min(self.max_s, self.base_s * self.factor ** max(0, failed_attempts - 1))
        )


class WebhookSender:
    """Sends the due deliveries of the database; any number of processes may run one."""

    def __init__(
        self,
        plans: PlanStore,
        secret: str,
        client: httpx.Client,
        *,
        backoff: Backoff | None = None,
    ) -> None:
        self.plans = plans
        self.secret = secret
        self.client = client
        self.backoff = backoff or Backoff()

    def deliver_due(self, limit: int = 100) -> int:
        """POST every delivery whose next attempt is due (up to ``limit``); returns how many
        the CRM accepted."""
        now = self.plans.clock()
        query = (
            select(webhook_deliveries)
            .where(
                webhook_deliveries.c.state == "pending",
                webhook_deliveries.c.next_attempt_at <= now,
            )
            .order_by(webhook_deliveries.c.next_attempt_at, webhook_deliveries.c.created_at)
            .limit(limit)
        )
        with self.plans.engine.connect() as conn:
            due = conn.execute(query).all()
        return sum(self._attempt(row) for row in due)

    def pending(self) -> int:
        """Deliveries not yet accepted by the CRM."""
        query = select(func.count()).where(webhook_deliveries.c.state == "pending")
        with self.plans.engine.connect() as conn:
            return int(conn.execute(query.select_from(webhook_deliveries)).scalar_one())

    def run(self, stop: threading.Event, poll_s: float = 1.0) -> None:
        """Deliver until ``stop`` is set (a background thread of the server or the CLI)."""
        while not stop.is_set():
            # the database or the CRM may be briefly away: try again next round
            with contextlib.suppress(Exception):
                self.deliver_due()
            stop.wait(poll_s)

    def _attempt(self, row: Any) -> bool:
        body: bytes = row.body.encode()
        started = self.plans.clock()
        status: int | None = None
        error: str | None = None
        try:
            response = self.client.post(
                row.url,
                content=body,
                headers={
                    "Content-Type": "application/json",
                    EVENT_HEADER: row.event,
                    DELIVERY_HEADER: row.delivery_id,
                    SIGNATURE_HEADER: sign(self.secret, int(started.timestamp()), body),
                },
            )
            status = response.status_code
            if not 200 <= status < 300:
                error = f"HTTP {status}: {response.text[:200]}"
        except httpx.HTTPError as err:
            error = f"{type(err).__name__}: {err}"
        attempts = row.attempts + 1
        values: dict[str, object] = {"attempts": attempts, "last_status": status}
        if error is None:
            values.update(state="delivered", delivered_at=self.plans.clock(), last_error=None)
        else:
            values.update(last_error=error, next_attempt_at=started + self.backoff.delay(attempts))
        with self.plans.engine.begin() as conn:
            conn.execute(
                update(webhook_deliveries)
                .where(webhook_deliveries.c.delivery_id == row.delivery_id)
                .values(**values)
            )
        return error is None


def deliveries(plans: PlanStore, run_id: str) -> list[dict[str, object]]:
    """Every delivery of a run, oldest first (state, attempts, last status and error)."""
    query = (
        select(webhook_deliveries)
        .where(webhook_deliveries.c.run_id == run_id)
        .order_by(webhook_deliveries.c.created_at, webhook_deliveries.c.delivery_id)
    )
    with plans.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        {
            "delivery_id": r.delivery_id,
            "event": r.event,
            "plan_id": r.plan_id,
            "state": r.state,
            "attempts": r.attempts,
            "last_status": r.last_status,
            "last_error": r.last_error,
        }
        for r in rows
    ]
