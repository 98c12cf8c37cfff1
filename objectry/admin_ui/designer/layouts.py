"""The layout designer: an object's form sections and list columns, arranged with
buttons and selects (keyboard first: every move is a button with a label).

Each change becomes a whole ``layout`` document previewed through the metadata service
(``documents.preview``) and applied on "Apply", as every designer does; the page also
shows the document as JSON. The end-user form follows the applied layout.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from flask import Response, redirect, request, url_for

from objectry.admin_ui.app.blueprint import page
from objectry.admin_ui.app.columns import chosen_columns
from objectry.admin_ui.designer import documents
from objectry.admin_ui.designer.blueprint import admin_context, designer
from objectry.admin_ui.designer.role_preview import role_view
from objectry.metadata import store
from objectry.metadata.i18n import LANGUAGES, pick
from objectry.metadata.problems import ErrorItem, Invalid, NotFound
from objectry.runtime.kernel.context import Context
from objectry.runtime.schema import metadata_service

KIND = "layout"
#: The first fields a new layout's list shows.
NEW_LIST_COLUMNS = 5


def layouts_of(ctx: Context, object_name: str) -> list[tuple[str, str]]:
    return sorted((name, pick(stored.document.get("label"), ctx.locale, name))
                  for name, stored in store.documents(ctx.conn, ctx.tenant.id, KIND).items()
                  if stored.document.get("object") == object_name)


def _layout(ctx: Context, name: str) -> dict[str, Any]:
    document = metadata_service.get_document(ctx, KIND, name)
    document.pop("kind", None)
    return document


def _object(ctx: Context, name: str) -> dict[str, Any]:
    stored = store.document(ctx.conn, ctx.tenant.id, "object", name)
    if stored is None:
        raise NotFound(detail_code="unknown_object", object=name[:64])
    return dict(stored.document)


def _preview(ctx: Context, name: str, document: dict[str, Any]) -> Response:
    shown = documents.preview(ctx, KIND, name, document)
    return documents.preview_page(ctx, shown, back=url_for("designer.layout_page",
                                                           name=name))


@designer.post("/objects/<name>/layouts")
def new_layout(name: str) -> Response:
    """``<object>_default`` (or the name given) with every field in one section."""
    with admin_context() as ctx:
        definition = _object(ctx, name)
        layout = str(request.form.get("api_name", "")).strip() or f"{name}_default"
        fields = [f["api_name"] for f in definition.get("fields") or []]
        document = {"object": name, "sections": [{"columns": 2, "fields": fields}],
                    "list_columns": fields[:NEW_LIST_COLUMNS]}
        return _preview(ctx, layout, document)


@designer.get("/layouts/<name>")
def layout_page(name: str) -> Response:
    with admin_context(read_only=True) as ctx:
        document = _layout(ctx, name)
        definition = _object(ctx, str(document.get("object")))
        labels = {f["api_name"]: pick(f.get("label"), ctx.locale, f["api_name"])
                  for f in definition.get("fields") or []}
        placed = {n for s in document.get("sections", []) for n in s.get("fields", [])}
        shown_columns = list(document.get("list_columns") or [])
        columns = [*shown_columns, *(n for n in labels if n not in shown_columns)]
        applied = request.args.get("applied", "")
        as_role = str(request.args.get("as_role", "")).strip()[:63]
        roles = [(n, pick(d.document.get("label"), ctx.locale, n)) for n, d in
                 sorted(store.documents(ctx.conn, ctx.tenant.id, "role").items())]
        states = role_view(ctx, str(document.get("object")), as_role) if as_role else {}
        return page("web/designer/layout.html", name=name, document=document,
                    roles=roles, as_role=as_role, states=states,
                    object_name=document.get("object"),
                    object_label=pick(definition.get("label"), ctx.locale,
                                      str(document.get("object"))),
                    sections=[(i, pick(s.get("label"), ctx.locale, ""), s)
                              for i, s in enumerate(document.get("sections", []))],
                    labels=labels, unplaced=[n for n in labels if n not in placed],
                    columns=[(n, labels.get(n, n), n in shown_columns, i + 1)
                             for i, n in enumerate(columns)],
                    applied=applied if applied.isdigit() and len(applied) < 12 else "",
                    document_json=json.dumps(document, ensure_ascii=False, indent=2))


def _where(document: dict[str, Any], field: str) -> tuple[int, int]:
    for i, section in enumerate(document.get("sections", [])):
        if field in section.get("fields", []):
            return i, section["fields"].index(field)
    raise NotFound(detail_code="unknown_field", field=field[:64],
                   object=str(document.get("object")))


def _section(document: dict[str, Any], text: Any) -> int:
    sections = document.get("sections", [])
    value = str(text or "")
    if not (value.isdigit() and int(value) < len(sections)):
        raise Invalid([ErrorItem("/section", "invalid_parameter",
                                 {"name": "section", "reason": value[:10]})])
    return int(value)


def change(document: dict[str, Any], form: Any, fields: list[str]) -> dict[str, Any]:
    """The layout after one designer action (``op``) from the posted form."""
    changed = copy.deepcopy(document)
    sections = changed.setdefault("sections", [])
    op = form.get("op", "")
    field = str(form.get("field", ""))
    if op in ("up", "down"):
        i, j = _where(changed, field)
        row = sections[i]["fields"]
        k = j - 1 if op == "up" else j + 1
        if 0 <= k < len(row):
            row[j], row[k] = row[k], row[j]
    elif op == "to_section":
        target = _section(changed, form.get("section"))
        i, j = _where(changed, field)
        sections[i]["fields"].pop(j)
        sections[target]["fields"].append(field)
    elif op == "remove":
        i, j = _where(changed, field)
        sections[i]["fields"].pop(j)
    elif op == "place":
        if field not in fields:
            raise NotFound(detail_code="unknown_field", field=field[:64],
                           object=str(changed.get("object")))
        sections[_section(changed, form.get("section"))]["fields"].append(field)
    elif op == "add_section":
        label = {lang: str(form.get(f"label-{lang}", "")).strip()[:200] for lang in LANGUAGES}
        label = {k: v for k, v in label.items() if v}
        sections.append({**({"label": label} if label else {}), "columns": _columns(form),
                         "fields": []})
    elif op in ("section_up", "section_down"):
        i = _section(changed, form.get("section"))
        k = i - 1 if op == "section_up" else i + 1
        if 0 <= k < len(sections):
            sections[i], sections[k] = sections[k], sections[i]
    elif op == "remove_section":
        sections.pop(_section(changed, form.get("section")))
    elif op == "arrange":
        _arrange(changed, form.get("arrangement"), fields)
    elif op == "list_columns":
        chosen = chosen_columns(form, fields)
        if chosen:
            changed["list_columns"] = chosen
        else:
            changed.pop("list_columns", None)
    else:
        raise Invalid([ErrorItem("/op", "invalid_parameter", {"name": "op",
                                                             "reason": str(op)[:20]})])
    return changed


def _arrange(document: dict[str, Any], text: Any, fields: list[str]) -> None:
    """Every section's fields at once, as dragging left them: a JSON list with one list
    of field names per section (a field in no list leaves the layout)."""
    sections = document.setdefault("sections", [])
    try:
        arranged = json.loads(str(text or ""))
    except ValueError:
        arranged = None
    known = set(fields)
    placed = [name for row in arranged for name in row] \
        if isinstance(arranged, list) and all(isinstance(r, list) for r in arranged) else []
    if not (isinstance(arranged, list) and len(arranged) == len(sections)
            and all(isinstance(n, str) and n in known for n in placed)
            and len(placed) == len(set(placed))):
        raise Invalid([ErrorItem("/arrangement", "invalid_parameter",
                                 {"name": "arrangement",
                                  "reason": "one list of distinct fields per section"})])
    for section, row in zip(sections, arranged, strict=True):
        section["fields"] = list(row)


def _columns(form: Any) -> Any:
    text = str(form.get("columns", "2")).strip()
    return int(text) if text.isdigit() and len(text) < 3 else text


@designer.post("/layouts/<name>")
def change_layout(name: str) -> Response:
    with admin_context() as ctx:
        document = _layout(ctx, name)
        definition = _object(ctx, str(document.get("object")))
        fields = [f["api_name"] for f in definition.get("fields") or []]
        return _preview(ctx, name, change(document, request.form, fields))


@designer.get("/objects/<name>/layout")
def object_layout(name: str) -> Response:
    """The object's layout page (``<object>_default`` first), or its object page."""
    with admin_context(read_only=True) as ctx:
        found = [n for n, _ in layouts_of(ctx, name)]
    if not found:
        return redirect(url_for("designer.object_page", name=name), code=303)  # type: ignore[return-value]
    chosen = f"{name}_default" if f"{name}_default" in found else found[0]
    return redirect(url_for("designer.layout_page", name=chosen), code=303)  # type: ignore[return-value]
