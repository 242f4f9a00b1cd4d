"""What one app instance runs on: settings, stores, the solver pool and its metrics.

Built by ``create_app``; routers reach it through the ``ServicesDep`` dependency.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.http.idempotency import IdempotencyStore
from api.http.metrics import Metrics
from api.http.solver_pool import SolverPool
from api.settings import Settings
from api.store.keys import CachedKeys
from api.store.plans import PlanStore
from api.travel import travel_source
from planner import SolveSettings


@dataclass(frozen=True, slots=True, kw_only=True)
class Services:
    settings: Settings
    store: PlanStore
    keys: CachedKeys
    idempotency: IdempotencyStore
    pool: SolverPool
    metrics: Metrics

    @property
    def solve_settings(self) -> SolveSettings:
        """The server's default and maximum time limits and travel source for the planner."""
        return SolveSettings(
            default_time_limit_s=self.settings.default_time_limit_s,
            max_time_limit_s=self.settings.max_time_limit_s,
            travel=travel_source(self.settings),
        )
