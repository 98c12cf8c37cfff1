"""Every tenant table has an (owner, id) index, the ones created before it too."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from objectry.platform.db import alembic_config, upgrade
from objectry.platform.services import Services
from objectry.runtime.model.compiled import OWNER_INDEX_COLUMNS, get_model, owner_index_name
from tests.conftest import Api, TenantHandle
from tests.docs_objects import campaign, lead


def owner_index(services: Services, table: sa.Table, name: str) -> list[str] | None:
    with services.engine.connect() as conn:
        for index in sa.inspect(conn).get_indexes(table.name, schema=table.schema):
            if index["name"] == name:
                return list(index["column_names"])
    return None


def test_new_tables_have_it_and_the_migration_adds_it_to_old_ones(
        services: Services, api: Api, tenant: TenantHandle) -> None:
    api.define(campaign())
    api.define(lead())
    with tenant.context() as ctx:
        table = get_model(ctx, "lead").table
        name = owner_index_name(ctx.storage, "lead")
    assert owner_index(services, table, name) == list(OWNER_INDEX_COLUMNS)

    with services.engine.begin() as conn:  # a table as created before the index existed
        next(index for index in table.indexes if index.name == name).drop(conn)
    assert owner_index(services, table, name) is None
    command.downgrade(alembic_config(services.engine), "0005")  # skips what is missing
    upgrade(services.engine)
    assert owner_index(services, table, name) == list(OWNER_INDEX_COLUMNS)
