"""The object designer: list objects, create one, add, edit, reorder, hide, restore and
purge its fields, add field groups, and edit its document as JSON.

Every change is a whole new ``object`` document shown with the metadata service's plan
(``documents.preview``) before the admin applies it; purging a hidden field's data is
the service's ``purge_field`` behind a typed confirmation.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from flask import Response, redirect, request, url_for

from objectry.admin_ui.app.blueprint import page
from objectry.admin_ui.designer import documents, field_forms
from objectry.admin_ui.designer.blueprint import admin_context, designer
from objectry.admin_ui.designer.layouts import layouts_of
from objectry.metadata import store
from objectry.metadata.fieldtypes import REGISTRY
from objectry.metadata.i18n import LANGUAGES, pick
from objectry.metadata.problems import ErrorItem, Invalid, NotFound
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model
from objectry.runtime.schema import metadata_service

KIND = "object"


def _document(ctx: Context, name: str) -> dict[str, Any]:
    document = metadata_service.get_document(ctx, KIND, name)
    document.pop("kind", None)
    return document


def _labels(form: Any, prefix: str = "label") -> dict[str, str]:
    texts = {lang: str(form.get(f"{prefix}-{lang}", "")).strip()[:2000] for lang in LANGUAGES}
    return {k: v for k, v in texts.items() if v}


@designer.get("/")
def home() -> Response:
    with admin_context(read_only=True):
        pass
    return redirect(url_for("designer.objects"), code=303)  # type: ignore[return-value]


@designer.get("/objects")
def objects() -> Response:
    with admin_context(read_only=True) as ctx:
        found = sorted(((name, pick(stored.document.get("label"), ctx.locale, name),
                         len(stored.document.get("fields") or []))
                        for name, stored in store.documents(ctx.conn, ctx.tenant.id,
                                                            KIND).items()),
                       key=lambda item: item[1].casefold())
        return page("web/designer/objects.html", items=found)


@designer.route("/objects/new", methods=["GET", "POST"])
def new_object() -> Response:
    with admin_context(read_only=request.method == "GET") as ctx:
        if request.method == "GET":
            return page("web/designer/new_object.html")
        form = request.form
        label = _labels(form)
        name = str(form.get("api_name", "")).strip() or \
            field_forms.derive_api_name(label.get("en", ""), "")
        if not name:
            raise Invalid([ErrorItem("/api_name", "schema_required", {"property": "api_name"})])
        if store.document(ctx.conn, ctx.tenant.id, KIND, name) is not None:
            raise Invalid([ErrorItem("/api_name", "object_exists", {"api_name": name})],
                          detail_code="object_exists", api_name=name)
        name_label = _labels(form, "name-label") or {"en": "Name", "zh-CN": "名称"}
        document = {"label": label or {"en": name}, "name_field": "name",
                    "fields": [{"api_name": "name", "type": "text", "required": True,
                                "label": name_label}]}
        shown = documents.preview(ctx, KIND, name, document)
        return documents.preview_page(ctx, shown, back=url_for("designer.objects"))


@designer.get("/objects/<name>")
def object_page(name: str) -> Response:
    with admin_context(read_only=True) as ctx:
        document = _document(ctx, name)
        hidden = sorted(get_model(ctx, name).hidden.items())
        groups = [(g["api_name"], pick(g.get("label"), ctx.locale, g["api_name"]))
                  for g in document.get("field_groups") or []]
        group_labels = dict(groups)
        fields = [(f, pick(f.get("label"), ctx.locale, f["api_name"]),
                   field_forms.type_label(f["type"], ctx.locale),
                   group_labels.get(f.get("group", ""), f.get("group", "")))
                  for f in document.get("fields") or []]
        applied = request.args.get("applied", "")
        return page("web/designer/object.html", name=name, document=document,
                    label=pick(document.get("label"), ctx.locale, name), fields=fields,
                    groups=groups, hidden=[(n, pick(d.get("label"), ctx.locale, n))
                                           for n, d in hidden],
                    applied=applied if applied.isdigit() and len(applied) < 12 else "",
                    document_json=json.dumps(document, ensure_ascii=False, indent=2),
                    type_names=field_forms.type_choices(ctx.locale),
                    layouts=layouts_of(ctx, name))


def _field_page(ctx: Context, name: str, document: dict[str, Any], type_name: str,
                definition: dict[str, Any], *, new: bool) -> Response:
    if type_name not in REGISTRY:
        raise NotFound(detail_code="unknown_field_type", type=type_name[:40],
                       known=sorted(REGISTRY))
    groups = [(g["api_name"], pick(g.get("label"), ctx.locale, g["api_name"]))
              for g in document.get("field_groups") or []]
    objects = sorted(store.documents(ctx.conn, ctx.tenant.id, KIND))
    return page("web/designer/field.html", name=name, new=new, type_name=type_name,
                definition=definition, groups=groups, object_names=objects,
                label=pick(document.get("label"), ctx.locale, name),
                inputs=field_forms.inputs(type_name, definition, ctx.locale),
                type_names=field_forms.type_choices(ctx.locale),
                type_label=field_forms.type_label(type_name, ctx.locale))


@designer.route("/objects/<name>/fields/new", methods=["GET", "POST"])
def new_field(name: str) -> Response:
    with admin_context(read_only=request.method == "GET") as ctx:
        document = _document(ctx, name)
        type_name = str(request.values.get("type") or "text")
        if request.method == "GET":
            return _field_page(ctx, name, document, type_name, {}, new=True)
        definition = field_forms.from_form(request.form, type_name, {})
        changed = copy.deepcopy(document)
        changed.setdefault("fields", []).append(definition)
        shown = documents.preview(ctx, KIND, name, changed)
        return documents.preview_page(ctx, shown, back=url_for("designer.object_page",
                                                               name=name))


def _index(document: dict[str, Any], field: str) -> int:
    for i, item in enumerate(document.get("fields") or []):
        if item.get("api_name") == field:
            return i
    raise NotFound(detail_code="unknown_field", field=field[:64], object=document.get(
        "api_name", ""))


@designer.route("/objects/<name>/fields/<field>", methods=["GET", "POST"])
def edit_field(name: str, field: str) -> Response:
    with admin_context(read_only=request.method == "GET") as ctx:
        document = _document(ctx, name)
        i = _index(document, field)
        before = document["fields"][i]
        type_name = str(request.values.get("type") or before["type"])
        if request.method == "GET":
            return _field_page(ctx, name, document, type_name, before, new=False)
        definition = field_forms.from_form(request.form, type_name, before)
        definition["api_name"] = field  # an api_name never changes once created
        changed = copy.deepcopy(document)
        changed["fields"][i] = definition
        shown = documents.preview(ctx, KIND, name, changed)
        return documents.preview_page(ctx, shown, back=url_for("designer.object_page",
                                                               name=name))


@designer.post("/objects/<name>/fields/<field>/move")
def move_field(name: str, field: str) -> Response:
    with admin_context() as ctx:
        changed = _document(ctx, name)
        i = _index(changed, field)
        j = i - 1 if request.form.get("direction") == "up" else i + 1
        fields = changed["fields"]
        if 0 <= j < len(fields):
            fields[i], fields[j] = fields[j], fields[i]
        shown = documents.preview(ctx, KIND, name, changed)
        return documents.preview_page(ctx, shown, back=url_for("designer.object_page",
                                                               name=name))


@designer.post("/objects/<name>/fields/<field>/hide")
def hide_field(name: str, field: str) -> Response:
    with admin_context() as ctx:
        changed = _document(ctx, name)
        changed["fields"].pop(_index(changed, field))
        shown = documents.preview(ctx, KIND, name, changed)
        return documents.preview_page(ctx, shown, back=url_for("designer.object_page",
                                                               name=name))


@designer.post("/objects/<name>/hidden/<field>/restore")
def restore_field(name: str, field: str) -> Response:
    with admin_context() as ctx:
        changed = _document(ctx, name)
        definition = get_model(ctx, name).hidden.get(field)
        if definition is None:
            raise NotFound(detail_code="field_not_hidden", field=field[:64], object=name)
        changed.setdefault("fields", []).append(dict(definition))
        shown = documents.preview(ctx, KIND, name, changed)
        return documents.preview_page(ctx, shown, back=url_for("designer.object_page",
                                                               name=name))


@designer.post("/objects/<name>/hidden/<field>/purge")
def purge_field(name: str, field: str) -> Response:
    """Drop a hidden field's data for good: only when its name is typed to confirm."""
    with admin_context() as ctx:
        if request.form.get("confirm", "").strip() != field:
            raise Invalid([ErrorItem("/confirm", "purge_not_confirmed", {"field": field})],
                          detail_code="purge_not_confirmed", field=field)
        result = metadata_service.purge_field(ctx, name, field)
    return redirect(url_for("designer.object_page", name=name,  # type: ignore[return-value]
                            applied=result["version"]), code=303)


@designer.post("/objects/<name>/groups")
def add_group(name: str) -> Response:
    with admin_context() as ctx:
        changed = _document(ctx, name)
        label = _labels(request.form)
        group = str(request.form.get("api_name", "")).strip() or \
            field_forms.derive_api_name(label.get("en", ""), "group")
        changed.setdefault("field_groups", []).append(
            {"api_name": group, **({"label": label} if label else {})})
        shown = documents.preview(ctx, KIND, name, changed)
        return documents.preview_page(ctx, shown, back=url_for("designer.object_page",
                                                               name=name))
