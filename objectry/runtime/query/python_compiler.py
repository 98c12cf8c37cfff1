"""The Python compiler of the condition language: a predicate over records in memory.

It mirrors ``filter_sql`` leaf by leaf (same folding, same date windows, same NULL
rules), and adds what SQL cannot have: ``changed*`` against the values before an
update. Each compiled node is a function ``(record, env) -> bool``; the environment
carries the per-call inputs (old values, now, related rows).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from objectry.metadata.conditions.nodes import (
    EXISTS,
    NOT_EXISTS,
    RELATIVE_DATE_OPS,
    All,
    AnyOf,
    Leaf,
    Node,
    Not,
    Related,
)
from objectry.metadata.conditions.phones import PHONE_KEY_OPS, phone_key
from objectry.metadata.conditions.text import fold_text
from objectry.runtime.query.dates import window
from objectry.runtime.query.inputs import RelatedRows
from objectry.runtime.query.sql_compiler import missing


@dataclass(frozen=True)
class Env:
    """The inputs of one evaluation."""

    old: Mapping[str, Any] | None
    now: dt.datetime | None
    related: RelatedRows | None


Test = Callable[[Mapping[str, Any], Env], bool]

_ORDER: Mapping[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b, "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b,
}


def compile_node(node: Node) -> Test:
    if isinstance(node, All):
        parts = [compile_node(c) for c in node.children]
        return lambda rec, env: all(p(rec, env) for p in parts)
    if isinstance(node, AnyOf):
        parts = [compile_node(c) for c in node.children]
        return lambda rec, env: any(p(rec, env) for p in parts)
    if isinstance(node, Not):
        inner = compile_node(node.child)
        return lambda rec, env: not inner(rec, env)
    if isinstance(node, Related):
        return _related(node)
    return _leaf(node)


def _related(node: Related) -> Test:
    where = compile_node(node.where)

    def test(rec: Mapping[str, Any], env: Env) -> bool:
        if env.related is None:
            raise missing("related rows")
        parent = rec.get("id")
        child_env = Env(None, env.now, env.related)
        rows = () if parent is None else env.related(node.object, node.via, parent)
        matches = (row for row in rows if where(row, child_env))
        if node.count == EXISTS:
            return any(True for _ in matches)
        if node.count == NOT_EXISTS:
            return not any(True for _ in matches)
        number = sum(1 for _ in matches)
        return all(_ORDER[op](number, n) for op, n in node.count)

    return test


def _before(old: Mapping[str, Any] | None, name: str, new: Any) -> tuple[bool, Any]:
    """(whether the update changed ``name``, its value before). Fields absent from
    ``old`` are unchanged; an empty multi-picklist is None, as the records service
    stores it."""
    if old is None or name not in old:
        return False, None
    was = old[name]
    if was == []:
        was = None
    if new == []:
        new = None
    return was != new, was


def _leaf(leaf: Leaf) -> Test:
    name, op, want, ftype = leaf.field, leaf.op, leaf.value, leaf.field_type
    empty = ftype.is_empty  # "" of text, [] of a multi-valued field, None of all

    def present(check: Callable[[Any], bool]) -> Test:
        return lambda rec, env: rec.get(name) is not None and check(rec[name])

    if op in RELATIVE_DATE_OPS:
        def relative(rec: Mapping[str, Any], env: Env) -> bool:
            if env.now is None:
                raise missing("now")
            return window(op, want, ftype, env.now).holds(rec.get(name))
        return relative
    match op:
        case "changed":
            return lambda rec, env: _before(env.old, name, rec.get(name))[0]
        case "changed_to":
            return lambda rec, env: (_before(env.old, name, rec.get(name))[0]
                                     and rec.get(name) == want)
        case "changed_from":
            def changed_from(rec: Mapping[str, Any], env: Env) -> bool:
                changed, was = _before(env.old, name, rec.get(name))
                return changed and was == want
            return changed_from
        case "is_empty":
            return lambda rec, env: empty(rec.get(name))
        case "is_not_empty":
            return lambda rec, env: not empty(rec.get(name))
    if ftype.dialable and op in PHONE_KEY_OPS:
        return _phone(name, op, want)
    if ftype.multi_valued and op == "contains":
        return lambda rec, env: want in (rec.get(name) or [])
    match op:
        case "eq" | "gt" | "gte" | "lt" | "lte":
            cmp = _ORDER[op]
            return present(lambda v: cmp(v, want))
        case "ne":
            return lambda rec, env: rec.get(name) is None or rec.get(name) != want
        case "in":
            return present(lambda v: v in want)
        case "not_in":
            return lambda rec, env: rec.get(name) is None or rec.get(name) not in want
        case "between":
            return present(lambda v: want[0] <= v <= want[1])
        case "contains":
            folded = fold_text(want)
            return present(lambda v: folded in fold_text(v))
        case "starts_with":
            folded = fold_text(want)
            return present(lambda v: fold_text(v).startswith(folded))
        case "ends_with":
            folded = fold_text(want)
            return present(lambda v: fold_text(v).endswith(folded))
    raise ValueError(f"no predicate for operator {op}")


def _phone(name: str, op: str, want: Any) -> Test:
    """Phone comparisons by key, as ``sql_compiler._phone_sql``."""
    if op == "area_code":
        return lambda rec, env: rec.get(name) is not None and phone_key(
            rec[name]).startswith(want)
    keys = {phone_key(v) for v in want} if op in ("in", "not_in") else {phone_key(want)}
    if op in ("eq", "in"):
        return lambda rec, env: rec.get(name) is not None and phone_key(rec[name]) in keys
    return lambda rec, env: rec.get(name) is None or phone_key(rec[name]) not in keys
