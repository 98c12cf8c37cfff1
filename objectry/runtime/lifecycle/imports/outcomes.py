"""Storing a batch's per-row outcomes on its import rows, in the batch's transaction.

A run stores them only for the rows with something to say (failed rows, rows whose
preview errors the run overrules); the rows it wrote are covered by the import's
watermark (``jobs``).

On PostgreSQL the outcomes of a batch are one ``UPDATE ... FROM unnest(...)`` (the
rows' numbers, outcomes and records as three arrays): a statement per row, even
pipelined, costs the server a plan and an index lookup each, and the client a bound
parameter set each (a tenth of a run's time). Errors, only on failed rows, follow per
row. Other databases (SQLite: in process, statements are cheap) take one
``executemany``. Either way each row ends with its outcome, record and errors.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from objectry.runtime.lifecycle.imports.tables import import_rows
from objectry.runtime.records.executemany import execute_many

#: (row number, outcome, record id or None, errors or None) of one row
Outcome = tuple[int, str, Any, list[dict[str, Any]] | None]


def store(conn: sa.Connection, import_id: uuid.UUID, outcomes: Sequence[Outcome]) -> None:
    """Each row's outcome, record and errors (None: it was written)."""
    if not outcomes:
        return
    if conn.dialect.name != "postgresql":
        _per_row(conn, import_id, outcomes)
        return
    given = (
        sa.func.unnest(
            sa.bindparam("rows", [o[0] for o in outcomes], type_=postgresql.ARRAY(sa.Integer)),
            sa.bindparam("outcomes", [o[1] for o in outcomes], type_=postgresql.ARRAY(sa.String)),
            sa.bindparam(
                "records", [_uuid(o[2]) for o in outcomes], type_=postgresql.ARRAY(sa.Uuid)
            ),
        )
        .table_valued("row_no", "outcome", "record_id")
        .render_derived(name="given")
    )
    conn.execute(
        import_rows.update()
        .where(import_rows.c.import_id == import_id, import_rows.c.row_no == given.c.row_no)
        .values(outcome=given.c.outcome, record_id=given.c.record_id, errors=sa.null())
    )
    _per_row(conn, import_id, [o for o in outcomes if o[3] is not None])


def _per_row(conn: sa.Connection, import_id: uuid.UUID, outcomes: Sequence[Outcome]) -> None:
    execute_many(
        conn,
        import_rows.update()
        .where(
            import_rows.c.import_id == sa.bindparam("_import"),
            import_rows.c.row_no == sa.bindparam("_row"),
        )
        .values(
            outcome=sa.bindparam("_outcome"),
            record_id=sa.bindparam("_record"),
            errors=sa.bindparam("_errors"),
        ),
        {"_import": import_id},
        ("_row", "_outcome", "_record", "_errors"),
        outcomes,
    )


def _uuid(value: Any) -> uuid.UUID | None:
    return value if value is None or isinstance(value, uuid.UUID) else uuid.UUID(str(value))
