"""Aggregates over one object's records, through the caller's access.

``{filter, group_by, measures, having, sort, limit}``: groups by fields or date buckets
(day, week, month, quarter) and measures count, sum, avg, min or max per group. The rows
counted are the caller's visible live rows meeting the filter (the list's visibility and
filter, nothing else); a field the caller may not read (from their roles) or sees only
masked is neither groupable nor measurable (422 with a pointer), and a value hidden from
them on one row counts there as empty (the same per-row effective values lists sort on).
Formula fields group and measure by their computed value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.ext.compiler

from objectry.metadata.fieldtypes import REGISTRY, FieldType
from objectry.metadata.problems import ErrorItem, Invalid, pointer
from objectry.runtime.access.filter_sources import list_filter
from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model
from objectry.runtime.model.serialize import field_json

OPS = ("count", "sum", "avg", "min", "max")
BUCKETS = ("day", "week", "month", "quarter")
COMPARISONS = {"eq": "__eq__", "ne": "__ne__", "gt": "__gt__", "gte": "__ge__",
               "lt": "__lt__", "lte": "__le__"}
KEYS = ("filter", "group_by", "measures", "having", "sort", "limit")
MAX_GROUPS_BY, MAX_MEASURES, DEFAULT_LIMIT, MAX_LIMIT = 4, 10, 100, 1000


class _Bucket(sa.sql.expression.FunctionElement):
    """The first day of a value's day/week (ISO, Monday)/month/quarter, as ISO text."""

    type = sa.Text()
    inherit_cache = True
    name = "aggregate_bucket"


@sa.ext.compiler.compiles(_Bucket, "postgresql")
def _bucket_pg(element: _Bucket, compiler: Any, **kw: Any) -> str:
    value, unit = list(element.clauses)
    column = compiler.process(value, **kw)
    if isinstance(getattr(value.type, "impl", value.type), sa.DateTime):
        column = f"({column} AT TIME ZONE 'UTC')"  # instants by their UTC day
    return f"to_char(date_trunc('{unit.value}', {column}), 'YYYY-MM-DD')"


@sa.ext.compiler.compiles(_Bucket)
def _bucket_sqlite(element: _Bucket, compiler: Any, **kw: Any) -> str:
    value, unit = list(element.clauses)
    column = compiler.process(value, **kw)
    match unit.value:
        case "day":
            return f"date({column})"
        case "week":
            return (f"date({column}, '-' || ((CAST(strftime('%w', {column}) AS INTEGER) + 6)"
                    " % 7) || ' days')")
        case "month":
            return f"strftime('%Y-%m-01', {column})"
    return (f"printf('%s-%02d-01', strftime('%Y', {column}), "
            f"((CAST(strftime('%m', {column}) AS INTEGER) - 1) / 3) * 3 + 1)")


@dataclass(frozen=True)
class _Group:
    key: str
    field: str
    bucket: str | None
    expression: sa.ColumnElement[Any]


@dataclass(frozen=True)
class _Measure:
    key: str
    op: str
    field: str | None
    expression: sa.ColumnElement[Any]
    count: sa.ColumnElement[Any] | None  # avg: computed exactly as sum / count


def aggregate(ctx: Context, object_name: str, body: Any) -> dict[str, Any]:
    """``{"items": [{group keys..., measure keys...}]}`` for the caller."""
    if not isinstance(body, Mapping):
        raise Invalid([ErrorItem("", "expected_object")])
    unknown = [k for k in body if k not in KEYS]
    if unknown:
        raise Invalid([ErrorItem(pointer(k), "schema_unknown_property", {"property": k})
                       for k in unknown])
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    guard.require("read")
    groups = _groups(guard, body.get("group_by", []))
    measures = _measures(guard, body.get("measures", [{"op": "count"}]))
    named = {g.key: g.expression for g in groups} | {m.key: _having_value(m) for m in measures}
    limit = _limit(body.get("limit"))
    table = model.table
    where: list[sa.ColumnElement[bool]] = [table.c.deleted_at.is_(None)]
    visible = guard.visible()
    if visible is not None:
        where.append(visible)
    if body.get("filter") is not None:
        where.append(list_filter(guard, body["filter"]))
    columns = [g.expression.label(g.key) for g in groups]
    for m in measures:
        columns.append(m.expression.label(m.key))
        if m.count is not None:
            columns.append(m.count.label(f"{m.key}__n"))
    query = sa.select(*columns).where(*where)
    if groups:
        query = query.group_by(*(g.expression for g in groups))
    having = _having(body.get("having"), named)
    if having:
        query = query.having(*having)
    query = query.order_by(*_sort(body.get("sort"), named, groups)).limit(limit)
    items = []
    for row in ctx.conn.execute(query).mappings():
        item = {g.key: _group_json(guard, g, row[g.key]) for g in groups}
        for m in measures:
            item[m.key] = _measure_json(guard, m, row)
        items.append(item)
    return {"items": items}


def _field(guard: Guard, name: Any, at: str, problem: str,
           params: Mapping[str, Any]) -> str:
    """A field the caller may group or measure by (422 naming the culprit otherwise)."""
    if not isinstance(name, str) or name == "id" or guard.readable_field(name) is None:
        raise Invalid([guard.field_error(at, str(name))])
    if guard.masked(name) or _value_type(guard, name).multi_valued:
        raise Invalid([ErrorItem(at, problem, {"field": name, **params})])
    return name


def _value_type(guard: Guard, name: str) -> FieldType:
    """The type a field's values have (a formula's: its result's)."""
    definition = guard.model.field_definition(name) or {}
    return REGISTRY[str(definition.get("type"))]


def _groups(guard: Guard, raw: Any) -> list[_Group]:
    if not isinstance(raw, list):
        raise Invalid([ErrorItem("/group_by", "schema_type", {"expected": "array"})])
    if len(raw) > MAX_GROUPS_BY:
        raise Invalid([ErrorItem("/group_by", "aggregate_too_many",
                                 {"max": MAX_GROUPS_BY, "what": "group_by"})])
    groups = []
    table = guard.model.table
    for i, item in enumerate(raw):
        at = pointer("group_by", i)
        spec = {"field": item} if isinstance(item, str) else item
        if not isinstance(spec, Mapping) or set(spec) - {"field", "bucket"}:
            raise Invalid([ErrorItem(at, "schema_type", {"expected": "field or object"})])
        name = _field(guard, spec.get("field"), at + ("/field" if spec is item else ""),
                      "aggregate_field_not_groupable", {})
        bucket = spec.get("bucket")
        expression = guard.column(table, name)
        if bucket is not None:
            if bucket not in BUCKETS:
                raise Invalid([ErrorItem(at + "/bucket", "schema_enum",
                                         {"allowed": list(BUCKETS)})])
            if not _value_type(guard, name).temporal:
                raise Invalid([ErrorItem(at + "/bucket", "aggregate_bucket_needs_date",
                                         {"bucket": bucket, "field": name})])
            expression = _Bucket(expression, sa.literal(bucket))
        key = name if bucket is None else f"{name}_{bucket}"
        groups.append(_Group(key, name, bucket, expression))
    return groups


def _measures(guard: Guard, raw: Any) -> list[_Measure]:
    if not isinstance(raw, list) or not raw:
        raise Invalid([ErrorItem("/measures", "schema_type", {"expected": "non-empty array"})])
    if len(raw) > MAX_MEASURES:
        raise Invalid([ErrorItem("/measures", "aggregate_too_many",
                                 {"max": MAX_MEASURES, "what": "measures"})])
    table = guard.model.table
    found = []
    for i, item in enumerate(raw):
        at = pointer("measures", i)
        if not isinstance(item, Mapping) or set(item) - {"op", "field", "as"}:
            raise Invalid([ErrorItem(at, "schema_type", {"expected": "{op, field}"})])
        op = item.get("op")
        if op not in OPS:
            raise Invalid([ErrorItem(at + "/op", "schema_enum", {"allowed": list(OPS)})])
        name = item.get("field")
        if name is None and op == "count":
            expression: sa.ColumnElement[Any] = sa.func.count()
            key = "count"
            counted = None
        else:
            name = _field(guard, name, at + "/field", "aggregate_field_not_measurable",
                          {"op": op})
            value_type = _value_type(guard, name)
            numeric, orderable = value_type.numeric, value_type.orderable
            if (op in ("sum", "avg") and not numeric) or (op in ("min", "max")
                                                          and not orderable):
                raise Invalid([ErrorItem(at + "/field", "aggregate_field_not_measurable",
                                         {"field": name, "op": op})])
            value = guard.column(table, name)
            counted = sa.func.count(value) if op == "avg" else None
            if op == "count":
                expression = sa.func.count(value)
            else:  # avg: the sum, divided by the count exactly afterwards
                total: sa.ColumnElement[Any] = sa.func.min(value) if op == "min" \
                    else sa.func.max(value) if op == "max" else sa.func.sum(value)
                expression = sa.type_coerce(total, value.type)
            key = f"{op}_{name}"
        alias = item.get("as", key)
        if not isinstance(alias, str) or not alias.isidentifier():
            raise Invalid([ErrorItem(at + "/as", "schema_type", {"expected": "name"})])
        found.append(_Measure(alias, op, name, expression, counted))
    return found


def _having_value(m: _Measure) -> sa.ColumnElement[Any]:
    return m.expression if m.count is None else m.expression / sa.func.nullif(m.count, 0)


def _having(raw: Any, named: Mapping[str, sa.ColumnElement[Any]]) -> list[Any]:
    """``[{measure, op, value}]``: groups whose measure compares so (numbers only)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise Invalid([ErrorItem("/having", "schema_type", {"expected": "array"})])
    clauses = []
    for i, item in enumerate(raw):
        at = pointer("having", i)
        if not isinstance(item, Mapping):
            raise Invalid([ErrorItem(at, "schema_type", {"expected": "object"})])
        name, op, value = item.get("measure"), item.get("op"), item.get("value")
        if not isinstance(name, str) or name not in named:
            raise Invalid([ErrorItem(at + "/measure", "aggregate_unknown_measure",
                                     {"name": str(name)})])
        if op not in COMPARISONS:
            raise Invalid([ErrorItem(at + "/op", "schema_enum",
                                     {"allowed": list(COMPARISONS)})])
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Invalid([ErrorItem(at + "/value", "schema_type", {"expected": "number"})])
        left = sa.type_coerce(named[name], sa.Numeric())
        clauses.append(getattr(left, COMPARISONS[op])(sa.literal(Decimal(str(value)))))
    return clauses


def _sort(raw: Any, named: Mapping[str, sa.ColumnElement[Any]],
          groups: list[_Group]) -> list[Any]:
    if raw is None:
        return [g.expression.asc().nulls_last() for g in groups]
    if not isinstance(raw, list):
        raise Invalid([ErrorItem("/sort", "schema_type", {"expected": "array"})])
    order = []
    for i, item in enumerate(raw):
        name = item[1:] if isinstance(item, str) and item.startswith("-") else item
        if name not in named:
            raise Invalid([ErrorItem(pointer("sort", i), "aggregate_unknown_measure",
                                     {"name": str(item)})])
        column = named[name]
        order.append(column.desc().nulls_last() if item != name else column.asc().nulls_last())
    return order


def _limit(raw: Any) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_LIMIT:
        raise Invalid([ErrorItem("/limit", "schema_type",
                                 {"expected": f"integer from 1 to {MAX_LIMIT}"})])
    return raw


def _group_json(guard: Guard, group: _Group, value: Any) -> Any:
    if value is None or group.bucket is not None:
        return value
    field = guard.model.fields.get(group.field)
    if field is None:  # a system field (owner, created_at, ...)
        return field_json(guard.model, group.field, value)
    return field.type.to_json(field.definition, value)


def _measure_json(guard: Guard, measure: _Measure, row: Mapping[Any, Any]) -> Any:
    value = row[measure.key]
    if measure.op == "count" or value is None:
        return value
    if measure.count is not None:
        count = row[f"{measure.key}__n"]
        if not count:
            return None
        return str(Decimal(str(value)) / Decimal(count))
    if measure.op == "sum":
        return str(Decimal(str(value)))
    field = guard.model.fields.get(str(measure.field))
    if field is None:
        return field_json(guard.model, str(measure.field), value)
    return field.type.to_json(field.definition, value)
