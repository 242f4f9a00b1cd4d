"""Plan versions: a re-plan is a new plan row linked to the plan it revises.

Revision ID: 0102
Revises: 0101
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0102"
down_revision: str | None = "0101"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("previous_plan_id", sa.String(64), nullable=True))
        batch.add_column(
            sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1"))
        )
        # one revision per plan: two re-plans racing from the same version cannot both land
        batch.create_index("ix_plans_previous_plan_id", ["previous_plan_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.drop_index("ix_plans_previous_plan_id")
        batch.drop_column("version")
        batch.drop_column("previous_plan_id")
