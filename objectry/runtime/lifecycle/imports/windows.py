"""Reading an import's rows a window of row numbers at a time (preview, run, error file).

"The next rows after ``last``" (``row_no > last ORDER BY row_no LIMIT n``) is planned,
on a catalog table whose statistics may be missing (a fresh table, autovacuum off), as
a read of every matching row of the import, sorted, per page: a pass cost the square of
the import's size. A window of row numbers (``last < row_no <= last + n``) is a bounded
range of the primary key whatever the statistics; a window found empty (rows done by an
earlier run, rows without errors) asks where the next matching row is and jumps there.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from objectry.runtime.lifecycle.imports.tables import import_rows


def window(conn: sa.Connection, key: uuid.UUID, columns: Sequence[Any],
           where: Sequence[Any], after: int | None, size: int
           ) -> tuple[Sequence[Any], int | None]:
    """The import's rows matching ``where`` numbered in the window of ``size`` after
    ``after`` (None: from the first), in row order, and the window's end; no rows: there
    are no more."""
    matching = sa.and_(import_rows.c.import_id == key, *where)
    while True:
        if after is not None:
            rows = conn.execute(sa.select(*columns).where(
                matching, import_rows.c.row_no > after, import_rows.c.row_no <= after + size)
                .order_by(import_rows.c.row_no)).all()
            if rows:
                return rows, after + size
        following = conn.execute(sa.select(sa.func.min(import_rows.c.row_no)).where(
            matching, *([] if after is None else [import_rows.c.row_no > after]))).scalar()
        if following is None:
            return [], after
        after = following - 1


def windows(conn: sa.Connection, key: uuid.UUID, columns: Sequence[Any],
            where: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Every row of the import matching ``where``, a window of rows at a time."""
    after: int | None = None
    while True:
        rows, after = window(conn, key, columns, where, after, size)
        if not rows:
            return
        yield rows
