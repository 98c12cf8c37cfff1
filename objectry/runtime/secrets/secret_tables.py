"""The catalog table of tenant secrets: names in clear, values encrypted (Fernet)."""

from __future__ import annotations

import sqlalchemy as sa

from objectry.metadata.catalog_tables import CATALOG
from objectry.metadata.fieldtypes.sqltypes import UTCDateTime

secret_values = sa.Table(
    "secret_values", CATALOG,
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("name", sa.String(63), primary_key=True),
    #: The Fernet token of the value (never the value itself).
    sa.Column("ciphertext", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(254), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.String(254), nullable=False),
)
