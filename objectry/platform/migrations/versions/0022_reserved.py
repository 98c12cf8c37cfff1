"""Packs: data migrations each tenant has run (once each, with the upgrade they ran in)

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from objectry.metadata.fieldtypes.sqltypes import UTCDateTime

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pack_migrations",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("pack", sa.String(63), nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("phase", sa.String(20), nullable=False),
        sa.Column("file", sa.Text(), nullable=False),
        sa.Column("upgrade_from", sa.String(40), nullable=False),
        sa.Column("upgrade_to", sa.String(40), nullable=False),
        sa.Column("ran_at", UTCDateTime(), nullable=False),
        sa.Column("ran_by", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_pack_migrations_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "pack", "version", "phase",
                                name=op.f("pk_pack_migrations")),
    )


def downgrade() -> None:
    op.drop_table("pack_migrations")
