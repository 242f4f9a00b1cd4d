"""The storage schema of batch runs: runs, one row per rep of a run, webhook deliveries,
the buildings swept by each run plan (the sweep cooldown's history).

Defined on the storage's one ``MetaData`` (``api.store.tables``); built by the migration
``api/migrations/versions/0101_runs.py`` (and ``0201_sweeps.py``, ``0301_run_leases.py``).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from api.store.tables import Instant, metadata

runs = Table(
    "runs",
    metadata,
    Column("run_id", String(128), primary_key=True),
    Column("branch_id", String(128), nullable=False),
    Column("run_date", Date, nullable=False),
    Column("branch_sha256", String(64), nullable=False),
    Column("branch", Text, nullable=False),  # the branch document, so any process can resume
    Column("total", Integer, nullable=False),
    Column("state", String(16), nullable=False),  # "running" | "finished"
    Column("created_by", String(32), nullable=True),
    Column("created_at", Instant, nullable=False),
    Column("updated_at", Instant, nullable=False),
    Column("finished_at", Instant, nullable=True),
    # the server planning the run and until when its claim holds (api.store.leases)
    Column("lease_owner", String(128), nullable=True),
    Column("lease_expires_at", Instant, nullable=True),
)

run_items = Table(
    "run_items",
    metadata,
    Column("run_id", String(128), ForeignKey("runs.run_id"), primary_key=True),
    Column("rep_id", String(128), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("state", String(16), nullable=False),  # "pending" | "planned" | "failed"
    Column("plan_id", String(64), nullable=True),
    Column("error_code", String(32), nullable=True),
    Column("error_field", String(300), nullable=True),
    Column("error_message", Text, nullable=True),
    Column("updated_at", Instant, nullable=False),
    Index("ix_run_items_run_id_state", "run_id", "state"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("delivery_id", String(64), primary_key=True),
    Column("event", String(32), nullable=False),  # "plan.finished" | "run.finished"
    Column("run_id", String(128), nullable=False),
    Column("plan_id", String(64), nullable=True),
    Column("url", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("state", String(16), nullable=False),  # "pending" | "delivered"
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Instant, nullable=False),
    Column("last_status", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", Instant, nullable=False),
    Column("delivered_at", Instant, nullable=True),
    Index("ix_webhook_deliveries_state_next_attempt_at", "state", "next_attempt_at"),
)

sweeps = Table(
    "sweeps",
    metadata,
    Column("plan_id", String(64), primary_key=True),
    Column("building_id", String(128), primary_key=True),
    Column("branch_id", String(128), nullable=False),
    Column("sweep_date", Date, nullable=False),
    Column("rep_id", String(128), nullable=False),
    Index("ix_sweeps_branch_id_sweep_date", "branch_id", "sweep_date"),
)
"""Every building swept by a stored plan of a batch run: the branch's sweep history."""
