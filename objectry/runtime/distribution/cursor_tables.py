"""Catalog tables of the distribution engine: round-robin cursors, lead pools and record
watchers."""

from __future__ import annotations

import sqlalchemy as sa

from objectry.metadata.catalog_tables import CATALOG
from objectry.metadata.fieldtypes.sqltypes import UTCDateTime
from objectry.runtime.access.pooled import pool_entries as pool_entries  # masks pooled rows

#: One row per (tenant, rule, entry): the next turn of its round robin. The row is read
#: ``FOR UPDATE`` and moved in the assigning transaction, so concurrent and bulk
#: assignments take turns without two of them picking by the same cursor.
assignment_cursors = sa.Table(
    "assignment_cursors", CATALOG,
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("rule", sa.String(63), primary_key=True),
    sa.Column("entry", sa.Integer, primary_key=True),
    sa.Column("next_turn", sa.BigInteger, nullable=False),
)

#: Every claim of a pooled record and how it ended: limits per day, the cooldown before
#: a previous holder claims the same record again, and the pool's history.
pool_claims = sa.Table(
    "pool_claims", CATALOG,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
              autoincrement=True),
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), nullable=False),
    sa.Column("pool", sa.String(63), nullable=False),
    sa.Column("object", sa.String(63), nullable=False),
    sa.Column("record_id", sa.Uuid, nullable=False),
    sa.Column("user_id", sa.Uuid, nullable=False),
    sa.Column("claimed_at", UTCDateTime, nullable=False),
    sa.Column("released_at", UTCDateTime),
    sa.Column("released_how", sa.String(10)),
    sa.Index("ix_pool_claims_user", "tenant_id", "pool", "user_id", "claimed_at"),
    sa.Index("ix_pool_claims_record", "tenant_id", "object", "record_id", "user_id"),
)

#: Who follows (watches) which record (migration 0020): one row per watcher.
record_watchers = sa.Table(
    "record_watchers", CATALOG,
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("object", sa.String(63), primary_key=True),
    sa.Column("record_id", sa.Uuid, primary_key=True),
    sa.Column("user_id", sa.Uuid, primary_key=True),
    sa.Column("since", UTCDateTime, nullable=False),
    sa.Index("ix_record_watchers_user", "tenant_id", "user_id"),
)
