"""Duplicate rules' match keys, merges and conversions (issue 16)

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from objectry.metadata.fieldtypes.sqltypes import UTCDateTime, json_column

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "duplicate_keys",
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("tenants.id"), primary_key=True),
        sa.Column("rule", sa.String(63), primary_key=True),
        sa.Column("object", sa.String(63), primary_key=True),
        sa.Column("record_id", sa.Uuid(), primary_key=True),
        sa.Column("key", sa.String(40), nullable=False),
    )
    op.create_index("ix_duplicate_keys_key", "duplicate_keys", ["tenant_id", "rule", "key"])
    op.create_table(
        "duplicate_rule_state",
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("tenants.id"), primary_key=True),
        sa.Column("rule", sa.String(63), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
    )
    op.create_table(
        "record_merges",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("object", sa.String(63), nullable=False),
        sa.Column("merged_id", sa.Uuid(), nullable=False),
        sa.Column("survivor_id", sa.Uuid(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Uuid()),
        sa.Column("repointed", json_column(), nullable=False),
        sa.Column("undo", json_column(), nullable=False),
        sa.Column("undone_at", UTCDateTime()),
    )
    op.create_index("ix_record_merges_merged", "record_merges",
                    ["tenant_id", "object", "merged_id"])
    op.create_table(
        "record_conversions",
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("tenants.id"), primary_key=True),
        sa.Column("object", sa.String(63), primary_key=True),
        sa.Column("record_id", sa.Uuid(), primary_key=True),
        sa.Column("map", sa.String(63), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Uuid()),
        sa.Column("produced", json_column(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("record_conversions")
    op.drop_index("ix_record_merges_merged", table_name="record_merges")
    op.drop_table("record_merges")
    op.drop_table("duplicate_rule_state")
    op.drop_index("ix_duplicate_keys_key", table_name="duplicate_keys")
    op.drop_table("duplicate_keys")
