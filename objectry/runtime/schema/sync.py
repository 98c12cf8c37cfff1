"""Physical schema changes of tenant tables, through Alembic operations.

Every call runs on the caller's connection, inside the caller's transaction (DDL is
transactional on PostgreSQL and, with the engine's BEGIN recipe, on SQLite), so a
metadata change applies whole or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from objectry.runtime.kernel.storage import TenantStorage
from objectry.runtime.model.compiled import field_column, field_indexes


def _ops(conn: sa.Connection) -> Operations:
    return Operations(MigrationContext.configure(conn))


def create_table(conn: sa.Connection, table: sa.Table) -> None:
    table.create(conn)


def add_column(conn: sa.Connection, storage: TenantStorage, object_name: str,
               definition: Mapping[str, Any], column_name: str | None = None) -> None:
    column = field_column(storage, object_name, definition, name=column_name)
    _ops(conn).add_column(storage.table_name(object_name), column, schema=storage.schema)


def create_indexes(conn: sa.Connection, storage: TenantStorage, object_name: str,
                   definition: Mapping[str, Any]) -> None:
    for name, columns, unique in field_indexes(storage, object_name, definition):
        _ops(conn).create_index(name, storage.table_name(object_name), columns,
                                unique=unique, schema=storage.schema)


def drop_indexes(conn: sa.Connection, storage: TenantStorage, object_name: str,
                 definition: Mapping[str, Any]) -> None:
    for name, _columns, _unique in field_indexes(storage, object_name, definition):
        _ops(conn).drop_index(name, table_name=storage.table_name(object_name),
                              schema=storage.schema)


def drop_column(conn: sa.Connection, storage: TenantStorage, object_name: str,
                column_name: str) -> None:
    # SQLite >= 3.35 drops an unindexed column in place; the caller drops indexes first.
    _ops(conn).drop_column(storage.table_name(object_name), column_name,
                           schema=storage.schema)


def rename_column(conn: sa.Connection, storage: TenantStorage, object_name: str,
                  old: str, new: str) -> None:
    _ops(conn).alter_column(storage.table_name(object_name), old, new_column_name=new,
                            schema=storage.schema)
