"""Initial storage: problems, plans, territory balances, API keys, idempotency keys.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "problems",
        sa.Column("id", Seq, autoincrement=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_problems"),
    )
    op.create_index("ix_problems_sha256", "problems", ["sha256"])
    op.create_table(
        "plans",
        sa.Column("seq", Seq, autoincrement=True),
        sa.Column("plan_id", sa.String(64), nullable=False),
        sa.Column("rep_id", sa.String(128), nullable=False),
        sa.Column("plan_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("run_id", sa.String(128), nullable=True),
        sa.Column("created_by", sa.String(32), nullable=True),
        sa.Column("problem_id", Seq, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_plans"),
        sa.UniqueConstraint("plan_id", name="uq_plans_plan_id"),
        sa.ForeignKeyConstraint(
            ["problem_id"], ["problems.id"], name="fk_plans_problem_id_problems"
        ),
    )
    op.create_index("ix_plans_rep_day", "plans", ["rep_id", "plan_date", "seq"])
    op.create_index("ix_plans_run_id", "plans", ["run_id"])
    op.create_table(
        "balances",
        sa.Column("seq", Seq, autoincrement=True),
        sa.Column("balance_id", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=True),
        sa.Column("request", sa.Text, nullable=False),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_balances"),
        sa.UniqueConstraint("balance_id", name="uq_balances_balance_id"),
    )
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("rep_id", sa.String(128), nullable=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("revoked_at", Instant, nullable=True),
        sa.PrimaryKeyConstraint("key_id", name="pk_api_keys"),
        sa.UniqueConstraint("sha256", name="uq_api_keys_sha256"),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("principal", sa.String(32), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=True),
        sa.Column("response", sa.Text, nullable=True),
        sa.Column("created_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("principal", "key", name="pk_idempotency_keys"),
    )


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_table("api_keys")
    op.drop_table("balances")
    op.drop_index("ix_plans_run_id", table_name="plans")
    op.drop_index("ix_plans_rep_day", table_name="plans")
    op.drop_table("plans")
    op.drop_index("ix_problems_sha256", table_name="problems")
    op.drop_table("problems")
