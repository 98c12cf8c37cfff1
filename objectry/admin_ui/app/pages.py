"""What the pages show, worked out from metadata, the records service and the Guard.

Values come from the records service (``records.get`` / ``list_records``: the API's
presentation, so hidden fields are absent and sensitive ones masked); which fields a
form lets the user change comes from the same Guard that refuses the write. How a value
looks and which input edits it come from its field type (``display``, ``widget``,
``form_options``, ``from_form``); nothing here names a field type.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from objectry.admin_ui import accounts
from objectry.metadata import store
from objectry.metadata.fieldtypes.registry import type_of
from objectry.metadata.i18n import message, pick
from objectry.metadata.names import SYSTEM_FIELDS
from objectry.metadata.problems import Problem
from objectry.permissions.casbin_model import roles_key
from objectry.runtime import records
from objectry.runtime.access.guard import Guard
from objectry.runtime.access.metadata_access import may_read_metadata, readable_document
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import CompiledField, ObjectModel, get_model

#: Columns of a list when the layout names none: the name field and the next ones.
DEFAULT_COLUMNS = 5
PAGE_SIZE = 50
LOOKUP_BATCH = 200  # ids named per query when naming lookups (the list API's largest page)


@dataclass(frozen=True)
class ObjectLink:
    api_name: str
    label: str


@dataclass(frozen=True)
class Cell:
    """A value as a page shows it: text, and for a lookup the target record's page."""

    text: str
    link: tuple[str, str] | None = None  # (object, record id)


@dataclass
class FormField:
    name: str
    label: str
    widget: str
    required: bool
    editable: bool
    value: str = ""
    values: tuple[str, ...] = ()
    cell: Cell = Cell("")
    options: list[tuple[str, str]] | None = None
    masked: bool = False
    error: str | None = None
    theirs: str | None = None  # the other version's value after a conflict
    help: str = ""
    target: str = ""  # the object a lookup points to


@dataclass
class Section:
    label: str
    columns: int
    fields: list[FormField] = field(default_factory=list)


# -- objects and layouts -----------------------------------------------------------------

def readable_objects(ctx: Context) -> list[ObjectLink]:
    """The objects the user's roles let them read, by label (the sidebar): worked out
    once per metadata version, set of roles and language, as every page shows it."""
    actor = ctx.actor
    key = ("sidebar", ctx.tenant.id, ctx.tenant.meta_version, actor.is_admin,
           actor.is_system, roles_key(actor.roles), ctx.locale)

    def build() -> tuple[ObjectLink, ...]:
        links = [ObjectLink(name, pick(stored.document.get("label"), ctx.locale, name))
                 for name, stored in store.documents(ctx.conn, ctx.tenant.id, "object").items()
                 if may_read_metadata(ctx, "object", name)]
        return tuple(sorted(links, key=lambda link: link.label.casefold()))

    return list(ctx.decisions.get_or_build(key, build))


def object_label(model: ObjectModel, locale: str) -> str:
    return pick(model.definition.get("label"), locale, model.api_name)


def field_label(compiled: CompiledField, locale: str) -> str:
    return pick(compiled.definition.get("label"), locale, compiled.name)


def _layouts(ctx: Context, model: ObjectModel) -> tuple[tuple[str, Mapping[str, Any]], ...]:
    """The object's layouts by name, ``<object>_default`` first (cached per version)."""
    key = ("layouts", ctx.tenant.id, ctx.tenant.meta_version, model.api_name)
    default = f"{model.api_name}_default"

    def build() -> tuple[tuple[str, Mapping[str, Any]], ...]:
        found = sorted((name, stored.document) for name, stored in
                       store.documents(ctx.conn, ctx.tenant.id, "layout").items()
                       if stored.document.get("object") == model.api_name)
        return tuple(sorted(found, key=lambda pair: pair[0] != default))

    return tuple(ctx.decisions.get_or_build(key, build))


def layout_of(ctx: Context, model: ObjectModel, name: str | None = None
              ) -> dict[str, Any] | None:
    """The object's layout as the user may see it (fields they cannot read left out):
    the one named when the object has it, else ``<object>_default``, else the first
    by name."""
    layouts = _layouts(ctx, model)
    if not layouts:
        return None
    chosen = dict(layouts).get(name or "", layouts[0][1])
    # a copy: the cached document is shared by every request of this version
    return readable_document(ctx, "layout", copy.deepcopy(chosen))


def layout_choices(ctx: Context, model: ObjectModel) -> list[tuple[str, str]]:
    """(name, label) of each layout of the object, when it has more than one: other
    views of the same record (e.g. a customer's 360° view)."""
    layouts = _layouts(ctx, model)
    return [] if len(layouts) < 2 else [(name, pick(document.get("label"), ctx.locale, name))
                                        for name, document in layouts]


def open_object(ctx: Context, object_name: str) -> tuple[ObjectModel, Guard]:
    """The object's model and the user's guard; 403 without the right to read it."""
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    guard.require("read")
    return model, guard


# -- lists -------------------------------------------------------------------------------

def list_columns(model: ObjectModel, guard: Guard, layout: Mapping[str, Any] | None) -> list[str]:
    names: Sequence[str] = (layout or {}).get("list_columns") or []
    if not names:
        first = [model.name_field] if model.name_field and model.name_field in model.fields \
            else []
        names = [*first, *(n for n in model.fields if n not in first)][:DEFAULT_COLUMNS]
    return [n for n in names if n in model.fields and guard.readable_field(n) is not None]


def view_columns(model: ObjectModel, guard: Guard, layout: Mapping[str, Any] | None,
                 saved: Mapping[str, Any] | None) -> list[str]:
    """A list's columns: the saved view's that the user reads, else the layout's."""
    return [c for c in (saved or {}).get("columns") or []
            if c in model.fields and guard.readable_field(c) is not None] \
        or list_columns(model, guard, layout)


def sortable(model: ObjectModel, guard: Guard, name: str) -> bool:
    return model.fields[name].type.sortable and not guard.masked(name)


def quick_filter(model: ObjectModel, guard: Guard, columns: Iterable[str],
                 text: str) -> dict[str, Any] | None:
    """Text typed in the list's search box as a condition: any searchable column (and
    the name field) contains it. None when no column can be searched."""
    text = text.strip()[:200]
    names = dict.fromkeys([*([model.name_field] if model.name_field else []), *columns])
    searchable = [n for n in names if n in model.fields and model.fields[n].type.searchable
                  and guard.readable_field(n) is not None and not guard.masked(n)]
    if not text or not searchable:
        return None
    return {"any": [{"field": n, "op": "contains", "value": text} for n in searchable]}


def lookup_names(ctx: Context, model: ObjectModel, items: Sequence[Mapping[str, Any]],
                 names: Iterable[str]) -> dict[tuple[str, str], str]:
    """(target object, id) -> the target record's name, for the lookups shown, read
    through the records service as the user (a target they cannot see keeps its id)."""
    wanted: dict[str, set[str]] = {}
    for name in names:
        compiled = model.fields.get(name)
        if compiled is None or not compiled.type.reference:
            continue
        target = str(compiled.definition.get("target"))
        wanted.setdefault(target, set()).update(
            str(item[name]) for item in items if item.get(name))
    found: dict[tuple[str, str], str] = {}
    for target, ids in wanted.items():
        ordered = sorted(ids)
        for start in range(0, len(ordered), LOOKUP_BATCH):
            chunk = ordered[start:start + LOOKUP_BATCH]
            try:
                target_model = get_model(ctx, target)
                name_field = target_model.name_field
                if name_field and Guard(ctx, target_model).readable_field(name_field) is None:
                    name_field = None  # the record may be readable, its name is not
                page = records.list_records(
                    ctx, target, filter={"field": "id", "op": "in", "value": chunk},
                    fields=["id", name_field] if name_field else ["id"], limit=len(chunk))
            except Problem:
                break  # not an object the user may list: the id is all they get
            for item in page["items"]:
                value = item.get(name_field) if name_field else None
                found[(target, str(item["id"]))] = str(value) if value else str(item["id"])
    return found


def cell(model: ObjectModel, name: str, value: Any, locale: str,
         names: Mapping[tuple[str, str], str]) -> Cell:
    """One value as its field type displays it; a lookup links to its target."""
    compiled = model.fields[name]
    if value is not None and compiled.type.reference:
        target = str(compiled.definition.get("target"))
        return Cell(names.get((target, str(value)), str(value)), (target, str(value)))
    return Cell(compiled.type.display(compiled.definition, value, locale))


def system_text(name: str, value: Any, locale: str) -> str:
    """A system field's value (``created_at``...) as its field type displays it."""
    kind = type_of(SYSTEM_FIELDS[name])
    return "" if kind is None else kind.display(SYSTEM_FIELDS[name], value, locale)


def lookup_options(ctx: Context, object_name: str, text: str,
                   limit: int = 20) -> list[dict[str, str]]:
    """Records a lookup input offers while the user types: ``{"value": id, "text":
    name}``, the ones whose name field contains ``text``, as the user may list them."""
    model, guard = open_object(ctx, object_name)
    name_field = model.name_field
    condition = quick_filter(model, guard, [], text) if text.strip() else None
    fields = ["id", name_field] if name_field and guard.readable_field(name_field) else ["id"]
    page = records.list_records(ctx, object_name, filter=condition, fields=fields,
                                limit=limit)
    return [{"value": str(item["id"]),
             "text": str(item.get(name_field) or item["id"]) if name_field else str(item["id"])}
            for item in page["items"]]


@dataclass(frozen=True)
class RelatedList:
    """Records of another object whose lookup points at this record."""

    object_name: str
    label: str  # the child object's label, and the lookup's when it has several
    via: str
    rows: list[tuple[str, str]]  # (record id, name)
    more: bool


def related_lists(ctx: Context, model: ObjectModel, record_id: str,
                  objects: Sequence[ObjectLink], limit: int = 5) -> list[RelatedList]:
    """The first records of every readable object with a lookup to this one, read with
    ``records.related`` (the API's related list: the user's visibility and fields)."""
    lists = []
    for link in objects:
        child = get_model(ctx, link.api_name)
        lookups = child.lookups_to(model.api_name)
        guard = Guard(ctx, child)
        for lookup in lookups:
            if guard.readable_field(lookup.name) is None:
                continue
            # a name field the user may not read is not asked for: the id stands in
            name_field = child.name_field if child.name_field and \
                guard.readable_field(child.name_field) is not None else None
            page = records.related(ctx, model.api_name, record_id, child.api_name,
                                   via=lookup.name, limit=limit, filter=None, sort=None,
                                   cursor=None,
                                   fields=["id", name_field] if name_field else ["id"])
            label = link.label if len(lookups) == 1 else \
                f"{link.label} · {field_label(lookup, ctx.locale)}"
            rows = [(str(item["id"]), str(item.get(name_field) or item["id"])
                     if name_field else str(item["id"])) for item in page["items"]]
            lists.append(RelatedList(child.api_name, label, lookup.name, rows,
                                     bool(page.get("next_cursor"))))
    return lists


@dataclass(frozen=True)
class HistoryEntry:
    at: str
    who: str
    action: str
    changes: list[tuple[str, Cell, Cell]]  # (field label, old, new) as the user may see them


def _history_value(ctx: Context, compiled: CompiledField, value: Any,
                   names: Mapping[tuple[str, str], str]) -> Cell:
    """A changed value; a lookup's is its target's name linked, or an opaque label when
    the user may not see that record (never its name, nor its id)."""
    kind, definition = compiled.type, compiled.definition
    if value is None or not kind.reference or not _is_id(value):
        return Cell(kind.display(definition, value, ctx.locale))
    key = (str(definition.get("target")), str(value))
    if key not in names:
        return Cell(message("ui_hidden_record", ctx.locale))
    return Cell(names[key], key)


def _is_id(value: Any) -> bool:
    """Whether a lookup's audited value is a record id (a masked one is not)."""
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def history(ctx: Context, model: ObjectModel, record_id: str,
            limit: int = 20) -> list[HistoryEntry]:
    """The record's audit trail from the records service (the API's presentation:
    fields the user cannot read are left out, sensitive ones masked), for people. The
    lookups' targets are named as the user may read them, one query per target object."""
    entries = records.audit_trail(ctx, model.api_name, record_id, limit=limit)
    names = accounts.people_names(ctx.conn, ctx.tenant.id,
                                  {e["actor"] for e in entries if e["actor"]})
    referenced = [{str(c["field"]): c.get(side)} for e in entries for c in e["changes"]
                  for side in ("old", "new") if _is_id(c.get(side))]
    targets = lookup_names(ctx, model, referenced, {n for item in referenced for n in item})
    shown = []
    for entry in entries:
        changes = []
        for change in entry["changes"]:
            compiled = model.fields.get(str(change.get("field")))
            if compiled is None:
                continue
            changes.append((field_label(compiled, ctx.locale),
                            _history_value(ctx, compiled, change.get("old"), targets),
                            _history_value(ctx, compiled, change.get("new"), targets)))
        shown.append(HistoryEntry(
            at=system_text("created_at", entry["at"], ctx.locale),
            who=names.get(str(entry["actor"]), "") if entry["actor"] else "",
            action=str(entry["action"]), changes=changes))
    return shown


# -- record pages and forms ----------------------------------------------------------------

@dataclass(frozen=True)
class FieldAccess:
    """Which fields a page hides, masks and lets the user change (from the Guard)."""

    hidden: frozenset[str]
    masked: frozenset[str]
    editable: frozenset[str]


def access_for_new(model: ObjectModel, guard: Guard) -> FieldAccess:
    """A new record: the fields the user's roles let them read and set on creation."""
    hidden = frozenset(n for n in model.fields if guard.readable_field(n) is None)
    masked = frozenset(n for n in model.fields if n not in hidden and guard.masked(n))
    editable = frozenset(n for n, f in model.fields.items() if n not in hidden and f.writable
                         and (guard.unrestricted or guard.base.can_create(n, f.group)))
    return FieldAccess(hidden, masked, editable)


def access_for_record(model: ObjectModel, guard: Guard, record_id: str) -> FieldAccess:
    """An existing record: its access map decides (distribution can open more fields)."""
    _, access = guard.load(record_id)
    if access is guard.everything:
        return FieldAccess(frozenset(), frozenset(),
                           frozenset(n for n, f in model.fields.items() if f.writable))
    view = guard.view(access)
    editable = frozenset(n for n, f in model.fields.items() if n not in view.hidden
                         and f.writable and access.field_level(n, f.group) == "edit")
    return FieldAccess(view.hidden, view.masked, editable)


def layout_sections(ctx: Context, model: ObjectModel,
                    layout: Mapping[str, Any] | None) -> list[tuple[str, int, list[str]]]:
    """(label, columns, field names) per section; without a layout, one section."""
    if layout is None:
        return [("", 2, list(model.fields))]
    return [(pick(section.get("label"), ctx.locale, ""), int(section.get("columns", 2)),
             [n for n in section.get("fields", []) if n in model.fields])
            for section in layout.get("sections", [])]


def form_sections(ctx: Context, model: ObjectModel, layout: Mapping[str, Any] | None,
                  access: FieldAccess, record: Mapping[str, Any],
                  names: Mapping[tuple[str, str], str]) -> list[Section]:
    """The sections of a record page or form: hidden fields left out, the others with
    their value, input and whether the user may change them."""
    sections = []
    for label, columns, field_names in layout_sections(ctx, model, layout):
        section = Section(label, columns)
        for name in field_names:
            if name in access.hidden:
                continue
            compiled = model.fields[name]
            kind, definition = compiled.type, compiled.definition
            value = record.get(name)
            masked = name in access.masked
            section.fields.append(FormField(
                name=name, label=field_label(compiled, ctx.locale),
                widget=kind.widget, required=bool(definition.get("required")),
                editable=name in access.editable,
                value="" if masked else kind.form_value(definition, value),
                values=tuple(value) if isinstance(value, list) and not masked else (),
                cell=cell(model, name, value, ctx.locale, names),
                options=kind.form_options(definition, ctx.locale), masked=masked,
                help=pick(definition.get("help"), ctx.locale, ""),
                target=str(definition.get("target", "")) if kind.reference else ""))
        if section.fields:
            sections.append(section)
    return sections


def posted_values(model: ObjectModel, sections: Sequence[Section],
                  form: Any) -> dict[str, Any]:
    """The editable inputs of a posted form as JSON values for the records service; a
    masked input left empty means "unchanged" (its value was never sent to the page)."""
    data: dict[str, Any] = {}
    for section in sections:
        for item in section.fields:
            if not item.editable:
                continue
            compiled = model.fields[item.name]
            value = compiled.type.from_form(compiled.definition, form.getlist(item.name))
            if item.masked and value in (None, [], ""):
                continue
            data[item.name] = value
    return data


def field_errors(problem: Problem, locale: str, field_names: Iterable[str]
                 ) -> tuple[dict[str, str], list[str]]:
    """A problem's errors by field (the JSON Pointer's first segment names the input)
    and the whole list for the summary."""
    known = set(field_names)
    by_field: dict[str, str] = {}
    summary = []
    for error in problem.errors:
        text = message(error.code, locale, error.params)
        summary.append(text)
        name = error.path.lstrip("/").split("/")[0].replace("~1", "/").replace("~0", "~")
        if name in known:
            by_field.setdefault(name, text)
    if not summary:
        summary.append(message(problem.detail_code, locale, problem.params))
    return by_field, summary
