"""Distribution grants (record_grants)

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import objectry.metadata.fieldtypes.sqltypes as sqltypes

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_grants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("object", sa.String(length=63), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("grantee_kind", sa.String(length=20), nullable=False),
        sa.Column("grantee", sa.String(length=254), nullable=False),
        sa.Column("field_groups", sqltypes.json_column(), nullable=False),
        sa.Column("granted_by", sa.Uuid(), nullable=True),
        sa.Column("via", sa.String(length=120), server_default="manual", nullable=False),
        sa.Column("expires_at", sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqltypes.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", sqltypes.UTCDateTime(), nullable=True),
        sa.Column("revoked_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_record_grants_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_grants")),
    )
    op.create_index("ix_record_grants_grantee", "record_grants",
                    ["tenant_id", "grantee_kind", "grantee", "object"])
    op.create_index("ix_record_grants_record", "record_grants",
                    ["tenant_id", "object", "record_id"])


def downgrade() -> None:
    op.drop_index("ix_record_grants_record", table_name="record_grants")
    op.drop_index("ix_record_grants_grantee", table_name="record_grants")
    op.drop_table("record_grants")
