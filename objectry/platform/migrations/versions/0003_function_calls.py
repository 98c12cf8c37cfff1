"""Tenant function call log (function_calls)

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import objectry.metadata.fieldtypes.sqltypes as sqltypes

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "function_calls",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("function", sa.String(length=63), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("caller", sa.Text(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=True),
        sa.Column("started_at", sqltypes.UTCDateTime(), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("limits_used", sqltypes.json_column(), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("error_line", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_function_calls_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_function_calls")),
    )
    op.create_index("ix_function_calls_function", "function_calls",
                    ["tenant_id", "function", "id"])


def downgrade() -> None:
    op.drop_index("ix_function_calls_function", table_name="function_calls")
    op.drop_table("function_calls")
