"""One statement, many rows, with the least Python per row (batch writes, imports).

``conn.execute(table.insert(), list_of_dicts)`` builds and type-processes a parameter
dict per row inside SQLAlchemy (a third of a bulk create's CPU on SQLite, where the
write itself is cheap). Here the statement is compiled once per batch for the
connection's dialect, the values that are the same for every row (tenant, object,
actor, instant) are bound once, and each row is a tuple of its own values run through
only the bind processors its columns have; the driver gets them in one
``executemany`` (``exec_driver_sql``). SQL text, casts and bind processors are
SQLAlchemy's own for that statement, so what reaches the database is what
``conn.execute`` would send; a database error surfaces as the same SQLAlchemy
exception (``IntegrityError`` on a unique violation).

The one place that knows how a compiled statement takes its parameters: positional
(SQLite: a tuple in ``positiontup`` order) or named (PostgreSQL: a dict per row), and
that a tenant's tables are named by the connection (``storage``), not the template
model the statement was built on.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from psycopg.abc import Transformer

Processor = Callable[[Any], Any] | None


def execute_many(conn: sa.Connection, statement: Any, fixed: Mapping[str, Any],
                 names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Run ``statement`` once per row: ``fixed`` values (bind name -> value) the same
    for every row, ``rows`` the other values in the order of ``names``. For an
    ``insert()`` the bind names are the column names (the statement gets exactly the
    columns of ``fixed`` and ``names``); an ``update()`` names its ``bindparam``s."""
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return
    table = getattr(statement, "table", None)
    if _client_defaults(statement, table, {*fixed, *names}):
        conn.execute(statement, [{**fixed, **dict(zip(names, row, strict=True))}
                                 for row in rows])
        return
    dialect = conn.dialect
    order = [*names, *fixed]
    if isinstance(statement, sa.Insert) and dialect.name == "postgresql" and table is not None:
        # a COPY compiles no statement: each column binds as its type does
        constants, columns = _bound({name: _processor(table.c[name], dialect)
                                     for name in order}, fixed, names, rows)
        _copy(conn, table, order, [*columns, *([c] for c in constants)], len(rows))
        return
    compiled = statement.compile(dialect=dialect, column_keys=[*fixed, *names],
                                 **_schema_of(conn))
    constants, columns = _bound({name: _processor(bind, dialect)
                                 for name, bind in compiled.binds.items()}, fixed, names, rows)
    processed = zip(*columns, *(itertools.repeat(c, len(rows)) for c in constants),
                    strict=True)  # each row's values in the order of [*names, *fixed]
    if compiled.positional:
        slot = {name: i for i, name in enumerate(order)}
        pick = _picker([slot[name] for name in compiled.positiontup or ()])
        params: list[Any] = [pick(values) for values in processed]
    else:
        escaped = compiled.escaped_bind_names or {}
        keys = [escaped.get(name, name) for name in order]
        params = [dict(zip(keys, values, strict=True)) for values in processed]
    conn.exec_driver_sql(compiled.string, params)


def _copy(conn: sa.Connection, table: sa.Table, order: Sequence[str],
          columns: Sequence[Sequence[Any]], count: int) -> None:
    """PostgreSQL: the rows of an insert as one ``COPY ... FROM STDIN`` (a third of the
    time of an ``executemany``, on the server as in Python), in the caller's
    transaction; values as bound for an INSERT (psycopg adapts them alike). A failure
    raises as the INSERT's would (``IntegrityError`` on a unique violation).
    ``columns``: each column's values in the order of ``order``, one value for all
    ``count`` rows where the column holds a single value (:func:`_as_text`)."""
    preparer = conn.dialect.identifier_preparer
    schema = table.schema
    translate = _schema_of(conn).get("schema_translate_map") or {}
    schema = translate.get(schema, schema)
    name = preparer.quote(table.name)
    if schema:
        name = f"{preparer.quote_schema(schema)}.{name}"
    listed = ", ".join(preparer.quote(table.c[key].name) for key in order)
    sql = f"COPY {name} ({listed}) FROM STDIN"
    dbapi = conn.dialect.loaded_dbapi
    try:
        raw = conn.connection.dbapi_connection
        from psycopg import adapt  # the PostgreSQL driver, only here

        texts = _as_text(adapt.Transformer(raw), raw.info.encoding,  # type: ignore[arg-type,union-attr]
                         columns, count)
        with raw.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
            for row in zip(*texts, strict=True):
                copy.write_row(row)
    except dbapi.Error as exc:
        raise sa.exc.DBAPIError.instance(sql, None, exc, dbapi.Error,
                                         dialect=conn.dialect) from exc


def _as_text(adapt: Transformer, encoding: str, columns: Sequence[Sequence[Any]],
             count: int) -> list[Sequence[Any]]:
    """The COPY's columns with the least adaptation per row: a value that is the same
    for every row (the batch's tenant, object, actor, instant) is adapted once, by
    psycopg's own dumper, and repeated as its text; a column of UUIDs is given as their
    32 hex digits, the very text psycopg's UUID dumper writes (the dumper, a Python
    call per value, was most of the adaptation of a batch's ids). Either way the COPY
    escapes and sends the same bytes as for the values themselves."""
    from psycopg.adapt import PyFormat

    texts: list[Sequence[Any]] = []
    for values in columns:
        first = values[0]
        if len(values) != count or (first is not None and all(v is first for v in values)):
            text = first
            if first is not None and type(first) is not str:  # as its dumper writes it
                dumped = adapt.get_dumper(first, PyFormat.TEXT).dump(first)
                text = None if dumped is None else bytes(dumped).decode(encoding)
            texts.append(list(itertools.repeat(text, count)))
        elif all(type(v) is uuid.UUID or v is None for v in values):
            texts.append([None if v is None else v.hex for v in values])
        else:
            texts.append(values)
    return texts


def _processed(processor: Processor, values: Sequence[Any]) -> Sequence[Any]:
    """A column's values as bound. Instants repeat down a column (the batch's clock
    reading) and are processed once each: equal instants bind alike, as UTC. (Ids
    repeat too, but hashing a UUID costs what binding it does.)"""
    if processor is None:
        return values
    if {type(v) for v in values} <= _REPEATING:
        memo: dict[Any, Any] = {}
        return [None if v is None else memo[v] if v in memo
                else memo.setdefault(v, processor(v)) for v in values]
    return [None if v is None else processor(v) for v in values]


_REPEATING = frozenset({dt.datetime, type(None)})


def _picker(indexes: Sequence[int]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """A row's values in the statement's parameter order (one C call per row)."""
    if len(indexes) == 1:
        index = indexes[0]
        return lambda values: (values[index],)
    return operator.itemgetter(*indexes)


def _bound(processors: Mapping[str, Processor], fixed: Mapping[str, Any],
           names: Sequence[str], rows: Sequence[Sequence[Any]]
           ) -> tuple[tuple[Any, ...], list[Sequence[Any]]]:
    """The values as bound: ``fixed`` ones once each, the rows' column by column."""
    constants = tuple(_processed(processors.get(name), [value])[0]
                      for name, value in fixed.items())
    columns = [_processed(processors.get(name), values)
               for name, values in zip(names, zip(*rows, strict=True), strict=True)]
    return constants, columns


def _processor(bind: Any, dialect: sa.Dialect) -> Processor:
    """The bind processor of a parameter's type on this dialect (a TypeDecorator's
    ``process_bind_param`` then its implementation's), or None."""
    result: Processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
    return result


def _schema_of(conn: sa.Connection) -> dict[str, Any]:
    """Compile options naming the tenant's tables as the connection does
    (``schema_translate_map`` on PostgreSQL, rendered into the text; SQLite renames
    template tables per statement as it runs, driver SQL included)."""
    storage = getattr(conn, "storage", None)
    if storage is None:
        return {}
    translate = storage.execution_options().get("schema_translate_map")
    if not translate:
        return {}
    return {"schema_translate_map": translate, "render_schema_translate": True}


def _client_defaults(statement: Any, table: Any, given: set[str]) -> bool:
    """Whether the statement leaves out a column with a Python-side default (insert) or
    onupdate (update): SQLAlchemy would fill it in, driver SQL would not, so such
    statements take the plain path."""
    if table is None:
        return False
    if isinstance(statement, sa.Insert):
        return any(c.default is not None and c.name not in given for c in table.columns)
    if isinstance(statement, sa.Update):
        return any(c.onupdate is not None and c.name not in given for c in table.columns)
    return False
