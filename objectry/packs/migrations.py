"""Data migrations of an upgrade: the pack's sandbox functions, by phase, chained.

The manifest lists ``migrations``: ``{"version", "phase", "function"}``. An upgrade from
``A`` to ``B`` runs every migration with ``A < version <= B`` (so 1.0 -> 3.0 runs 2.0's,
then 3.0's), those of ``before_schema`` before the metadata change (renames included),
``after_schema`` after it, ``after_data`` last; within a phase by version. Each runs once
per tenant (recorded in ``pack_migrations``) as a function with ``run_as: system`` in the
sandbox, with ``params`` naming the pack, the versions and the phase. A failure (an
error in the code, a limit, a refused write) refuses the upgrade with a pointer to the
file: the caller's transaction rolls back the change and every earlier migration.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from packaging.version import Version

from objectry.metadata.problems import Conflict, ErrorItem, Problem
from objectry.packs.content import Pack
from objectry.packs.manifest import MANIFEST_FILE, at
from objectry.packs.pack_tables import pack_migrations
from objectry.permissions.access import DecisionCache
from objectry.runtime.functions import runner
from objectry.runtime.functions.definitions import FunctionDef
from objectry.runtime.kernel.caches import ModelCache
from objectry.runtime.kernel.context import Context
from objectry.sandbox import compile_source

PHASES = ("before_schema", "after_schema", "after_data")
PURPOSE = "pack_migration"
DEFAULT_TIMEOUT_MS = 60_000


@dataclass(frozen=True)
class Migration:
    version: Version
    phase: str
    file: str
    index: int  # in the manifest's ``migrations`` (error pointers)
    timeout_ms: int

    def to_json(self) -> dict[str, Any]:
        return {"version": str(self.version), "phase": self.phase, "function": self.file}


def isolated(ctx: Context) -> Context:
    """``ctx`` with caches of its own: compiled models and access decisions built on this
    transaction's uncommitted metadata must never reach other requests (the shared
    caches key them by version, and a rolled back version number is used again)."""
    return replace(ctx, models=ModelCache(), decisions=DecisionCache())


def declared(pack: Pack) -> list[Migration]:
    return [Migration(Version(m["version"]), m["phase"], m["function"], i,
                      int(m.get("timeout_ms", DEFAULT_TIMEOUT_MS)))
            for i, m in enumerate(pack.manifest.raw.get("migrations", []))]


def problems(pack: Pack) -> list[ErrorItem]:
    """What lint reports: a missing file, code that does not compile, a version beyond
    the pack's own."""
    found = []
    for migration in declared(pack):
        where = at(MANIFEST_FILE, f"/migrations/{migration.index}")
        source = pack.text(migration.file)
        if source is None:
            found.append(ErrorItem(where + "/function", "pack_component_file_missing",
                                   {"file": migration.file}))
            continue
        if migration.version > pack.manifest.version:
            found.append(ErrorItem(where + "/version", "pack_migration_version",
                                   {"version": str(migration.version),
                                    "pack_version": pack.version}))
        try:
            compile_source(source)
        except Problem as problem:
            found += [ErrorItem(at(migration.file, e.path), e.code, e.params)
                      for e in problem.errors]
    return found


def pending(ctx: Context, pack: Pack, previous: str) -> list[Migration]:
    """The migrations an upgrade from ``previous`` runs (not run before), in order."""
    done = {(r.version, r.phase) for r in ctx.conn.execute(
        sa.select(pack_migrations.c.version, pack_migrations.c.phase).where(
            pack_migrations.c.tenant_id == ctx.tenant.id,
            pack_migrations.c.pack == pack.name))}
    start = Version(previous)
    chosen = [m for m in declared(pack) if start < m.version <= pack.manifest.version
              and (str(m.version), m.phase) not in done]
    return sorted(chosen, key=lambda m: (PHASES.index(m.phase), m.version, m.index))


def run_phase(ctx: Context, pack: Pack, migrations: Iterable[Migration], phase: str,
              previous: str) -> list[dict[str, Any]]:
    """Run the migrations of ``phase`` and record each; the first failure raises.

    The context keeps its version but gets private caches: the definitions the
    functions see are this transaction's, never shared before it commits."""
    ran = []
    private = isolated(ctx)
    for migration in (m for m in migrations if m.phase == phase):
        source = pack.text(migration.file) or ""
        digest = hashlib.sha256(source.encode()).hexdigest()[:16]
        definition = FunctionDef(api_name=f"pack_migration_{digest}", purpose=PURPOSE,
                                 object=None, run_as="system",
                                 timeout_ms=migration.timeout_ms, code=source, version=0)
        params = {"pack": pack.name, "from_version": previous, "to_version": pack.version,
                  "version": str(migration.version), "phase": phase}
        result = runner.run(private, runner.Call(definition, PURPOSE, {}, params))
        if not result.ok:
            error = result.error or {}
            line = error.get("line")
            raise Conflict([ErrorItem(at(migration.file, f"/line/{line}" if line else ""),
                                      "pack_migration_failed", {
                                          "file": migration.file, "phase": phase,
                                          "version": str(migration.version),
                                          "message": str(error.get("message", ""))[:500]})],
                           detail_code="pack_migration_failed", file=migration.file,
                           phase=phase, version=str(migration.version),
                           message=str(error.get("message", ""))[:500])
        ctx.conn.execute(pack_migrations.insert().values(
            tenant_id=ctx.tenant.id, pack=pack.name, version=str(migration.version),
            phase=phase, file=migration.file, upgrade_from=previous,
            upgrade_to=pack.version, ran_at=ctx.now(), ran_by=ctx.actor.email))
        ran.append({**migration.to_json(), "logs": list(result.logs)[:50],
                    "result": result.result})
    return ran


def history(ctx: Context, name: str) -> list[dict[str, Any]]:
    """The migrations the tenant ran for pack ``name``, oldest first."""
    rows = ctx.conn.execute(sa.select(pack_migrations).where(
        pack_migrations.c.tenant_id == ctx.tenant.id, pack_migrations.c.pack == name)
        .order_by(pack_migrations.c.ran_at, pack_migrations.c.version))
    return [{"version": r.version, "phase": r.phase, "function": r.file,
             "upgrade_from": r.upgrade_from, "upgrade_to": r.upgrade_to,
             "ran_at": r.ran_at.isoformat(), "ran_by": r.ran_by} for r in rows]
