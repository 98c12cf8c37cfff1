"""Catalog tables of the records service: auto-number sequences, the audit trail, the outbox."""

from __future__ import annotations

import sqlalchemy as sa

from objectry.metadata.catalog_tables import CATALOG
from objectry.metadata.fieldtypes.sqltypes import UTCDateTime, json_column

sequences = sa.Table(
    "sequences", CATALOG,
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("object", sa.String(63), primary_key=True),
    sa.Column("field", sa.String(63), primary_key=True),
    sa.Column("next_value", sa.BigInteger, nullable=False),
)

record_audit = sa.Table(
    "record_audit", CATALOG,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
              autoincrement=True),
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), nullable=False),
    sa.Column("object", sa.String(63), nullable=False),
    sa.Column("record_id", sa.Uuid, nullable=False),
    sa.Column("record_version", sa.Integer, nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("actor_id", sa.Uuid),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("changes", json_column(), nullable=False),
    sa.Index("ix_record_audit_record", "tenant_id", "object", "record_id", "id"),
)

events = sa.Table(
    "events", CATALOG,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), nullable=False),
    sa.Column("object", sa.String(63), nullable=False),
    sa.Column("record_id", sa.Uuid),
    sa.Column("type", sa.String(63), nullable=False),
    sa.Column("occurred_at", UTCDateTime, nullable=False),
    sa.Column("actor_id", sa.Uuid),
    sa.Column("data", json_column(), nullable=False),
    #: When automation matched the event to workflows (NULL: still to do).
    sa.Column("dispatched_at", UTCDateTime),
    sa.Index("ix_events_tenant", "tenant_id", "id"),
    sa.Index("ix_events_undispatched", "dispatched_at", "id"),
)
