"""One comparison ``{"field", "op", "value"}``: operator checked against the field's type,
value turned into storage form.

- eq, ne, in, not_in, gt/gte/lt/lte, between compare stored values; on a picklist the
  value may be any spelling or alias of an option (resolved here, so "上海", "ShangHai"
  and " shanghai " all become the stored ``shanghai``).
- contains, starts_with, ends_with match text forgivingly (``condition_text``); on a
  multi-picklist ``contains`` names one option, by any spelling.
- is_empty, is_not_empty take no value.
- on a phone (a dialable field) eq, ne, in and not_in compare numbers however written
  ("+86 21 6299 1640" eq "021-62991640"), and area_code ("021") tests a number's area
  (``conditions.phones``).
- changed (no value), changed_to, changed_from compare with the values before an update.
- today (no value), last_n_days, next_n_days, older_than_days (a day count) are
  relative to the ``now`` the compilers are given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from objectry.metadata.conditions.nodes import (
    CHANGE_OPS,
    KNOWN_OPS,
    LIST_OPS,
    MAX_DAYS,
    NO_VALUE_OPS,
    RELATIVE_DATE_OPS,
    TEXT_PATTERN_OPS,
    All,
    FieldLookup,
    Leaf,
    Node,
)
from objectry.metadata.conditions.phones import AREA_CODE, area_code_operand
from objectry.metadata.fieldtypes import REGISTRY, FieldType
from objectry.metadata.fieldtypes.base import checked_text
from objectry.metadata.problems import ErrorItem, FieldValueError


def parse_leaf(tree: Mapping[str, Any], fields: FieldLookup, obj: str, at: str,
               errors: list[ErrorItem], *, changes: bool = True) -> Node:
    """The typed leaf, or ``All(())`` after recording why it is not one.

    ``changes=False`` where there is no "before this update" (a list, a data scope, a
    related record): changed* is refused there.
    """
    name, op = tree["field"], tree["op"]
    definition = fields(name) if isinstance(name, str) else None
    if definition is None:
        errors.append(ErrorItem(at + "/field", "unknown_field", {"object": obj, "field": name}))
        return All(())
    ftype = REGISTRY[definition["type"]]
    if not isinstance(op, str) or op not in KNOWN_OPS:
        errors.append(ErrorItem(at + "/op", "unknown_operator", {"op": op}))
        return All(())
    if op not in ftype.operators and not (op == AREA_CODE and ftype.dialable):
        errors.append(ErrorItem(at + "/op", "operator_not_supported",
                                {"op": op, "type": ftype.name}))
        return All(())
    if not changes and op in CHANGE_OPS:
        errors.append(ErrorItem(at + "/op", "operator_needs_update", {"op": op}))
        return All(())
    if op in NO_VALUE_OPS:
        return Leaf(name, ftype.name, op, None, at)
    if "value" not in tree:
        errors.append(ErrorItem(at, "value_required", {"op": op}))
        return All(())
    try:
        value = _operand(ftype, definition, op, tree["value"])
    except FieldValueError as exc:
        errors.append(ErrorItem(at + "/value", exc.code, exc.params))
        return All(())
    return Leaf(name, ftype.name, op, value, at)


def _operand(ftype: FieldType, definition: Mapping[str, Any], op: str, raw: Any) -> Any:
    # Bounds of the definition (min, max, max_length) constrain stored values, not
    # the values one compares with: "employees < 1000000" is a fine question.
    unbounded = {k: v for k, v in definition.items() if k not in ("min", "max", "max_length")}
    if op in RELATIVE_DATE_OPS:
        return day_count(raw)
    if op == AREA_CODE:
        return area_code_operand(raw)
    if op in TEXT_PATTERN_OPS:
        if ftype.multi_valued:
            return ftype.deserialize(unbounded, [raw])[0]
        return checked_text(raw, lenient=False, multiline=True)
    if op in LIST_OPS or op == "between":
        if not isinstance(raw, list) or not raw or len(raw) > 1000 or (
                op == "between" and len(raw) != 2):
            raise FieldValueError("not_a_list")
        return tuple(_single(ftype, unbounded, item) for item in raw)
    return _single(ftype, unbounded, raw)


def day_count(raw: Any) -> int:
    """A whole number of days, 0 to ``MAX_DAYS`` (``last_n_days: 0`` is today)."""
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= MAX_DAYS:
        raise FieldValueError("invalid_day_count", max=MAX_DAYS)
    return raw


def _single(ftype: FieldType, definition: Mapping[str, Any], raw: Any) -> Any:
    if raw is None:
        raise FieldValueError("required")
    return ftype.deserialize(definition, raw)
