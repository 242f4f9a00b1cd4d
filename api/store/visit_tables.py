"""The storage schema of visit records (built by the migration ``0110_visits.py``).

Each record is kept as the JSON document that was answered; the columns beside it are what
the API looks records up by (the rep-day, the branch-day, the record id).
"""

from __future__ import annotations

from sqlalchemy import Column, Date, Index, String, Table, Text

from api.store.tables import Instant, Seq, metadata

visits = Table(
    "visits",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("record_id", String(128), nullable=False, unique=True),
    Column("rep_id", String(128), nullable=False),
    Column("visit_date", Date, nullable=False),
    Column("branch_id", String(128), nullable=True),
    Column("check_in", Instant, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_by", String(32), nullable=True),
    Column("created_at", Instant, nullable=False),
    Index("ix_visits_rep_day", "rep_id", "visit_date", "check_in"),
    Index("ix_visits_branch_day", "branch_id", "visit_date"),
)
