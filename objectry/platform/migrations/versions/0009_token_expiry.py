"""API tokens: an optional expiry and the time of last use

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import objectry.metadata.fieldtypes.sqltypes as sqltypes

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN (nullable, no default) works on SQLite without a table rebuild
    op.add_column("api_tokens", sa.Column("expires_at", sqltypes.UTCDateTime(), nullable=True))
    op.add_column("api_tokens",
                  sa.Column("last_used_at", sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("last_used_at")
        batch.drop_column("expires_at")
