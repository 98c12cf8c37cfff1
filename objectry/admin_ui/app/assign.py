"""Bulk assign from a list: the selected records go to another owner through the
records service's one owner-change command (``POST /records/{o}/owner`` of the API):
its rules decide who may reassign, and any refusal changes nothing."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, request, url_for

from objectry.admin_ui.app import pages
from objectry.admin_ui.app.blueprint import blueprint, host, user_context
from objectry.admin_ui.app.tools import posted_ids
from objectry.runtime.access.metadata_access import PERSON, may_read_metadata
from objectry.runtime.kernel.context import Context
from objectry.runtime.records.ownership import change_owners


def owners(ctx: Context) -> list[tuple[str, str]]:
    """(e-mail, name) of the active people the user may see (the people API's rule)."""
    return [(u["email"], u["name"] or u["email"]) for u in host().list_users(ctx)
            if u.get("active") and may_read_metadata(ctx, PERSON, u["email"])]


@blueprint.post("/o/<object_name>/owner")
def assign_records(object_name: str) -> Response:
    ids = posted_ids(request.form.getlist("ids"))
    owner = str(request.form.get("owner", "")).strip()[:254]
    with user_context() as ctx:
        pages.open_object(ctx, object_name)
        result: dict[str, Any] = change_owners(ctx, object_name, {"ids": ids, "owner": owner})
    return redirect(url_for("web.list_view", object_name=object_name,  # type: ignore[return-value]
                            assigned=result["changed"]), code=303)
