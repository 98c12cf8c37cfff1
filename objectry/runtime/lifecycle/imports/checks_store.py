"""Storing what a preview found per row: its errors, and its match keys for the run.

An upload's rows are inserted with them (``insert``: one ``COPY`` on PostgreSQL). A
later preview (a remap) updates the stored rows (``store``): every row of a previewed
batch gets both (errors None: the row passed; keys None: no duplicate rule checks the
object), so it replaces all of an earlier preview's. On PostgreSQL a batch is one
``UPDATE ... FROM unnest(...)`` (row numbers, errors and keys as three arrays, the JSON
as text): a statement per row costs the server a plan and an index lookup each. Other
databases (SQLite: in process, statements are cheap) take one ``executemany``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from objectry.runtime.lifecycle.imports.tables import import_rows
from objectry.runtime.records.executemany import execute_many

#: (row number, errors or None, rule name -> [match key, *its values], or None) of one row
Checked = tuple[int, list[dict[str, Any]] | None, dict[str, list[Any]] | None]


def insert(conn: sa.Connection, import_id: uuid.UUID, cells: Sequence[list[str]],
           rows: Sequence[Checked]) -> None:
    """New rows of an upload (their cells, in the order of ``rows``) with what their
    first preview found: one insert (``COPY`` on PostgreSQL), nothing to update."""
    execute_many(conn, import_rows.insert(), {"import_id": import_id},
                 ("row_no", "cells", "errors", "match_keys"),
                 [(number, row_cells, errors, keys)
                  for row_cells, (number, errors, keys) in zip(cells, rows, strict=True)])


def store(conn: sa.Connection, import_id: uuid.UUID, rows: Sequence[Checked]) -> None:
    """Each row's errors and match keys, replacing what an earlier preview stored."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        execute_many(conn, import_rows.update().where(
            import_rows.c.import_id == sa.bindparam("_import"),
            import_rows.c.row_no == sa.bindparam("_row"))
            .values(errors=sa.bindparam("_errors"), match_keys=sa.bindparam("_keys")),
            {"_import": import_id}, ("_row", "_errors", "_keys"), rows)
        return
    given = (
        sa.func.unnest(
            sa.bindparam("rows", [r[0] for r in rows], type_=postgresql.ARRAY(sa.Integer)),
            sa.bindparam("errors", [_text(r[1]) for r in rows],
                         type_=postgresql.ARRAY(sa.Text)),
            sa.bindparam("keys", [_text(r[2]) for r in rows], type_=postgresql.ARRAY(sa.Text)),
        )
        .table_valued("row_no", "errors", "match_keys")
        .render_derived(name="given")
    )
    conn.execute(
        import_rows.update()
        .where(import_rows.c.import_id == import_id, import_rows.c.row_no == given.c.row_no)
        .values(errors=sa.cast(given.c.errors, postgresql.JSONB),
                match_keys=sa.cast(given.c.match_keys, postgresql.JSONB)))


def _text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)
