"""Every tenant table has an (owner, id) index and an (id, owner, deleted_at) one, the
tables created before them too."""

from __future__ import annotations

import sqlalchemy as sa

from objectry.platform import tenancy, tenant_migrations
from objectry.platform.services import Services
from objectry.runtime.model.compiled import (
    OWNER_INDEX_COLUMNS,
    VISIBILITY_INDEX_COLUMNS,
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


def test_the_visibility_index_is_built_and_migrated_like_the_owner_index(
        services: Services, api: Api, tenant: TenantHandle) -> None:
    api.define(campaign())
    api.define(lead())
    with tenant.context() as ctx:
        storage = ctx.storage
        table, schema = storage.table_name("lead"), storage.schema
        name = visibility_index_name(storage, "lead")
    assert owner_index(services, table, schema, name) == list(VISIBILITY_INDEX_COLUMNS)

    with services.engine.begin() as conn:  # a table as created before the index existed
        conn.execute(sa.text(f"DROP INDEX {schema + '.' if schema else ''}{name}"))
        tenant_id = tenancy.find_tenant(conn, tenant.slug).id
        conn.execute(tenant_migrations.tenant_revisions.update().where(
            tenant_migrations.tenant_revisions.c.tenant_id == tenant_id).values(
            revision="t0001"))
    assert owner_index(services, table, schema, name) is None
    report = tenant_migrations.upgrade_tenants(services.engine)  # `objectry db upgrade`
    assert report.migrated >= 1
    assert owner_index(services, table, schema, name) == list(VISIBILITY_INDEX_COLUMNS)
    report = tenant_migrations.upgrade_tenants(services.engine)  # nothing left to do
    assert report.pending == 0
