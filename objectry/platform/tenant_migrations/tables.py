"""The catalog table of tenant migrations: the tenant step each tenant has reached."""

from __future__ import annotations

import sqlalchemy as sa

from objectry.metadata.catalog_tables import CATALOG
from objectry.metadata.fieldtypes.sqltypes import UTCDateTime

#: One row per tenant once it is at a known step; no row: at none (a tenant created
#: before tenant migrations existed), so every step is still to run for it.
tenant_revisions = sa.Table(
    "tenant_revisions", CATALOG,
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("revision", sa.String(40), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
