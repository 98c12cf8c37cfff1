"""The two compilers of the condition language: to a SQL WHERE clause, to a predicate.

Both take the typed tree from ``metadata.conditions.parse_condition``, whose values are
already in storage form, so neither ever handles raw input. They must agree on every
tree and record; a property test holds them to it.
"""

from __future__ import annotations

import string
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
    # SQL compares NULL to unknown, which NOT keeps unknown; the predicate calls it
    # false. Every leaf is made two-valued, so NOT and the groups mean the same on both.
    op = leaf.op
    if op in ("is_empty", "is_not_empty", "ne", "not_in"):
        return _compare_sql(leaf, col)
    return sa.and_(col.is_not(None), _compare_sql(leaf, col))


def _compare_sql(leaf: Leaf, col: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
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
            return _FoldAscii(col).contains(_fold(value), autoescape=True)
        case "starts_with":
            return _FoldAscii(col).startswith(_fold(value), autoescape=True)
        case "ends_with":
            return _FoldAscii(col).endswith(_fold(value), autoescape=True)
    raise ValueError(f"no SQL for operator {op}")


class _FoldAscii(sa.sql.expression.FunctionElement):
    """Text with A-Z folded to a-z and nothing else, the same on every database.

    SQLite's ``lower()`` folds ASCII only, PostgreSQL's folds by locale and Python's by
    Unicode; pattern matches fold ASCII only so that every compiler agrees.
    """

    type = sa.Text()
    inherit_cache = True
    name = "fold_ascii"


@sa.ext.compiler.compiles(_FoldAscii, "postgresql")
def _fold_ascii_pg(element: _FoldAscii, compiler: Any, **kw: Any) -> str:
    (col,) = list(element.clauses)
    return compiler.process(sa.func.translate(col, string.ascii_uppercase,
                                              string.ascii_lowercase), **kw)


@sa.ext.compiler.compiles(_FoldAscii)
def _fold_ascii_default(element: _FoldAscii, compiler: Any, **kw: Any) -> str:
    (col,) = list(element.clauses)
    return compiler.process(sa.func.lower(col), **kw)


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


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _fold(value: Any) -> Any:
    """Fold A-Z only (see ``_FoldAscii``): "Äpfel" does not contain "ä"."""
    return value.translate(_ASCII_LOWER) if isinstance(value, str) else value


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
