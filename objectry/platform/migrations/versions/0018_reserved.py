"""Attribution report snapshots (issue 17)

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from objectry.metadata.fieldtypes.sqltypes import UTCDateTime, json_column

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attribution_snapshots",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Uuid()),
        sa.Column("model_version", sa.String(40), nullable=False),
        sa.Column("metadata_version", sa.Integer(), nullable=False),
        sa.Column("request", json_column(), nullable=False),
        sa.Column("result", json_column(), nullable=False),
    )
    op.create_index("ix_attribution_snapshots_tenant", "attribution_snapshots",
                    ["tenant_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_attribution_snapshots_tenant", table_name="attribution_snapshots")
    op.drop_table("attribution_snapshots")
