"""Lead pools: pool entries (the reclaim timers) and the claims log

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from objectry.metadata.fieldtypes.sqltypes import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pool_entries",
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("tenants.id"), primary_key=True),
        sa.Column("object", sa.String(63), primary_key=True),
        sa.Column("record_id", sa.Uuid(), primary_key=True),
        sa.Column("pool", sa.String(63), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("holder", sa.Uuid()),
        sa.Column("since", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime()),
        sa.Column("warn_at", UTCDateTime()),
        sa.Column("warned_at", UTCDateTime()),
        sa.Column("reason", sa.String(500)),
    )
    op.create_index("ix_pool_entries_due", "pool_entries", ["state", "due_at"])
    op.create_index("ix_pool_entries_warn", "pool_entries", ["state", "warn_at"])
    op.create_index("ix_pool_entries_pool", "pool_entries",
                    ["tenant_id", "pool", "state", "holder"])
    op.create_table(
        "pool_claims",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("pool", sa.String(63), nullable=False),
        sa.Column("object", sa.String(63), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.Column("released_at", UTCDateTime()),
        sa.Column("released_how", sa.String(10)),
    )
    op.create_index("ix_pool_claims_user", "pool_claims",
                    ["tenant_id", "pool", "user_id", "claimed_at"])
    op.create_index("ix_pool_claims_record", "pool_claims",
                    ["tenant_id", "object", "record_id", "user_id"])


def downgrade() -> None:
    op.drop_table("pool_claims")
    op.drop_table("pool_entries")
