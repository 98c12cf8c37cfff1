"""Packs: trusted publisher keys, each tenant's installed packs and sample rows

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from objectry.metadata.fieldtypes.sqltypes import UTCDateTime, json_column

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pack_keys",
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("publisher", sa.Text(), nullable=False, server_default=""),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_pack_keys")),
    )
    op.create_table(
        "pack_installs",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("manifest", json_column(), nullable=False),
        sa.Column("sop", json_column(), nullable=False),
        sa.Column("signed_by", sa.String(16)),
        sa.Column("installed_at", UTCDateTime(), nullable=False),
        sa.Column("installed_by", sa.Text(), nullable=False),
        sa.Column("meta_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_pack_installs_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "name", name=op.f("pk_pack_installs")),
    )


    op.create_table(
        "pack_sample_rows",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("pack", sa.String(63), nullable=False),
        sa.Column("object", sa.String(63), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_pack_sample_rows_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "pack", "object", "record_id",
                                name=op.f("pk_pack_sample_rows")),
    )


def downgrade() -> None:
    op.drop_table("pack_sample_rows")
    op.drop_table("pack_installs")
    op.drop_table("pack_keys")
