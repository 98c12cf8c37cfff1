"""Rows whose key is one of many values, with a plan that stays an index probe per value.

A batch asks for hundreds of keys at once (a duplicate check's match keys, the ids of
the records they name). ``key IN (...)`` is the natural query, and SQLite always probes
the index with it. PostgreSQL may not: the index that leads with ``(tenant_id, rule)``
or the primary key is only used with the list as a filter, or not at all, when the
planner believes the prefix holds a handful of rows, which is what it believes of a
table filled since its last ``ANALYZE`` (a fresh tenant's import, a server without
autovacuum): it then reads every key of the rule, or every record, per batch, so a
200,000-row import slows down as it goes. There the values are unnested and joined
``LATERAL`` to a subquery that cannot be flattened (``OFFSET 0``), which leaves one
plan: one index probe per value, whatever the statistics.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

CHUNK = 500  # values per ``IN`` list (SQLite's parameter limit leaves room)


def rows_keyed(conn: sa.Connection, columns: Sequence[Any], key: sa.ColumnElement[Any],
               values: Iterable[Any], *where: sa.ColumnElement[bool]) -> Iterator[Any]:
    """``SELECT columns WHERE key IN values AND where``: each matching row once per
    distinct value it matches, in no particular order."""
    wanted = list(dict.fromkeys(values))
    if not wanted:
        return
    if conn.dialect.name == "postgresql":
        listed = sa.func.unnest(sa.bindparam("wanted", wanted, type_=postgresql.ARRAY(
            key.type))).table_valued("value").render_derived("wanted")
        found = sa.select(*columns).where(key == listed.c.value, *where).offset(0) \
            .lateral("found")
        yield from conn.execute(sa.select(found).select_from(listed).join(found, sa.true()))
        return
    for start in range(0, len(wanted), CHUNK):
        yield from conn.execute(sa.select(*columns).where(
            key.in_(wanted[start:start + CHUNK]), *where))
