"""Upgrading a pack: a three-way merge per property of every definition it ships.

For each component (matched by its stable id, not its api_name) the merge takes the
baseline the old version shipped, the tenant's current document and the new version's.
The plan lists, per definition, what comes from the pack, what of the tenant's stays,
and each conflict with both sides and the choices (keep mine / take the pack's / edit);
an upgrade with an open conflict does not apply. A workflow's ``active`` is the
tenant's: an upgrade never starts or stops a workflow. Definitions the new version no
longer ships are detached (they become the tenant's, data and all), never deleted.
Downgrades and re-installs of the same version are refused.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from packaging.version import Version

from objectry.metadata import store
from objectry.metadata.problems import Conflict, ErrorItem, NotFound, Problem
from objectry.packs import installed as registry
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
from objectry.runtime.kernel.context import Context
from objectry.runtime.schema import metadata_service

Choices = Mapping[str, Mapping[str, Any]]  # component id -> property path -> choice


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


def plan_upgrade(ctx: Context, pack: Pack, verified: Verified, *,
                 choices: Choices | None = None, activate: Collection[str] = (),
                 dry_run: bool = True) -> dict[str, Any]:
    """The upgrade plan; with ``dry_run=False`` applied, unless a conflict is open."""
    choices = choices or {}
    check_platform(pack)
    previous = check_newer(ctx, pack)
    found = dependencies(ctx, pack)
    mine = owned(ctx, pack.name)
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
        elif (stored.kind, stored.api_name) != component.key:
            errors.append(ErrorItem(at(component.file, "/api_name"), "pack_rename_unsupported",
                                    {"kind": stored.kind, "api_name": stored.api_name,
                                     "new": component.api_name}))
            continue
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
    if not dry_run:
        registry.record(ctx, pack.name, pack.version, registry.INSTALLED, pack.manifest.raw,
                        verified.key_id, result["version"], sop_documents(pack))
    return {"pack": pack.name, "version": pack.version, "action": "upgrade",
            "from_version": previous, "signed_by": verified.key_id, "dependencies": found,
            "documents": items, "conflicts": conflicts, "objects": result["plans"],
            "roles": [], "workflows": [],
            "applied": result["applied"], "metadata_version": result["version"]}
