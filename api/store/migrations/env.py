"""Alembic environment: runs on the connection ``api.store.db.upgrade_to_head`` passes in, or,
from the ``alembic`` command line, on ``sqlalchemy.url`` / ``IRONROUTE_DATABASE_URL``."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection, text

import api.store.run_tables  # noqa: F401  (the run tables share the storage's MetaData)
import api.store.visit_tables  # noqa: F401  (so do the visit records)
from api.store.db import make_engine
from api.store.tables import metadata

# any constant: concurrent starts of several servers on one PostgreSQL migrate one at a time
_PG_MIGRATION_LOCK = 0x1A0_2026


def _run(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url") or os.environ.get(
        "IRONROUTE_DATABASE_URL", "sqlite:///ironroute.db"
    )
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run them online")
run_migrations_online()
