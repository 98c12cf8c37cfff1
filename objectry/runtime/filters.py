"""The two compilers of the condition language: to a SQL WHERE clause, to a predicate.

Both take the typed tree from ``metadata.conditions.parse_condition``, whose values are
already in storage form, so neither ever handles raw input. They must agree on every
tree and record; a property test holds them to it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
import sqlalchemy.ext.compiler

from objectry.metadata.conditions import All, AnyOf, Leaf, Node, Not

Predicate = Callable[[Mapping[str, Any]], bool]
TEXT_STORAGE = frozenset({"text", "long_text", "email", "phone", "url", "picklist",
                          "auto_number"})


def to_sql(node: Node, table: sa.Table) -> sa.ColumnElement[bool]:
    """A WHERE clause for ``node`` over ``table`` (built from constructs, never strings)."""
    if isinstance(node, All):
        return sa.and_(sa.true(), *(to_sql(c, table) for c in node.children))
    if isinstance(node, AnyOf):
        return sa.or_(sa.false(), *(to_sql(c, table) for c in node.children))
    if isinstance(node, Not):
        return sa.not_(to_sql(node.child, table))
    return _leaf_sql(node, table.c[node.field])


def _leaf_sql(leaf: Leaf, col: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    op, value, text = leaf.op, leaf.value, leaf.type_name in TEXT_STORAGE
    if leaf.type_name == "multi_picklist":
        return _multi_sql(op, value, col)
    empty = sa.or_(col.is_(None), col == "") if text else col.is_(None)
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
        case "gt":
            return col > value
        case "gte":
            return col >= value
        case "lt":
            return col < value
        case "lte":
            return col <= value
        case "between":
            return col.between(value[0], value[1])
        case "contains":
            return col.icontains(value, autoescape=True)
        case "starts_with":
            return col.istartswith(value, autoescape=True)
        case "ends_with":
            return col.iendswith(value, autoescape=True)
    raise ValueError(f"no SQL for operator {op}")


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


def _multi_sql(op: str, value: Any, col: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    # Empty selections are stored as NULL, so emptiness is a NULL test on both databases.
    if op == "is_empty":
        return col.is_(None)
    if op == "is_not_empty":
        return col.is_not(None)
    if op == "contains":
        return _JsonHas(col, sa.literal(value, sa.String))
    raise ValueError(f"no SQL for operator {op}")


def to_predicate(node: Node) -> Predicate:
    """A Python predicate over a record in storage form (field name -> stored value)."""
    if isinstance(node, All):
        parts = [to_predicate(c) for c in node.children]
        return lambda rec: all(p(rec) for p in parts)
    if isinstance(node, AnyOf):
        parts = [to_predicate(c) for c in node.children]
        return lambda rec: any(p(rec) for p in parts)
    if isinstance(node, Not):
        inner = to_predicate(node.child)
        return lambda rec: not inner(rec)
    return _leaf_predicate(node)


def _fold(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _leaf_predicate(leaf: Leaf) -> Predicate:
    name, op, want = leaf.field, leaf.op, leaf.value
    text = leaf.type_name in TEXT_STORAGE

    def empty(v: Any) -> bool:
        return v is None or (text and v == "") or (leaf.type_name == "multi_picklist"
                                                  and v == [])

    def ordered(cmp: Callable[[Any, Any], bool]) -> Predicate:
        return lambda rec: rec.get(name) is not None and cmp(rec[name], want)

    if leaf.type_name == "multi_picklist" and op == "contains":
        return lambda rec: want in (rec.get(name) or [])
    match op:
        case "is_empty":
            return lambda rec: empty(rec.get(name))
        case "is_not_empty":
            return lambda rec: not empty(rec.get(name))
        case "eq":
            return lambda rec: rec.get(name) is not None and rec.get(name) == want
        case "ne":
            return lambda rec: rec.get(name) is None or rec.get(name) != want
        case "in":
            return lambda rec: rec.get(name) is not None and rec.get(name) in want
        case "not_in":
            return lambda rec: rec.get(name) is None or rec.get(name) not in want
        case "gt":
            return ordered(lambda a, b: a > b)
        case "gte":
            return ordered(lambda a, b: a >= b)
        case "lt":
            return ordered(lambda a, b: a < b)
        case "lte":
            return ordered(lambda a, b: a <= b)
        case "between":
            return lambda rec: rec.get(name) is not None and want[0] <= rec[name] <= want[1]
        case "contains":
            return ordered(lambda a, b: _fold(b) in _fold(a))
        case "starts_with":
            return ordered(lambda a, b: _fold(a).startswith(_fold(b)))
        case "ends_with":
            return ordered(lambda a, b: _fold(a).endswith(_fold(b)))
    raise ValueError(f"no predicate for operator {op}")


__all__ = ["Predicate", "to_predicate", "to_sql"]
