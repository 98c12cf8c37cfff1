"""Record watchers: who follows which record (distribution by hand, issue 15)

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from objectry.metadata.fieldtypes.sqltypes import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_watchers",
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("tenants.id"), primary_key=True),
        sa.Column("object", sa.String(63), primary_key=True),
        sa.Column("record_id", sa.Uuid(), primary_key=True),
        sa.Column("user_id", sa.Uuid(), primary_key=True),
        sa.Column("since", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_record_watchers_user", "record_watchers", ["tenant_id", "user_id"])


def downgrade() -> None:
    op.drop_table("record_watchers")
