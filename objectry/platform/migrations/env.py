"""Alembic environment for the catalog (platform tables; tenant tables follow metadata)."""

from __future__ import annotations

from alembic import context

from objectry.metadata.catalog_tables import CATALOG
from objectry.packs import pack_tables as _pack_tables  # noqa: F401
from objectry.permissions import grant_tables as _grant_tables  # noqa: F401 (registers)
from objectry.platform.tenant_migrations import tables as _tenant_tables  # noqa: F401
from objectry.runtime.analytics import analytics_tables as _analytics_tables  # noqa: F401
from objectry.runtime.automation import message_tables as _message_tables  # noqa: F401
from objectry.runtime.automation import run_tables as _run_tables  # noqa: F401
from objectry.runtime.distribution import cursor_tables as _cursor_tables  # noqa: F401
from objectry.runtime.functions import calls_table as _function_tables  # noqa: F401
from objectry.runtime.lifecycle import consent_tables as _consent_tables  # noqa: F401
from objectry.runtime.lifecycle import lifecycle_tables as _lifecycle_tables  # noqa: F401
from objectry.runtime.lifecycle.duplicates import key_tables as _duplicate_keys  # noqa: F401
from objectry.runtime.model import hidden_fields as _hidden_fields  # noqa: F401
from objectry.runtime.records import journal_tables as _journal_tables  # noqa: F401
from objectry.runtime.secrets import secret_tables as _secret_tables  # noqa: F401

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
