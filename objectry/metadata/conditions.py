"""The condition language: one JSON tree for list filters, data scopes, rules, workflows.

``parse_condition`` checks a tree against an object's fields and returns a typed tree
whose values are already in storage form; compilers (SQL, Python) live in the runtime
and never see unchecked input.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from objectry.metadata.fieldtypes import REGISTRY, FieldType
from objectry.metadata.fieldtypes.base import checked_text
from objectry.metadata.problems import ErrorItem, FieldValueError, Invalid, pointer

MAX_DEPTH = 10
MAX_LEAVES = 200
NO_VALUE_OPS = frozenset({"is_empty", "is_not_empty"})
LIST_OPS = frozenset({"in", "not_in"})
TEXT_PATTERN_OPS = frozenset({"contains", "starts_with", "ends_with"})
KNOWN_OPS = frozenset({"eq", "ne", "gt", "gte", "lt", "lte", "between"}) | NO_VALUE_OPS \
    | LIST_OPS | TEXT_PATTERN_OPS


@dataclass(frozen=True)
class All:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class Leaf:
    """``field op value`` with the value in storage form (a tuple for in/between)."""

    field: str
    type_name: str
    op: str
    value: Any


Node = All | AnyOf | Not | Leaf

#: field api_name -> its definition (system fields included).
FieldLookup = Callable[[str], Mapping[str, Any] | None]


def parse_condition(tree: Any, fields: FieldLookup, *, object_name: str,
                    at: str = "") -> Node:
    """Check and type a condition tree; raise Invalid listing every culprit."""
    errors: list[ErrorItem] = []
    leaves = [0]
    node = _parse(tree, fields, object_name, at, 0, errors, leaves)
    if leaves[0] > MAX_LEAVES:
        errors.append(ErrorItem(at, "condition_too_large", {"max": MAX_LEAVES}))
    if errors:
        raise Invalid(errors)
    return node


def condition_errors(tree: Any, fields: FieldLookup, *, object_name: str,
                     at: str = "") -> list[ErrorItem]:
    """The culprits of a condition tree, for validators that gather errors."""
    try:
        parse_condition(tree, fields, object_name=object_name, at=at)
    except Invalid as exc:
        return exc.errors
    return []


def _parse(tree: Any, fields: FieldLookup, obj: str, at: str, depth: int,
           errors: list[ErrorItem], leaves: list[int]) -> Node:
    if depth > MAX_DEPTH:
        errors.append(ErrorItem(at, "condition_too_deep", {"max": MAX_DEPTH}))
        return All(())
    if not isinstance(tree, dict) or not tree:
        errors.append(ErrorItem(at, "invalid_condition"))
        return All(())
    keys = set(tree)
    for group, cls in (("all", All), ("any", AnyOf)):
        if keys == {group}:
            items = tree[group]
            if not isinstance(items, list):
                errors.append(ErrorItem(at + pointer(group), "invalid_condition"))
                return All(())
            return cls(tuple(_parse(child, fields, obj, at + pointer(group, i), depth + 1,
                                    errors, leaves) for i, child in enumerate(items)))
    if keys == {"not"}:
        return Not(_parse(tree["not"], fields, obj, at + "/not", depth + 1, errors, leaves))
    if "field" in keys and "op" in keys and keys <= {"field", "op", "value"}:
        leaves[0] += 1
        return _parse_leaf(tree, fields, obj, at, errors)
    errors.append(ErrorItem(at, "invalid_condition"))
    return All(())


def _parse_leaf(tree: Mapping[str, Any], fields: FieldLookup, obj: str, at: str,
                errors: list[ErrorItem]) -> Node:
    name, op = tree["field"], tree["op"]
    definition = fields(name) if isinstance(name, str) else None
    if definition is None:
        errors.append(ErrorItem(at + "/field", "unknown_field", {"object": obj, "field": name}))
        return All(())
    ftype = REGISTRY[definition["type"]]
    if not isinstance(op, str) or op not in KNOWN_OPS:
        errors.append(ErrorItem(at + "/op", "unknown_operator", {"op": op}))
        return All(())
    if op not in ftype.operators:
        errors.append(ErrorItem(at + "/op", "operator_not_supported",
                                {"op": op, "type": ftype.name}))
        return All(())
    if op in NO_VALUE_OPS:
        return Leaf(name, ftype.name, op, None)
    if "value" not in tree:
        errors.append(ErrorItem(at, "value_required", {"op": op}))
        return All(())
    try:
        value = _operand(ftype, definition, op, tree["value"])
    except FieldValueError as exc:
        errors.append(ErrorItem(at + "/value", exc.code, exc.params))
        return All(())
    return Leaf(name, ftype.name, op, value)


def _operand(ftype: FieldType, definition: Mapping[str, Any], op: str, raw: Any) -> Any:
    # Bounds of the definition (min, max, max_length) constrain stored values, not
    # the values one compares with: "employees < 1000000" is a fine question.
    unbounded = {k: v for k, v in definition.items() if k not in ("min", "max", "max_length")}
    if op in TEXT_PATTERN_OPS:
        if ftype.name == "multi_picklist":
            return ftype.deserialize(unbounded, [raw])[0]
        return checked_text(raw, lenient=False, multiline=True)
    if op in LIST_OPS or op == "between":
        if not isinstance(raw, list) or not raw or len(raw) > 1000 or (
                op == "between" and len(raw) != 2):
            raise FieldValueError("not_a_list")
        return tuple(_single(ftype, unbounded, item) for item in raw)
    return _single(ftype, unbounded, raw)


def _single(ftype: FieldType, definition: Mapping[str, Any], raw: Any) -> Any:
    if raw is None:
        raise FieldValueError("required")
    return ftype.deserialize(definition, raw)
