"""Balances name their branch: the branch-day view shows that branch's newest balance.

Revision ID: 0302
Revises: 0301
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0302"
down_revision: str | None = "0301"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("balances") as batch:
        batch.add_column(sa.Column("branch_id", sa.String(64), nullable=True))
        batch.create_index("ix_balances_branch_id_seq", ["branch_id", "seq"])


def downgrade() -> None:
    with op.batch_alter_table("balances") as batch:
        batch.drop_index("ix_balances_branch_id_seq")
        batch.drop_column("branch_id")
