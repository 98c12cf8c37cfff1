"""Assignment rules: the round-robin cursor of each rule entry

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assignment_cursors",
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("tenants.id"), primary_key=True),
        sa.Column("rule", sa.String(63), primary_key=True),
        sa.Column("entry", sa.Integer(), primary_key=True),
        sa.Column("next_turn", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("assignment_cursors")
