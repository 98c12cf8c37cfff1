"""Consent per record and channel (opt-in / opt-out, the unsubscribe link writes it)

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from objectry.metadata.fieldtypes.sqltypes import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_consents",
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("tenants.id"), primary_key=True),
        sa.Column("object", sa.String(63), primary_key=True),
        sa.Column("record_id", sa.Uuid(), primary_key=True),
        sa.Column("channel", sa.String(20), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False, server_default=""),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(254), nullable=False),
    )
    op.create_index("ix_message_consents_recipient", "message_consents",
                    ["tenant_id", "channel", "recipient"])


def downgrade() -> None:
    op.drop_index("ix_message_consents_recipient", table_name="message_consents")
    op.drop_table("message_consents")
