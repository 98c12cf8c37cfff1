"""The condition language: one JSON tree for list filters, data scopes, rules, workflows.

``parse_condition`` checks a tree against an object's fields and returns a typed tree
whose values are already in storage form; compilers (SQL, Python) live in the runtime
and never see unchecked input. A tree is made of

- groups ``{"all": [...]}``, ``{"any": [...]}``, ``{"not": ...}``;
- comparisons ``{"field", "op", "value"}`` (operators by field type, see
  ``condition_leaves``);
- related-record conditions ``{"related": {"object", "via", "where", "exists" | "count"}}``
  (see ``related``), available where the caller passes ``objects``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from objectry.metadata.conditions.leaves import parse_leaf
from objectry.metadata.conditions.nodes import (
    CHANGE_OPS,
    KNOWN_OPS,
    LIST_OPS,
    NO_VALUE_OPS,
    RELATIVE_DATE_OPS,
    TEXT_PATTERN_OPS,
    All,
    AnyOf,
    FieldLookup,
    Leaf,
    Node,
    Not,
    ObjectLookup,
    Related,
    walk,
)
from objectry.metadata.conditions.related import parse_related
from objectry.metadata.problems import ErrorItem, Invalid, pointer

MAX_DEPTH = 10
MAX_LEAVES = 200


@dataclass
class Parser:
    """The state of one parse: every culprit found so far and the comparisons counted."""

    objects: ObjectLookup | None
    changes: bool = True
    errors: list[ErrorItem] = field(default_factory=list)
    leaves: int = 0

    def parse(self, tree: Any, fields: FieldLookup, obj: str, at: str, depth: int, *,
              related: bool = False) -> Node:
        """One node; ``related`` is true inside a related condition's ``where``."""
        if depth > MAX_DEPTH:
            self.errors.append(ErrorItem(at, "condition_too_deep", {"max": MAX_DEPTH}))
            return All(())
        if not isinstance(tree, dict) or not tree:
            self.errors.append(ErrorItem(at, "invalid_condition"))
            return All(())
        keys = set(tree)
        for group, cls in (("all", All), ("any", AnyOf)):
            if keys == {group}:
                items = tree[group]
                if not isinstance(items, list):
                    self.errors.append(ErrorItem(at + pointer(group), "invalid_condition"))
                    return All(())
                return cls(tuple(self.parse(child, fields, obj, at + pointer(group, i),
                                            depth + 1, related=related)
                                 for i, child in enumerate(items)))
        if keys == {"not"}:
            return Not(self.parse(tree["not"], fields, obj, at + "/not", depth + 1,
                                  related=related))
        if keys == {"related"}:
            self.leaves += 1
            return parse_related(self, tree["related"], obj, at + "/related", depth)
        if "field" in keys and "op" in keys and keys <= {"field", "op", "value"}:
            self.leaves += 1
            return parse_leaf(tree, fields, obj, at, self.errors,
                              changes=self.changes and not related)
        self.errors.append(ErrorItem(at, "invalid_condition"))
        return All(())


def parse_condition(tree: Any, fields: FieldLookup, *, object_name: str, at: str = "",
                    objects: ObjectLookup | None = None, changes: bool = True) -> Node:
    """Check and type a condition tree; raise Invalid listing every culprit.

    ``objects`` gives the fields of other objects, for related-record conditions;
    without it (validation rules, data scopes) such conditions are refused.
    ``changes=False`` refuses changed* where no update is at hand (lists, data scopes).
    """
    parser = Parser(objects, changes)
    node = parser.parse(tree, fields, object_name, at, 0)
    if parser.leaves > MAX_LEAVES:
        parser.errors.append(ErrorItem(at, "condition_too_large", {"max": MAX_LEAVES}))
    if parser.errors:
        raise Invalid(parser.errors)
    return node


def condition_errors(tree: Any, fields: FieldLookup, *, object_name: str, at: str = "",
                     objects: ObjectLookup | None = None,
                     changes: bool = True) -> list[ErrorItem]:
    """The culprits of a condition tree, for validators that gather errors."""
    try:
        parse_condition(tree, fields, object_name=object_name, at=at, objects=objects,
                        changes=changes)
    except Invalid as exc:
        return exc.errors
    return []


__all__ = [
    "CHANGE_OPS", "KNOWN_OPS", "LIST_OPS", "MAX_DEPTH", "MAX_LEAVES", "NO_VALUE_OPS",
    "RELATIVE_DATE_OPS", "TEXT_PATTERN_OPS", "All", "AnyOf", "FieldLookup", "Leaf", "Node",
    "Not", "ObjectLookup", "Parser", "Related", "condition_errors", "parse_condition", "walk",
]
