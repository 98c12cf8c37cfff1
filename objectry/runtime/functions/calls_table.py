"""The ``function_calls`` catalog table: one row per tenant function call (issue 5).

Migration 0003 creates it. Rows are written outside the caller's transaction when a
unit of work owns the context, so a call that failed (and rolled back) stays logged.
"""

from __future__ import annotations

import sqlalchemy as sa

from objectry.metadata.catalog_tables import CATALOG
from objectry.metadata.fieldtypes.sqltypes import UTCDateTime, json_column

function_calls = sa.Table(
    "function_calls", CATALOG,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
              autoincrement=True),
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), nullable=False),
    sa.Column("function", sa.String(63), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("caller", sa.Text, nullable=False),  # the actor's email, or "system"
    sa.Column("purpose", sa.String(20), nullable=False),  # why it ran: validation, test...
    sa.Column("record_id", sa.Uuid),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("duration_ms", sa.Float, nullable=False),
    sa.Column("limits_used", json_column(), nullable=False),
    sa.Column("outcome", sa.String(40), nullable=False),  # ok, or the error code
    sa.Column("error_message", sa.Text),
    sa.Column("error_line", sa.Integer),
    sa.Index("ix_function_calls_function", "tenant_id", "function", "id"),
)
