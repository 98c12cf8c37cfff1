"""Reading records: one record, keyset-paged lists, exports, related lists, the audit trail.

Every read asks the object's :class:`Guard` which rows the actor sees and what of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from objectry.metadata.problems import ErrorItem, Invalid, pointer
from objectry.runtime.access.filter_sources import list_filter
from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model
from objectry.runtime.model.serialize import SYSTEM_ORDER, field_json
from objectry.runtime.query import pagination
from objectry.runtime.query.list_params import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    parse_fields,
    parse_limit,
    read_list_params,
)
from objectry.runtime.records.journal_tables import record_audit

EXPORT_PAGE = 200  # rows read from the database at a time
MAX_EXPORT = 100_000


VIEWS = ("all", "shared", "own")


def get(ctx: Context, object_name: str, record_id: Any,
        fields: Sequence[str] | None = None) -> dict[str, Any]:
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    only = _selection(guard, parse_fields(fields))
    row, access = guard.load(record_id)
    shown = guard.effective.with_formulas([row], only)[0]  # formulas asked for, in SQL
    return guard.present(shown, access, only)


def list_records(ctx: Context, object_name: str, *, filter: Any = None,
                 sort: Any = None, limit: Any = None, cursor: str | None = None,
                 fields: Sequence[str] | None = None, view: str | None = None,
                 deleted: bool = False) -> dict[str, Any]:
    """A page of the records the actor may see: ``{"items", "next_cursor"}``.

    ``limit``, ``cursor``, ``sort`` and ``fields`` are read as ``query.list_params``
    reads them (a bad one: 422 ``invalid_parameter``).

    ``view`` narrows the visible records: ``shared`` (distributed to the actor: the
    "team leads" list), ``own`` (owned by the actor) or ``all`` (the default). A
    record's fields look the same in every view.
    """
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    return _page(guard, [_view_clause(guard, view)], filter=filter, sort=sort, limit=limit,
                 cursor=cursor, fields=fields, deleted=deleted, shape=("list", view))


def _view_clause(guard: Guard, view: str | None) -> sa.ColumnElement[bool] | None:
    if view is None or view == "all":
        return None
    if view == "shared":
        return guard.shared()
    if view == "own":
        return guard.model.table.c.owner == guard.ctx.actor.user_id
    raise Invalid([ErrorItem("/view", "schema_enum", {"allowed": list(VIEWS)})])


def _page(guard: Guard, where: Sequence[sa.ColumnElement[bool] | None], *, filter: Any,
          sort: Any, limit: Any, cursor: Any, fields: Any,
          deleted: bool = False, shape: tuple[Any, ...] | None = None) -> dict[str, Any]:
    """One keyset page under the guard's visibility; ``where`` adds the caller's SQL.
    The list parameters are read by ``list_params`` (422 ``invalid_parameter``).

    ``shape``: what ``where`` is made of when it holds no value of its own (a list's
    view); with no filter, the page statement is then cached for the actor under the
    shape, sort, size and which cursor values are NULL, since building it (and its
    SQLAlchemy cache key) costs more than running it for a restricted actor."""
    model, table = guard.model, guard.model.table
    params = read_list_params({"limit": limit, "cursor": cursor, "sort": sort,
                               "fields": fields})
    page_size, cursor = params.limit or DEFAULT_LIMIT, params.cursor
    keys = pagination.parse_sort(params.sort, guard.readable_field,
                                 object_name=model.api_name, masked=guard.masked,
                                 unreadable=guard.not_readable)
    only = _selection(guard, params.fields)
    conditions = _conditions(guard, where, filter, deleted)
    # a sort key is the field's value where the actor may read it (NULL elsewhere), so
    # neither the order nor the cursor tells anything of a value hidden in a row
    def column(name: str) -> sa.ColumnElement[Any]:
        return guard.column(table, name)

    signing = _cursor_signing(guard)
    values: list[Any] | None = None
    if cursor:
        values = pagination.decode_cursor(cursor, keys, model.field_definition, **signing)
        conditions.append(pagination.after(keys, table, values, column))

    def statement() -> sa.Select[Any]:  # the guard adds the visibility
        return guard.select_page(conditions, pagination.order_by(keys, table, column),
                                 page_size + 1)

    key = None if shape is None or filter is not None else (
        *shape, deleted, keys, page_size,
        None if values is None else tuple(v is None for v in values))
    rows: Sequence[Mapping[Any, Any]] = guard.ctx.conn.execute(
        statement() if key is None else guard.cached_page(key, statement),
        pagination.after_params(values or ())).mappings().all()
    maps = guard.maps(rows[:page_size])
    rows = guard.effective.with_formulas(  # formulas asked for (and sorted by), in SQL
        rows, None if only is None else {*only, *(k.field for k in keys)})
    next_cursor = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        last, hidden = rows[-1], guard.view(maps[-1]).hidden
        next_cursor = pagination.encode_cursor(
            keys, [None if k.field in hidden else last[k.field] for k in keys],
            model.field_definition, **signing)
    items = [guard.present(row, access, only) for row, access in zip(rows, maps, strict=True)]
    return {"items": items, "next_cursor": next_cursor}


def _conditions(guard: Guard, where: Sequence[sa.ColumnElement[bool] | None], filter: Any,
                deleted: bool) -> list[sa.ColumnElement[bool]]:
    """What a list keeps besides the guard's visibility: live (or deleted) rows, the
    caller's SQL and the filter, tested as the actor may read each field."""
    table = guard.model.table
    conditions = [table.c.deleted_at.is_not(None) if deleted else table.c.deleted_at.is_(None),
                  *(clause for clause in where if clause is not None)]
    if filter is not None:
        conditions.append(list_filter(guard, filter))
    return conditions


def count_records(ctx: Context, object_name: str, *, cap: int, filter: Any = None,
                  view: str | None = None, deleted: bool = False) -> dict[str, Any]:
    """How many records the list of the same ``filter`` and ``view`` holds for the
    actor: ``{"count": n, "count_capped": False}`` when ``n <= cap``, else ``{"count":
    cap, "count_capped": True}`` ("1000+").

    The same visibility, filter and view as ``list_records``. Each visibility
    alternative (an owner, a condition scope, the grants) counts at most ``cap + 1``
    of its ids from its own index, and their distinct union is counted: exact up to
    the cap (every alternative then has at most ``cap`` rows, all of them read), capped
    beyond it (one alternative or their union passes it), so a count reads at most
    ``cap + 1`` rows per alternative however large the table.
    """
    if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
        raise ValueError("the count cap is a whole number from 1")
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    table = model.table
    conditions = _conditions(guard, [_view_clause(guard, view)], filter, deleted)
    alternatives = guard.visibility()
    tops = [sa.select(table.c.id).where(*conditions, *([] if arm is None else [arm]))
            .limit(cap + 1).subquery()
            for arm in ([None] if alternatives is None else alternatives)]
    ids = sa.union(*[sa.select(top.c.id) for top in tops]) if len(tops) > 1 \
        else sa.select(tops[0].c.id)
    found = ctx.conn.execute(sa.select(sa.func.count()).select_from(ids.subquery())).scalar_one()
    return {"count": min(found, cap), "count_capped": found > cap}


def _cursor_signing(guard: Guard) -> dict[str, Any]:
    """The key and scope a list's cursors are signed for: this tenant, object and
    actor, so a cursor is neither forged nor used by anyone else."""
    ctx = guard.ctx
    actor = "system" if ctx.actor.is_system else str(ctx.actor.user_id)
    return {"secret": ctx.keys.derive("cursor"),
            "scope": f"{ctx.tenant.id}:{guard.model.api_name}:{actor}"}


@dataclass(frozen=True)
class Export:
    """An export under way: its columns, known before the first record is produced, and
    its records, read from the database a page (``EXPORT_PAGE`` rows) at a time as they
    are consumed, so memory holds one page whatever the size of the export."""

    columns: list[str]
    records: Iterator[dict[str, Any]]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self.records


def export_records(ctx: Context, object_name: str, *, filter: Any = None, sort: Any = None,
                   fields: Sequence[str] | str | None = None, view: str | None = None,
                   max_rows: int = MAX_EXPORT) -> Export:
    """Every record of a list, page by page, as the actor may see it (``export`` right).

    The checks (the right, the filter, sort and fields) run here, before the first
    record is produced, so a refused export fails before any output is written. The
    records are read lazily, in the caller's transaction: consume them before it ends.
    """
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    guard.require("export")
    params = read_list_params({"sort": sort, "fields": fields}, paged=False)
    where = [_view_clause(guard, view)]

    def page(cursor: str | None) -> dict[str, Any]:
        return _page(guard, where, filter=filter, sort=params.sort, limit=EXPORT_PAGE,
                     cursor=cursor, fields=params.fields, shape=("list", view))

    first = page(None)

    def pages() -> Iterator[list[dict[str, Any]]]:
        current, left = first, max_rows
        while True:
            items = current["items"][:left]
            left -= len(items)
            yield items
            if left <= 0 or current["next_cursor"] is None:
                return
            current = page(current["next_cursor"])

    columns = _export_columns(model.fields, params.fields, pages())
    return Export(columns, (item for items in pages() for item in items))


def _export_columns(object_fields: Iterable[str], only: Sequence[str] | None,
                    pages: Iterator[list[dict[str, Any]]]) -> list[str]:
    """System fields, then the object's fields in definition order, keeping those that
    some exported record shows (fields the actor cannot read never appear; a field shown
    only on records shared with them does). Reading stops as soon as every field that
    could appear has: at once for most actors, after every page for one whose roles
    hide a field (each record's own rights decide what it shows)."""
    wanted = None if only is None else {"id", *only}
    ordered = [name for name in (*SYSTEM_ORDER, *object_fields)
               if wanted is None or name in wanted]
    possible, present = set(ordered), set[str]()
    for items in pages:
        for item in items:
            present.update(item)
        if present >= possible:
            break
    return [name for name in ordered if name in present] or ["id"]


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
                                                     "object": object_name, "field": ""})])
        via = candidates[0].name
    elif via not in [c.name for c in candidates]:
        raise Invalid([ErrorItem("/via", "not_a_lookup_to",
                                 {"field": via, "child": child_object, "parent": object_name,
                                  "object": object_name})])
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
        .order_by(record_audit.c.id.desc())
        .limit(parse_limit(limit, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)))
    return [{"version": r.record_version, "action": r.action,
             "actor": None if r.actor_id is None else str(r.actor_id),
             "at": field_json(model, "created_at", r.at),
             "changes": guard.present_changes(r.changes or [], access)}
            for r in rows]


def _selection(guard: Guard, fields: Sequence[str] | None) -> list[str] | None:
    if fields is None:
        return None
    unknown = [(i, f) for i, f in enumerate(fields) if guard.readable_field(f) is None]
    if unknown:
        raise Invalid([guard.field_error(pointer("fields", i), f) for i, f in unknown])
    return list(fields)
