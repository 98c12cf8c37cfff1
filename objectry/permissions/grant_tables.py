"""Distribution grants: per-record shares with a level per field group (seed 004).

Grants stay in SQL, not in Casbin: a request passes the requester's distribution
levels for a record as a request attribute, so policy size does not grow with records.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from objectry.metadata.catalog_tables import CATALOG
from objectry.metadata.fieldtypes.sqltypes import UTCDateTime, json_column

record_grants = sa.Table(
    "record_grants", CATALOG,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), nullable=False),
    sa.Column("object", sa.String(63), nullable=False),
    sa.Column("record_id", sa.Uuid, nullable=False),
    sa.Column("grantee_kind", sa.String(20), nullable=False),  # user | department
    sa.Column("grantee", sa.String(254), nullable=False),  # user id or department name
    sa.Column("field_groups", json_column(), nullable=False),
    sa.Column("granted_by", sa.Uuid),
    sa.Column("via", sa.String(120), nullable=False, server_default="manual"),
    sa.Column("expires_at", UTCDateTime),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime),
    sa.Column("revoked_by", sa.Uuid),
    sa.Index("ix_record_grants_record", "tenant_id", "object", "record_id"),
    # a restricted page looks up each row's grants by id: one hash probe (0025)
    sa.Index("ix_record_grants_record_id", "record_id", postgresql_using="hash"),
    # covers "the live grants reaching this grantee" (a restricted list's every page)
    sa.Index("ix_record_grants_grantee_record", "tenant_id", "grantee_kind", "grantee",
             "object", "record_id", "revoked_at", "expires_at"),
)


def live(now: dt.datetime | sa.BindParameter[dt.datetime]) -> list[sa.ColumnElement[bool]]:
    """Conditions of a live grant at ``now`` (a time, or a parameter that reads the
    clock when its statement runs): not revoked, not expired."""
    return [record_grants.c.revoked_at.is_(None),
            sa.or_(record_grants.c.expires_at.is_(None), record_grants.c.expires_at > now)]
