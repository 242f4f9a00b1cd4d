"""Sweep history: every building swept by a stored plan of a batch run, per branch and day.

Revision ID: 0201
Revises: 0102
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0201"
down_revision: str | None = "0102"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sweeps",
        sa.Column("plan_id", sa.String(64), nullable=False),
        sa.Column("building_id", sa.String(128), nullable=False),
        sa.Column("branch_id", sa.String(128), nullable=False),
        sa.Column("sweep_date", sa.Date, nullable=False),
        sa.Column("rep_id", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", "building_id", name="pk_sweeps"),
    )
    op.create_index("ix_sweeps_branch_id_sweep_date", "sweeps", ["branch_id", "sweep_date"])


def downgrade() -> None:
    op.drop_table("sweeps")
