"""Imports keep their preview's summary (issue 16)

The duplicates found and what assignment would do are computed when a file is
previewed; the import wizard and ``GET /imports/{id}`` show them again later.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from objectry.metadata.fieldtypes.sqltypes import json_column

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("imports", sa.Column("preview", json_column()))


def downgrade() -> None:
    with op.batch_alter_table("imports") as batch:
        batch.drop_column("preview")
