"""Catalog tables of merge and conversion: what each merge moved (so it can be undone,
saying what it will do) and what each conversion produced (links, and no second one)."""

from __future__ import annotations

import sqlalchemy as sa

from objectry.metadata.catalog_tables import CATALOG
from objectry.metadata.fieldtypes.sqltypes import UTCDateTime, json_column

#: One row per merged record: the survivor it went into, the children re-pointed from
#: it ((object, field, id) each) and, in ``undo``, the survivor's values before the
#: merge and the unique values the merged record gave up to the survivor.
record_merges = sa.Table(
    "record_merges", CATALOG,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), nullable=False),
    sa.Column("object", sa.String(63), nullable=False),
    sa.Column("merged_id", sa.Uuid, nullable=False),
    sa.Column("survivor_id", sa.Uuid, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor_id", sa.Uuid),
    sa.Column("repointed", json_column(), nullable=False),
    sa.Column("undo", json_column(), nullable=False),
    sa.Column("undone_at", UTCDateTime),
    sa.Index("ix_record_merges_merged", "tenant_id", "object", "merged_id"),
)

#: One row per converted record: the map used and every record it produced or matched.
record_conversions = sa.Table(
    "record_conversions", CATALOG,
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("object", sa.String(63), primary_key=True),
    sa.Column("record_id", sa.Uuid, primary_key=True),
    sa.Column("map", sa.String(63), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor_id", sa.Uuid),
    sa.Column("produced", json_column(), nullable=False),
)
