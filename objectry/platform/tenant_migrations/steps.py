"""The chain of tenant steps, oldest first. Append only: a step, once released, keeps
its revision and its place; what it reads of the catalog is declared here as of its
time, so later catalog changes do not change what it does.

A step must be idempotent for a tenant that already has its change (for example a
tenant created by newer code, or a step interrupted before it recorded its revision is
rolled back anyway, but an older Alembic migration may have done the same work).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from objectry.runtime.kernel.storage import TenantStorage
from objectry.runtime.model.compiled import (
    OWNER_INDEX_COLUMNS,
    PRIMARY_KEY_INCLUDE,
    VISIBILITY_INDEX_COLUMNS,
    created_at_index_name,
    owner_index_name,
    visibility_index_name,
)


@dataclass(frozen=True)
class TenantRef:
    """The tenant a step changes, and where its tables live."""

    id: int
    slug: str
    storage: TenantStorage


@dataclass(frozen=True)
class TenantStep:
    #: Stable id stored in ``tenant_revisions.revision`` (``t0001``, ``t0002``, ...).
    revision: str
    summary: str
    apply: Callable[[sa.Connection, TenantRef], None]


# the catalog as of t0001
_documents = sa.table("meta_documents", sa.column("tenant_id", sa.Integer),
                      sa.column("kind", sa.String), sa.column("api_name", sa.String))


def tenant_object_tables(conn: sa.Connection, tenant: TenantRef) -> list[tuple[str, str]]:
    """(object, table name) of the tenant's objects whose table exists."""
    names = conn.execute(sa.select(_documents.c.api_name).distinct().where(
        _documents.c.tenant_id == tenant.id, _documents.c.kind == "object")
        .order_by(_documents.c.api_name)).scalars().all()
    inspector = sa.inspect(conn)
    storage = tenant.storage
    if storage.schema is not None:  # one catalog query for the whole schema
        existing = set(inspector.get_table_names(schema=storage.schema))
        return [(n, storage.table_name(n)) for n in names if storage.table_name(n) in existing]
    return [(n, storage.table_name(n)) for n in names
            if inspector.has_table(storage.table_name(n))]


def add_owner_index(conn: sa.Connection, tenant: TenantRef) -> None:
    """The (owner, id) index "own" and "team" scoped lists read a page from (was the
    catalog migration 0006, which ran every tenant in one transaction)."""
    storage = tenant.storage
    for object_name, table_name in tenant_object_tables(conn, tenant):
        table = sa.Table(table_name, sa.MetaData(),
                         *(sa.Column(c) for c in OWNER_INDEX_COLUMNS), schema=storage.schema)
        index = sa.Index(owner_index_name(storage, object_name),
                         *(table.c[c] for c in OWNER_INDEX_COLUMNS))
        conn.execute(sa.schema.CreateIndex(index, if_not_exists=True))


#: The columns of t0002's index as of its time (``VISIBILITY_INDEX_COLUMNS`` then).
_VISIBILITY_COLUMNS = ("id", "owner", "deleted_at")


def add_visibility_index(conn: sa.Connection, tenant: TenantRef) -> None:
    """The (id, owner, deleted_at) index a dense team's newest-first list walks without
    reading each table row; tables created by newer code have it already."""
    storage = tenant.storage
    for object_name, table_name in tenant_object_tables(conn, tenant):
        table = sa.Table(table_name, sa.MetaData(),
                         *(sa.Column(c) for c in _VISIBILITY_COLUMNS), schema=storage.schema)
        index = sa.Index(visibility_index_name(storage, object_name),
                         *(table.c[c] for c in _VISIBILITY_COLUMNS))
        conn.execute(sa.schema.CreateIndex(index, if_not_exists=True))


def visibility_in_primary_key(conn: sa.Connection, tenant: TenantRef) -> None:
    """PostgreSQL: the primary key's index carries (owner, deleted_at), and the separate
    (id, owner, deleted_at) and (created_at, id) indexes go (the filter compiler reads a
    created_at range as an id range): two indexes fewer per table in every backend's
    cache. The key is rebuilt as a unique index and swapped in (``USING INDEX`` keeps its
    name); a key that carries them already is kept. SQLite keeps its indexes."""
    storage = tenant.storage
    if storage.schema is None:
        return
    quote = conn.dialect.identifier_preparer.quote
    for object_name, table_name in tenant_object_tables(conn, tenant):
        qualified = f"{quote(storage.schema)}.{quote(table_name)}"
        key = conn.execute(sa.text(
            "SELECT c.conname, i.indnatts FROM pg_constraint c "
            "JOIN pg_index i ON i.indexrelid = c.conindid "
            "WHERE c.conrelid = CAST(:t AS regclass) AND c.contype = 'p'"),
            {"t": qualified}).one_or_none()
        if key is not None and key.indnatts == 1:
            built = storage.index_name(object_name, "pkey_include", unique=True)
            conn.execute(sa.text(
                f"CREATE UNIQUE INDEX {quote(built)} ON {qualified} (id) "
                f"INCLUDE ({', '.join(quote(c) for c in PRIMARY_KEY_INCLUDE)})"))
            conn.execute(sa.text(
                f"ALTER TABLE {qualified} DROP CONSTRAINT {quote(key.conname)}, "
                f"ADD CONSTRAINT {quote(key.conname)} PRIMARY KEY USING INDEX {quote(built)}"))
        for gone in (visibility_index_name(storage, object_name),
                     created_at_index_name(storage, object_name)):
            conn.execute(sa.text(
                f"DROP INDEX IF EXISTS {quote(storage.schema)}.{quote(gone)}"))


def sqlite_without_created_at_and_visibility_indexes(conn: sa.Connection,
                                                    tenant: TenantRef) -> None:
    """SQLite: the (created_at, id) and (id, owner, deleted_at) indexes go, as on
    PostgreSQL (t0003): the primary key answers created_at ranges and the all-records
    page, the (owner, id) index a team's page. Two schema statements fewer per object
    make tenant creation cheaper, each costing a scan of the file's whole schema
    (docs/scaling.md "Provisioning"). PostgreSQL: nothing left to do."""
    storage = tenant.storage
    if storage.schema is not None:
        return
    quote = conn.dialect.identifier_preparer.quote
    for object_name, _table in tenant_object_tables(conn, tenant):
        for gone in (visibility_index_name(storage, object_name),
                     created_at_index_name(storage, object_name)):
            conn.execute(sa.text(f"DROP INDEX IF EXISTS {quote(gone)}"))


def sqlite_visibility_index(conn: sa.Connection, tenant: TenantRef) -> None:
    """SQLite: the (id, owner, deleted_at) index back on every record table, so a dense
    team's newest-first page tests each row's owner in the index instead of reading
    the row (a restricted list at 1M rows: ``bench/permissions.py``). Tables created
    since have it as a UNIQUE constraint of their own (``build_table``); an existing
    table gets the same unique index by its constraint's name. PostgreSQL: its primary
    key carries the columns (t0003)."""
    storage = tenant.storage
    if storage.schema is not None:
        return
    quote = conn.dialect.identifier_preparer.quote
    wanted = list(VISIBILITY_INDEX_COLUMNS)
    for object_name, table_name in tenant_object_tables(conn, tenant):
        indexes = conn.exec_driver_sql("SELECT name FROM pragma_index_list(?)",
                                       (table_name,)).scalars().all()
        if any(_sqlite_index_columns(conn, index) == wanted for index in indexes):
            continue
        conn.execute(sa.text(
            f"CREATE UNIQUE INDEX {quote(visibility_index_name(storage, object_name))} "
            f"ON {quote(table_name)} ({', '.join(quote(c) for c in wanted)})"))


def _sqlite_index_columns(conn: sa.Connection, index: str) -> list[str]:
    return list(conn.exec_driver_sql(
        "SELECT name FROM pragma_index_info(?) ORDER BY seqno", (index,)).scalars())


STEPS: tuple[TenantStep, ...] = (
    TenantStep("t0001", "owner index on every record table", add_owner_index),
    TenantStep("t0002", "(id, owner, deleted_at) index on every record table",
               add_visibility_index),
    TenantStep("t0003", "PostgreSQL: the primary key carries (owner, deleted_at), in place "
               "of the (id, owner, deleted_at) index; no (created_at, id) index",
               visibility_in_primary_key),
    TenantStep("t0004", "SQLite: no (created_at, id) and no (id, owner, deleted_at) index",
               sqlite_without_created_at_and_visibility_indexes),
    TenantStep("t0005", "SQLite: a unique (id, owner, deleted_at) index on every record "
               "table again", sqlite_visibility_index),
)
