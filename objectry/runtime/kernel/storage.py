"""Where a tenant's record tables live.

PostgreSQL: one schema per tenant (``t_<slug>``), tables named after the object, so a
tenant's data can be dumped, moved or sharded (Citus schema-based sharding) on its own.

SQLite: one database file holds everyone (cross-tenant ATTACH would lose atomic commits
in WAL mode and caps at ten files), so each tenant's tables carry a ``t_<slug>__``
prefix.

Tenants with the same object definition share one compiled model (one SQLAlchemy
``Table``), built for the *template* storage (:data:`TEMPLATE_SLUG`). A tenant's context
runs every statement through a :class:`TenantConnection`, which names the tenant's own
storage in place of the template's: on PostgreSQL with SQLAlchemy's
``schema_translate_map`` (the template schema to ``t_<slug>``), on SQLite by rewriting
the template table prefix in the statement text just before it reaches the driver
(:func:`tenant_statement`). Both happen after SQLAlchemy's statement cache, so one
compiled statement serves every tenant. A statement on a template table outside a
tenant's connection fails (an unknown schema or table): it never reaches another tenant.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

PG_IDENTIFIER_MAX = 63
#: Where a pooled connection collects the tenants it served, in its ``info`` (which
#: lives as long as the database connection): present only where the engine recycles
#: a connection after so many tenants (``platform.db``), so nothing grows elsewhere.
TENANTS_SERVED = "objectry_tenants"
#: The slug shared compiled models are built for. Tenant slugs are lower case, so no
#: tenant's schema or table prefix can be the template's.
TEMPLATE_SLUG = "Tenant"
#: Execution option (SQLite): the table prefix of the tenant a statement runs for.
TABLE_PREFIX_OPTION = "objectry_table_prefix"


@dataclass(frozen=True)
class TenantStorage:
    dialect: str
    slug: str

    @property
    def schema(self) -> str | None:
        return f"t_{self.slug}" if self.dialect == "postgresql" else None

    def table_name(self, object_name: str) -> str:
        if self.dialect == "postgresql":
            return object_name
        return f"t_{self.slug}__{object_name}"

    @classmethod
    def template(cls, dialect: str) -> TenantStorage:
        """The storage shared compiled models name; each tenant's connection maps it."""
        return cls(dialect, TEMPLATE_SLUG)

    @property
    def table_prefix(self) -> str:
        return f"t_{self.slug}__"

    def execution_options(self) -> dict[str, Any]:
        """What makes a statement on template tables run on this tenant's tables."""
        template = TenantStorage.template(self.dialect)
        if template.schema is not None:
            return {"schema_translate_map": {template.schema: self.schema}}
        return {TABLE_PREFIX_OPTION: self.table_prefix}

    def index_name(self, object_name: str, column: str, *, unique: bool) -> str:
        prefix = "ux" if unique else "ix"
        name = f"{prefix}_{self.table_name(object_name)}__{column}"
        if len(name) <= PG_IDENTIFIER_MAX:
            return name
        digest = hashlib.sha1(name.encode()).hexdigest()[:10]
        return f"{name[:PG_IDENTIFIER_MAX - 11]}_{digest}"


def tenant_statement(statement: str, options: Mapping[str, Any]) -> str:
    """SQLite: the statement with the template table prefix replaced by the tenant's
    (``TABLE_PREFIX_OPTION``); a template table outside a tenant's connection is refused.
    Identifiers are the only place the prefix can appear: values travel as parameters."""
    template = TenantStorage.template("sqlite").table_prefix
    if template not in statement:
        return statement
    prefix = options.get(TABLE_PREFIX_OPTION)
    if prefix is None:
        raise RuntimeError("a shared tenant table was used outside a tenant's connection")
    return statement.replace(template, prefix)


#: Names a TenantConnection answers itself; everything else is the wrapped connection's.
_OWN = frozenset({"execute", "scalar", "scalars", "exec_driver_sql", "raw", "storage",
                  "_tenant_options", "_options_for", "__class__", "__repr__"})


class TenantConnection(sa.Connection):
    """One tenant's view of a connection: the same DBAPI connection and transaction (every
    attribute and method is the wrapped connection's), but each statement runs with the
    tenant's :meth:`TenantStorage.execution_options`. Contexts of several tenants may
    share one connection (an automation batch): each has its own view, so a statement
    always runs for the tenant whose context issued it."""

    def __init__(self, conn: sa.Connection, storage: TenantStorage) -> None:
        # deliberately not Connection.__init__: the state is the wrapped connection's
        object.__setattr__(self, "raw", conn)
        object.__setattr__(self, "storage", storage)
        object.__setattr__(self, "_tenant_options", storage.execution_options())

    @classmethod
    def of(cls, conn: sa.Connection, storage: TenantStorage) -> TenantConnection:
        """``conn`` (or the connection a view wraps) seen by the tenant of ``storage``."""
        raw = conn.raw if isinstance(conn, TenantConnection) else conn
        served = raw.info.get(TENANTS_SERVED)
        if served is not None:
            served.add(storage.slug)
        return cls(raw, storage)

    def __getattribute__(self, name: str) -> Any:
        if name in _OWN:
            return object.__getattribute__(self, name)
        return getattr(object.__getattribute__(self, "raw"), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.raw, name, value)

    def __repr__(self) -> str:
        return f"<TenantConnection {self.storage.slug} of {self.raw!r}>"

    def _options_for(self, options: Any) -> Any:
        own: dict[str, Any] = self._tenant_options
        return {**options, **own} if options else own

    def execute(self, statement: Any, parameters: Any = None, *,
                execution_options: Any = None) -> Any:
        return self.raw.execute(statement, parameters,
                                execution_options=self._options_for(execution_options))

    def scalar(self, statement: Any, parameters: Any = None, *,
               execution_options: Any = None) -> Any:
        return self.raw.scalar(statement, parameters,
                               execution_options=self._options_for(execution_options))

    def scalars(self, statement: Any, parameters: Any = None, *,
                execution_options: Any = None) -> Any:
        return self.raw.scalars(statement, parameters,
                                execution_options=self._options_for(execution_options))

    def exec_driver_sql(self, statement: str, parameters: Any = None,
                        execution_options: Any = None) -> Any:
        return self.raw.exec_driver_sql(statement, parameters,
                                        execution_options=self._options_for(execution_options))
