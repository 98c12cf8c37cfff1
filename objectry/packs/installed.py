"""The packs a tenant has installed: read and record rows of ``pack_installs``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from objectry.metadata import store
from objectry.metadata.problems import NotFound
from objectry.packs.pack_tables import pack_installs
from objectry.runtime.kernel.context import Context

INSTALLED = "installed"
UNINSTALLED = "uninstalled"


@dataclass(frozen=True)
class Installed:
    name: str
    version: str
    state: str
    manifest: Mapping[str, Any]
    signed_by: str | None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "state": self.state,
                "signed_by": self.signed_by,
                "label": self.manifest.get("label"),
                "requires": self.manifest.get("requires", {})}


def installed_packs(ctx: Context) -> dict[str, Installed]:
    rows = ctx.conn.execute(sa.select(pack_installs).where(
        pack_installs.c.tenant_id == ctx.tenant.id).order_by(pack_installs.c.name))
    return {r.name: Installed(r.name, r.version, r.state, r.manifest, r.signed_by)
            for r in rows}


def list_packs(ctx: Context) -> list[dict[str, Any]]:
    """``GET /packs``: every pack the tenant has (had) installed, with version and state."""
    rows = ctx.conn.execute(sa.select(pack_installs).where(
        pack_installs.c.tenant_id == ctx.tenant.id).order_by(pack_installs.c.name))
    return [{**Installed(r.name, r.version, r.state, r.manifest, r.signed_by).to_json(),
             "installed_at": r.installed_at, "installed_by": r.installed_by,
             "metadata_version": r.meta_version} for r in rows]


def record(ctx: Context, name: str, version: str, state: str, manifest: Mapping[str, Any],
           signed_by: str | None, meta_version: int,
           sop: list[dict[str, Any]] | None = None) -> None:
    """Write (or replace) the tenant's row for a pack."""
    ctx.conn.execute(pack_installs.delete().where(
        pack_installs.c.tenant_id == ctx.tenant.id, pack_installs.c.name == name))
    ctx.conn.execute(pack_installs.insert().values(
        tenant_id=ctx.tenant.id, name=name, version=version, state=state,
        manifest=dict(manifest), sop=sop or [], signed_by=signed_by, installed_at=ctx.now(),
        installed_by=ctx.actor.email, meta_version=meta_version))


def set_state(ctx: Context, name: str, state: str, meta_version: int) -> None:
    ctx.conn.execute(pack_installs.update().where(
        pack_installs.c.tenant_id == ctx.tenant.id, pack_installs.c.name == name).values(
        state=state, meta_version=meta_version))


def sop(ctx: Context, name: str, language: str | None) -> dict[str, Any]:
    """``GET /packs/{name}/sop``: the pack's SOP documents (Markdown), in one language or
    both, with the objects each concerns."""
    row = ctx.conn.execute(sa.select(pack_installs.c.sop, pack_installs.c.version).where(
        pack_installs.c.tenant_id == ctx.tenant.id, pack_installs.c.name == name)).first()
    if row is None:
        raise NotFound(detail_code="pack_not_installed", pack=name)
    languages = [language] if language else ["en", "zh-CN"]
    return {"pack": name, "version": row.version, "items": [
        {"id": d["id"], "title": d["title"], "objects": d.get("objects", []),
         **{lang: d[lang] for lang in languages}} for d in row.sop]}


def before_uninstall(ctx: Context, name: str) -> list[store.StoredDocument]:
    """The pack's definitions as they stood right before it was uninstalled."""
    version = ctx.conn.execute(sa.select(pack_installs.c.meta_version).where(
        pack_installs.c.tenant_id == ctx.tenant.id, pack_installs.c.name == name)).scalar()
    if version is None:
        return []
    state = store.state_at(ctx.conn, ctx.tenant.id, version - 1)
    return [d for d in state.values()
            if d.origin.get("source") == "pack" and d.origin.get("pack") == name]
