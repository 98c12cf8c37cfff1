"""Record grants: the grantee index covers a visibility check (grantee + record + liveness)

A restricted user's list reads the ids of the live grants reaching them (``grantee``)
on every page. With ``record_id``, ``revoked_at`` and ``expires_at`` in the grantee
index that read is answered from the index alone instead of fetching each grant row
(and its ``field_groups`` JSON). The new index starts with the old one's columns, which
it replaces.

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

OLD = ("ix_record_grants_grantee", ["tenant_id", "grantee_kind", "grantee", "object"])
NEW = ("ix_record_grants_grantee_record",
       ["tenant_id", "grantee_kind", "grantee", "object", "record_id", "revoked_at",
        "expires_at"])


def upgrade() -> None:
    op.create_index(NEW[0], "record_grants", NEW[1])
    op.drop_index(OLD[0], table_name="record_grants")


def downgrade() -> None:
    op.create_index(OLD[0], "record_grants", OLD[1])
    op.drop_index(NEW[0], table_name="record_grants")
