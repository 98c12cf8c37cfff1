"""Catalog tables of duplicate rules: the match keys of records, and which rule
definition each tenant's keys were computed for.

Keys live in one catalog table (like the audit trail) rather than columns on record
tables: a rule can be added, changed or dropped without DDL on tenant tables, one rule
can cover several objects (a lead against contacts), and a check is one index lookup on
(tenant, rule, key).
"""

from __future__ import annotations

import sqlalchemy as sa

from objectry.metadata.catalog_tables import CATALOG

duplicate_keys = sa.Table(
    "duplicate_keys", CATALOG,
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("rule", sa.String(63), primary_key=True),
    sa.Column("object", sa.String(63), primary_key=True),
    sa.Column("record_id", sa.Uuid, primary_key=True),
    sa.Column("key", sa.String(40), nullable=False),
    sa.Index("ix_duplicate_keys_key", "tenant_id", "rule", "key"),
)

#: The fingerprint of the rule definition a tenant's keys of that rule were built from;
#: a rule saved with other fields is re-keyed on its next use.
duplicate_rule_state = sa.Table(
    "duplicate_rule_state", CATALOG,
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("rule", sa.String(63), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
)
