"""Bulk assign from a list: the selected records go to another owner through the
records service's one owner-change command (``POST /records/{o}/owner`` of the API):
its rules decide who may reassign, and any refusal changes nothing."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, redirect, request, url_for
from markupsafe import escape

from objectry.admin_ui.app import pages
from objectry.admin_ui.app.blueprint import blueprint, host, user_context
from objectry.admin_ui.app.tools import posted_ids
from objectry.runtime.access.metadata_access import PERSON, may_read_metadata
from objectry.runtime.kernel.context import Context
from objectry.runtime.records.ownership import change_owners

#: People an owner search answers with (the list's bulk "Assign selected" box).
OWNER_OPTIONS = 20


def owners(ctx: Context, text: str) -> list[dict[str, str]]:
    """The active people the user may see (the people API's rule) whose name or e-mail
    contains ``text``: searched as the user types, so a list page never carries the
    whole staff in a select."""
    needle = text.strip().casefold()
    found = []
    for user in host().list_users(ctx):
        name = str(user.get("name") or user["email"])
        if not user.get("active") or (needle and needle not in name.casefold()
                                      and needle not in str(user["email"]).casefold()):
            continue
        if may_read_metadata(ctx, PERSON, user["email"]):
            found.append({"value": str(user["email"]), "text": name})
            if len(found) == OWNER_OPTIONS:
                break
    return found


@blueprint.get("/people/options")
def owner_options() -> Response:
    """The owner box's suggestions as the user types (``q``, or the box's own ``owner``
    value that htmx sends): ``<option>``s for its datalist, JSON for other callers."""
    text = (request.args.get("q") or request.args.get("owner") or "")[:200]
    with user_context(read_only=True) as ctx:
        items = owners(ctx, text)
    if request.headers.get("HX-Request") == "true":
        return Response("".join(f'<option value="{escape(i["value"])}">{escape(i["text"])}'
                                "</option>" for i in items),
                        mimetype="text/html", headers={"Cache-Control": "no-store"})
    return Response(json.dumps({"items": items}, ensure_ascii=False),
                    mimetype="application/json", headers={"Cache-Control": "no-store"})


@blueprint.post("/o/<object_name>/owner")
def assign_records(object_name: str) -> Response:
    ids = posted_ids(request.form.getlist("ids"))
    owner = str(request.form.get("owner", "")).strip()[:254]
    with user_context() as ctx:
        pages.open_object(ctx, object_name)
        result: dict[str, Any] = change_owners(ctx, object_name, {"ids": ids, "owner": owner})
    return redirect(url_for("web.list_view", object_name=object_name,  # type: ignore[return-value]
                            assigned=result["changed"]), code=303)
