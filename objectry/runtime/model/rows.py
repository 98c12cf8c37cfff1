"""Loading one stored row by id, with the caller's visibility applied in SQL."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from objectry.metadata.problems import Forbidden, NotFound
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import ObjectModel


def parse_id(object_name: str, record_id: Any) -> uuid.UUID:
    if isinstance(record_id, uuid.UUID):
        return record_id
    try:
        return uuid.UUID(str(record_id))
    except ValueError as exc:
        raise NotFound(detail_code="unknown_record", object=object_name,
                       id=str(record_id)[:64]) from exc


#: The parameter of :func:`row_query` naming the row.
ROW_ID = "_row_id"


def row_query(model: ObjectModel,
              visible: sa.ColumnElement[bool] | None = None) -> sa.Select[Any]:
    """One row by the id passed as ``ROW_ID``, where ``visible``: a statement a caller
    may keep and run again (building it costs more than running it)."""
    table = model.table
    query = sa.select(table).where(table.c.id == sa.bindparam(ROW_ID, type_=table.c.id.type))
    return query if visible is None else query.where(visible)


def load_row(ctx: Context, model: ObjectModel, record_id: Any, *,
             include_deleted: bool = False,
             visible: sa.ColumnElement[bool] | None = None,
             query: sa.Select[Any] | None = None) -> dict[str, Any]:
    """The row, or 404 (unknown or deleted) / 403 (exists, but not for this caller).

    ``visible`` is the caller's data scope and distribution as a SQL condition; a row
    outside it answers 403 rather than 404 because record ids are unguessable and the
    user who follows a colleague's link deserves to know why it does not open.
    ``query``: ``row_query(model, visible)`` kept by the caller.
    """
    rid = parse_id(model.api_name, record_id)
    table = model.table
    statement = row_query(model, visible) if query is None else query
    row = ctx.conn.execute(statement, {ROW_ID: rid}).mappings().first()
    if row is None and visible is not None:
        exists = ctx.conn.execute(sa.select(table.c.id, table.c.deleted_at)
                                  .where(table.c.id == rid)).first()
        if exists is not None and (exists.deleted_at is None or include_deleted):
            raise Forbidden(detail_code="record_not_accessible", object=model.api_name,
                            id=str(rid))
    if row is None or (row["deleted_at"] is not None and not include_deleted):
        code = "record_deleted" if row is not None else "unknown_record"
        raise NotFound(detail_code=code, object=model.api_name, id=str(rid))
    return dict(row)
