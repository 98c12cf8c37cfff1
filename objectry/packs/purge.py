"""Purging an uninstalled pack: its objects' tables and rows go, for good.

Separate from uninstall and guarded: without ``confirm`` equal to the pack's name the
answer is what would go (rows per object) and how to export it first; with it, the
tables are dropped in one transaction and the pack is forgotten. A pack still installed
is refused (uninstall it first).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from objectry.metadata import store
from objectry.metadata.problems import Conflict, ErrorItem, NotFound
from objectry.packs import installed as registry
from objectry.packs.pack_tables import pack_installs
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import build_table
from objectry.runtime.model.hidden_fields import hidden_fields
from objectry.runtime.records.journal_tables import sequences


def purge(ctx: Context, name: str, confirm: str | None) -> dict[str, Any]:
    """What purging would drop, or (with ``confirm == name``) the drop itself."""
    store.lock_tenant(ctx.conn, ctx.tenant.id)
    current = registry.installed_packs(ctx).get(name)
    if current is None:
        raise NotFound(detail_code="pack_not_installed", pack=name)
    if current.state == registry.INSTALLED:
        raise Conflict([ErrorItem("/name", "pack_purge_installed", {"pack": name})],
                       detail_code="pack_purge_installed", pack=name)
    objects = [d for d in registry.before_uninstall(ctx, name) if d.kind == "object"]
    tables = {d.api_name: build_table(ctx.storage, d.document, {}) for d in objects}
    rows = {n: ctx.conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for n, t in sorted(tables.items())}
    answer = {"pack": name, "version": current.version, "rows": rows,
              "export_first": "install the same version again, export each object "
                              "(GET /api/v1/records/{object}/export), then uninstall",
              "purged": False}
    if confirm != name:
        return answer
    for object_name, table in tables.items():
        table.drop(ctx.conn)
        for catalog in (hidden_fields, sequences):
            ctx.conn.execute(catalog.delete().where(catalog.c.tenant_id == ctx.tenant.id,
                                                    catalog.c.object == object_name))
    ctx.conn.execute(pack_installs.delete().where(
        pack_installs.c.tenant_id == ctx.tenant.id, pack_installs.c.name == name))
    store.commit_version(ctx.conn, ctx.tenant.id, actor=ctx.actor.email, now=ctx.now(),
                         summary=f"purged pack {name} {current.version}: "
                                 + ", ".join(f"{n} ({c} rows)" for n, c in rows.items()),
                         changes=[])
    return {**answer, "purged": True}
