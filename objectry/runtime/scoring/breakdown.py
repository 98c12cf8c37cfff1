"""One record's score breakdown as a reader of the record may see it.

The score is computed as the platform, over every field and every activity, so it is
the same whoever asks. What explains it is shown through the record's ``Guard``, under
the reader's access map for this record (distribution grants included):

- the score, the previous score and the band follow the target field (absent when it
  is hidden, masked when it is masked); threshold ``sets`` follow their fields;
- a criteria dimension with a criterion on a field the reader cannot read unmasked (on
  this record, or on a related object whose records they do not all see) is shown
  without its condition: no ``matched``, no points (``"withheld": true``), since which
  criterion held, or its points, would tell the hidden value;
- a function dimension reads whole records: its points are shown only to readers who
  see every field of the record;
- an activity dimension's ``counts`` and points are over the activities the reader may
  see (and withheld if they cannot read its type, date or lookup fields), so they may
  add up to less than the score, which counts them all.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from objectry.metadata.conditions.nodes import All, AnyOf, Leaf, Node, Not, Related, walk
from objectry.permissions.access import AccessMap
from objectry.runtime.access.filter_sources import FilterSources
from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Context
from objectry.runtime.scoring.dimensions import Points, activity_points
from objectry.runtime.scoring.model import Dimension, ScoringModel

#: (dimension, points) -> the dimension as a breakdown lists it.
Explain = Callable[[Dimension, Points], dict[str, Any]]
#: Keys of a dimension item that say nothing about the record.
SHAPE = ("index", "kind", "weight", "label")


def as_reader(ctx: Context, guard: Guard, access: AccessMap, model: ScoringModel,
              outcome: Mapping[str, Any], explain: Explain) -> dict[str, Any]:
    """The breakdown ``outcome`` (computed as the platform) as this reader sees it."""
    if access is guard.everything:
        return dict(outcome)
    view = guard.view(access)
    unreadable = view.hidden | view.masked
    shown = {k: v for k, v in outcome.items()
             if k not in ("score", "previous", "threshold", "changed", "dimensions")}
    target = model.target_field
    for key in ("score", "previous"):
        seen = guard.present_values({target: outcome[key]}, access)
        if target in seen:
            shown[key] = seen[target]
    if target not in unreadable:
        shown["threshold"], shown["changed"] = outcome["threshold"], outcome["changed"]
    shown["sets"] = guard.present_values(outcome["sets"], access)
    related = Reach(ctx)
    dimensions = []
    for dimension, item in zip(model.dimensions, outcome["dimensions"], strict=True):
        if dimension.kind == "criteria":
            readable = all(related.may_test(c.node, guard, unreadable)
                           for c in dimension.criteria)
            dimensions.append(dict(item) if readable else _withheld(item))
        elif dimension.kind == "function":
            dimensions.append(_withheld(item) if unreadable else dict(item))
        else:
            dimensions.append(related.activity(dimension, item, outcome["id"], explain))
    shown["dimensions"] = dimensions
    return shown


def _withheld(item: Mapping[str, Any]) -> dict[str, Any]:
    return {**{k: item[k] for k in SHAPE if k in item}, "withheld": True}


class Reach:
    """The reader's guards on other objects (related conditions, activities), from the
    same per-context cache the reader's filters use."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._sources = FilterSources(ctx)

    def guard(self, object_name: str) -> Guard | None:
        return self._sources.guard(object_name)

    def reads_all(self, object_name: str, fields: set[str]) -> bool:
        """Whether the reader sees every record of the object and reads ``fields``
        unmasked on them (from their roles)."""
        guard = self.guard(object_name)
        if guard is None:
            return False
        if guard.unrestricted:
            return True
        view = guard.view(guard.base)
        return guard.visible() is None and not fields & (view.hidden | view.masked)

    def may_test(self, node: Node, guard: Guard, unreadable: frozenset[str]) -> bool:
        """Whether the reader may learn whether ``node`` holds for the record."""
        for part in _own(node):
            if isinstance(part, Leaf) and part.field in unreadable:
                return False
            if isinstance(part, Related):
                fields = {part.via, *(p.field for p in walk(part.where)
                                      if isinstance(p, Leaf))}
                nested = any(isinstance(p, Related) for p in walk(part.where))
                if nested or not self.reads_all(part.object, fields):
                    return False
        return True

    def activity(self, dimension: Dimension, item: Mapping[str, Any], record_id: str,
                 explain: Explain) -> dict[str, Any]:
        """The dimension counted over the activities the reader may see."""
        source = dimension.activity
        assert source is not None
        guard = self.guard(source.object)
        if guard is None:
            return _withheld(item)
        if guard.unrestricted:
            return dict(item)
        view = guard.view(guard.base)
        if {source.via, source.type_field, source.at_field} & (view.hidden | view.masked):
            return _withheld(item)
        visible = guard.visible()
        if visible is None:
            return dict(item)
        [points] = activity_points(self.ctx, source, [uuid.UUID(record_id)], visible)
        return explain(dimension, points)


def _own(node: Node) -> list[Node]:
    """The nodes of a condition on the record itself (a related condition's ``where``
    is on the related object, checked there)."""
    found: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        found.append(current)
        if isinstance(current, All | AnyOf):
            stack.extend(current.children)
        elif isinstance(current, Not):
            stack.append(current.child)
    return found
