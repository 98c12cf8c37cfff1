"""The records service: the one path to tenant data (central idea 4).

Every read and write, from the API, the CLI, automation, functions or packs, comes
through here: validation, rules, lookups, uniqueness, optimistic versions, soft delete,
the field-level audit trail and the outbox event, all in the caller's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import marshmallow as mm
import sqlalchemy as sa

from objectry.metadata.fieldtypes.auto_number import render_auto_number
from objectry.metadata.i18n import pick
from objectry.metadata.names import SYSTEM_FIELDS
from objectry.metadata.problems import (
    Conflict,
    ErrorItem,
    FieldValueError,
    Invalid,
    PreconditionFailed,
    pointer,
)
from objectry.runtime import pagination
from objectry.runtime.context import Context
from objectry.runtime.enforcement import Guard
from objectry.runtime.filter_sources import list_filter
from objectry.runtime.filters import to_predicate
from objectry.runtime.ids import uuid7
from objectry.runtime.model import ObjectModel, get_model
from objectry.runtime.rows import load_row
from objectry.runtime.serialize import field_json
from objectry.runtime.tables import events, record_audit, sequences

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
EXPORT_PAGE = 200
MAX_EXPORT = 100_000


# -- reading ---------------------------------------------------------------------------

VIEWS = ("all", "shared", "own")


def get(ctx: Context, object_name: str, record_id: Any,
        fields: Sequence[str] | None = None) -> dict[str, Any]:
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    only = _selection(guard, fields)
    row, access = guard.load(record_id)
    return guard.present(row, access, only)


def list_records(ctx: Context, object_name: str, *, filter: Any = None,
                 sort: Any = None, limit: Any = None, cursor: str | None = None,
                 fields: Sequence[str] | None = None, view: str | None = None,
                 deleted: bool = False) -> dict[str, Any]:
    """A page of the records the actor may see: ``{"items", "next_cursor"}``.

    ``view`` narrows the visible records: ``shared`` (distributed to the actor: the
    "team leads" list), ``own`` (owned by the actor) or ``all`` (the default). A
    record's fields look the same in every view.
    """
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    return _page(guard, [_view_clause(guard, view)], filter=filter, sort=sort, limit=limit,
                 cursor=cursor, fields=fields, deleted=deleted)


def _view_clause(guard: Guard, view: str | None) -> sa.ColumnElement[bool] | None:
    if view is None or view == "all":
        return None
    if view == "shared":
        return guard.shared()
    if view == "own":
        return guard.model.table.c.owner == guard.ctx.actor.user_id
    raise Invalid([ErrorItem("/view", "schema_enum", {"allowed": list(VIEWS)})])


def _page(guard: Guard, where: Sequence[sa.ColumnElement[bool] | None], *, filter: Any,
          sort: Any, limit: Any, cursor: str | None, fields: Sequence[str] | None,
          deleted: bool = False) -> dict[str, Any]:
    """One keyset page under the guard's visibility; ``where`` adds the caller's SQL."""
    model, table = guard.model, guard.model.table
    page_size = _limit(limit)
    keys = pagination.parse_sort(sort, guard.readable_field, object_name=model.api_name)
    only = _selection(guard, fields)
    conditions = [table.c.deleted_at.is_not(None) if deleted else table.c.deleted_at.is_(None),
                  *(clause for clause in where if clause is not None)]
    if filter is not None:
        conditions.append(list_filter(guard, filter))
    if cursor:
        values = pagination.decode_cursor(cursor, keys, model.field_definition)
        conditions.append(pagination.after(keys, table, values))
    rows = guard.ctx.conn.execute(guard.select_page(  # the guard adds the visibility
        conditions, pagination.order_by(keys, table), page_size + 1)).mappings().all()
    next_cursor = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        last = rows[-1]
        next_cursor = pagination.encode_cursor(keys, [last[k.field] for k in keys],
                                               model.field_definition)
    items = [guard.present(row, access, only) for row, access in zip(rows, guard.maps(rows),
                                                                      strict=True)]
    return {"items": items, "next_cursor": next_cursor}


def export_records(ctx: Context, object_name: str, *, filter: Any = None, sort: Any = None,
                   fields: Sequence[str] | None = None, view: str | None = None,
                   max_rows: int = MAX_EXPORT) -> Iterator[dict[str, Any]]:
    """Every record of a list, page by page, as the actor may see it (``export`` right).

    The checks run before the first record is produced, so a refused export fails
    before any output is written.
    """
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    guard.require("export")
    where = [_view_clause(guard, view)]
    first = _page(guard, where, filter=filter, sort=sort, limit=EXPORT_PAGE, cursor=None,
                  fields=fields)

    def pages() -> Iterator[dict[str, Any]]:
        page, produced = first, 0
        while True:
            for item in page["items"]:
                if produced >= max_rows:
                    return
                produced += 1
                yield item
            if page["next_cursor"] is None:
                return
            page = _page(guard, where, filter=filter, sort=sort, limit=EXPORT_PAGE,
                         cursor=page["next_cursor"], fields=fields)

    return pages()


def related(ctx: Context, object_name: str, record_id: Any, child_object: str, *,
            via: str | None = None, **list_args: Any) -> dict[str, Any]:
    """Child records whose lookup ``via`` points at this record (a related list)."""
    parent = get_model(ctx, object_name)
    row, _ = Guard(ctx, parent).load(record_id)
    child = get_model(ctx, child_object)
    candidates = child.lookups_to(object_name)
    if via is None:
        if len(candidates) != 1:
            code = "via_required" if candidates else "not_a_lookup_to"
            raise Invalid([ErrorItem("/via", code, {"child": child_object, "parent": object_name,
                                                     "field": ""})])
        via = candidates[0].name
    elif via not in [c.name for c in candidates]:
        raise Invalid([ErrorItem("/via", "not_a_lookup_to",
                                 {"field": via, "child": child_object, "parent": object_name})])
    guard = Guard(ctx, child)
    view = list_args.pop("view", None)
    return _page(guard, [child.table.c[via] == row["id"], _view_clause(guard, view)],
                 **list_args)


def audit_trail(ctx: Context, object_name: str, record_id: Any, *,
                limit: Any = None) -> list[dict[str, Any]]:
    """Field-level history of a record, newest first: who, when, old and new values."""
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    row, access = guard.load(record_id, include_deleted=True)
    rows = ctx.conn.execute(
        sa.select(record_audit).where(
            record_audit.c.tenant_id == ctx.tenant.id, record_audit.c.object == object_name,
            record_audit.c.record_id == row["id"])
        .order_by(record_audit.c.id.desc()).limit(_limit(limit)))
    return [{"version": r.record_version, "action": r.action,
             "actor": None if r.actor_id is None else str(r.actor_id),
             "at": field_json(model, "created_at", r.at),
             "changes": guard.present_changes(r.changes or [], access)}
            for r in rows]


# -- writing ---------------------------------------------------------------------------

def create(ctx: Context, object_name: str, data: Any) -> dict[str, Any]:
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    guard.require("create")
    if isinstance(data, dict):
        guard.check_creatable(data)
    values = _validate(ctx, model, data, partial=False)
    for name, field in model.fields.items():
        if name not in values and field.definition.get("default") is not None:
            values[name] = field.type.deserialize(field.definition, field.definition["default"])
        if field.type.name == "multi_picklist" and values.get(name) == []:
            values[name] = None
    _number(ctx, model, values)
    _check_rules(ctx, model, values)
    if ctx.functions is not None:  # the object's validation functions (issue 5)
        ctx.functions.validate_record(ctx, model, values)
    _check_lookups(ctx, model, values)
    now, actor = ctx.now(), ctx.actor.user_id
    record_id = uuid7(int(now.timestamp() * 1000))
    row = {"id": record_id, "version": 1, "owner": actor, "created_at": now,
           "created_by": actor, "updated_at": now, "updated_by": actor, **values}
    _write(ctx, model, model.table.insert(), row, row)
    changes = [{"field": n, "old": None, "new": field_json(model, n, v)}
               for n, v in values.items() if v is not None]
    record_change(ctx, model, record_id, 1, "created", changes)
    return guard.present({**_empty_row(model), **row}, guard.base)


def update(ctx: Context, object_name: str, record_id: Any, data: Any, *,
           if_match: int | None = None) -> dict[str, Any]:
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    row, access = guard.load(record_id)
    if isinstance(data, dict):
        guard.check_editable(access, data)
    if if_match is not None and if_match != row["version"]:
        raise PreconditionFailed(detail_code="version_mismatch", expected=if_match,
                                 actual=row["version"])
    values = _validate(ctx, model, data, partial=True)
    for name, field in model.fields.items():
        if field.type.name == "multi_picklist" and values.get(name) == []:
            values[name] = None
    changed = {n: v for n, v in values.items() if row[n] != v}
    if not changed:
        return guard.present(row, access)
    merged = {**row, **changed}
    _check_rules(ctx, model, merged)
    if ctx.functions is not None:  # the object's validation functions (issue 5)
        ctx.functions.validate_record(ctx, model, merged, row["id"])
    _check_lookups(ctx, model, changed)
    table = model.table
    version = row["version"] + 1
    stamp = {"version": version, "updated_at": ctx.now(), "updated_by": ctx.actor.user_id}
    statement = table.update().where(table.c.id == sa.bindparam("_match_id"),
                                     table.c.version == sa.bindparam("_match_version"))
    params = {**changed, **stamp, "_match_id": row["id"], "_match_version": row["version"]}
    result = _write(ctx, model, statement, params, merged)
    if result.rowcount != 1:  # a concurrent writer won the race for this version
        current = load_row(ctx, model, record_id)
        raise PreconditionFailed(detail_code="version_mismatch", expected=row["version"],
                                 actual=current["version"])
    changes = [{"field": n, "old": field_json(model, n, row[n]),
                "new": field_json(model, n, v)} for n, v in changed.items()]
    record_change(ctx, model, row["id"], version, "updated", changes)
    return guard.present({**merged, **stamp}, access)


# -- helpers ---------------------------------------------------------------------------

def _empty_row(model: ObjectModel) -> dict[str, Any]:
    return dict.fromkeys(model.table.c.keys())


def _limit(limit: Any) -> int:
    if limit is None or limit == "":
        return DEFAULT_LIMIT
    try:
        value = int(limit)
    except (TypeError, ValueError):
        value = 0
    if isinstance(limit, bool) or not 1 <= value <= MAX_LIMIT:
        raise Invalid([ErrorItem("/limit", "limit_range", {"max": MAX_LIMIT})])
    return value


def _selection(guard: Guard, fields: Sequence[str] | None) -> list[str] | None:
    if fields is None:
        return None
    model = guard.model
    unknown = [(i, f) for i, f in enumerate(fields) if guard.readable_field(f) is None]
    if unknown:
        raise Invalid([ErrorItem(pointer("fields", i), "unknown_field",
                                 {"object": model.api_name, "field": f}) for i, f in unknown])
    return list(fields)


def _validate(ctx: Context, model: ObjectModel, data: Any, *, partial: bool) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    errors = []
    for name in data:
        field = model.fields.get(name)
        if name in SYSTEM_FIELDS:
            errors.append(ErrorItem(pointer(name), "system_field", {"field": name}))
        elif field is None:
            errors.append(ErrorItem(pointer(name), "unknown_field",
                                    {"object": model.api_name, "field": name}))
        elif not field.writable and not ctx.actor.is_system:
            errors.append(ErrorItem(pointer(name), "read_only_field", {"field": name}))
    known = {n: v for n, v in data.items() if n in model.fields and n not in SYSTEM_FIELDS}
    system_only = {n: v for n, v in known.items() if not model.fields[n].writable}
    writable = {n: v for n, v in known.items() if model.fields[n].writable}
    schema = model.update_schema if partial else model.create_schema
    try:
        values = schema.load(writable)
    except mm.ValidationError as exc:
        errors += _marshmallow_errors(exc.messages)  # all culprits in one answer
    if errors:
        raise Invalid(sorted(errors, key=lambda e: e.path))
    for name, raw in system_only.items():  # read-only fields written by the platform
        field = model.fields[name]
        values[name] = None if raw is None else _deserialize_one(field, raw)
    return values


def _deserialize_one(field: Any, raw: Any) -> Any:
    try:
        return field.type.deserialize(field.definition, raw)
    except FieldValueError as exc:
        raise Invalid([ErrorItem(pointer(field.name), exc.code, exc.params)]) from exc


def _marshmallow_errors(messages: Mapping[str, Any]) -> list[ErrorItem]:
    errors = []
    for name, problems in messages.items():
        for problem in problems if isinstance(problems, list) else [problems]:
            errors.append(ErrorItem(pointer(name), str(problem), getattr(problem, "params", {})))
    return errors


def _check_rules(ctx: Context, model: ObjectModel, values: Mapping[str, Any]) -> None:
    errors = [
        ErrorItem(pointer(rule.field) if rule.field else "", "rule_failed",
                  {"message": pick(rule.message, ctx.locale), "rule": rule.api_name})
        for rule in model.rules if not to_predicate(rule.condition)(values, now=ctx.now())
    ]
    if errors:
        raise Invalid(errors)


def _check_lookups(ctx: Context, model: ObjectModel, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        field = model.fields.get(name)
        if value is None or field is None or field.type.name != "lookup":
            continue
        target = get_model(ctx, field.definition["target"])
        found = ctx.conn.execute(sa.select(target.table.c.id).where(
            target.table.c.id == value, target.table.c.deleted_at.is_(None))).first()
        if found is None:
            raise Invalid([ErrorItem(pointer(name), "lookup_target_missing",
                                     {"target": target.api_name, "id": str(value)})])


def _number(ctx: Context, model: ObjectModel, values: dict[str, Any]) -> None:
    """Hand out auto numbers from the tenant's sequences, in this transaction."""
    for name, field in model.fields.items():
        if field.type.name != "auto_number":
            continue
        key = sa.and_(sequences.c.tenant_id == ctx.tenant.id,
                      sequences.c.object == model.api_name, sequences.c.field == name)
        counter = ctx.conn.execute(
            sequences.update().where(key).values(next_value=sequences.c.next_value + 1)
            .returning(sequences.c.next_value)).scalar_one() - 1
        values[name] = render_auto_number(field.definition, counter)


def _write(ctx: Context, model: ObjectModel, statement: Any, params: Mapping[str, Any],
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
                               field=field.name) from exc
        raise


def record_change(ctx: Context, model: ObjectModel, record_id: uuid.UUID, version: int,
                     action: str, changes: list[dict[str, Any]]) -> None:
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
