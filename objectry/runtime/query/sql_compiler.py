"""The SQL compiler of the condition language: a WHERE clause from constructs only.

Every leaf is made two-valued (SQL compares NULL to unknown, which NOT keeps unknown;
the predicate calls it false), so NOT and the groups mean the same in both compilers.
Related conditions become correlated ``EXISTS`` / ``count(*)`` sub-selects over the
related table, limited to its live rows the caller may see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
import sqlalchemy.ext.compiler
from sqlalchemy.sql.util import ClauseAdapter

from objectry.metadata.conditions.nodes import (
    CHANGE_OPS,
    EXISTS,
    NOT_EXISTS,
    RELATIVE_DATE_OPS,
    All,
    AnyOf,
    Leaf,
    Node,
    Not,
    Related,
    walk,
)
from objectry.metadata.conditions.phones import PHONE_KEY_OPS, phone_key
from objectry.metadata.conditions.text import fold_text
from objectry.metadata.problems import ErrorItem, Invalid
from objectry.runtime.kernel.ids import ids_before, ids_from
from objectry.runtime.query.dates import window
from objectry.runtime.query.inputs import ConditionInputMissing, ReadableIn, RelatedTables
from objectry.runtime.query.phone_keys import PhoneKey
from objectry.runtime.query.text_folding import Folded

#: ``(table, field) -> SQL`` of a field's value where it is not its column (a formula).
ValueOf = Callable[[sa.FromClause, str], sa.ColumnElement[Any]]


def refuse_changes(node: Node) -> None:
    """A table holds no "before the update": changed* leaves are a 422 naming each."""
    found = [n for n in walk(node) if isinstance(n, Leaf) and n.op in CHANGE_OPS]
    if found:
        raise Invalid([ErrorItem(n.at + "/op", "operator_needs_update", {"op": n.op})
                       for n in found])


class SqlCompiler:
    """Compiles trees against one ``now`` and one source of related tables."""

    def __init__(self, now: dt.datetime | None, related: RelatedTables | None,
                 values: ValueOf | None = None) -> None:
        self.now = now
        self.related = related
        self.values = values  # a field's SQL other than its column (formulas)

    def compile(self, node: Node, table: sa.FromClause,
                readable: ReadableIn | None = None) -> sa.ColumnElement[bool]:
        """``node`` over ``table``; ``readable`` says in which rows the caller may read
        a field: elsewhere the leaf tests the field as empty (is_empty, ne and not_in
        hold, every other operator fails), so a filter reveals nothing hidden."""
        if isinstance(node, All):
            return sa.and_(sa.true(), *(self.compile(c, table, readable)
                                        for c in node.children))
        if isinstance(node, AnyOf):
            return sa.or_(sa.false(), *(self.compile(c, table, readable)
                                        for c in node.children))
        if isinstance(node, Not):
            return sa.not_(self.compile(node.child, table, readable))
        if isinstance(node, Related):
            return self._related(node, table)
        col = table.c[node.field] if self.values is None else self.values(table, node.field)
        when = None if readable is None else readable(table, node.field)
        if node.op in ("is_empty", "ne", "not_in"):  # an empty value meets these
            test = self._compare(node, col)
            return test if when is None else sa.or_(sa.not_(when), test)
        test = self._compare(node, col) if node.op == "is_not_empty" \
            else sa.and_(col.is_not(None), self._compare(node, col),
                         *self._id_range(node, table, col))
        return test if when is None else sa.and_(when, test)

    def _id_range(self, leaf: Leaf, table: sa.FromClause,
                  col: sa.ColumnElement[Any]) -> list[sa.ColumnElement[bool]]:
        """A range of ``created_at`` said again as a range of ids, which it implies (the
        id carries the record's creation instant: ``kernel.ids.record_stamp``), so the
        primary key answers it: record tables have no created_at index (one index fewer
        per table in every PostgreSQL backend's catalog cache and in SQLite's schema;
        docs/scaling.md)."""
        if leaf.field != "created_at" or "id" not in table.c or col is not table.c.get(
                "created_at"):
            return []
        lo: Any = None
        hi: Any = None
        if leaf.op in RELATIVE_DATE_OPS and self.now is not None:
            span = window(leaf.op, leaf.value, leaf.field_type, self.now)
            lo, hi = span.lo, span.hi
        elif leaf.op in ("gt", "gte"):
            lo = leaf.value
        elif leaf.op in ("lt", "lte"):
            hi = leaf.value
        elif leaf.op in ("between", "eq"):
            lo, hi = leaf.value if leaf.op == "between" else (leaf.value, leaf.value)
        bounds = []
        if isinstance(lo, dt.datetime) and lo.tzinfo is not None:
            bounds.append(table.c.id >= ids_from(lo))
        if isinstance(hi, dt.datetime) and hi.tzinfo is not None:
            bounds.append(table.c.id < ids_before(hi))
        return bounds

    def _related(self, node: Related, table: sa.FromClause) -> sa.ColumnElement[bool]:
        if self.related is None:
            raise missing("related tables")
        source = self.related(node.object)
        child = source.table.alias()  # distinct even when an object refers to itself
        match = [child.c[node.via] == table.c.id, child.c.deleted_at.is_(None),
                 self.compile(node.where, child, source.readable)]
        if source.visible is not None:
            match.append(ClauseAdapter(child).traverse(source.visible))
        if node.count == EXISTS:
            return sa.exists().where(*match).correlate(table)
        if node.count == NOT_EXISTS:
            return ~sa.exists().where(*match).correlate(table)
        number = (sa.select(sa.func.count()).select_from(child).where(*match)
                  .correlate(table).scalar_subquery())
        return sa.and_(*(_ORDER[op](number, n) for op, n in node.count))

    def _compare(self, leaf: Leaf, col: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        op, value, ftype = leaf.op, leaf.value, leaf.field_type
        if ftype.multi_valued:
            return _multi_sql(op, value, col)
        if op in RELATIVE_DATE_OPS:
            if self.now is None:
                raise missing("now")
            span = window(op, value, ftype, self.now)
            if span.empty:
                return sa.false()
            bounds = [c for c in (None if span.lo is None else col >= span.lo,
                                  None if span.hi is None else col < span.hi) if c is not None]
            return sa.and_(sa.true(), *bounds)
        if ftype.dialable and op in PHONE_KEY_OPS:
            return _phone_sql(op, value, col)
        empty = sa.or_(col.is_(None), col == "") if ftype.stores_text else col.is_(None)
        match op:
            case "is_empty":
                return empty
            case "is_not_empty":
                return sa.not_(empty)
            case "eq":
                return col == value
            case "ne":
                return sa.or_(col != value, col.is_(None))
            case "in":
                return col.in_(value)
            case "not_in":
                return sa.or_(col.not_in(value), col.is_(None))
            case "gt" | "gte" | "lt" | "lte":
                return _ORDER[op](col, value)
            case "between":
                return col.between(value[0], value[1])
            case "contains":
                return Folded(col).contains(fold_text(value), autoescape=True)
            case "starts_with":
                return Folded(col).startswith(fold_text(value), autoescape=True)
            case "ends_with":
                return Folded(col).endswith(fold_text(value), autoescape=True)
        raise ValueError(f"no SQL for operator {op}")


def _phone_sql(op: str, value: Any, col: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    """Phone comparisons by key (``conditions.phones``): spellings of a number agree."""
    key = PhoneKey(col)
    match op:
        case "area_code":
            return key.startswith(value, autoescape=True)
        case "eq":
            return key == phone_key(value)
        case "ne":
            return sa.or_(key != phone_key(value), col.is_(None))
        case "in":
            return key.in_([phone_key(v) for v in value])
    return sa.or_(key.not_in([phone_key(v) for v in value]), col.is_(None))


def missing(what: str) -> ConditionInputMissing:
    return ConditionInputMissing(f"this condition needs {what}; pass it to the compiler")


_ORDER = {
    "eq": lambda a, b: a == b, "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b,
}


class _JsonHas(sa.sql.expression.FunctionElement):
    """``json array column contains value``, compiled per dialect below."""

    type = sa.Boolean()
    inherit_cache = True
    name = "json_has"


@sa.ext.compiler.compiles(_JsonHas, "postgresql")
def _json_has_pg(element: _JsonHas, compiler: Any, **kw: Any) -> str:
    col, value = list(element.clauses)
    return compiler.process(col.op("@>")(sa.func.jsonb_build_array(value)), **kw)


@sa.ext.compiler.compiles(_JsonHas)
def _json_has_default(element: _JsonHas, compiler: Any, **kw: Any) -> str:
    col, value = list(element.clauses)
    each = sa.func.json_each(col).table_valued("value")
    return compiler.process(sa.exists().where(each.c.value == value), **kw)


class _JsonIsNull(sa.sql.expression.FunctionElement):
    """``the json column holds the JSON value null`` (not SQL NULL), per dialect below."""

    type = sa.Boolean()
    inherit_cache = True
    name = "json_is_null"


@sa.ext.compiler.compiles(_JsonIsNull, "postgresql")
def _json_is_null_pg(element: _JsonIsNull, compiler: Any, **kw: Any) -> str:
    (col,) = list(element.clauses)
    return compiler.process(sa.func.jsonb_typeof(col) == "null", **kw)


@sa.ext.compiler.compiles(_JsonIsNull)
def _json_is_null_default(element: _JsonIsNull, compiler: Any, **kw: Any) -> str:
    (col,) = list(element.clauses)
    return compiler.process(sa.func.json_type(col) == "null", **kw)


def _multi_sql(op: str, value: Any, col: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    # An empty selection is SQL NULL when the field was left out but the JSON value
    # null when it was written as None or []: both read back as None, both are empty.
    empty = sa.or_(col.is_(None), _JsonIsNull(col))
    if op == "is_empty":
        return empty
    if op == "is_not_empty":
        return sa.not_(empty)
    if op == "contains":
        return _JsonHas(col, sa.literal(value, sa.String))
    raise ValueError(f"no SQL for operator {op}")
