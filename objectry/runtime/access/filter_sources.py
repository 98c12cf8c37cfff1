"""The inputs of the condition compilers, taken from a context.

For a user, related-record conditions see what that user may see of the related
object: its readable fields (``where`` may not name others) and its visible rows (the
SQL sub-select and the rows handed to the predicate carry the same data scope), so a
filter cannot reveal records or fields the user could not list. The platform itself
(automation, packs) sees everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from objectry.metadata.conditions.nodes import All, AnyOf, Node, Not, Related
from objectry.metadata.conditions.parser import FieldLookup, parse_condition
from objectry.metadata.problems import ErrorItem, Invalid, NotFound
from objectry.runtime.access.effective import MASKED_OPS
from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model
from objectry.runtime.query.compile import to_sql
from objectry.runtime.query.inputs import RelatedSource


class FilterSources:
    """Field lookups (parse), related tables (SQL) and related rows (predicate) of one
    context; pass the bound methods ``fields``, ``tables`` and ``rows``."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._guards: dict[str, Guard | None] = {}

    def guard(self, object_name: str) -> Guard | None:
        if object_name not in self._guards:
            try:
                self._guards[object_name] = Guard(self.ctx, get_model(self.ctx, object_name))
            except NotFound:
                self._guards[object_name] = None
        return self._guards[object_name]

    def fields(self, object_name: str) -> FieldLookup | None:
        """The fields of ``object_name`` the actor may read; None if there is no such
        object."""
        guard = self.guard(object_name)
        return None if guard is None else guard.readable_field

    def tables(self, object_name: str) -> RelatedSource:
        guard = self.guard(object_name)
        if guard is None:
            raise NotFound(detail_code="unknown_object", object=object_name)
        return RelatedSource(guard.model.table, guard.visible(), guard.readable_in)

    def rows(self, object_name: str, via: str, parent_id: Any) -> list[Mapping[str, Any]]:
        """Live rows of ``object_name`` pointing at ``parent_id`` the actor may see."""
        source = self.tables(object_name)
        table = source.table
        query = sa.select(table).where(table.c[via] == parent_id, table.c.deleted_at.is_(None))
        if source.visible is not None:
            query = query.where(source.visible)
        return [dict(row) for row in self.ctx.conn.execute(query).mappings()]


def list_filter(guard: Guard, tree: Any, *, at: str = "/filter") -> sa.ColumnElement[bool]:
    """A list's ``filter`` as SQL: parsed against what the actor may read, relative dates
    at the context clock, related conditions over what the actor may see."""
    sources = FilterSources(guard.ctx)
    try:
        node = parse_condition(tree, guard.readable_field, object_name=guard.model.api_name,
                               at=at, objects=sources.fields, changes=False)
    except Invalid as exc:
        raise Invalid([_not_readable(item, sources) for item in exc.errors]) from exc
    refuse_masked(node, guard, sources)
    return to_sql(node, guard.model.table, now=guard.ctx.now(), related=sources.tables,
                  readable=guard.readable_in, values=guard.effective.value)


def _not_readable(item: ErrorItem, sources: FilterSources) -> ErrorItem:
    """An "unknown field" the object has but the actor may not read (the lookups leave
    it out) is reported as not readable: its name is in the object definition anyway."""
    if item.code != "unknown_field" or not isinstance(item.params.get("object"), str) \
            or not isinstance(item.params.get("field"), str):
        return item
    owner = sources.guard(item.params["object"])
    if owner is None or not owner.not_readable(item.params["field"]):
        return item
    return owner.field_error(item.path, item.params["field"])


def _computed(guard: Guard, name: str) -> bool:
    field = guard.model.fields.get(name)
    return field is not None and field.type.computed


def refuse_masked(node: Node, guard: Guard, sources: FilterSources) -> None:
    """422 at every leaf comparing a field the actor sees only masked (related
    conditions included): only ``is_empty``/``is_not_empty`` may test it, or a filter
    would recover it a character at a time. A related record's formula field is refused
    too (computed over the list's own object only, not yet inside related conditions)."""
    errors: list[ErrorItem] = []
    stack: list[tuple[Node, Guard]] = [(node, guard)]
    while stack:
        current, owner = stack.pop()
        if isinstance(current, All | AnyOf):
            stack.extend((child, owner) for child in current.children)
        elif isinstance(current, Not):
            stack.append((current.child, owner))
        elif isinstance(current, Related):
            related = sources.guard(current.object)
            if related is not None:
                stack.append((current.where, related))
        elif owner.masked(current.field) and current.op not in MASKED_OPS:
            errors.append(ErrorItem(current.at, "masked_not_filterable",
                                    {"field": current.field, "op": current.op}))
        elif owner is not guard and _computed(owner, current.field):
            errors.append(ErrorItem(current.at, "formula_not_filterable_here",
                                    {"field": current.field}))
    if errors:
        raise Invalid(sorted(errors, key=lambda e: e.path))
