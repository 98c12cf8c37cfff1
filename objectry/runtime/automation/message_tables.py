"""The rows of the channels: every message a workflow sent, failed, capped or queued.

A message is a row before it is anything else, so a user can always answer "what did
we send this contact, and why not?" — capped and failed sends included. The
``idempotency_key`` (run, step and visit) makes a repeated step find its earlier
message instead of sending a second one.
"""

from __future__ import annotations

import sqlalchemy as sa

from objectry.metadata.catalog_tables import CATALOG
from objectry.metadata.fieldtypes.sqltypes import UTCDateTime, json_column

messages = sa.Table(
    "messages", CATALOG,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), nullable=False),
    sa.Column("object", sa.String(63), nullable=False),
    sa.Column("record_id", sa.Uuid),
    sa.Column("channel", sa.String(20), nullable=False),  # email | sms | wecom
    #: The address as the channel uses it (lower-case email, digits-only phone): the cap
    #: counts per recipient, whichever record or workflow reaches them.
    sa.Column("recipient", sa.String(320), nullable=False),
    sa.Column("template", json_column()),
    sa.Column("subject", sa.Text),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("locale", sa.String(10), nullable=False),
    sa.Column("marketing", sa.Boolean, nullable=False),
    #: sent | outbox (handed to a provider outbox) | failed | capped
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("error", json_column()),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("provider_ref", sa.String(200)),
    sa.Column("workflow", sa.String(63)),
    sa.Column("run_id", sa.Uuid),
    sa.Column("step", sa.String(63)),
    sa.Column("idempotency_key", sa.String(200)),
    #: The record fields each part rendered, ``{"subject": [...], "body": [...], "to":
    #: [...]}`` ("*": any field), so readers see a part only if they may read its fields.
    sa.Column("rendered_fields", json_column()),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime),
    sa.UniqueConstraint("tenant_id", "idempotency_key", name="uq_messages_idempotency_key"),
    sa.Index("ix_messages_record", "tenant_id", "object", "record_id", "id"),
    sa.Index("ix_messages_cap", "tenant_id", "channel", "recipient", "sent_at"),
)

#: A tenant's channel settings; absent columns take the platform defaults.
message_settings = sa.Table(
    "message_settings", CATALOG,
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), primary_key=True),
    #: Marketing messages a recipient may get per channel per UTC day.
    sa.Column("marketing_daily_cap", sa.Integer),
    #: Language of messages whose step and record name none (zh-CN or en).
    sa.Column("default_locale", sa.String(10)),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.String(254), nullable=False),
)
