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
    if "list_columns" in result:
        result["list_columns"] = [c for c in result["list_columns"] if c not in hidden]
    return result
