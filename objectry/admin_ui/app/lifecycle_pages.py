"""Merge two records and convert a record (issue 16): the record page's buttons.

- Merge: this record survives; the user picks the other one (its duplicates are
  offered) and, per field, whose value the survivor keeps. ``POST /records/{o}/merge``'s
  service does it (rights, re-pointing, recycle bin, audit, undo).
- Convert: the object's conversion maps; a preview (``dry_run``: what would be matched
  or created) then the conversion, as ``POST /records/{o}/{id}/convert``.

Records are read with ``records.get`` (the API's presentation for the user: hidden
fields absent, masked fields masked) and duplicates with ``record_duplicates`` (only
what the user may see), so these pages show nothing the API would not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, redirect, request, url_for

from objectry.admin_ui.app import pages
from objectry.admin_ui.app.blueprint import blueprint, page, user_context
from objectry.metadata import store
from objectry.metadata.i18n import message, pick
from objectry.metadata.problems import Problem
from objectry.runtime import records
from objectry.runtime.kernel.context import Context
from objectry.runtime.lifecycle import conversion, merge
from objectry.runtime.lifecycle.duplicates import record_duplicates
from objectry.runtime.model.compiled import ObjectModel

MAX_MANY = 20  # records of a "many" target one conversion makes from the form


def _title(model: ObjectModel, record: dict[str, Any]) -> str:
    name = record.get(model.name_field) if model.name_field else None
    return str(name) if name else str(record["id"])


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


def _convert_body(document: Mapping[str, Any], name: str, dry_run: bool) -> dict[str, Any]:
    """The convert body of the form: for each ``many`` target, as many records as asked
    (default one)."""
    targets: dict[str, Any] = {}
    for target in document["targets"]:
        if target.get("many"):
            try:
                count = int(request.values.get(f"count_{target['name']}", "1"))
            except ValueError:
                count = 1
            targets[target["name"]] = [{} for _ in range(max(0, min(count, MAX_MANY)))]
    return {"map": name, "dry_run": dry_run, "targets": targets}


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
                    maps.get(chosen or "", {"targets": []}), chosen or "", False))
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
        preview = None
        if result is None and problem is None and document is not None and name:
            try:
                preview = conversion.convert(ctx, object_name, record_id,
                                             _convert_body(document, name, True))
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
                    many=[t["name"] for t in (document or {}).get("targets", [])
                          if t.get("many")],
                    counts={k[6:]: v for k, v in request.values.items()
                            if k.startswith("count_")},
                    produced=(shown or {}).get("produced", []),
                    applied=bool(result), errors=_lines(ctx, problem))
