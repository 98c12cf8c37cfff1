"""The packs designer's catalog section: the packs shipped with Objectry, their SOP
titles, and installing one (with what it requires) by a click.

Installing goes through the same service as ``POST /api/v1/packs/catalog/install``
(shipped signatures checked against the built-in project key, all or nothing). With
htmx the section is swapped in place and says what is now there, with links to the new
objects; without JavaScript the form posts and the page comes back.
"""

from __future__ import annotations

from typing import Any

from flask import Response, g, redirect, request, url_for

from objectry.admin_ui.app.blueprint import is_htmx, page
from objectry.admin_ui.designer.blueprint import admin_context, designer
from objectry.admin_ui.designer.documents import problem_text
from objectry.metadata.i18n import message, pick
from objectry.metadata.problems import Problem
from objectry.packs import from_catalog, installed
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model

FRAGMENT = "web/designer/_pack_catalog.html"


def catalog_items(ctx: Context) -> list[dict[str, Any]]:
    """The catalog as the section lists it (in the admin's language)."""
    return from_catalog.offered(ctx)


def _done(ctx: Context, result: dict[str, Any]) -> dict[str, Any]:
    """What the section says after an install: the packs, rows and new objects."""
    names = [d["api_name"] for p in result["packs"] for d in p["documents"]
             if d["kind"] == "object"]
    objects = [(n, pick(get_model(ctx, n).definition.get("label"), ctx.locale, n))
               for n in names]
    rows = sum(sum((p.get("sample_data") or {}).values()) for p in result["packs"])
    packs = ", ".join(result["order"] or result["skipped"])
    text = message("ui_pack_catalog_done" if result["order"] else "ui_pack_catalog_nothing",
                   g.locale, {"packs": packs, "objects": len(objects), "rows": rows})
    return {"text": text, "objects": objects}


@designer.post("/packs/catalog/install")
def pack_catalog_install() -> Response:
    """Install one catalog pack (and its missing requirements) in one transaction."""
    name = request.form.get("name", "")
    sample_data = request.form.get("sample_data") == "on"
    activate = from_catalog.SUGGESTED if request.form.get("activate") == "on" else ()
    done, refusal, status = None, None, 200
    try:
        with admin_context() as ctx:
            result = from_catalog.install(ctx, [name], sample_data=sample_data,
                                          activate=activate)
        with admin_context(read_only=True) as ctx:
            done = _done(ctx, result)
    except Problem as refused:
        if refused.status not in (403, 409, 422) or refused.detail_code == "admin_required":
            raise
        refusal, status = problem_text(refused), refused.status
    if not is_htmx() and refusal is None:
        return redirect(url_for("designer.packs"), 303)  # type: ignore[return-value]
    with admin_context(read_only=True) as ctx:
        items = catalog_items(ctx)
        if is_htmx():  # htmx swaps 2xx only: the refusal is shown in the section
            return page(FRAGMENT, catalog=items, done=done, catalog_refusal=refusal,
                        items=installed.list_packs(ctx))  # the installed list, out of band
        return page("web/designer/packs.html", status, items=installed.list_packs(ctx),
                    catalog=items, done=None, catalog_refusal=refusal)
