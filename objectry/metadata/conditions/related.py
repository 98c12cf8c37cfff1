"""Related-record conditions: "has an activity of type X in the last 30 days".

``{"related": {"object": "activity", "via": "lead", "where": {...},
"exists": true}}`` holds for a record when records of ``object`` whose lookup field
``via`` points at it and that match ``where`` exist (``"exists": false``: none does);
``"count": {"gte": 3, "lt": 10}`` compares their number instead. ``where`` is optional
and is a condition on the related object, which may itself hold related conditions.
"""

from __future__ import annotations

from typing import Any, Protocol

from objectry.metadata.conditions.nodes import (
    COUNT_OPS,
    EXISTS,
    MAX_COUNT,
    NOT_EXISTS,
    All,
    FieldLookup,
    Node,
    ObjectLookup,
    Related,
)
from objectry.metadata.fieldtypes import type_of
from objectry.metadata.problems import ErrorItem, pointer


class Parser(Protocol):
    """What a related condition needs of the parse it is part of (``parser.Parser``):
    the culprits found so far, the other objects' fields, and parsing its ``where``."""

    errors: list[ErrorItem]
    objects: ObjectLookup | None

    def parse(self, tree: Any, fields: FieldLookup, obj: str, at: str, depth: int, *,
              related: bool = False) -> Node:
        ...

_KEYS = frozenset({"object", "via", "where", "exists", "count"})


def parse_related(parser: Parser, spec: Any, parent: str, at: str, depth: int) -> Node:
    """The typed node, or ``All(())`` after recording every culprit in ``parser``."""
    errors = parser.errors
    if parser.objects is None:
        errors.append(ErrorItem(at, "related_not_available"))
        return All(())
    if not isinstance(spec, dict) or not {"object", "via"} <= set(spec) or set(spec) - _KEYS:
        errors.append(ErrorItem(at, "invalid_related"))
        return All(())
    child, via = spec["object"], spec["via"]
    fields = parser.objects(child) if isinstance(child, str) else None
    if fields is None:
        errors.append(ErrorItem(at + "/object", "unknown_object", {"object": child}))
        return All(())
    lookup = fields(via) if isinstance(via, str) else None
    ftype = type_of(lookup)
    if lookup is None or ftype is None or not ftype.reference or lookup.get("target") != parent:
        errors.append(ErrorItem(at + "/via", "related_via_not_lookup",
                                {"field": via, "child": child, "parent": parent}))
        return All(())
    count = _count(spec, at, errors)
    where: Node = All(())
    if "where" in spec:
        where = parser.parse(spec["where"], fields, child, at + "/where", depth + 1,
                             related=True)
    if count is None:
        return All(())
    return Related(child, via, where, count, at)


def _count(spec: dict[str, Any], at: str, errors: list[ErrorItem]
           ) -> tuple[tuple[str, int], ...] | None:
    exists = spec.get("exists", True)
    if not isinstance(exists, bool):
        errors.append(ErrorItem(at + "/exists", "schema_type", {"expected": "boolean"}))
        return None
    if "count" not in spec:
        return EXISTS if exists else NOT_EXISTS
    if not exists:
        errors.append(ErrorItem(at, "related_exists_and_count"))
        return None
    raw = spec["count"]
    if not isinstance(raw, dict) or not raw:
        errors.append(ErrorItem(at + "/count", "invalid_count", {"max": MAX_COUNT}))
        return None
    found, ok = [], True
    for op, n in raw.items():
        if op not in COUNT_OPS or isinstance(n, bool) or not isinstance(n, int) \
                or not 0 <= n <= MAX_COUNT:
            errors.append(ErrorItem(at + pointer("count", op), "invalid_count",
                                    {"max": MAX_COUNT}))
            ok = False
        else:
            found.append((op, n))
    return tuple(sorted(found)) if ok else None
