"""Upgrading a pack: a three-way merge per property of every definition it ships.

For each component (matched by its stable id, not its api_name) the merge takes the
baseline the old version shipped, the tenant's current document and the new version's.
The plan lists, per definition, what comes from the pack, what of the tenant's stays,
and each conflict with both sides and the choices (keep mine / take the pack's / edit);
an upgrade with an open conflict does not apply. A workflow's ``active`` is the
tenant's: an upgrade never starts or stops a workflow. Definitions the new version no
longer ships are detached (they become the tenant's, data and all), never deleted.
Downgrades and re-installs of the same version are refused.

A component (or an object's field with a stable id) whose api_name changed is renamed
first, data and tenant overrides kept (``runtime.schema.renames``, its own metadata
version in the same transaction); the merge then runs on the renamed documents. A plan
(dry run) renames inside a savepoint it rolls back, so it shows the real steps.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from packaging.version import Version

from objectry.metadata import store
from objectry.metadata.problems import Conflict, ErrorItem, NotFound, Problem
from objectry.packs import installed as registry
from objectry.packs import migrations
from objectry.packs.content import Component, Pack
from objectry.packs.install import (
    check_platform,
    dependencies,
    in_files,
    installed_document,
    origin_of,
    sop_documents,
)
from objectry.packs.manifest import MANIFEST_FILE, at
from objectry.packs.merge import merge
from objectry.packs.signing import Verified
from objectry.runtime.automation import migrate
from objectry.runtime.automation.run_tables import workflow_runs
from objectry.runtime.automation.runs import LIVE
from objectry.runtime.kernel.context import Context
from objectry.runtime.schema import metadata_service
from objectry.runtime.schema.renames import Rename, apply_renames

Choices = Mapping[str, Mapping[str, Any]]  # component id -> property path -> choice
KEEP_RUNS, MIGRATE_RUNS = "keep", "migrate"
RUN_POLICIES = (KEEP_RUNS, MIGRATE_RUNS)


def owned(ctx: Context, name: str) -> dict[str, store.StoredDocument]:
    """The tenant's documents that came from the pack, by component id."""
    found = {}
    for kind in metadata_service.KINDS:
        for stored in store.documents(ctx.conn, ctx.tenant.id, kind).values():
            origin = stored.origin
            if origin.get("source") == "pack" and origin.get("pack") == name:
                found[str(origin.get("component"))] = stored
    return found


def check_newer(ctx: Context, pack: Pack) -> str:
    current = registry.installed_packs(ctx).get(pack.name)
    if current is None or current.state != registry.INSTALLED:
        raise NotFound([ErrorItem(at(MANIFEST_FILE, "/name"), "pack_not_installed",
                                  {"pack": pack.name})],
                       detail_code="pack_not_installed", pack=pack.name)
    if pack.manifest.version <= Version(current.version):
        code = ("pack_already_installed" if pack.manifest.version == Version(current.version)
                else "pack_downgrade")
        raise Conflict([ErrorItem(at(MANIFEST_FILE, "/version"), code, {
            "pack": pack.name, "installed": current.version, "version": pack.version})],
            detail_code=code, pack=pack.name, installed=current.version,
            version=pack.version)
    return current.version


def _rules(pack: Pack, component: Component) -> dict[str, str]:
    rules = dict(pack.manifest.raw.get("rules", {}).get(component.id, {}))
    if component.kind == "workflow":
        rules["/active"] = "tenant-owned"
    return rules


def renames_of(pack: Pack, mine: Mapping[str, store.StoredDocument]) -> list[Rename]:
    """What the new version renames: components (same id, new api_name) and fields of
    objects (same field id, new api_name); a component changing kind is refused."""
    found, errors = [], []
    for component in pack.components:
        stored = mine.get(component.id)
        if stored is None:
            continue
        if stored.kind != component.kind:
            errors.append(ErrorItem(at(component.file, "/kind"), "pack_component_kind_changed",
                                    {"component": component.id, "kind": stored.kind,
                                     "new": component.kind}))
            continue
        if stored.api_name != component.api_name:
            found.append(Rename(component.kind, stored.api_name, component.api_name,
                                at=at(component.file, "/api_name")))
        old_ids = stored.origin.get("fields") or {}
        names = [f.get("api_name") for f in component.document.get("fields", [])]
        for fid, name in component.field_ids.items():
            old = old_ids.get(fid)
            if isinstance(old, str) and old != name:
                found.append(Rename("field", old, name, object=component.api_name,
                                    at=at(component.file, f"/fields/{names.index(name)}")))
    if errors:
        raise Conflict(errors, detail_code=errors[0].code, **errors[0].params)
    return found


@contextmanager
def _renamed(ctx: Context, pack: Pack, renames: list[Rename], previous: str,
             dry_run: bool) -> Iterator[Context]:
    """The context after the renames (a private model cache: compiled models of a
    version a dry run rolls back must not be shared); a dry run's renames roll back."""
    if not renames:
        yield ctx
        return
    savepoint = ctx.conn.begin_nested() if dry_run else None
    try:
        private = migrations.isolated(ctx)
        version = apply_renames(private, renames, summary=(
            f"renamed by pack {pack.name} {previous} -> {pack.version}"))
        yield private.with_version(version or ctx.tenant.meta_version)
    finally:
        if savepoint is not None and savepoint.is_active:
            savepoint.rollback()


def plan_upgrade(ctx: Context, pack: Pack, verified: Verified, *,
                 choices: Choices | None = None, activate: Collection[str] = (),
                 dry_run: bool = True, migrate_runs: str = KEEP_RUNS) -> dict[str, Any]:
    """The upgrade plan; with ``dry_run=False`` applied, unless a conflict is open.

    Runs in flight of a workflow the upgrade changes keep the definition they started
    with (as after any edit of a workflow); ``migrate_runs="migrate"`` moves them to the
    new version as the automation engine's ``migrate_runs`` does (only between steps,
    only to a step the new version has; the others are listed with the reason)."""
    check_platform(pack)
    previous = check_newer(ctx, pack)
    found = dependencies(ctx, pack)
    mine = owned(ctx, pack.name)
    renames = renames_of(pack, mine)
    todo = migrations.pending(ctx, pack, previous)
    ran: list[dict[str, Any]] = []
    if not dry_run:
        ran += migrations.run_phase(ctx, pack, todo, "before_schema", previous)
    with _renamed(ctx, pack, renames, previous, dry_run) as renamed:
        plan = _merge_and_apply(renamed, pack, owned(renamed, pack.name) if renames else mine,
                                choices or {}, activate, dry_run, previous)
        if renames and not dry_run:  # the renames alone are a change
            plan.update(applied=True,
                        metadata_version=max(plan["metadata_version"],
                                             renamed.tenant.meta_version))
    plan["workflows"] = _workflows_changed(ctx, plan["documents"], migrate_runs)
    if not dry_run and migrate_runs == MIGRATE_RUNS:
        moved_ctx = migrations.isolated(ctx).with_version(plan["metadata_version"])
        for item in plan["workflows"]:
            if item["runs_in_flight"]:
                result = migrate.migrate_runs(moved_ctx, item["api_name"], {})
                item.update(moved=len(result["moved"]), skipped=result["skipped"])
    if not dry_run:
        for phase in ("after_schema", "after_data"):
            ran += migrations.run_phase(ctx, pack, todo, phase, previous)
        registry.record(ctx, pack.name, pack.version, registry.INSTALLED, pack.manifest.raw,
                        verified.key_id, plan["metadata_version"], sop_documents(pack))
    return {"pack": pack.name, "version": pack.version, "action": "upgrade",
            "from_version": previous, "signed_by": verified.key_id, "dependencies": found,
            "renames": [{"kind": r.kind, "object": r.object, "from": r.old, "to": r.new}
                        for r in renames],
            "migrations": ran if not dry_run else [m.to_json() for m in todo], **plan}


def _workflows_changed(ctx: Context, items: list[dict[str, Any]],
                       policy: str) -> list[dict[str, Any]]:
    """Each workflow the upgrade changes, with its runs in flight and what happens to
    them."""
    names = [i["api_name"] for i in items if i["kind"] == "workflow"
             and i["action"] == "change"]
    counts = {str(name): int(count) for name, count in ctx.conn.execute(
        sa.select(workflow_runs.c.workflow, sa.func.count()).where(
            workflow_runs.c.tenant_id == ctx.tenant.id, workflow_runs.c.workflow.in_(names),
            workflow_runs.c.status.in_(LIVE)).group_by(workflow_runs.c.workflow))} \
        if names else {}
    return [{"api_name": name, "runs_in_flight": int(counts.get(name, 0)),
             "runs": policy} for name in names]


def _merge_and_apply(ctx: Context, pack: Pack, mine: Mapping[str, store.StoredDocument],
                     choices: Choices, activate: Collection[str], dry_run: bool,
                     previous: str) -> dict[str, Any]:
    documents: list[dict[str, Any]] = []
    components: list[Component] = []
    layers: dict[tuple[str, str], Any] = {}
    items: list[dict[str, Any]] = []
    conflicts: list[dict[str, Any]] = []
    errors: list[ErrorItem] = []
    for component in pack.components:
        shipped = installed_document(pack, component, activate)
        stored = mine.get(component.id)
        item = {"component": component.id, "file": component.file, "kind": component.kind,
                "api_name": component.api_name}
        if stored is None:
            current = store.document(ctx.conn, ctx.tenant.id, component.kind,
                                     component.api_name)
            if current is not None:
                errors.append(ErrorItem(at(component.file, "/api_name"),
                                        "pack_document_exists", {
                                            "kind": component.kind,
                                            "api_name": component.api_name,
                                            "owner": current.origin.get("pack", "tenant")}))
                continue
            document = shipped
            items.append({**item, "action": "create"})
        else:
            base = stored.baseline if stored.baseline is not None else stored.document
            merged = merge(base, stored.document, shipped, rules=_rules(pack, component),
                           choices=choices.get(component.id, {}))
            document = merged.document
            conflicts += [{**item, **c.to_json()} for c in merged.conflicts]
            action = "unchanged" if document == dict(stored.document) else "change"
            items.append({**item, "action": action, "from_pack": merged.from_pack,
                          "kept_mine": merged.kept_mine,
                          "conflicts": [c.to_json()["path"] for c in merged.conflicts]})
        documents.append(document)
        components.append(component)
        layers[component.key] = (origin_of(pack, component), shipped)
    if errors:
        raise Conflict(errors, detail_code=errors[0].code, **errors[0].params)
    shipped_ids = {c.id for c in pack.components}
    for cid, stored in sorted(mine.items()):
        if cid not in shipped_ids:  # no longer in the pack: the tenant's from now on
            documents.append(dict(stored.document))
            layers[(stored.kind, stored.api_name)] = (
                {"source": "tenant", "detached_from": pack.name, "component": cid}, None)
            items.append({"component": cid, "file": None, "kind": stored.kind,
                          "api_name": stored.api_name, "action": "detach"})
    if conflicts and not dry_run:
        raise Conflict([ErrorItem(at(c["file"], c["path"]), "pack_merge_conflict", {
            "component": c["component"], "property": c["path"]}) for c in conflicts],
            detail_code="pack_conflicts_unresolved", count=len(conflicts),
            extra={"conflicts": conflicts})
    try:
        result = metadata_service.apply_documents(
            ctx, documents, dry_run=dry_run, layers=layers,
            summary=f"upgraded pack {pack.name} {previous} -> {pack.version}")
    except Problem as problem:
        raise in_files(problem, pack, components) from None
    return {"documents": items, "conflicts": conflicts, "objects": result["plans"],
            "roles": [], "workflows": [],
            "applied": result["applied"], "metadata_version": result["version"]}
