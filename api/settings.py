"""Every setting of ironroute, read from ``IRONROUTE_*`` environment variables
(pydantic-settings): the server, batch runs, the CRM webhook and the travel-time provider.

Nothing is read at import: ``get_settings()`` builds them once, on first use, and
``create_app(settings)`` takes an explicit object so tests and embedders choose their own.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///ironroute.db"


def cpu_count() -> int:
    """The CPUs this process may run on (the solver pool's default size)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


class Settings(BaseSettings):
    """Everything an operator can set; each field is ``IRONROUTE_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="IRONROUTE_", extra="forbid", frozen=True)

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL; default a SQLite file 'ironroute.db' in the working folder "
        "(WAL mode). 'postgresql://user@host/db' uses PostgreSQL through psycopg 3.",
    )
    migrate_on_start: bool = Field(
        True, description="Run the storage migrations to head when the server starts"
    )
    max_body_bytes: int = Field(
        2_000_000,
        ge=1_000,
        description="Larger request bodies are refused with 413 (a gzip body: its inflated "
        "size); POST /v1/runs has its own limit, max_run_body_bytes",
    )
    max_run_body_bytes: int = Field(
        64_000_000,
        ge=1_000,
        description="The most a branch document posted to /v1/runs may hold (inflated, when "
        "sent with Content-Encoding: gzip); larger ones are refused with 413",
    )
    default_time_limit_s: float = Field(
        1.0, gt=0, le=600, description="Solver seconds when a problem sets no time_limit_s"
    )
    max_time_limit_s: float = Field(
        30.0, gt=0, le=600, description="A problem's time_limit_s is capped to this"
    )
    solver_workers: int = Field(
        default_factory=cpu_count, ge=1, le=256, description="Solver processes in the pool"
    )
    solver_nice: int = Field(
        10,
        ge=0,
        le=19,
        description="Niceness added to solver processes (and batch-run processes): a server "
        "whose every core is solving still answers HTTP at once; 0 keeps equal priority",
    )
    solver_grace_s: float = Field(
        30.0,
        gt=0,
        le=3600,
        description="A solve still running this many seconds past max_time_limit_s is killed "
        "with its process and answers 500 solver_timeout (a batch-run rep fails likewise)",
    )
    max_queued_solves: int = Field(
        64, ge=1, description="Solves waiting or running at once; beyond it POST answers 503"
    )
    key_cache_ttl_s: float = Field(
        5.0,
        ge=0,
        description="Seconds a checked API key is remembered (a revoked key stops "
        "working within this time); 0 checks the database on every request",
    )
    idempotency_ttl_s: float = Field(
        86_400.0, gt=0, description="How long an Idempotency-Key's answer is kept for replays"
    )

    # where travel times come from (plans, runs, balances, the API)
    travel_provider: Literal["builtin", "valhalla"] = Field(
        "builtin",
        description="'builtin': the time-of-day model of DESIGN.md; 'valhalla': road-network "
        "tiles built by `ironroute roads build` (IRONROUTE_VALHALLA_TILES). A plan the "
        "road network cannot time falls back to the built-in model and says so",
    )
    valhalla_tiles: str | None = Field(
        None, description="The tile folder (or .tar) of `ironroute roads build`"
    )

    # the browser console (``/console``): its base map
    console_tile_url: str = Field(
        "",
        description="Base-map tile URL template for /console, e.g. "
        "'https://tiles.example.com/{z}/{x}/{y}.png' ({s} subdomains allowed); empty: no "
        "base map, the routes are drawn on a plain background (no network needed)",
    )
    console_tile_crs: Literal["wgs84", "gcj02"] = Field(
        "wgs84",
        description="The coordinate system the tiles are drawn in: 'gcj02' for Chinese tile "
        "sources (Amap, Tencent), whose streets sit a few hundred metres off WGS-84; the "
        "console then shifts every route point to GCJ-02 so it lands on its street",
    )
    console_tile_attribution: str = Field(
        "", description="Attribution text the tile source asks to be shown on the map"
    )

    # batch runs (``ironroute run`` and ``POST /v1/runs``)
    run_scheduler: str | None = Field(
        None, description="Dask scheduler address (tcp://host:8786); default local processes"
    )
    run_workers: int | None = Field(
        None, ge=1, le=512, description="Local run processes; default the CPUs"
    )
    run_resume_on_start: bool = Field(
        True,
        description="Plan runs left unfinished on start, and take over runs whose server "
        "stopped renewing its lease",
    )
    run_lease_s: float = Field(
        60.0,
        ge=1,
        le=3600,
        description="A server planning a run holds its lease this long and renews it every "
        "third of it; when it stops renewing (killed, cut off) another server sharing the "
        "database takes the run over once the lease expires. Servers look for such runs "
        "every third of it too",
    )

    # the CRM webhook (off unless a URL is set)
    webhook_url: str | None = Field(None, description="POST finished plans and runs here")
    webhook_secret: SecretStr | None = Field(None, description="HMAC-SHA256 key of signatures")
    webhook_timeout_s: float = Field(10.0, gt=0, le=120, description="Per-attempt timeout")
    webhook_backoff_s: float = Field(
        5.0, gt=0, le=3600, description="Wait after the first failed attempt; doubles each time"
    )
    webhook_backoff_max_s: float = Field(3600.0, gt=0, description="Longest wait between tries")
    webhook_poll_s: float = Field(1.0, gt=0, le=60, description="How often due ones are sent")

    @model_validator(mode="after")
    def _tiles_for_valhalla(self) -> Self:
        if self.travel_provider == "valhalla" and not self.valhalla_tiles:
            raise ValueError(
                "travel_provider 'valhalla' needs valhalla_tiles (IRONROUTE_VALHALLA_TILES): "
                "the folder `ironroute roads build` wrote"
            )
        return self

    def webhook_target(self) -> tuple[str, str] | None:
        """``(url, secret)`` when the webhook is configured, else None.

        Raises
        ------
        ValueError
            If a URL is set without a secret (unsigned deliveries are never sent).
        """
        if not self.webhook_url:
            return None
        if self.webhook_secret is None or not self.webhook_secret.get_secret_value():
            raise ValueError("IRONROUTE_WEBHOOK_URL is set but IRONROUTE_WEBHOOK_SECRET is not")
        return self.webhook_url, self.webhook_secret.get_secret_value()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings from the environment, built once."""
    return Settings()
