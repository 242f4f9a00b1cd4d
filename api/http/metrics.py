"""Prometheus metrics of one app: request counts and latencies by route, solve times,
plans and balances stored (``GET /metrics``, text exposition format)."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
SOLVE_BUCKETS = (0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 20, 30, 60, 120, 300, 600)


class Metrics:
    """The app's own registry (several apps in one process do not mix their numbers)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "ironroute_http_requests",
            "HTTP requests answered, by method, route template and status code",
            ["method", "route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "ironroute_http_request_duration_seconds",
            "Time from request received to response sent, by method and route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.solve_seconds = Histogram(
            "ironroute_solve_seconds",
            "Wall time of one day-plan solve in a worker process (queueing excluded)",
            buckets=SOLVE_BUCKETS,
            registry=r,
        )
        self.solve_failures = Counter(
            "ironroute_solve_failures", "Solves that failed, by error code", ["code"], registry=r
        )
        self.solves_in_flight = Gauge(
            "ironroute_solves_in_flight", "Solves waiting or running now", registry=r
        )
        self.plans_stored = Counter(
            "ironroute_plans_stored", "Plans stored by this server process", registry=r
        )
        self.balances_stored = Counter(
            "ironroute_balances_stored", "Territory balances stored by this process", registry=r
        )


class MetricsMiddleware:
    """Counts and times every HTTP request by its route template (bounded label values)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = [500]

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route: Any = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            self.metrics.requests.labels(method, template, str(status[0])).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - began)
