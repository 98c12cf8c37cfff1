"""A rule's entries by value: a record's candidate entries found by dict lookup.

A rule runs on every new record and tries its entries in order; with 20 entries of
``city eq X`` most of a decision was spent testing conditions that cannot hold. An
entry whose condition requires one field to equal one of some values (``eq``, ``in``,
or an ``all`` with such a part) is filed under those values; every other entry (no
condition, ``ne``, ``any``, a related condition, a phone or multi-valued field whose
comparison is not plain equality) is tried on every record. The candidates come back
in entry order and the caller still tests each one's whole condition, so the index
only skips entries that cannot match: the first matching entry stays the first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from objectry.metadata.conditions.nodes import All, Leaf, Node

#: Operators the Python compiler evaluates as plain equality with the stored value
#: (``v == want`` / ``v in want``) for a field type that is neither dialable nor
#: multi-valued: equal values hash alike, so a dict lookup finds them.
_EQUALITY_OPS = frozenset({"eq", "in"})


@dataclass(frozen=True)
class EntryIndex:
    """Entry positions to try: ``always`` for every record, plus those ``keyed`` under
    the record's value of a field."""

    count: int
    always: tuple[int, ...]
    keyed: tuple[tuple[str, Mapping[Any, tuple[int, ...]]], ...]

    def candidates(self, row: Mapping[str, Any]) -> Sequence[int]:
        """The positions of the entries that may match ``row``, ascending."""
        if not self.keyed:
            return self.always
        found: list[int] = list(self.always)
        for field, table in self.keyed:
            try:
                hit = table.get(row.get(field))
            except TypeError:  # an unhashable value (a list): no lookup, try them all
                return range(self.count)
            if hit:
                found += hit
        if len(found) > 1:
            found.sort()
        return found


def build_index(conditions: Sequence[Node | None]) -> EntryIndex:
    """The index of entries with these conditions (in entry order)."""
    always: list[int] = []
    keyed: dict[str, dict[Any, list[int]]] = {}
    for position, condition in enumerate(conditions):
        key = None if condition is None else _key(condition)
        if key is None:
            always.append(position)
            continue
        field, values = key
        table = keyed.setdefault(field, {})
        for value in values:
            listed = table.setdefault(value, [])
            if not listed or listed[-1] != position:
                listed.append(position)
    return EntryIndex(len(conditions), tuple(always), tuple(
        (field, {value: tuple(positions) for value, positions in table.items()})
        for field, table in keyed.items()))


def _key(node: Node) -> tuple[str, tuple[Any, ...]] | None:
    """``(field, values)`` when the condition can only hold if the field's stored value
    is one of the values, else None."""
    if isinstance(node, All):
        for child in node.children:
            found = _key(child)
            if found is not None:
                return found
        return None
    if not isinstance(node, Leaf) or node.op not in _EQUALITY_OPS:
        return None
    field_type = node.field_type
    if field_type.dialable or field_type.multi_valued:
        return None
    values = tuple(node.value) if node.op == "in" else (node.value,)
    try:
        for value in values:
            hash(value)
    except TypeError:
        return None
    return node.field, values
