"""Tenant migrations: the tenant step each tenant has reached

Changes to every tenant's tables run as tenant steps (``objectry.platform.
tenant_migrations``), one tenant per transaction, after the catalog migrations. No row
yet for the existing tenants: every step is still to run for them, and each step is
idempotent (the owner index of 0006 included).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import objectry.metadata.fieldtypes.sqltypes as sqltypes

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tenant_revisions",
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("tenants.id"), primary_key=True),
        sa.Column("revision", sa.String(40), nullable=False),
        sa.Column("updated_at", sqltypes.UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tenant_revisions")
