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
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from objectry.metadata import store
from objectry.metadata.problems import Conflict, ErrorItem, NotFound
from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import ObjectModel, get_model
from objectry.runtime.model.serialize import field_json
from objectry.runtime.records import journal

#: How deep a delete cascades (lookups may form cycles).
MAX_CASCADE_DEPTH = 20

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
    _check_cascade(ctx, model, row["id"])
    _delete_row(ctx, model, row, batch=row["id"], depth=0)


def _check_cascade(ctx: Context, model: ObjectModel, record_id: uuid.UUID) -> None:
    """Refuse (409, how many) a delete whose cascade reaches records the deleter may not
    delete themselves (out of sight, or their roles deny ``delete`` on that object):
    the recycle bin is no side door to other people's records. ``set_null`` children
    are not counted: clearing a reference to the record going away writes nothing the
    deleter chose and shows them nothing, and a hidden child must not veto the delete.
    """
    if ctx.actor.is_system or ctx.actor.is_admin:
        return
    referrers: dict[str, list[tuple[ObjectModel, str, str]]] = {}
    seen: set[tuple[str, uuid.UUID]] = {(model.api_name, record_id)}
    level: list[tuple[ObjectModel, list[uuid.UUID]]] = [(model, [record_id])]
    refused = 0
    for _depth in range(MAX_CASCADE_DEPTH):  # the same bound as :func:`_delete_row`
        below: list[tuple[ObjectModel, list[uuid.UUID]]] = []
        for parent, ids in level:
            if parent.api_name not in referrers:
                referrers[parent.api_name] = _referrers(ctx, parent.api_name)
            for child, field, policy in referrers[parent.api_name]:
                if policy != "cascade":
                    continue
                table = child.table
                found = [rid for rid in ctx.conn.execute(sa.select(table.c.id).where(
                    table.c[field].in_(ids), table.c.deleted_at.is_(None))).scalars()
                    if (child.api_name, rid) not in seen]
                if not found:
                    continue
                seen.update((child.api_name, rid) for rid in found)
                refused += _not_deletable(ctx, child, found)
                below.append((child, found))
        level = below
    if refused:
        raise Conflict([ErrorItem("", "delete_cascade_not_allowed", {"count": refused})],
                       detail_code="delete_cascade_not_allowed", count=refused)


def _not_deletable(ctx: Context, model: ObjectModel, ids: list[uuid.UUID]) -> int:
    """How many of these rows the actor could not delete on their own."""
    guard = Guard(ctx, model)
    if not guard.base.can("delete"):
        return len(ids)
    visible = guard.visible()
    if visible is None:
        return 0
    table = model.table
    seen = ctx.conn.execute(sa.select(sa.func.count()).select_from(table).where(
        table.c.id.in_(ids), visible)).scalar_one()
    return len(ids) - seen


def _delete_row(ctx: Context, model: ObjectModel, row: dict[str, Any], *, batch: uuid.UUID,
                depth: int) -> None:
    referrers = _referrers(ctx, model.api_name)
    for child, field, policy in referrers:
        if policy != "restrict":
            continue
        _refuse_restricted(ctx, child, field, row["id"])
    for child, field, policy in referrers:
        if policy == "set_null":
            _clear_references(ctx, child, field, row["id"])
        elif policy == "cascade" and depth < MAX_CASCADE_DEPTH:
            table = child.table
            children = ctx.conn.execute(sa.select(table).where(
                table.c[field] == row["id"], table.c.deleted_at.is_(None))).mappings().all()
            for child_row in children:
                _delete_row(ctx, child, dict(child_row), batch=batch, depth=depth + 1)
    journal.bump(ctx, model, row, {"deleted_at": ctx.now(), "deleted_by": ctx.actor.user_id,
                                   "delete_batch": batch}, "deleted",
                 [] if batch == row["id"] else [{"field": "delete_batch", "old": None,
                                                 "new": str(batch)}])


def _refuse_restricted(ctx: Context, child: ObjectModel, field: str,
                       target_id: uuid.UUID) -> None:
    """409 while live records refer to the target through a ``restrict`` lookup.

    The refusal counts only the referrers the deleter may see; that others exist is
    said without a number (the delete must still be refused, but how many hidden
    records there are, and so any change in that number, stays hidden).
    """
    table = child.table
    referring = [table.c[field] == target_id, table.c.deleted_at.is_(None)]
    total = ctx.conn.execute(sa.select(sa.func.count()).select_from(table)
                             .where(*referring)).scalar_one()
    if not total:
        return
    seen = total
    if not (ctx.actor.is_system or ctx.actor.is_admin):
        visible = Guard(ctx, child).visible()  # the rows its records list shows
        if visible is not None:
            seen = ctx.conn.execute(sa.select(sa.func.count()).select_from(table)
                                    .where(*referring, visible)).scalar_one()
    code = "delete_restricted" if seen == total else \
        "delete_restricted_hidden" if seen == 0 else "delete_restricted_partly_hidden"
    params: dict[str, Any] = {"count": seen, "child": child.api_name, "field": field}
    if seen == 0:
        params.pop("count")
    raise Conflict([ErrorItem("", code, params)], detail_code=code, **params)


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
    cascaded = _cascaded(ctx, row) if row["delete_batch"] == row["id"] else []
    if ctx.write_hooks is not None:  # a merged record comes back by undoing its merge
        # every record coming back passes the rules a create passes (duplicate blocks),
        # checked while all of them are still deleted, so none is judged by a sibling
        ctx.write_hooks.before_restore(ctx, model, row)
        for other, batch_row in cascaded:
            ctx.write_hooks.before_restore(ctx, other, batch_row)
    restored = _restore_row(ctx, model, row)
    for other, batch_row in cascaded:
        _restore_row(ctx, other, batch_row)
    return guard.present(restored, access)


def _cascaded(ctx: Context, row: Mapping[str, Any]) -> list[tuple[ObjectModel, dict[str, Any]]]:
    """The records the delete of ``row`` cascaded to (its delete batch), by object."""
    found = []
    for name in store.documents(ctx.conn, ctx.tenant.id, "object"):
        other = get_model(ctx, name)
        table = other.table
        found += [(other, dict(r)) for r in ctx.conn.execute(sa.select(table).where(
            table.c.delete_batch == row["id"], table.c.deleted_at.is_not(None),
            table.c.id != row["id"])).mappings()]
    return found


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
