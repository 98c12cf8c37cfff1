"""Merge two records and convert a record (issue 16): the record page's buttons.

- Merge: this record survives; the user picks the other one (its duplicates are
  offered) and, per field, whose value the survivor keeps. ``POST /records/{o}/merge``'s
  service does it (rights, re-pointing, recycle bin, audit, undo).
- Convert: the object's conversion maps; a preview (``dry_run``: what would be matched
  or created) then the conversion, as ``POST /records/{o}/{id}/convert``. Each record of
  a ``many`` target (an opportunity) can be given its own name and simple values
  (amount, close date); targets are shown by their object's label in the user's language.

Records are read with ``records.get`` (the API's presentation for the user: hidden
fields absent, masked fields masked) and duplicates with ``record_duplicates`` (only
what the user may see), so these pages show nothing the API would not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Response, redirect, request, url_for

from objectry.admin_ui.app import pages
from objectry.admin_ui.app.blueprint import blueprint, page, user_context
from objectry.metadata import store
from objectry.metadata.i18n import message, pick
from objectry.metadata.problems import Problem
from objectry.runtime import records
from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Context
from objectry.runtime.lifecycle import conversion, merge
from objectry.runtime.lifecycle.duplicates import record_duplicates
from objectry.runtime.model.compiled import ObjectModel, get_model

MAX_MANY = 20  # records of a "many" target one conversion makes from the form
ITEM_WIDGETS = ("integer", "decimal", "date")  # per-record inputs besides the name
MAX_ITEM_FIELDS = 3


def _title(model: ObjectModel, record: dict[str, Any]) -> str:
    name = record.get(model.name_field) if model.name_field else None
    return str(name) if name else str(record.get("id", ""))


def _maps(ctx: Context, object_name: str) -> list[tuple[str, str, Mapping[str, Any]]]:
    """(name, label, document) of the object's conversion maps."""
    return [(name, pick(stored.document.get("label"), ctx.locale, name), stored.document)
            for name, stored in sorted(store.documents(ctx.conn, ctx.tenant.id,
                                                       "conversion_map").items())
            if stored.document.get("object") == object_name]


@blueprint.get("/o/<object_name>/<record_id>/lifecycle")
def lifecycle_actions(object_name: str, record_id: str) -> Response:
    """The record page's merge and convert buttons (loaded by htmx): shown when the
    user may edit the record, convert only when the object has a conversion map."""
    with user_context(read_only=True) as ctx:
        _, guard = pages.open_object(ctx, object_name)
        record = records.get(ctx, object_name, record_id)  # 404 unless they may see it
        _, access = guard.load(record_id)
        may = access.can("edit")
        return page("web/_lifecycle_actions.html", object_name=object_name,
                    record_id=str(record["id"]), can_merge=may,
                    can_convert=may and bool(_maps(ctx, object_name)))


def _fields(ctx: Context, model: ObjectModel, *shown: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, label) of the fields the user reads in every shown record."""
    return [(name, pick(field.definition.get("label"), ctx.locale, name))
            for name, field in model.fields.items() if all(name in r for r in shown)]


@blueprint.route("/o/<object_name>/<record_id>/merge", methods=["GET", "POST"])
def merge_view(object_name: str, record_id: str) -> Response:
    """Pick the record merged into this one, then per field whose value stays."""
    problem: Problem | None = None
    other_id = (request.values.get("other") or "").strip()[:64]
    if request.method == "POST":
        try:
            with user_context() as ctx:
                model, _ = pages.open_object(ctx, object_name)
                survivor = records.get(ctx, object_name, record_id)
                values = {name: other_id for name, _ in _fields(
                    ctx, model, survivor) if request.form.get(f"pick_{name}") == "other"}
                merge.merge(ctx, object_name, {"survivor": str(survivor["id"]),
                                               "merged": [other_id], "values": values})
            return redirect(url_for("web.record_view",  # type: ignore[return-value]
                                    object_name=object_name, record_id=record_id), code=303)
        except Problem as refused:
            if refused.status == 401:
                raise
            problem = refused
    with user_context(read_only=True) as ctx:
        model, _ = pages.open_object(ctx, object_name)
        survivor = records.get(ctx, object_name, record_id)
        candidates = [(d["id"], _title(model, d["record"]))
                      for d in record_duplicates(ctx, object_name, record_id)["items"]
                      if d["object"] == object_name]
        other = records.get(ctx, object_name, other_id) if other_id else None
        rows = []
        if other is not None:
            for name, label in _fields(ctx, model, survivor, other):
                mine, theirs = survivor.get(name), other.get(name)
                rows.append({"name": name, "label": label, "mine": _text(mine),
                             "theirs": _text(theirs), "differ": mine != theirs})
        return page("web/merge.html", 422 if problem else 200,
                    objects=pages.readable_objects(ctx), object_name=object_name,
                    object_label=pages.object_label(model, ctx.locale),
                    record_id=str(survivor["id"]), title=_title(model, survivor),
                    candidates=candidates, other=other,
                    other_title=_title(model, other) if other else None, rows=rows,
                    errors=_lines(ctx, problem))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return str(value.get("label") or value.get("name") or value.get("id") or value)
    return str(value)


def _lines(ctx: Context, problem: Problem | None) -> list[str]:
    if problem is None:
        return []
    return [message(e.code, ctx.locale, e.params) for e in problem.errors] or [
        message(problem.detail_code, ctx.locale, problem.params)]


@dataclass(frozen=True)
class ItemField:
    """An input per record of a ``many`` target (an opportunity's name, amount)."""

    name: str
    label: str
    widget: str


@dataclass(frozen=True)
class ManyTarget:
    """A ``many`` target of the form: its object's label, the inputs each of its records
    offers, the texts posted for them and the values the conversion is given."""

    name: str
    label: str
    fields: list[ItemField]
    texts: list[dict[str, str]]
    values: list[dict[str, Any]]


def _item_fields(ctx: Context, model: ObjectModel, target: Mapping[str, Any]
                 ) -> list[ItemField]:
    """The target's name field and the simple fields the map leaves unset (amount,
    close date), those the user may set on a new record: their values are per record."""
    try:
        editable = pages.access_for_new(model, Guard(ctx, model)).editable
    except Problem:
        return []  # not an object they may use: the preview says why
    mapped = {*target.get("fields", {}), *target.get("values", {}), *target.get("links", {})}
    names = [model.name_field] if model.name_field in editable else []
    names += [n for n, f in model.fields.items() if n in editable and n not in mapped
              and n != model.name_field and f.type.widget in ITEM_WIDGETS][:MAX_ITEM_FIELDS]
    return [ItemField(n, pages.field_label(model.fields[n], ctx.locale),
                      model.fields[n].type.widget) for n in names]


def _many_targets(ctx: Context, document: Mapping[str, Any]) -> list[ManyTarget]:
    """For each ``many`` target, as many records as asked (default one), each with the
    values the user typed (an empty input leaves the map's value)."""
    found = []
    for target in document.get("targets", []):
        if not target.get("many"):
            continue
        try:
            count = int(request.values.get(f"count_{target['name']}", "1"))
        except ValueError:
            count = 1
        model = get_model(ctx, target["object"])
        fields = _item_fields(ctx, model, target)
        texts: list[dict[str, str]] = []
        values: list[dict[str, Any]] = []
        for i in range(max(0, min(count, MAX_MANY))):
            typed = {f.name: (request.values.get(_input(target["name"], i, f.name)) or "")[:500]
                     for f in fields}
            texts.append(typed)
            values.append({name: model.fields[name].type.from_form(
                model.fields[name].definition, [text])
                for name, text in typed.items() if text.strip()})
        found.append(ManyTarget(target["name"], pages.object_label(model, ctx.locale),
                                fields, texts, values))
    return found


def _input(target: str, index: int, field: str) -> str:
    return f"item_{target}_{index}_{field}"


def _convert_body(many: list[ManyTarget], name: str, dry_run: bool) -> dict[str, Any]:
    return {"map": name, "dry_run": dry_run, "targets": {m.name: m.values for m in many}}


def _produced(ctx: Context, produced: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the conversion makes or uses, for people: the object's label in the user's
    language and the record's name (from the records service's presentation)."""
    rows = []
    for item in produced:
        model = get_model(ctx, item["object"])
        record = item.get("record")
        rows.append({"action": item["action"], "object": item["object"], "id": item["id"],
                     "label": pages.object_label(model, ctx.locale),
                     "title": _title(model, record) if isinstance(record, dict)
                     else str(item["id"])})
    return rows


@blueprint.route("/o/<object_name>/<record_id>/convert", methods=["GET", "POST"])
def convert_view(object_name: str, record_id: str) -> Response:
    """GET: the preview (a dry run: what would be matched or created); POST: convert."""
    problem: Problem | None = None
    wanted = request.values.get("map") or None
    result: dict[str, Any] | None = None
    if request.method == "POST":
        try:
            with user_context() as ctx:
                maps = {n: d for n, _, d in _maps(ctx, object_name)}
                chosen = wanted if wanted in maps else next(iter(maps), "")
                result = conversion.convert(ctx, object_name, record_id, _convert_body(
                    _many_targets(ctx, maps.get(chosen or "", {})), chosen or "", False))
        except Problem as refused:
            if refused.status == 401:
                raise
            problem = refused
    with user_context(read_only=True) as ctx:
        model, _ = pages.open_object(ctx, object_name)
        source = records.get(ctx, object_name, record_id)
        maps_found = _maps(ctx, object_name)
        name = wanted if wanted in {n for n, _, _ in maps_found} else (
            maps_found[0][0] if maps_found else None)
        document = next((d for n, _, d in maps_found if n == name), None)
        many = _many_targets(ctx, document or {})
        preview = None
        if result is None and problem is None and document is not None and name:
            try:
                preview = conversion.convert(ctx, object_name, record_id,
                                             _convert_body(many, name, True))
            except Problem as refused:
                if refused.status == 401:
                    raise
                problem = refused
        shown = result or preview
        return page("web/convert.html", 422 if problem else 200,
                    objects=pages.readable_objects(ctx), object_name=object_name,
                    object_label=pages.object_label(model, ctx.locale),
                    record_id=str(source["id"]), title=_title(model, source),
                    maps=[(n, label) for n, label, _ in maps_found], map_name=name,
                    many=many, item_input=_input,
                    produced=_produced(ctx, (shown or {}).get("produced", [])),
                    applied=bool(result), errors=_lines(ctx, problem))
