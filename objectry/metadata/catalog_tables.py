"""Platform tables of the catalog: tenants, users, tokens and the metadata store.

They live in one SQLAlchemy ``MetaData`` that Alembic migrates; tenants' own record
tables are not here (the runtime creates them from metadata).
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa

from objectry.metadata.fieldtypes.sqltypes import UTCDateTime, json_column

CATALOG: Final = sa.MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

tenants = sa.Table(
    "tenants", CATALOG,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("slug", sa.String(40), nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("meta_version", sa.Integer, nullable=False, server_default="0"),
)

users = sa.Table(
    "users", CATALOG,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("name", sa.Text, nullable=False, server_default=""),
    sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("roles", json_column(), nullable=False),
    sa.Column("department", sa.String(63)),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("password_hash", sa.Text),  # argon2; NULL = cannot sign in to the web UI
    sa.Column("language", sa.String(16)),  # remembered UI language (zh-CN/en); NULL = browser's
    sa.UniqueConstraint("tenant_id", "email"),
)

api_tokens = sa.Table(
    "api_tokens", CATALOG,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), nullable=False),
    sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("label", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime),
    sa.Column("expires_at", UTCDateTime),
    sa.Column("last_used_at", UTCDateTime),  # written at most once a minute per token
)

meta_versions = sa.Table(
    "meta_versions", CATALOG,
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("summary", sa.Text, nullable=False, server_default=""),
    sa.Column("changes", json_column(), nullable=False),
)

meta_documents = sa.Table(
    "meta_documents", CATALOG,
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("kind", sa.String(40), primary_key=True),
    sa.Column("api_name", sa.String(63), primary_key=True),
    sa.Column("document", json_column(), nullable=False),
    sa.Column("origin", json_column(), nullable=False),
    sa.Column("baseline", json_column()),
    sa.Column("version", sa.Integer, nullable=False),
    #: Which tenants have documents of a kind (the engine's sweep asks it for workflows).
    sa.Index("ix_meta_documents_kind", "kind", "tenant_id"),
)

meta_revisions = sa.Table(
    "meta_revisions", CATALOG,
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(40), primary_key=True),
    sa.Column("api_name", sa.String(63), primary_key=True),
    sa.Column("document", json_column()),
    sa.Column("origin", json_column()),
    sa.Column("baseline", json_column()),
)
