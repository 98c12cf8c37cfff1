"""Messages remember the record fields they rendered (subject, body, recipient)

So a reader of the record who may not read a field is not shown a body that rendered
it, and sees the recipient masked like the field it came from. Earlier messages keep
NULL: their subject and body fields are read from their stored template, and their
recipient is withheld from readers who do not see every field.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import objectry.metadata.fieldtypes.sqltypes as sqltypes

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("rendered_fields", sqltypes.json_column(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("rendered_fields")
