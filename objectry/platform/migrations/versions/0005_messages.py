"""Channels: the messages workflows send (sent, failed, capped, outbox) and tenant settings

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import objectry.metadata.fieldtypes.sqltypes as sqltypes

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("object", sa.String(length=63), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("template", sqltypes.json_column(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("marketing", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error", sqltypes.json_column(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("provider_ref", sa.String(length=200), nullable=True),
        sa.Column("workflow", sa.String(length=63), nullable=True),
        sa.Column("run_id", sa.Uuid(), nullable=True),
        sa.Column("step", sa.String(length=63), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqltypes.UTCDateTime(), nullable=False),
        sa.Column("sent_at", sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_messages_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint("tenant_id", "idempotency_key",
                            name="uq_messages_idempotency_key"),
    )
    op.create_index("ix_messages_record", "messages",
                    ["tenant_id", "object", "record_id", "id"])
    op.create_index("ix_messages_cap", "messages",
                    ["tenant_id", "channel", "recipient", "sent_at"])
    op.create_table(
        "message_settings",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("marketing_daily_cap", sa.Integer(), nullable=True),
        sa.Column("default_locale", sa.String(length=10), nullable=True),
        sa.Column("updated_at", sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_message_settings_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_message_settings")),
    )


def downgrade() -> None:
    op.drop_table("message_settings")
    op.drop_index("ix_messages_cap", table_name="messages")
    op.drop_index("ix_messages_record", table_name="messages")
    op.drop_table("messages")
