"""Who may read which metadata: the one decision every metadata path asks.

Reading metadata needs the ``customize`` right (a tenant-level action a role grants) or
a tenant administrator, except what a user needs to work: the object and layout
definitions of objects their roles let them read (showing only the fields they may
read), their own user, and the names of people (lookups to users). Functions,
workflows, roles, policies, scoring models, history, run logs, other users' details
and secrets are for customizers only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from objectry.metadata import store
from objectry.metadata.permission_terms import CUSTOMIZE
from objectry.metadata.problems import Forbidden
from objectry.permissions.casbin_model import roles_key
from objectry.runtime.access.decisions import Decisions
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model

#: Kinds a user reads to work with the objects their roles give them.
WORK_KINDS = frozenset({"object", "layout"})
#: Pseudo-kinds: ``person`` is the name of a user (id, email, name: for lookups) or of a
#: department (api_name, label: for grants), readable by everyone; ``user`` is a user's
#: full details (roles, department, admin flag), readable by that user themselves.
PERSON, USER = "person", "user"
#: Saved list views: a personal one is its owner's, a shared one its roles' holders'
#: (who must also read its object); users save and remove their own personal views.
LIST_VIEW = "list_view"


def can_customize(ctx: Context) -> bool:
    """Whether the actor is an administrator, the platform, or holds a role granting
    ``customize`` (once per metadata version and set of roles)."""
    actor = ctx.actor
    if actor.is_admin or actor.is_system:
        return True
    if not actor.roles:
        return False
    key = ("customize", ctx.tenant.id, ctx.tenant.meta_version, roles_key(actor.roles))

    def build() -> bool:
        roles = store.documents(ctx.conn, ctx.tenant.id, "role")
        return any(CUSTOMIZE in roles[name].document.get("actions", ())
                   for name in actor.roles if name in roles)

    return bool(ctx.decisions.get_or_build(key, build))


def may_read_metadata(ctx: Context, kind: str, name: str | None = None) -> bool:
    """Whether the actor may read metadata of ``kind`` (the document ``name``, or with
    ``None`` the kind as a whole: for objects and layouts, a list filtered per name)."""
    if kind == PERSON or can_customize(ctx):
        return True
    if kind == USER:
        return name is not None and name.strip().lower() == ctx.actor.email
    if kind == LIST_VIEW:
        view = None if name is None else store.document(ctx.conn, ctx.tenant.id, kind, name)
        return view is None or list_view_visible(ctx, view.document)
    if kind not in WORK_KINDS:
        return False
    if name is None:
        return True
    if kind == "layout":
        layout = store.document(ctx.conn, ctx.tenant.id, "layout", name)
        if layout is None:
            return True  # the reader answers 404
        name = str(layout.document.get("object", ""))
    if store.document(ctx.conn, ctx.tenant.id, "object", name) is None:
        return True  # the reader answers 404 (as for an object nobody can read)
    return Decisions(ctx, get_model(ctx, name)).base.can("read")


def list_view_visible(ctx: Context, document: Mapping[str, Any]) -> bool:
    """Whether a saved list view is the actor's: theirs, or shared with one of their
    roles, on an object they may read (customizers see every view)."""
    if can_customize(ctx):
        return True
    owner, roles = document.get("owner"), document.get("roles") or ()
    mine = (isinstance(owner, str) and owner.strip().lower() == ctx.actor.email) or \
        bool(set(roles) & set(ctx.actor.roles))
    return mine and may_read_metadata(ctx, "object", str(document.get("object", "")))


def may_write_metadata(ctx: Context, kind: str, document: Any,
                       current: Mapping[str, Any] | None) -> bool:
    """Whether the actor may store ``document`` (None: remove) over ``current``:
    administrators any document; anyone their own personal list view of an object
    they may read (a shared view, or someone else's, stays the administrators')."""
    if ctx.actor.is_admin or ctx.actor.is_system:
        return True
    if kind != LIST_VIEW:
        return False

    def personal(doc: Any) -> bool:
        return doc is None or (isinstance(doc, Mapping) and "roles" not in doc
                               and isinstance(doc.get("owner"), str)
                               and doc["owner"].strip().lower() == ctx.actor.email)

    return personal(document) and personal(current) and (
        document is None or may_read_metadata(ctx, "object", str(document.get("object", ""))))


def require_metadata_write(ctx: Context, kind: str, document: Any,
                           current: Mapping[str, Any] | None) -> None:
    """403 ``admin_required`` unless ``may_write_metadata``."""
    if not may_write_metadata(ctx, kind, document, current):
        raise Forbidden(detail_code="admin_required")


def require_metadata_read(ctx: Context, kind: str, name: str | None = None) -> None:
    """403 ``customize_required`` unless ``may_read_metadata``."""
    if not may_read_metadata(ctx, kind, name):
        raise Forbidden(detail_code="customize_required", kind=kind)


def readable_document(ctx: Context, kind: str, document: Mapping[str, Any]) -> dict[str, Any]:
    """An object or layout definition as the actor may see it: without the fields their
    roles do not let them read (and, for objects, without the validation rules, which
    may name them); whole for customizers."""
    result = dict(document)
    if can_customize(ctx) or kind not in WORK_KINDS:
        return result
    object_name = result.get("api_name") if kind == "object" else result.get("object")
    if store.document(ctx.conn, ctx.tenant.id, "object", str(object_name)) is None:
        return result
    model = get_model(ctx, str(object_name))
    base = Decisions(ctx, model).base
    hidden = {name for name, field in model.fields.items()
              if base.field_level(name, field.group) == "none"}
    if kind == "object":
        result["fields"] = [f for f in result.get("fields", []) if f["api_name"] not in hidden]
        result.pop("rules", None)
        return result
    result["sections"] = [{**section, "fields": [f for f in section.get("fields", [])
                                                 if f not in hidden]}
                          for section in result.get("sections", [])]
    for section in result["sections"]:  # a timeline keeps only objects the actor reads
        if "timeline" in section:
            section["timeline"] = [s for s in section["timeline"]
                                   if may_read_metadata(ctx, "object", str(s.get("object")))]
    if "list_columns" in result:
        result["list_columns"] = [c for c in result["list_columns"] if c not in hidden]
    return result
