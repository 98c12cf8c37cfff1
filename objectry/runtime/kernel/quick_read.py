"""A one-row read compiled once and run on SQLite's DBAPI connection itself.

SQLAlchemy's execution of a cached statement (cache lookup, execution context, result
set) costs SQLite about 75 microseconds, where the statement itself, an index probe,
takes 3 to 5: twenty times the work. For the few reads every request makes before its
page (whether a grant reaches the actor), that is a fifth of the difference between a
restricted list and an administrator's (``bench/permissions.py``). A ``QuickRead`` is
compiled by SQLAlchemy once (same SQL, same parameter processing), then each run is one
DBAPI ``execute`` in the connection's current transaction.

Only catalog tables: a tenant's record tables are named at execution time
(``storage.tenant_statement``), which this path does not do, so it refuses them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from objectry.runtime.kernel.storage import TenantStorage


@dataclass(frozen=True)
class QuickParameter:
    """One positional parameter read at each run: the callable giving its value (the
    clock, say) and the type's processor (a datetime to SQLite's text)."""

    read: Callable[[], Any]
    process: Callable[[Any], Any] | None


@dataclass(frozen=True)
class QuickRead:
    sql: str
    #: each parameter's value as sent, where it is fixed (processed once, when compiled)
    fixed: tuple[Any, ...]
    #: the parameters read at each run, by position
    read: tuple[tuple[int, QuickParameter], ...]

    @classmethod
    def of(cls, statement: sa.Select[Any], dialect: sa.Dialect) -> QuickRead:
        """``statement`` compiled for a SQLite ``dialect``; ValueError for anything this
        path cannot run exactly as SQLAlchemy would (another dialect, a list expanded at
        execution, a tenant table)."""
        if dialect.name != "sqlite" or dialect.paramstyle != "qmark":
            raise ValueError("a quick read runs on SQLite only")
        compiled = statement.compile(dialect=dialect)
        sql = str(compiled)
        if TenantStorage.template("sqlite").table_prefix in sql:
            raise ValueError("a quick read names no tenant table")
        fixed: list[Any] = []
        read: list[tuple[int, QuickParameter]] = []
        for index, name in enumerate(compiled.positiontup or ()):
            bind = compiled.binds[name]
            if bind.expanding:
                raise ValueError(f"parameter {name} is expanded at execution")
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if bind.callable is not None:
                read.append((index, QuickParameter(bind.callable, process)))
                fixed.append(None)
            else:
                fixed.append(bind.value if process is None or bind.value is None
                             else process(bind.value))
        return cls(sql, tuple(fixed), tuple(read))

    def first(self, conn: sa.Connection) -> tuple[Any, ...] | None:
        """The first row, read in ``conn``'s transaction."""
        dbapi = conn.connection.driver_connection
        if dbapi is None:
            raise RuntimeError("the connection is closed")
        values = list(self.fixed)
        once: dict[int, Any] = {}  # a callable used twice (the clock) read once; by id,
        for index, parameter in self.read:  # as a clock need not be hashable
            key = id(parameter.read)
            value = once[key] if key in once else once.setdefault(key, parameter.read())
            values[index] = value if parameter.process is None or value is None \
                else parameter.process(value)
        cursor = dbapi.execute(self.sql, values)
        try:
            row = cursor.fetchone()
        finally:
            cursor.close()
        return None if row is None else tuple(row)
