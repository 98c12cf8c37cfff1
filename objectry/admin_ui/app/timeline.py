"""A layout's timeline sections: records of other objects linked to this one, newest
first by their own date field (a customer's campaigns, downloads, questions, contracts
on one page).

Each source is read with ``records.related`` as the signed-in user, so an item shows
exactly what the records API would: a source whose object, lookup, date or title the
user may not read (or whose filter tests a field they may not read) shows nothing, and
the rows are only those the user may see.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from objectry.admin_ui.app.pages import Cell, cell, lookup_names, system_text
from objectry.metadata.i18n import pick
from objectry.metadata.problems import Problem
from objectry.runtime import records
from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import ObjectModel, get_model

#: Items read per source, and shown per section (the newest of them all).
PER_SOURCE = 25
PER_SECTION = 50


@dataclass(frozen=True)
class TimelineItem:
    object_name: str
    record_id: str
    kind: str  # the source's label, else the object's
    when: str  # the date as its field type shows it
    title: Cell
    order: str  # the date's JSON value: ISO text, so dates and date-times sort together


@dataclass(frozen=True)
class TimelineSection:
    label: str
    items: list[TimelineItem]


def timeline_sections(ctx: Context, model: ObjectModel, record_id: str,
                      layout: Mapping[str, Any] | None) -> list[TimelineSection]:
    """Every timeline section of the layout, its items merged newest first."""
    shown = []
    for section in (layout or {}).get("sections", []):
        sources = section.get("timeline")
        if not sources:
            continue
        items = [item for source in sources
                 for item in _items(ctx, model, record_id, source)]
        items.sort(key=lambda item: item.order, reverse=True)
        shown.append(TimelineSection(pick(section.get("label"), ctx.locale, ""),
                                     items[:PER_SECTION]))
    return shown


def _items(ctx: Context, parent: ObjectModel, record_id: str,
           source: Mapping[str, Any]) -> list[TimelineItem]:
    try:
        child = get_model(ctx, str(source["object"]))
    except Problem:
        return []
    guard = Guard(ctx, child)
    via, date, title = str(source["via"]), str(source["date"]), str(source["title"])
    if not guard.base.can("read") or guard.masked(date) or any(
            guard.readable_field(name) is None for name in (via, date, title)):
        return []
    dated: dict[str, Any] = {"field": date, "op": "is_not_empty"}
    condition = {"all": [source["filter"], dated]} if source.get("filter") else dated
    try:
        page = records.related(ctx, parent.api_name, record_id, child.api_name, via=via,
                               filter=condition, sort=f"-{date},-id", limit=PER_SOURCE,
                               cursor=None, fields=sorted({"id", date, title}))
    except Problem:  # e.g. a filter on a field this user may not filter by
        return []
    rows: Sequence[Mapping[str, Any]] = page["items"]
    names = lookup_names(ctx, child, rows, [title])
    kind = pick(source.get("label"), ctx.locale, "") or \
        pick(child.definition.get("label"), ctx.locale, child.api_name)
    return [TimelineItem(
        object_name=child.api_name, record_id=str(row["id"]), kind=kind,
        when=_shown(child, date, row.get(date), ctx.locale),
        title=cell(child, title, row.get(title), ctx.locale, names)
        if title in child.fields else Cell(system_text(title, row.get(title), ctx.locale)),
        order=str(row.get(date) or "")) for row in rows if row.get(date) is not None]


def _shown(model: ObjectModel, name: str, value: Any, locale: str) -> str:
    if name in model.fields:
        compiled = model.fields[name]
        return compiled.type.display(compiled.definition, value, locale)
    return system_text(name, value, locale)
