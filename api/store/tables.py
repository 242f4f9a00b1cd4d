"""The storage schema as SQLAlchemy Core tables (the migrations in api/store/migrations build it).

Documents (problems, plans, balance requests and results) are kept as the JSON text that
was answered, so a stored plan is served byte for byte; the columns beside them are what
the API looks things up by.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite autoincrements only an INTEGER PRIMARY KEY; elsewhere the sequence is 64-bit
Seq = BigInteger().with_variant(Integer(), "sqlite")
Instant = DateTime(timezone=True)

problems = Table(
    "problems",
    metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False, index=True),
    Column("body", Text, nullable=False),
    Column("created_at", Instant, nullable=False),
)

plans = Table(
    "plans",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("plan_id", String(64), nullable=False, unique=True),
    Column("rep_id", String(128), nullable=False),
    Column("plan_date", Date, nullable=False),
    Column("status", String(16), nullable=False),
    Column("run_id", String(128), nullable=True, index=True),
    Column("created_by", String(32), nullable=True),
    Column("problem_id", Seq, ForeignKey("problems.id"), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", Instant, nullable=False),
    Column("previous_plan_id", String(64), nullable=True),
    Column("version", Integer, nullable=False, server_default=text("1")),
    Index("ix_plans_rep_day", "rep_id", "plan_date", "seq"),
    Index("ix_plans_previous_plan_id", "previous_plan_id", unique=True),
)

balances = Table(
    "balances",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("balance_id", String(64), nullable=False, unique=True),
    Column("created_by", String(32), nullable=True),
    Column("request", Text, nullable=False),
    Column("result", Text, nullable=False),
    Column("created_at", Instant, nullable=False),
    Column("branch_id", String(64), nullable=True),  # the branch it balanced, if named
    Index("ix_balances_branch_id_seq", "branch_id", "seq"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("rep_id", String(128), nullable=True),
    Column("name", String(200), nullable=True),
    Column("created_at", Instant, nullable=False),
    Column("revoked_at", Instant, nullable=True),
)

idempotency = Table(
    "idempotency_keys",
    metadata,
    Column("principal", String(32), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("state", String(16), nullable=False),  # "pending" | "done"
    Column("status_code", Integer, nullable=True),
    Column("response", Text, nullable=True),
    Column("created_at", Instant, nullable=False),
)
