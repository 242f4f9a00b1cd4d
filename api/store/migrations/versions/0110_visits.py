"""Visit records: what reps report of their day, for the audit and the evening debrief.

Revision ID: 0110
Revises: 0201
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0110"
down_revision: str | None = "0201"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Instant = sa.DateTime(timezone=True)
Seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "visits",
        sa.Column("seq", Seq, autoincrement=True, nullable=False),
        sa.Column("record_id", sa.String(128), nullable=False),
        sa.Column("rep_id", sa.String(128), nullable=False),
        sa.Column("visit_date", sa.Date, nullable=False),
        sa.Column("branch_id", sa.String(128), nullable=True),
        sa.Column("check_in", Instant, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(32), nullable=True),
        sa.Column("created_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_visits"),
        sa.UniqueConstraint("record_id", name="uq_visits_record_id"),
    )
    op.create_index("ix_visits_rep_day", "visits", ["rep_id", "visit_date", "check_in"])
    op.create_index("ix_visits_branch_day", "visits", ["branch_id", "visit_date"])


def downgrade() -> None:
    op.drop_table("visits")
