"""Converting a record (a lead) into others (account, contact, opportunities) by a
``conversion_map``, in one transaction, through the records service.

Each target is created from the source's mapped fields, fixed values, links to earlier
targets and the caller's own values, or matched to an existing record by the target's
duplicate rule (an account that already exists is used, not created twice), or named by
the caller (``{"existing": id}``). A ``many`` target gives one record per item the
caller lists (one lead, several opportunities). Records that pointed at the source
through a ``carry`` lookup (activities, campaign membership) are also pointed at the
produced record, keeping their link to the source, so attribution loses nothing. The
source is marked converted and remembers what it produced; a second conversion is a 409.
``dry_run`` does all of it in a savepoint it rolls back: the preview is the real result.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from objectry.metadata import store
from objectry.metadata.fieldtypes.datetime import format_instant
from objectry.metadata.problems import Conflict, ErrorItem, Invalid, NotFound, pointer
from objectry.runtime import records
from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Context
from objectry.runtime.lifecycle.duplicates.index import ensure_current
from objectry.runtime.lifecycle.duplicates.matching import matches_for, present
from objectry.runtime.lifecycle.duplicates.rules import rule_named
from objectry.runtime.lifecycle.lifecycle_tables import record_conversions
from objectry.runtime.model.compiled import get_model
from objectry.runtime.model.serialize import field_json
from objectry.runtime.records import journal

MAX_MANY = 20


class _Preview(Exception):
    """Unwinds a dry run's savepoint, carrying its answer."""

    def __init__(self, answer: dict[str, Any]) -> None:
        super().__init__("dry run")
        self.answer = answer


def convert(ctx: Context, object_name: str, record_id: Any, body: Any) -> dict[str, Any]:
    """``POST /records/{o}/{id}/convert``: ``{"map", "dry_run", "targets"}``."""
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    unknown = [k for k in body if k not in ("map", "dry_run", "targets")]
    if unknown:
        raise Invalid([ErrorItem(pointer(k), "unknown_field", {"object": "convert", "field": k})
                       for k in unknown])
    dry_run = body.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise Invalid([ErrorItem("/dry_run", "schema_type", {"expected": "boolean"})])
    if not dry_run:
        return _convert(ctx, object_name, record_id, body)
    try:
        with ctx.conn.begin_nested():
            raise _Preview(_convert(ctx, object_name, record_id, body))
    except _Preview as preview:
        return {**preview.answer, "applied": False}


def _convert(ctx: Context, object_name: str, record_id: Any, body: Mapping[str, Any]
             ) -> dict[str, Any]:
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    source, access = guard.load(record_id)
    # a field the converter may not read (hidden or masked) is not copied: a target they
    # can read must not show it to them
    view = guard.view(access) if access is not guard.everything else None
    unseen = (view.hidden | view.masked) if view is not None else frozenset()
    # one conversion at a time per record: a second waits here, then finds the first
    ctx.conn.execute(sa.select(model.table.c.id).where(model.table.c.id == source["id"])
                     .with_for_update())
    done = ctx.conn.execute(sa.select(record_conversions.c.at).where(
        record_conversions.c.tenant_id == ctx.tenant.id,
        record_conversions.c.object == model.api_name,
        record_conversions.c.record_id == source["id"])).scalar()
    if done is not None:
        at = format_instant(done)
        raise Conflict([ErrorItem("", "already_converted", {"at": at})],
                       detail_code="already_converted", at=at)
    name, document = _map(ctx, model.api_name, body.get("map"))
    asked = body.get("targets", {})
    if not isinstance(asked, dict):
        raise Invalid([ErrorItem("/targets", "expected_object")])
    targets = {t["name"]: t for t in document["targets"]}
    for key in asked:
        if key not in targets:
            raise Invalid([ErrorItem(pointer("targets", key), "conversion_target_unknown",
                                     {"name": key})])
    produced: dict[str, list[dict[str, Any]]] = {}
    for target in document["targets"]:
        produced[target["name"]] = _produce(ctx, model, source, target, asked, produced,
                                            unseen)
    carried = _carry(ctx, source["id"], document.get("carry", []), produced)
    marks: dict[str, Any] = {}
    if "status_field" in document:
        marks[document["status_field"]] = document.get("status_value", "converted")
    for target in document["targets"]:
        made = produced[target["name"]]
        if "produced_field" in target and made:
            marks[target["produced_field"]] = made[0]["id"]
    record = records.update(ctx, model.api_name, source["id"], marks) if marks else \
        records.get(ctx, model.api_name, source["id"])
    links = [{"target": t, "object": p["object"], "id": p["id"], "action": p["action"]}
             for t, items in produced.items() for p in items]
    ctx.conn.execute(record_conversions.insert().values(
        tenant_id=ctx.tenant.id, object=model.api_name, record_id=source["id"], map=name,
        at=ctx.now(), actor_id=ctx.actor.user_id, produced=links))
    return {"applied": True, "map": name, "source": record,
            "produced": [p for items in produced.values() for p in items],
            "carried": carried}


def _map(ctx: Context, object_name: str, wanted: Any) -> tuple[str, Mapping[str, Any]]:
    maps = {n: s.document for n, s in store.documents(ctx.conn, ctx.tenant.id,
                                                      "conversion_map").items()
            if s.document.get("object") == object_name}
    if wanted is None and len(maps) == 1:
        return next(iter(maps.items()))
    if wanted is None and len(maps) > 1:
        raise Invalid([ErrorItem("/map", "conversion_map_needed",
                                 {"object": object_name, "maps": ", ".join(sorted(maps))})])
    if not isinstance(wanted, str) or wanted not in maps:
        raise NotFound([ErrorItem("/map" if wanted is not None else "",
                                  "unknown_conversion_map",
                                  {"map": str(wanted or ""), "object": object_name})],
                       detail_code="unknown_conversion_map", map=str(wanted or ""),
                       object=object_name)
    return wanted, maps[wanted]


def _produce(ctx: Context, model: Any, source: Mapping[str, Any], target: Mapping[str, Any],
             asked: Mapping[str, Any], produced: Mapping[str, list[dict[str, Any]]],
             unseen: frozenset[str]) -> list[dict[str, Any]]:
    name = target["name"]
    at = pointer("targets", name)
    wish = asked.get(name, [{}] if target.get("many") else {})
    if wish is None:
        if not target.get("optional"):
            raise Invalid([ErrorItem(at, "conversion_target_required", {"name": name})])
        return []
    if target.get("many"):
        if isinstance(wish, dict):
            wish = [wish]
        if not isinstance(wish, list) or not 1 <= len(wish) <= MAX_MANY or \
                not all(isinstance(w, dict) for w in wish):
            raise Invalid([ErrorItem(at, "schema_type", {"expected": "array"})])
        items = wish
    elif not isinstance(wish, dict):
        raise Invalid([ErrorItem(at, "conversion_one_only", {"name": name})])
    else:
        items = [wish]
    base: dict[str, Any] = {}
    for field, from_field in target.get("fields", {}).items():
        if from_field in unseen:
            continue
        value = field_json(model, from_field, source[from_field])
        if value is not None:
            base[field] = value
    base.update(target.get("values", {}))
    for field, earlier in target.get("links", {}).items():
        if produced.get(earlier):
            base[field] = produced[earlier][0]["id"]
    result = []
    for i, item in enumerate(items):
        where = f"{at}/{i}" if target.get("many") else at
        result.append(_one(ctx, target, {**base, **{k: v for k, v in item.items()
                                                     if k != "existing"}},
                           item.get("existing"), where))
    return result


def _one(ctx: Context, target: Mapping[str, Any], values: dict[str, Any], existing: Any,
         at: str) -> dict[str, Any]:
    object_name = target["object"]
    if existing is not None:
        row, access = Guard(ctx, get_model(ctx, object_name)).load(existing)
        guard = Guard(ctx, get_model(ctx, object_name))
        return {"target": target["name"], "object": object_name, "id": str(row["id"]),
                "action": "existing", "record": guard.present(row, access)}
    rule = rule_named(ctx, target["match_rule"]) if "match_rule" in target else None
    if rule is not None:
        ensure_current(ctx, rule)
        shown, _hidden = present(ctx, matches_for(ctx, rule, [_stored_values(
            ctx, object_name, values)])[0])
        if shown:
            first = shown[0]
            return {"target": target["name"], "object": object_name, "id": first["id"],
                    "action": "matched", "record": first["record"]}
    try:
        created = records.create(ctx, object_name, values)
    except (Invalid, Conflict) as exc:
        raise type(exc)([e.under(at) for e in exc.errors],
                        detail_code=exc.detail_code, extra=exc.extra,
                        **exc.params) from exc
    return {"target": target["name"], "object": object_name, "id": str(created["id"]),
            "action": "created", "record": created}


def _stored_values(ctx: Context, object_name: str, values: Mapping[str, Any]
                   ) -> dict[str, Any]:
    """Values in a body (JSON) as the match keys read them (normalised text anyway)."""
    model = get_model(ctx, object_name)
    return {n: v for n, v in values.items() if n in model.fields}


def _carry(ctx: Context, source_id: uuid.UUID, carries: Any,
           produced: Mapping[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Point the source's related records (activities, memberships) also at a produced
    record, where that lookup is still empty; their link to the source stays."""
    counts = []
    for carry in carries:
        child = get_model(ctx, carry["object"])
        (field, target_name), = carry["to"].items()
        made = produced.get(target_name) or []
        if not made:
            continue
        new = uuid.UUID(made[0]["id"])
        table = child.table
        rows = ctx.conn.execute(sa.select(table.c.id, table.c.version).where(
            table.c[carry["field"]] == source_id, table.c[field].is_(None),
            table.c.deleted_at.is_(None))).mappings().all()
        for row in rows:
            journal.bump(ctx, child, row, {field: new}, "updated",
                         [{"field": field, "old": None, "new": str(new)}])
        counts.append({"object": child.api_name, "field": field, "count": len(rows)})
    return counts
