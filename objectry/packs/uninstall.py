"""Uninstalling detaches a pack: its definitions are hidden, its data stays.

Every definition the pack brought leaves the tenant's metadata in one new version
(workflows stop matching, objects leave the API), while the objects' tables, columns
and rows stay where they are. Installing the same version again restores the
definitions exactly as they stood before the uninstall, tenant changes included, on
the tables that were kept. Refused while another installed pack requires this one,
while users still hold one of its roles, or while a definition of the tenant's refers
to one of its objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from objectry.metadata import store
from objectry.metadata.catalog_tables import users
from objectry.metadata.problems import Conflict, ErrorItem, NotFound
from objectry.packs import installed as registry
from objectry.packs.upgrade import owned
from objectry.runtime.kernel.context import Context
from objectry.runtime.schema import metadata_service

REFERRING_KEYS = frozenset({"object", "target", "related"})


def _refers(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in REFERRING_KEYS and isinstance(item, str):
                yield item
            yield from _refers(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refers(item)


def _refuse(code: str, **params: Any) -> Conflict:
    return Conflict([ErrorItem("", code, params)], detail_code=code, **params)


def uninstall(ctx: Context, name: str) -> dict[str, Any]:
    """Hide the pack's definitions as one metadata version; tables and data stay."""
    store.lock_tenant(ctx.conn, ctx.tenant.id)
    have = registry.installed_packs(ctx)
    current = have.get(name)
    if current is None or current.state != registry.INSTALLED:
        raise NotFound(detail_code="pack_not_installed", pack=name)
    needed_by = sorted(p.name for p in have.values() if p.state == registry.INSTALLED
                       and name in p.manifest.get("requires", {}))
    if needed_by:
        raise _refuse("pack_required_by", pack=name, dependents=needed_by)
    mine = owned(ctx, name)
    keys = {(d.kind, d.api_name) for d in mine.values()}
    roles = {d.api_name for d in mine.values() if d.kind == "role"}
    holders = sorted(r.email for r in ctx.conn.execute(sa.select(
        users.c.email, users.c.roles).where(users.c.tenant_id == ctx.tenant.id))
        if roles & set(r.roles or []))
    if holders:
        raise _refuse("pack_role_in_use", pack=name, users=holders)
    objects = {d.api_name for d in mine.values() if d.kind == "object"}
    users_of = sorted(f"{kind}:{doc_name}" for kind, doc_name, document in _others(ctx, keys)
                      if objects & set(_refers(document)))
    if users_of:
        raise _refuse("pack_object_in_use", pack=name, documents=users_of)
    changes = [store.DocumentChange(d.kind, d.api_name, d.document, None, d.origin, d.baseline)
               for d in sorted(mine.values(), key=lambda d: (d.kind, d.api_name))]
    version = store.commit_version(
        ctx.conn, ctx.tenant.id, actor=ctx.actor.email, now=ctx.now(),
        summary=f"uninstalled pack {name} {current.version} (definitions hidden, data kept)",
        changes=changes)
    registry.set_state(ctx, name, registry.UNINSTALLED, version)
    return {"pack": name, "version": current.version, "state": registry.UNINSTALLED,
            "hidden": [{"kind": c.kind, "api_name": c.api_name} for c in changes],
            "tables_kept": sorted(objects),
            "workflows_stopped": sorted(d.api_name for d in mine.values()
                                        if d.kind == "workflow"),
            "metadata_version": version}


def _others(ctx: Context, keys: set[tuple[str, str]]) -> Iterator[tuple[str, str, Any]]:
    for kind in metadata_service.KINDS:
        for doc_name, stored in store.documents(ctx.conn, ctx.tenant.id, kind).items():
            if (kind, doc_name) not in keys:
                yield kind, doc_name, stored.document
