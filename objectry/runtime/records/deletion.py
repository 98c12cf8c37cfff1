"""Soft delete to the recycle bin, restore, and what lookups do when their target goes.

A deleted record keeps its row (``deleted_at``, ``deleted_by``, ``delete_batch``).
Records that refer to it follow their lookup's ``on_target_delete``: ``keep`` leaves
them as they are (the tasks logged against a deleted lead stay, still attributed),
``set_null`` clears the reference (audited), ``restrict`` refuses the delete while live
records refer to it, ``cascade`` sends them to the recycle bin in the same batch, so
restoring the record restores them with it.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from objectry.metadata import store
from objectry.metadata.problems import Conflict, ErrorItem, NotFound
from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import ObjectModel, get_model
from objectry.runtime.model.serialize import field_json
from objectry.runtime.records import journal


def _referrers(ctx: Context, target: str) -> list[tuple[ObjectModel, str, str]]:
    """(child model, lookup field, on_target_delete) for every lookup to ``target``."""
    result = []
    for name in store.documents(ctx.conn, ctx.tenant.id, "object"):
        child = get_model(ctx, name)
        for field in child.lookups_to(target):
            result.append((child, field.name, field.definition.get("on_target_delete", "keep")))
    return result


def delete(ctx: Context, object_name: str, record_id: Any) -> None:
    """Move a record (and its cascade) to the recycle bin, in one transaction."""
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    row, _ = guard.load(record_id)
    guard.require("delete")
    _delete_row(ctx, model, row, batch=row["id"], depth=0)


def _delete_row(ctx: Context, model: ObjectModel, row: dict[str, Any], *, batch: uuid.UUID,
                depth: int) -> None:
    referrers = _referrers(ctx, model.api_name)
    for child, field, policy in referrers:
        if policy != "restrict":
            continue
        table = child.table
        count = ctx.conn.execute(sa.select(sa.func.count()).select_from(table).where(
            table.c[field] == row["id"], table.c.deleted_at.is_(None))).scalar_one()
        if count:
            raise Conflict([ErrorItem("", "delete_restricted",
                                      {"count": count, "child": child.api_name,
                                       "field": field})],
                           detail_code="delete_restricted", count=count,
                           child=child.api_name, field=field)
    for child, field, policy in referrers:
        if policy == "set_null":
            _clear_references(ctx, child, field, row["id"])
        elif policy == "cascade" and depth < 20:
            table = child.table
            children = ctx.conn.execute(sa.select(table).where(
                table.c[field] == row["id"], table.c.deleted_at.is_(None))).mappings().all()
            for child_row in children:
                _delete_row(ctx, child, dict(child_row), batch=batch, depth=depth + 1)
    journal.bump(ctx, model, row, {"deleted_at": ctx.now(), "deleted_by": ctx.actor.user_id,
                                   "delete_batch": batch}, "deleted",
                 [] if batch == row["id"] else [{"field": "delete_batch", "old": None,
                                                 "new": str(batch)}])


def _clear_references(ctx: Context, child: ObjectModel, field: str,
                      target_id: uuid.UUID) -> None:
    table = child.table
    rows = ctx.conn.execute(sa.select(table.c.id, table.c.version).where(
        table.c[field] == target_id, table.c.deleted_at.is_(None))).mappings().all()
    for row in rows:
        journal.bump(ctx, child, row, {field: None}, "updated",
                     [{"field": field, "old": field_json(child, field, target_id),
                       "new": None}])


def restore(ctx: Context, object_name: str, record_id: Any) -> dict[str, Any]:
    """Bring a record back from the recycle bin, with what its delete cascaded to."""
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    row, access = guard.load(record_id, include_deleted=True)
    guard.require("restore")
    if row["deleted_at"] is None:
        raise Conflict([ErrorItem("", "record_not_deleted")], detail_code="record_not_deleted")
    restored = _restore_row(ctx, model, row)
    if row["delete_batch"] == row["id"]:
        for name in store.documents(ctx.conn, ctx.tenant.id, "object"):
            other = get_model(ctx, name)
            table = other.table
            batch_rows = ctx.conn.execute(sa.select(table).where(
                table.c.delete_batch == row["id"], table.c.deleted_at.is_not(None),
                table.c.id != row["id"])).mappings().all()
            for batch_row in batch_rows:
                _restore_row(ctx, other, dict(batch_row))
    return guard.present(restored, access)


def _restore_row(ctx: Context, model: ObjectModel, row: dict[str, Any]) -> dict[str, Any]:
    for name, field in model.fields.items():
        value = row[name]
        if not field.type.reference or value is None:
            continue
        target = get_model(ctx, field.definition["target"])
        alive = ctx.conn.execute(sa.select(target.table.c.id).where(
            target.table.c.id == value, target.table.c.deleted_at.is_(None))).first()
        if alive is None and field.definition.get("on_target_delete") == "cascade":
            raise NotFound([ErrorItem("", "lookup_target_missing",
                                      {"target": target.api_name, "id": str(value)})],
                           detail_code="lookup_target_missing", target=target.api_name,
                           id=str(value))
    values = {"deleted_at": None, "deleted_by": None, "delete_batch": None}
    stamp = journal.bump(ctx, model, row, values, "restored", [])
    return {**row, **values, **stamp}
