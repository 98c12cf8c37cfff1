"""Catalog table of the distribution engine: the round-robin cursor of each rule entry."""

from __future__ import annotations

import sqlalchemy as sa

from objectry.metadata.catalog_tables import CATALOG

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
