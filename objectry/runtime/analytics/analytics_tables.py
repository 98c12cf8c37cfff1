"""Catalog tables of analytics: attribution report snapshots (migration 0018)."""

from __future__ import annotations

import sqlalchemy as sa

from objectry.metadata.catalog_tables import CATALOG
from objectry.metadata.fieldtypes.sqltypes import UTCDateTime, json_column

#: One row per attribution run: the request, the model version and metadata version it
#: ran under, and its results, so a report reads the same later.
attribution_snapshots = sa.Table(
    "attribution_snapshots", CATALOG,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor_id", sa.Uuid),
    sa.Column("model_version", sa.String(40), nullable=False),
    sa.Column("metadata_version", sa.Integer, nullable=False),
    sa.Column("request", json_column(), nullable=False),
    sa.Column("result", json_column(), nullable=False),
    sa.Index("ix_attribution_snapshots_tenant", "tenant_id", "at"),
)
