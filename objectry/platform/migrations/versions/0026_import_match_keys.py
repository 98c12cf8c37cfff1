"""Import rows keep their preview's match keys; a run's watermark (issue 16)

A preview normalises every row's duplicate-rule values into match keys (a phone parse
is the dearest step of a duplicate check); the run reuses them instead of parsing every
number again. ``import_rows.match_keys`` holds a row's keys by rule name, and
``imports.match_rules`` the fingerprint of each rule's definition they were computed
under: a rule changed since the preview has its keys computed afresh by the run.

``imports.rows_through`` is a run's watermark: every row numbered up to it was applied
by a committed batch, so the rows a run writes need no outcome of their own (an update
per row, and a dead row version each on PostgreSQL).

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from objectry.metadata.fieldtypes.sqltypes import json_column

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("imports", sa.Column("match_rules", json_column()))
    op.add_column("imports", sa.Column("rows_through", sa.Integer))
    op.add_column("import_rows", sa.Column("match_keys", json_column()))


def downgrade() -> None:
    with op.batch_alter_table("import_rows") as batch:
        batch.drop_column("match_keys")
    with op.batch_alter_table("imports") as batch:
        batch.drop_column("rows_through")
        batch.drop_column("match_rules")
