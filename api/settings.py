"""Server settings, read from ``IRONROUTE_*`` environment variables (pydantic-settings).

Nothing is read at import: ``get_settings()`` builds them once, on first use, and
``create_app(settings)`` takes an explicit object so tests and embedders choose their own.
"""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import Field
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
        2_000_000, ge=1_000, description="Larger request bodies are refused with 413"
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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings from the environment, built once."""
    return Settings()
