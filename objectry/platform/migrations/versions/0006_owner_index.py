"""An (owner, id) index on every existing tenant table

Tenant tables follow metadata, not migrations, and new ones get the index from
``build_table``; this walks the objects every tenant has now and adds the index to the
tables created before it existed, so "own" and "team" scoped lists stop scanning.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from objectry.runtime.kernel.storage import TenantStorage
from objectry.runtime.model.compiled import OWNER_INDEX_COLUMNS, owner_index_name

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The catalog as of this revision, so later changes to the declared tables do not
# change what this migration reads.
tenants = sa.table("tenants", sa.column("id", sa.Integer), sa.column("slug", sa.String))
documents = sa.table("meta_documents", sa.column("tenant_id", sa.Integer),
                     sa.column("kind", sa.String), sa.column("api_name", sa.String))


def _tenant_tables(conn: sa.Connection) -> list[tuple[TenantStorage, str, str]]:
    """(storage, object, table name) of every tenant object whose table exists."""
    rows = conn.execute(sa.select(tenants.c.slug, documents.c.api_name)
                        .join(documents, documents.c.tenant_id == tenants.c.id)
                        .where(documents.c.kind == "object")
                        .order_by(tenants.c.slug, documents.c.api_name)).all()
    inspector = sa.inspect(conn)
    found = []
    for slug, object_name in rows:
        storage = TenantStorage(conn.dialect.name, slug)
        name = storage.table_name(object_name)
        if inspector.has_table(name, schema=storage.schema):
            found.append((storage, object_name, name))
    return found


def _indexes(conn: sa.Connection, storage: TenantStorage, table: str) -> set[str]:
    return {ix["name"] for ix in sa.inspect(conn).get_indexes(table, schema=storage.schema)
            if ix["name"] is not None}


def upgrade() -> None:
    conn = op.get_bind()
    for storage, object_name, table in _tenant_tables(conn):
        index = owner_index_name(storage, object_name)
        if index not in _indexes(conn, storage, table):
            op.create_index(index, table, list(OWNER_INDEX_COLUMNS), schema=storage.schema)


def downgrade() -> None:
    conn = op.get_bind()
    for storage, object_name, table in _tenant_tables(conn):
        index = owner_index_name(storage, object_name)
        if index in _indexes(conn, storage, table):
            op.drop_index(index, table_name=table, schema=storage.schema)
