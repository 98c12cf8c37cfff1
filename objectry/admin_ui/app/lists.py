"""A list's saved views (metadata of kind ``list_view``) and its count, as page data.

Which saved views a user sees and may store is the metadata access rule
(``metadata_access.list_view_visible`` / ``require_metadata_write``); views are
stored through the metadata service like every other document.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from objectry.metadata import store
from objectry.metadata.i18n import pick
from objectry.metadata.problems import NotFound
from objectry.runtime.access.metadata_access import (
    list_view_visible,
    may_write_metadata,
    require_metadata_write,
)
from objectry.runtime.kernel.context import Context
from objectry.runtime.schema import metadata_service

KIND = "list_view"
#: A click on "1,000+" counts up to this many times the page's cap (still bounded).
EXACT_FACTOR = 100


@dataclass(frozen=True)
class SavedView:
    api_name: str
    label: str
    shared: bool
    mine: bool  # the user's own personal view (they may remove it)
    editable: bool = False  # the user may change it (its owner; an admin if shared)


def saved_views(ctx: Context, object_name: str) -> list[SavedView]:
    """The object's saved views the user may use, by label."""
    found = []
    for name, stored in store.documents(ctx.conn, ctx.tenant.id, KIND).items():
        document = stored.document
        if document.get("object") != object_name or not list_view_visible(ctx, document):
            continue
        owner = document.get("owner")
        found.append(SavedView(name, pick(document.get("label"), ctx.locale, name),
                               "roles" in document,
                               isinstance(owner, str) and owner.lower() == ctx.actor.email,
                               may_write_metadata(ctx, KIND, document, document)))
    return sorted(found, key=lambda view: view.label.casefold())


def saved_view(ctx: Context, object_name: str, name: str | None) -> dict[str, Any] | None:
    """A saved view of the object the user may use (404 otherwise: its existence
    tells nothing)."""
    if name is None:
        return None
    stored = store.document(ctx.conn, ctx.tenant.id, KIND, name)
    if stored is None or stored.document.get("object") != object_name \
            or not list_view_visible(ctx, stored.document):
        raise NotFound(detail_code="unknown_document", kind=KIND, api_name=name[:64])
    return dict(stored.document)


def saved_view_label(ctx: Context, document: dict[str, Any], name: str) -> str:
    return pick(document.get("label"), ctx.locale, name)


def may_share(ctx: Context) -> bool:
    """Shared views are administrators' (the metadata write rule); the form offers
    roles only to them."""
    return bool(ctx.actor.is_admin)


def role_names(ctx: Context) -> list[str]:
    return sorted(store.documents(ctx.conn, ctx.tenant.id, "role"))


def save_view(ctx: Context, object_name: str, label: str, *, filter: Any, sort: str,
              view: str, roles: list[str]) -> str:
    """Store the list's current filter, sort and range as a new view: personal, or
    shared with ``roles``. Returns its api_name."""
    api_name = f"lv_{object_name[:40]}_{secrets.token_hex(4)}"
    document: dict[str, Any] = {"object": object_name,
                                "label": {ctx.locale: label.strip()[:200] or api_name}}
    if roles:
        document["roles"] = roles
    else:
        document["owner"] = ctx.actor.email
    if filter is not None:
        document["filter"] = filter
    if sort:
        document["sort"] = sort
    if view:
        document["view"] = view
    require_metadata_write(ctx, KIND, document, None)
    metadata_service.put_document(ctx, KIND, api_name, document)
    return api_name


def delete_view(ctx: Context, object_name: str, name: str) -> None:
    current = saved_view(ctx, object_name, name)
    require_metadata_write(ctx, KIND, None, current)
    metadata_service.delete_document(ctx, KIND, name)


def count_text(counted: dict[str, Any]) -> str:
    """``1,000`` or ``1,000+``."""
    return f"{counted['count']:,}" + ("+" if counted["count_capped"] else "")
