"""Choosing and ordering a saved view's columns in the browser.

A personal view's columns are its owner's to change; a shared view's, an
administrator's (the metadata write rule decides, as for the API). The columns are
written into the same ``list_view`` document through the metadata service. Only the
fields the user may read are offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response, redirect, request, url_for

from objectry.admin_ui.app import lists, pages
from objectry.admin_ui.app.blueprint import blueprint, page, user_context
from objectry.metadata.problems import ErrorItem, Invalid
from objectry.runtime.access.metadata_access import may_write_metadata, require_metadata_write
from objectry.runtime.kernel.context import Context
from objectry.runtime.schema import metadata_service

#: The most columns a view keeps (the list_view schema's maxItems).
MAX_COLUMNS = 50


@dataclass(frozen=True)
class ColumnChoice:
    name: str
    label: str
    shown: bool
    position: int


def may_edit(ctx: Context, document: dict[str, Any]) -> bool:
    return may_write_metadata(ctx, lists.KIND, document, document)


def choices(ctx: Context, object_name: str, document: dict[str, Any]) -> list[ColumnChoice]:
    """The readable fields: the view's columns first in their order, then the rest."""
    model, guard = pages.open_object(ctx, object_name)
    readable = [n for n in model.fields if guard.readable_field(n) is not None]
    current = [c for c in document.get("columns") or [] if c in readable] or \
        pages.list_columns(model, guard, pages.layout_of(ctx, model))
    ordered = [*current, *(n for n in readable if n not in current)]
    return [ColumnChoice(n, pages.field_label(model.fields[n], ctx.locale), n in current,
                         i + 1) for i, n in enumerate(ordered)]


def chosen_columns(form: Any, offered: list[str]) -> list[str]:
    """The ticked fields, ordered by their position (ties keep the offered order)."""
    def position(name: str) -> int:
        text = str(form.get(f"pos-{name}", "")).strip()
        if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 6:
            raise Invalid([ErrorItem(f"/pos-{name}", "invalid_parameter",
                                     {"name": f"pos-{name}", "reason": text[:20]})])
        return int(text)

    ticked = [n for n in offered if n in form.getlist("show")]
    ranked = sorted(ticked, key=lambda n: (position(n), offered.index(n)))
    return ranked[:MAX_COLUMNS]


@blueprint.route("/o/<object_name>/views/<name>/columns", methods=["GET", "POST"])
def view_columns(object_name: str, name: str) -> Response:
    with user_context(read_only=request.method == "GET") as ctx:
        document = lists.saved_view(ctx, object_name, name) or {}
        offered = choices(ctx, object_name, document)
        if request.method == "POST":
            updated = {k: v for k, v in document.items() if k not in ("kind", "columns")}
            columns = chosen_columns(request.form, [c.name for c in offered])
            if columns:
                updated["columns"] = columns
            require_metadata_write(ctx, lists.KIND, updated, document)
            metadata_service.put_document(ctx, lists.KIND, name, updated)
            return redirect(url_for("web.list_view", object_name=object_name,  # type: ignore[return-value]
                                    saved=name), code=303)
        require_metadata_write(ctx, lists.KIND, document, document)
        model, _ = pages.open_object(ctx, object_name)
        return page("web/columns.html", objects=pages.readable_objects(ctx),
                    object_name=object_name,
                    object_label=pages.object_label(model, ctx.locale),
                    view_label=lists.saved_view_label(ctx, document, name),
                    saved=name, choices=offered)
