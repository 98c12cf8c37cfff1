"""Catalog tables of packs: trusted publisher keys (per installation) and the packs each
tenant has installed (with their state and the manifest they came with)."""

from __future__ import annotations

import sqlalchemy as sa

from objectry.metadata.catalog_tables import CATALOG
from objectry.metadata.fieldtypes.sqltypes import UTCDateTime, json_column

#: Publisher keys this installation believes, shared by every tenant (the operator's
#: decision, like the platform token).
pack_keys = sa.Table(
    "pack_keys", CATALOG,
    sa.Column("key_id", sa.String(16), primary_key=True),
    sa.Column("public_key", sa.Text, nullable=False),
    sa.Column("publisher", sa.Text, nullable=False, server_default=""),
    sa.Column("added_at", UTCDateTime, nullable=False),
)

#: One row per (tenant, pack): the version installed and its state (installed,
#: uninstalled: definitions hidden, data kept).
pack_installs = sa.Table(
    "pack_installs", CATALOG,
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("name", sa.String(63), primary_key=True),
    sa.Column("version", sa.String(40), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("manifest", json_column(), nullable=False),
    sa.Column("sop", json_column(), nullable=False),  # [{id, title, objects, en, zh-CN}]
    sa.Column("signed_by", sa.String(16)),
    sa.Column("installed_at", UTCDateTime, nullable=False),
    sa.Column("installed_by", sa.Text, nullable=False),
    sa.Column("meta_version", sa.Integer, nullable=False),
)

#: The records a pack's sample data created: removable as a unit, never confused with
#: the tenant's own rows.
pack_sample_rows = sa.Table(
    "pack_sample_rows", CATALOG,
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("pack", sa.String(63), primary_key=True),
    sa.Column("object", sa.String(63), primary_key=True),
    sa.Column("record_id", sa.Uuid, primary_key=True),
)

#: The data migrations a tenant ran (a pack's ``migrations``): each at most once, in the
#: upgrade that ran it (a failed one rolled the whole upgrade back, so is not here).
pack_migrations = sa.Table(
    "pack_migrations", CATALOG,
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("pack", sa.String(63), primary_key=True),
    sa.Column("version", sa.String(40), primary_key=True),
    sa.Column("phase", sa.String(20), primary_key=True),
    sa.Column("file", sa.Text, nullable=False),
    sa.Column("upgrade_from", sa.String(40), nullable=False),
    sa.Column("upgrade_to", sa.String(40), nullable=False),
    sa.Column("ran_at", UTCDateTime, nullable=False),
    sa.Column("ran_by", sa.Text, nullable=False),
)
