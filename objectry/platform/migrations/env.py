"""Alembic environment for the catalog (platform tables; tenant tables follow metadata)."""

from __future__ import annotations

from alembic import context

from objectry.metadata.tables import CATALOG
from objectry.permissions import tables as _permission_tables  # noqa: F401 (registers)
from objectry.runtime import tables as _runtime_tables  # noqa: F401  (registers tables)
from objectry.runtime.automation import tables as _automation_tables  # noqa: F401
from objectry.runtime.functions import calls_table as _function_tables  # noqa: F401

config = context.config


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=CATALOG,
                          render_as_batch=connection.dialect.name == "sqlite",
                          transactional_ddl=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
