"""The journal: the one writer of record versions, the field audit and the outbox event.

Every change to a stored record (create, update, delete, restore, cascade, set_null,
owner change) goes through :func:`insert` or :func:`bump`, so each one carries the
same optimistic version guard, the same audit entry and the same ``record.*`` event,
all in the caller's transaction. Nothing else in the runtime writes a record row.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from objectry.metadata.problems import Conflict, ErrorItem, PreconditionFailed, pointer
from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Context
from objectry.runtime.kernel.ids import unix_ms, uuid7, uuid7_many
from objectry.runtime.model.compiled import ObjectModel
from objectry.runtime.query.rollup_sql import as_stored, upkeep
from objectry.runtime.records.executemany import execute_many
from objectry.runtime.records.journal_tables import events, record_audit

Change = dict[str, Any]  # {"field", "old", "new"} in API form


def insert(ctx: Context, model: ObjectModel, row: Mapping[str, Any],
           changes: list[Change]) -> None:
    """Store a new record as version 1 (``row`` carries id, version and stamps)."""
    _execute(ctx, model, model.table.insert(), row, row)
    upkeep(ctx, model, [(None, row)])  # roll-ups over this object
    _append(ctx, model, row["id"], 1, "created", changes)


def insert_many(ctx: Context, model: ObjectModel,
                rows: list[tuple[Mapping[str, Any], list[Change]]]) -> None:
    """Store new records as version 1, with their audit entries and events, one
    ``executemany`` each (``records.batch``); a unique violation raises as is."""
    if not rows:
        return
    names = list(dict.fromkeys(name for row, _ in rows for name in row))  # one shape
    execute_many(ctx.conn, model.table.insert(), {}, names,
                 [tuple(map(row.get, names)) for row, _ in rows])
    upkeep(ctx, model, [(None, row) for row, _ in rows])  # roll-ups over this object
    now = ctx.now()
    tenant, actor = ctx.tenant.id, ctx.actor.user_id
    execute_many(ctx.conn, record_audit.insert(), {
        "tenant_id": tenant, "object": model.api_name, "record_version": 1,
        "action": "created", "actor_id": actor, "at": now}, ("record_id", "changes"),
        [(row["id"], changes) for row, changes in rows])
    event_ids = uuid7_many(unix_ms(now), len(rows))  # in the batch's order
    execute_many(ctx.conn, events.insert(), {
        "tenant_id": tenant, "object": model.api_name, "type": "record.created",
        "occurred_at": now, "actor_id": actor}, ("id", "record_id", "data"),
        [(event_id, row["id"], {"version": 1, "changes": changes})
         for event_id, (row, changes) in zip(event_ids, rows, strict=True)])


def bump(ctx: Context, model: ObjectModel, row: Mapping[Any, Any], values: Mapping[str, Any],
         action: str, changes: list[Change]) -> dict[str, Any]:
    """Write ``values`` as the next version of ``row``, if nobody wrote it since it was read.

    ``row`` is the stored row as the caller read it (its ``id`` and ``version`` are
    checked in the same statement); a concurrent writer that won the race makes this a
    412 ``version_mismatch``. Returns the stamp written (version, updated_at/by).
    """
    table = model.table
    version = row["version"] + 1
    stamp = {"version": version, "updated_at": ctx.now(), "updated_by": ctx.actor.user_id}
    statement = table.update().where(table.c.id == sa.bindparam("_match_id"),
                                     table.c.version == sa.bindparam("_match_version"))
    params = {**values, **stamp, "_match_id": row["id"], "_match_version": row["version"]}
    before = as_stored(ctx, model, [row])[0]  # what roll-ups over it counted
    result = _execute(ctx, model, statement, params, {**row, **values})
    if result.rowcount != 1:
        current = ctx.conn.execute(sa.select(table.c.version).where(
            table.c.id == row["id"])).scalar()
        raise PreconditionFailed(detail_code="version_mismatch", expected=row["version"],
                                 actual=current)
    upkeep(ctx, model, [(before, {**before, **values})])  # roll-ups over this object
    _append(ctx, model, row["id"], version, action, changes)
    return stamp


def bump_many(ctx: Context, model: ObjectModel,
              writes: Sequence[tuple[Mapping[str, Any], Mapping[str, Any], list[Change]]],
              action: str) -> list[dict[str, Any]]:
    """:func:`bump` for many rows (``(row as read, values, changes)``, the same value
    names in each), one ``executemany`` per table: a batch's owner changes. A row
    written by someone since it was read makes it a 412, as :func:`bump`."""
    if not writes:
        return []
    table = model.table
    now, actor, tenant = ctx.now(), ctx.actor.user_id, ctx.tenant.id
    stamps = [{"version": row["version"] + 1, "updated_at": now, "updated_by": actor}
              for row, _, _ in writes]
    before = as_stored(ctx, model, [row for row, _, _ in writes])  # for roll-ups
    statement = table.update().where(table.c.id == sa.bindparam("_match_id"),
                                     table.c.version == sa.bindparam("_match_version"))
    result = ctx.conn.execute(statement, [
        {**values, **stamp, "_match_id": row["id"], "_match_version": row["version"]}
        for (row, values, _), stamp in zip(writes, stamps, strict=True)])
    if ctx.conn.dialect.supports_sane_multi_rowcount and result.rowcount != len(writes):
        raise PreconditionFailed(detail_code="version_mismatch", expected=None, actual=None)
    upkeep(ctx, model, [(old, {**old, **values})
                        for old, (_, values, _) in zip(before, writes, strict=True)])
    ms = int(now.timestamp() * 1000)
    ctx.conn.execute(record_audit.insert(), [
        {"tenant_id": tenant, "object": model.api_name, "record_id": row["id"],
         "record_version": stamp["version"], "action": action, "actor_id": actor, "at": now,
         "changes": changes} for (row, _, changes), stamp in zip(writes, stamps, strict=True)])
    ctx.conn.execute(events.insert(), [
        {"id": uuid7(ms), "tenant_id": tenant, "object": model.api_name,
         "record_id": row["id"], "type": f"record.{action}", "occurred_at": now,
         "actor_id": actor, "data": {"version": stamp["version"], "changes": changes}}
        for (row, _, changes), stamp in zip(writes, stamps, strict=True)])
    return stamps


def announce_many(ctx: Context, model: ObjectModel,
                  items: Sequence[tuple[uuid.UUID, Mapping[str, Any]]], kind: str) -> None:
    """:func:`announce` for many records at once (one ``executemany``)."""
    if not items:
        return
    now = ctx.now()
    event_ids = uuid7_many(unix_ms(now), len(items))  # in the items' order
    execute_many(ctx.conn, events.insert(), {
        "tenant_id": ctx.tenant.id, "object": model.api_name, "type": f"record.{kind}",
        "occurred_at": now, "actor_id": ctx.actor.user_id}, ("id", "record_id", "data"),
        [(event_id, record_id, dict(data))
         for event_id, (record_id, data) in zip(event_ids, items, strict=True)])


def conversions(ctx: Context, object_name: str, field: str,
                converted: Iterable[tuple[uuid.UUID, Any, Any]]) -> None:
    """Audit values a metadata change converted with loss (``old`` → ``new``, JSON).

    A schema conversion rewrites a column, not a record: the entries carry version 0
    and no event, so no workflow fires for a type change.
    """
    now = ctx.now()
    rows = [{"tenant_id": ctx.tenant.id, "object": object_name, "record_id": record_id,
             "record_version": 0, "action": "converted", "actor_id": ctx.actor.user_id,
             "at": now, "changes": [{"field": field, "old": old, "new": new}]}
            for record_id, old, new in converted]
    if rows:
        ctx.conn.execute(record_audit.insert(), rows)


def announce(ctx: Context, model: ObjectModel, record_id: uuid.UUID, kind: str,
             data: Mapping[str, Any]) -> None:
    """An outbox event beside a write (``record.owner_changed``, ``record.assignment_failed``):
    what happened besides the field changes, for workflows listening to ``event:<kind>``."""
    now = ctx.now()
    ctx.conn.execute(events.insert(), {
        "id": uuid7(int(now.timestamp() * 1000)), "tenant_id": ctx.tenant.id,
        "object": model.api_name, "record_id": record_id, "type": f"record.{kind}",
        "occurred_at": now, "actor_id": ctx.actor.user_id, "data": dict(data)})


def _append(ctx: Context, model: ObjectModel, record_id: uuid.UUID, version: int,
            action: str, changes: list[Change]) -> None:
    """The audit entry and the outbox event of a write, in the write's transaction."""
    now = ctx.now()
    ctx.conn.execute(record_audit.insert(), {
        "tenant_id": ctx.tenant.id, "object": model.api_name, "record_id": record_id,
        "record_version": version, "action": action, "actor_id": ctx.actor.user_id,
        "at": now, "changes": changes})
    ctx.conn.execute(events.insert(), {
        "id": uuid7(int(now.timestamp() * 1000)), "tenant_id": ctx.tenant.id,
        "object": model.api_name, "record_id": record_id, "type": f"record.{action}",
        "occurred_at": now, "actor_id": ctx.actor.user_id,
        "data": {"version": version, "changes": changes}})


def _execute(ctx: Context, model: ObjectModel, statement: Any, params: Mapping[str, Any],
             row: Mapping[str, Any]) -> sa.CursorResult:
    """Run an insert/update; a unique violation becomes a 409 naming the field.

    Values travel as execution parameters, not ``.values()``, so the compiled statement
    is reused from SQLAlchemy's cache on every write of the same shape.
    """
    unique = [f for f in model.fields.values() if f.definition.get("unique")]
    if not unique:
        return ctx.conn.execute(statement, params)
    try:
        with ctx.conn.begin_nested():
            return ctx.conn.execute(statement, params)
    except sa.exc.IntegrityError as exc:
        for field in unique:
            value = row.get(field.name)
            if value is None:
                continue
            clash = ctx.conn.execute(sa.select(model.table.c.id).where(
                field.column == value, model.table.c.id != row["id"])).first()
            if clash is not None:
                raise Conflict([ErrorItem(pointer(field.name), "unique_violation",
                                          {"object": model.api_name, "field": field.name})],
                               detail_code="unique_violation", object=model.api_name,
                               field=field.name,
                               extra=_duplicate(ctx, model, clash.id)) from exc
        raise


def _duplicate(ctx: Context, model: ObjectModel, clash_id: uuid.UUID) -> dict[str, str]:
    """``{"duplicate": id}`` when the caller may see the record holding the value (so a
    form can link to it); nothing when they may not: the 409 then says only "not
    unique", never which record holds the value."""
    visible = Guard(ctx, model).visible()
    query = sa.select(model.table.c.id).where(model.table.c.id == clash_id)
    if visible is not None and ctx.conn.execute(query.where(visible)).first() is None:
        return {}
    return {"duplicate": str(clash_id)}
