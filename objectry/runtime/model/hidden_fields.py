"""The catalog table of hidden fields: a removed field's definition, kept with its data.

A field removed from an object is hidden, not dropped: its column and definition stay
until ``purge-field``, so restoring the field brings its values back.
"""

from __future__ import annotations

import sqlalchemy as sa

from objectry.metadata.catalog_tables import CATALOG
from objectry.metadata.fieldtypes.sqltypes import json_column

hidden_fields = sa.Table(
    "hidden_fields", CATALOG,
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("object", sa.String(63), primary_key=True),
    sa.Column("field", sa.String(63), primary_key=True),
    sa.Column("definition", json_column(), nullable=False),
    sa.Column("hidden_in_version", sa.Integer, nullable=False),
)
