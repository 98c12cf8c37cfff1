"""Merging duplicates into one survivor, and undoing a merge from the recycle bin.

One transaction: the survivor takes the chosen values (per field: a record's id picks
that record's value, ``{"value": ...}`` a literal), multi-valued fields (tags) united
unless chosen; every live record that refers to a merged one is re-pointed to the
survivor (audited like any update); the merged records' live grants are copied to the
survivor; the merged records go to the recycle bin with a ``merged_into`` audit change
and a ``record_merges`` row that remembers what moved. An undo (``unmerge``) restores
the record and, when asked, points back the children the merge moved, after saying so
(``dry_run``); a plain restore of a merged record is refused (nothing silently).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from objectry.metadata import store
from objectry.metadata.problems import Conflict, ErrorItem, Forbidden, Invalid, pointer
from objectry.permissions.grant_tables import live as live_grant
from objectry.permissions.grant_tables import record_grants
from objectry.runtime import records
from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Context
from objectry.runtime.kernel.ids import uuid7
from objectry.runtime.lifecycle.lifecycle_tables import record_merges
from objectry.runtime.model.compiled import ObjectModel, get_model
from objectry.runtime.model.serialize import field_json
from objectry.runtime.records import journal

MAX_MERGED = 10


def merge(ctx: Context, object_name: str, body: Any) -> dict[str, Any]:
    """``POST /records/{o}/merge``: ``{"survivor", "merged": [ids], "values"}``."""
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    survivor_raw, merged_raw, chosen = _parse(body)
    survivor, survivor_access = guard.load(survivor_raw)
    allowed = survivor_access.can("edit")
    rows: list[dict[str, Any]] = []
    for i, raw in enumerate(merged_raw):
        row, access = guard.load(raw)
        allowed = allowed and access.can("delete")
        if row["id"] == survivor["id"]:
            raise Invalid([ErrorItem(pointer("merged", i), "merge_same_record")])
        if any(r["id"] == row["id"] for r in rows):
            raise Invalid([ErrorItem(pointer("merged", i), "merge_record_twice",
                                     {"id": str(row["id"])})])
        rows.append(row)
    if not allowed:
        raise Forbidden([ErrorItem("", "merge_not_allowed")], detail_code="merge_not_allowed")
    values = _survivor_values(model, survivor, rows, chosen)
    before = {n: field_json(model, n, survivor[n]) for n in model.fields}
    repointed: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for row in rows:
        repointed[row["id"]] = _repoint(ctx, model.api_name, row["id"], survivor["id"])
    grants = sum(_copy_grants(ctx, model.api_name, row["id"], survivor["id"]) for row in rows)
    for row in rows:  # to the recycle bin, before the survivor's write (no self-match)
        # a unique value the survivor takes over leaves the merged record (audited)
        given = {n: row[n] for n in values if model.fields[n].definition.get("unique")
                 and row[n] is not None}
        journal.bump(ctx, model, row, {"deleted_at": ctx.now(),
                                       "deleted_by": ctx.actor.user_id,
                                       "delete_batch": row["id"],
                                       **dict.fromkeys(given)}, "deleted",
                     [{"field": "merged_into", "old": None, "new": str(survivor["id"])},
                      *({"field": n, "old": field_json(model, n, v), "new": None}
                        for n, v in given.items())])
        ctx.conn.execute(record_merges.insert().values(
            id=uuid7(), tenant_id=ctx.tenant.id, object=model.api_name, merged_id=row["id"],
            survivor_id=survivor["id"], at=ctx.now(), actor_id=ctx.actor.user_id,
            repointed=[{**r, "id": str(r["id"])} for r in repointed[row["id"]]],
            undo={"survivor_before": before,
                  "given_up": {n: field_json(model, n, v) for n, v in given.items()}}))
    record = records.update(ctx, model.api_name, survivor["id"], values) if values else \
        records.get(ctx, model.api_name, survivor["id"])
    return {"survivor": record, "merged": [str(r["id"]) for r in rows],
            "repointed": _counts([r for moved in repointed.values() for r in moved]),
            "grants_added": grants}


def _parse(body: Any) -> tuple[Any, list[Any], dict[str, Any]]:
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    errors = []
    for name in body:
        if name not in ("survivor", "merged", "values"):
            errors.append(ErrorItem(pointer(name), "unknown_field",
                                    {"object": "merge", "field": name}))
    survivor: Any = body.get("survivor")
    merged: Any = body.get("merged")
    chosen: Any = body.get("values", {})
    if not isinstance(survivor, str):
        errors.append(ErrorItem("/survivor", "required"))
    if not isinstance(merged, list) or not merged or \
            not all(isinstance(m, str) for m in merged):
        errors.append(ErrorItem("/merged", "required"))
    elif len(merged) > MAX_MERGED:
        errors.append(ErrorItem("/merged", "merge_too_many", {"max": MAX_MERGED}))
    if not isinstance(chosen, dict):
        errors.append(ErrorItem("/values", "expected_object"))
    if errors:
        raise Invalid(errors)
    if survivor in merged:
        raise Invalid([ErrorItem(pointer("merged", merged.index(survivor)),
                                 "merge_same_record")])
    return survivor, merged, chosen


def _survivor_values(model: ObjectModel, survivor: Mapping[str, Any],
                     rows: Sequence[Mapping[str, Any]],
                     chosen: Mapping[str, Any]) -> dict[str, Any]:
    """The survivor's update body: chosen values, then united multi-valued fields."""
    by_id = {str(r["id"]): r for r in [survivor, *rows]}
    values: dict[str, Any] = {}
    for name, source in chosen.items():
        if name not in model.fields:
            raise Invalid([ErrorItem(pointer("values", name), "unknown_field",
                                     {"object": model.api_name, "field": name})])
        if isinstance(source, dict) and set(source) == {"value"}:
            values[name] = source["value"]
        elif isinstance(source, str) and source in by_id:
            values[name] = field_json(model, name, by_id[source][name])
        else:
            raise Invalid([ErrorItem(pointer("values", name), "merge_value_source",
                                     {"field": name})])
    for name, field in model.fields.items():
        if name in chosen or not field.type.multi_valued or not field.writable:
            continue
        united: list[Any] = []
        for row in [survivor, *rows]:
            for item in field_json(model, name, row[name]) or []:
                if item not in united:
                    united.append(item)
        if united != (field_json(model, name, survivor[name]) or []):
            values[name] = united
    current = {n: field_json(model, n, survivor[n]) for n in values}
    return {n: v for n, v in values.items() if current[n] != v}


def _referrers(ctx: Context, object_name: str) -> list[tuple[ObjectModel, str]]:
    found = []
    for name in sorted(store.documents(ctx.conn, ctx.tenant.id, "object")):
        child = get_model(ctx, name)
        found += [(child, f.name) for f in child.lookups_to(object_name)]
    return found


def _repoint(ctx: Context, object_name: str, old: uuid.UUID,
             new: uuid.UUID) -> list[dict[str, Any]]:
    """Point every live record that refers to ``old`` at ``new`` (audited, versioned)."""
    moved = []
    for child, field in _referrers(ctx, object_name):
        table = child.table
        rows = ctx.conn.execute(sa.select(table.c.id, table.c.version).where(
            table.c[field] == old, table.c.deleted_at.is_(None))).mappings().all()
        for row in rows:
            journal.bump(ctx, child, row, {field: new}, "updated",
                         [{"field": field, "old": str(old), "new": str(new)}])
            moved.append({"object": child.api_name, "field": field, "id": row["id"]})
    return moved


def _counts(moved: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """How many records per (object, field) were re-pointed (never which: the caller
    may not see them)."""
    counts: dict[tuple[str, str], int] = {}
    for item in moved:
        key = (item["object"], item["field"])
        counts[key] = counts.get(key, 0) + 1
    return [{"object": o, "field": f, "count": n} for (o, f), n in sorted(counts.items())]


def _copy_grants(ctx: Context, object_name: str, source: uuid.UUID, target: uuid.UUID) -> int:
    """Copy the source's live grants to the target, except to grantees it already has."""
    def live_of(record_id: uuid.UUID) -> list[Any]:
        return list(ctx.conn.execute(sa.select(record_grants).where(
            record_grants.c.tenant_id == ctx.tenant.id, record_grants.c.object == object_name,
            record_grants.c.record_id == record_id, *live_grant(ctx.now()))).mappings())
    held = {(g["grantee_kind"], g["grantee"]) for g in live_of(target)}
    added = 0
    for grant in live_of(source):
        if (grant["grantee_kind"], grant["grantee"]) in held:
            continue
        ctx.conn.execute(record_grants.insert().values(
            {**grant, "id": uuid7(), "record_id": target, "via": "merge",
             "granted_by": ctx.actor.user_id, "created_at": ctx.now()}))
        held.add((grant["grantee_kind"], grant["grantee"]))
        added += 1
    return added


# -- undo ---------------------------------------------------------------------------------

def merge_of(ctx: Context, object_name: str, record_id: uuid.UUID) -> Mapping[Any, Any] | None:
    """The merge that sent this record to the recycle bin, while not undone."""
    return ctx.conn.execute(sa.select(record_merges).where(
        record_merges.c.tenant_id == ctx.tenant.id, record_merges.c.object == object_name,
        record_merges.c.merged_id == record_id, record_merges.c.undone_at.is_(None))
        .order_by(record_merges.c.at.desc())).mappings().first()


def unmerge(ctx: Context, object_name: str, record_id: Any, body: Any) -> dict[str, Any]:
    """``POST /records/{o}/{id}/unmerge``: ``{"dry_run", "repoint"}``. Says (and with
    ``dry_run`` only says) what it does: restore the record; with ``repoint`` (default
    true) point back the records the merge moved that still point at the survivor. The
    survivor keeps its values and the copied grants (named in ``kept``), and the unique
    values the merged record gave it (``given_up``: the restored record has them empty)."""
    body = body or {}
    if not isinstance(body, dict) or not all(k in ("dry_run", "repoint") for k in body) or \
            not all(isinstance(v, bool) for v in body.values()):
        raise Invalid([ErrorItem("", "expected_object")])
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    row, _ = guard.load(record_id, include_deleted=True)
    guard.require("restore")
    found = merge_of(ctx, model.api_name, row["id"]) if row["deleted_at"] is not None else None
    if found is None:
        raise Conflict([ErrorItem("", "not_merged")], detail_code="not_merged")
    survivor = ctx.conn.execute(sa.select(model.table.c.id).where(
        model.table.c.id == found["survivor_id"], model.table.c.deleted_at.is_(None))).first()
    if survivor is None:
        raise Conflict([ErrorItem("", "merge_survivor_gone")], detail_code="merge_survivor_gone")
    back = _still_moved(ctx, found) if body.get("repoint", True) else []
    plan = {"restore": str(row["id"]), "survivor": str(found["survivor_id"]),
            "repoint": _counts(back),
            "kept": ["the survivor's values", "grants copied to the survivor"],
            "given_up": sorted(found["undo"].get("given_up", {}))}
    if body.get("dry_run"):
        return {"applied": False, **plan}
    ctx.conn.execute(record_merges.update().where(record_merges.c.id == found["id"])
                     .values(undone_at=ctx.now()))
    # the undo is the one way back for a merged record, and it brings back a duplicate
    # on purpose: the restore hooks (refusing merged records, block rules) stay out
    restored = records.restore(replace(ctx, write_hooks=None), model.api_name, row["id"])
    for item in back:
        child = get_model(ctx, item["object"])
        current = ctx.conn.execute(sa.select(child.table.c.id, child.table.c.version).where(
            child.table.c.id == item["id"])).mappings().one()
        journal.bump(ctx, child, current, {item["field"]: row["id"]}, "updated",
                     [{"field": item["field"], "old": str(found["survivor_id"]),
                       "new": str(row["id"])}])
    return {"applied": True, **plan, "record": restored}


def _still_moved(ctx: Context, found: Mapping[Any, Any]) -> list[dict[str, Any]]:
    """The records the merge re-pointed that still point at the survivor (live)."""
    result = []
    for item in found["repointed"]:
        child = get_model(ctx, item["object"])
        rid = uuid.UUID(item["id"])
        still = ctx.conn.execute(sa.select(child.table.c.id).where(
            child.table.c.id == rid, child.table.c.deleted_at.is_(None),
            child.table.c[item["field"]] == found["survivor_id"])).first()
        if still is not None:
            result.append({**item, "id": rid})
    return result
