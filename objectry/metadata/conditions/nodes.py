"""The typed tree ``parse_condition`` returns and both compilers walk.

Values are in storage form. ``at`` is the node's JSON Pointer in the request, kept for
errors found later (a compiler refusing an operator); it takes no part in equality, so
the same condition parsed at two places is the same tree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from objectry.metadata.fieldtypes import REGISTRY, FieldType
from objectry.metadata.fieldtypes.base import CHANGE_OPERATORS, RELATIVE_DATE_OPERATORS

NO_VALUE_OPS = frozenset({"is_empty", "is_not_empty", "changed", "today"})
LIST_OPS = frozenset({"in", "not_in"})
TEXT_PATTERN_OPS = frozenset({"contains", "starts_with", "ends_with"})
CHANGE_OPS = CHANGE_OPERATORS
RELATIVE_DATE_OPS = RELATIVE_DATE_OPERATORS
KNOWN_OPS = frozenset({"eq", "ne", "gt", "gte", "lt", "lte", "between", "area_code"}) \
    | NO_VALUE_OPS | LIST_OPS | TEXT_PATTERN_OPS | CHANGE_OPS | RELATIVE_DATE_OPS
#: Comparisons of a number of related records.
COUNT_OPS = frozenset({"eq", "gt", "gte", "lt", "lte"})
#: Largest day count of a relative date and largest count of related records.
MAX_DAYS = 36_500
MAX_COUNT = 1_000_000


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
    """``field op value`` with the value in storage form (a tuple for in/between).

    Relative dates hold their day count (``None`` for ``today``); ``changed`` holds None.
    """

    field: str
    type_name: str
    op: str
    value: Any
    at: str = dataclasses.field(default="", compare=False)

    @property
    def field_type(self) -> FieldType:
        """The type of the field, which the compilers ask how to compare its values."""
        return REGISTRY[self.type_name]


@dataclass(frozen=True)
class Related:
    """Records of ``object`` whose lookup ``via`` points here and that match ``where``:
    the node holds when their number satisfies every ``(op, n)`` of ``count``
    (``exists`` is ``(("gte", 1),)``, ``"exists": false`` is ``(("eq", 0),)``)."""

    object: str
    via: str
    where: Node
    count: tuple[tuple[str, int], ...]
    at: str = dataclasses.field(default="", compare=False)


Node = All | AnyOf | Not | Leaf | Related

#: field api_name -> its definition (system fields included).
FieldLookup = Callable[[str], Mapping[str, Any] | None]
#: object api_name -> the field lookup of that object, None when there is no such object
#: (or the caller may not use it).
ObjectLookup = Callable[[str], FieldLookup | None]

EXISTS = (("gte", 1),)
NOT_EXISTS = (("eq", 0),)


def walk(node: Node) -> list[Node]:
    """Every node of the tree, ``node`` first, related conditions included."""
    found: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        found.append(current)
        if isinstance(current, All | AnyOf):
            stack.extend(reversed(current.children))
        elif isinstance(current, Not):
            stack.append(current.child)
        elif isinstance(current, Related):
            stack.append(current.where)
    return found
