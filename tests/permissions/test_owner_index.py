"""Every tenant table has an (owner, id) index, the tables created before it too; on
PostgreSQL the primary key includes owner and deleted_at, in place of the separate (id,
owner, deleted_at) index; SQLite has that index as a UNIQUE constraint of the table
(built within CREATE TABLE: each separate index is one more schema statement in tenant
creation, docs/scaling.md "Provisioning"), and older tables get it from t0005."""

from __future__ import annotations

import sqlalchemy as sa

from objectry.platform import tenancy, tenant_migrations
from objectry.platform.services import Services
from objectry.runtime.kernel.storage import TenantStorage
from objectry.runtime.model.compiled import (
    OWNER_INDEX_COLUMNS,
    PRIMARY_KEY_INCLUDE,
    VISIBILITY_INDEX_COLUMNS,
    created_at_index_name,
    owner_index_name,
    visibility_index_name,
)
from tests.conftest import Api, TenantHandle
from tests.docs_objects import campaign, lead


def owner_index(services: Services, table: str, schema: str | None,
                name: str) -> list[str] | None:
    with services.engine.connect() as conn:
        for index in sa.inspect(conn).get_indexes(table, schema=schema):
            if index["name"] == name:
                return list(index["column_names"])
    return None


def test_new_tables_have_it_and_the_tenant_migration_adds_it_to_old_ones(
        services: Services, api: Api, tenant: TenantHandle) -> None:
    api.define(campaign())
    api.define(lead())
    with tenant.context() as ctx:
        storage = ctx.storage
        table, schema = storage.table_name("lead"), storage.schema
        name = owner_index_name(storage, "lead")
    assert owner_index(services, table, schema, name) == list(OWNER_INDEX_COLUMNS)

    with services.engine.begin() as conn:  # a table as created before the index existed
        conn.execute(sa.text(f"DROP INDEX {schema + '.' if schema else ''}{name}"))
        tenant_id = tenancy.find_tenant(conn, tenant.slug).id
        conn.execute(tenant_migrations.tenant_revisions.delete().where(
            tenant_migrations.tenant_revisions.c.tenant_id == tenant_id))
    assert owner_index(services, table, schema, name) is None
    report = tenant_migrations.upgrade_tenants(services.engine)  # `objectry db upgrade`
    assert report.migrated >= 1
    assert owner_index(services, table, schema, name) == list(OWNER_INDEX_COLUMNS)


def primary_key(services: Services, table: str, schema: str) -> tuple[list[str], list[str]]:
    """(key columns, included columns) of the table's primary key index (PostgreSQL)."""
    with services.engine.connect() as conn:
        row = conn.execute(sa.text(
            "SELECT i.indnkeyatts, ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH "
            "ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = k.n ORDER BY k.o) FROM pg_index i "
            "WHERE i.indrelid = CAST(:t AS regclass) AND i.indisprimary"),
            {"t": f'"{schema}"."{table}"'}).one()
    return list(row[1][:row[0]]), list(row[1][row[0]:])


def test_the_visibility_index_is_built_and_migrated_like_the_owner_index(
        services: Services, api: Api, tenant: TenantHandle) -> None:
    """PostgreSQL: the primary key carries (owner, deleted_at) in place of a separate
    (id, owner, deleted_at) index, one index fewer per table in every backend's cache;
    tables made before that get it from the tenant migration (t0003). SQLite: the
    table's own unique (id, owner, deleted_at) index; t0004 dropped the separate one and
    the (created_at, id) one, t0005 adds the unique one to tables made before."""
    api.define(campaign())
    api.define(lead())
    with tenant.context() as ctx:
        storage = ctx.storage
        table, schema = storage.table_name("lead"), storage.schema
        name = visibility_index_name(storage, "lead")
        tenant_id = ctx.tenant.id
    if schema is None:
        sqlite_visibility_and_created_at_indexes(services, storage, tenant_id)
        return
    assert owner_index(services, table, schema, name) is None
    assert primary_key(services, table, schema) == (["id"], list(PRIMARY_KEY_INCLUDE))

    with services.engine.begin() as conn:  # a table as created before t0003
        qualified = f'"{schema}"."{table}"'
        conn.execute(sa.text(f'ALTER TABLE {qualified} DROP CONSTRAINT "{table}_pkey", '
                             f'ADD CONSTRAINT "{table}_pkey" PRIMARY KEY (id)'))
        conn.execute(sa.text(f'CREATE INDEX "{name}" ON {qualified} '
                             f'({", ".join(VISIBILITY_INDEX_COLUMNS)})'))
        conn.execute(tenant_migrations.tenant_revisions.update().where(
            tenant_migrations.tenant_revisions.c.tenant_id == tenant_id).values(
            revision="t0002"))
    assert primary_key(services, table, schema) == (["id"], [])
    report = tenant_migrations.upgrade_tenants(services.engine)  # `objectry db upgrade`
    assert report.migrated >= 1
    assert owner_index(services, table, schema, name) is None
    assert primary_key(services, table, schema) == (["id"], list(PRIMARY_KEY_INCLUDE))
    report = tenant_migrations.upgrade_tenants(services.engine)  # nothing left to do
    assert report.pending == 0


def sqlite_indexes(services: Services, table: str) -> dict[str, list[str]]:
    """Every index of a SQLite table (its constraints' automatic ones too): columns."""
    with services.engine.connect() as conn:
        names = conn.exec_driver_sql("SELECT name FROM pragma_index_list(?)",
                                     (table,)).scalars().all()
        return {name: list(conn.exec_driver_sql(
            "SELECT name FROM pragma_index_info(?) ORDER BY seqno", (name,)).scalars())
            for name in names}


def visibility_indexes(services: Services, table: str) -> list[str]:
    """The names of the table's unique (id, owner, deleted_at) indexes."""
    with services.engine.connect() as conn:
        unique = {row.name: bool(row.unique) for row in conn.exec_driver_sql(
            "SELECT name, \"unique\" FROM pragma_index_list(?)", (table,))}
    return [name for name, columns in sqlite_indexes(services, table).items()
            if columns == list(VISIBILITY_INDEX_COLUMNS) and unique[name]]


def sqlite_visibility_and_created_at_indexes(
        services: Services, storage: TenantStorage, tenant_id: int) -> None:
    table = storage.table_name("lead")
    # a new table: the visibility index is its UNIQUE constraint's, no created_at index
    assert len(visibility_indexes(services, table)) == 1
    assert ["created_at", "id"] not in sqlite_indexes(services, table).values()
    tenant_migrations.upgrade_tenants(services.engine)
    assert len(visibility_indexes(services, table)) == 1  # t0005 adds no second one

    # a table as created before t0004: a plain visibility index and a created_at one,
    # in place of the constraint (SQLite cannot drop a constraint: the table is made again)
    gone = {visibility_index_name(storage, "lead"): VISIBILITY_INDEX_COLUMNS,
            created_at_index_name(storage, "lead"): ("created_at", "id")}
    with services.engine.begin() as conn:
        conn.execute(sa.text(f'CREATE TABLE "{table}_old" AS SELECT * FROM "{table}"'))
        conn.execute(sa.text(f'DROP TABLE "{table}"'))
        conn.execute(sa.text(f'ALTER TABLE "{table}_old" RENAME TO "{table}"'))
        for name, columns in gone.items():
            conn.execute(sa.text(f'CREATE INDEX "{name}" ON "{table}" ({", ".join(columns)})'))
        conn.execute(tenant_migrations.tenant_revisions.update().where(
            tenant_migrations.tenant_revisions.c.tenant_id == tenant_id).values(
            revision="t0003"))
    assert visibility_indexes(services, table) == []  # the plain one is not unique
    assert owner_index(services, table, None, created_at_index_name(storage, "lead")) == [
        "created_at", "id"]
    report = tenant_migrations.upgrade_tenants(services.engine)  # `objectry db upgrade`
    assert report.migrated >= 1
    assert owner_index(services, table, None, created_at_index_name(storage, "lead")) is None
    assert visibility_indexes(services, table) == [visibility_index_name(storage, "lead")]
    assert tenant_migrations.upgrade_tenants(services.engine).pending == 0
