"""Installing a pack is a plan: what will change, then all of it in one transaction.

The plan lists the dependencies (with their ranges, and whether the tenant has them),
each definition and whether it is new or changed, the schema steps of every object with
their data impact (from the metadata service's dry run), the rights each role grants
and the workflows that will start acting. Workflows are installed inactive unless the
manifest suggests them *and* the administrator confirms each (``activate``). Applying
is the metadata service's batch apply: one transaction, one metadata version, each
document recording its origin (pack, version, component id) and the pack's baseline.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from packaging.specifiers import SpecifierSet
from packaging.version import Version

import objectry
from objectry.metadata import store
from objectry.metadata.problems import Conflict, ErrorItem, Invalid, Problem, pointer
from objectry.packs import installed as registry
from objectry.packs.content import Component, Pack, code_file
from objectry.packs.manifest import MANIFEST_FILE, at
from objectry.packs.signing import Verified
from objectry.runtime.kernel.context import Context
from objectry.runtime.schema import metadata_service

DOCUMENT_PATH = re.compile(r"^/documents/(\d+)(.*)$")


def origin_of(pack: Pack, component: Component) -> dict[str, Any]:
    """Where a definition came from; the stable ids of its fields, when the pack gives
    them, let a later version rename a field."""
    origin: dict[str, Any] = {"source": "pack", "pack": pack.name,
                              "version": pack.version, "component": component.id}
    if component.field_ids:
        origin["fields"] = dict(component.field_ids)
    rules = pack.manifest.raw.get("rules", {}).get(component.id, {})
    locked = sorted(path for path, rule in rules.items() if rule == "locked")
    if locked:
        origin["locked"] = locked
    return origin


def installed_document(pack: Pack, component: Component,
                       activate: Collection[str]) -> dict[str, Any]:
    """The document as installed: a workflow acts only when the manifest suggests it
    and the administrator confirmed it."""
    document = dict(component.document)
    if component.kind == "workflow":
        suggested = component.api_name in pack.manifest.raw.get("activate_workflows", [])
        document["active"] = bool(document.get("active", True) and suggested
                                  and component.api_name in activate)
    return document


def check_platform(pack: Pack) -> None:
    wanted = pack.manifest.platform
    if wanted is not None and not wanted.contains(Version(objectry.__version__),
                                                  prereleases=True):
        raise Conflict([ErrorItem(at(MANIFEST_FILE, "/platform"), "pack_platform_mismatch",
                                  {"range": str(wanted), "platform": objectry.__version__})],
                       detail_code="pack_platform_mismatch", range=str(wanted),
                       platform=objectry.__version__)


def dependencies(ctx: Context, pack: Pack) -> list[dict[str, Any]]:
    """Each required pack with its range and what the tenant has; a missing or
    unsatisfying one is refused with a pointer to ``pack.json#/requires/<name>``."""
    have = registry.installed_packs(ctx)
    found, errors = [], []
    for name, wanted in sorted(pack.manifest.requires.items()):
        current = have.get(name)
        version = current.version if current and current.state == registry.INSTALLED else None
        ok = version is not None and wanted.contains(Version(version), prereleases=True)
        found.append({"pack": name, "range": str(wanted), "installed": version,
                      "satisfied": ok})
        if not ok:
            code = "pack_dependency_missing" if version is None else "pack_dependency_conflict"
            errors.append(ErrorItem(at(MANIFEST_FILE, pointer("requires", name)), code,
                                    {"pack": name, "range": str(wanted),
                                     "installed": version}))
    for other in have.values():  # packs already installed that need this one
        wanted_text = other.manifest.get("requires", {}).get(pack.name)
        if other.state == registry.INSTALLED and wanted_text is not None and not \
                SpecifierSet(wanted_text).contains(pack.manifest.version, prereleases=True):
            errors.append(ErrorItem(at(MANIFEST_FILE, "/version"), "pack_breaks_dependent",
                                    {"pack": other.name, "range": wanted_text,
                                     "version": pack.version}))
    if errors:
        raise Conflict(errors, detail_code=errors[0].code, **errors[0].params)
    return found


def check_namespace(ctx: Context, pack: Pack) -> list[dict[str, Any]]:
    """Each definition: new, or the pack's own; another pack's or the tenant's own
    definition of the same name is refused (a pack never takes over what it did not
    ship)."""
    items, errors = [], []
    for component in pack.components:
        current = store.document(ctx.conn, ctx.tenant.id, component.kind, component.api_name)
        action = "create"
        if current is not None:
            owner = current.origin.get("pack") if current.origin.get("source") == "pack" \
                else None
            if owner != pack.name:
                code = "pack_foreign_document" if owner else "pack_document_exists"
                errors.append(ErrorItem(at(component.file, "/api_name"), code, {
                    "kind": component.kind, "api_name": component.api_name,
                    "owner": owner or "tenant"}))
                continue
            action = "change"
        items.append({"component": component.id, "file": component.file,
                      "kind": component.kind, "api_name": component.api_name,
                      "action": action})
    if errors:
        raise Conflict(errors, detail_code=errors[0].code, **errors[0].params)
    return items


def check_version(ctx: Context, pack: Pack) -> str | None:
    """The version installed now (None: a first install); the same or a newer one
    installed is refused: installing again is an upgrade, never a downgrade."""
    current = registry.installed_packs(ctx).get(pack.name)
    if current is None or current.state != registry.INSTALLED:
        return None if current is None else current.version
    old = Version(current.version)
    if pack.manifest.version <= old:
        code = "pack_already_installed" if pack.manifest.version == old else "pack_downgrade"
        raise Conflict([ErrorItem(at(MANIFEST_FILE, "/version"), code, {
            "pack": pack.name, "installed": current.version, "version": pack.version})],
            detail_code=code, pack=pack.name, installed=current.version,
            version=pack.version)
    raise Conflict([ErrorItem(at(MANIFEST_FILE, "/version"), "pack_upgrade_needed", {
        "pack": pack.name, "installed": current.version, "version": pack.version})],
        detail_code="pack_upgrade_needed", pack=pack.name, installed=current.version,
        version=pack.version)


def in_files(problem: Problem, pack: Pack, components: Sequence[Component]) -> Problem:
    """The metadata service's errors (``/documents/3/fields/1``) as pack pointers
    (``objects/lead.json#/fields/1``; a function's code error points at its ``.py``)."""
    errors = []
    for error in problem.errors:
        match = DOCUMENT_PATH.match(error.path)
        if match is None or int(match.group(1)) >= len(components):
            errors.append(error)  # a detached document of an upgrade keeps its index
            continue
        component = components[int(match.group(1))]
        rest = match.group(2)
        file = component.file
        source = code_file(component, pack.files)
        if rest.startswith("/code") and source is not None:
            file, rest = source, ""
        errors.append(ErrorItem(at(file, rest), error.code, error.params))
    problem.errors = errors
    return problem


def plan_and_apply(ctx: Context, pack: Pack, verified: Verified, *,
                   activate: Collection[str] = (), dry_run: bool = True) -> dict[str, Any]:
    """The install plan; with ``dry_run=False`` also applied (one metadata version)."""
    check_platform(pack)
    previous = check_version(ctx, pack)
    found = dependencies(ctx, pack)
    items = check_namespace(ctx, pack)
    components = list(pack.components)
    documents = [installed_document(pack, c, activate) for c in components]
    layers: dict[tuple[str, str], Any] = {
        c.key: (origin_of(pack, c), d) for c, d in zip(components, documents, strict=True)}
    reattach: list[str] = []
    if previous is not None:  # installed before, then uninstalled: restore that state
        if previous != pack.version:
            raise Conflict([ErrorItem(at(MANIFEST_FILE, "/version"), "pack_reinstall_version",
                                      {"pack": pack.name, "installed": previous,
                                       "version": pack.version})],
                           detail_code="pack_reinstall_version", pack=pack.name,
                           installed=previous, version=pack.version)
        restored = registry.before_uninstall(ctx, pack.name)
        documents = [dict(d.document) for d in restored]
        layers = {(d.kind, d.api_name): (dict(d.origin), d.baseline) for d in restored}
        reattach = [d.api_name for d in restored if d.kind == "object"]
        components = []  # errors keep the metadata service's pointers
        items = [{**i, "action": "reattach" if i["kind"] == "object" else "restore"}
                 for i in items]
    try:
        result = metadata_service.apply_documents(
            ctx, documents, dry_run=dry_run, layers=layers, reattach=reattach,
            summary=f"installed pack {pack.name} {pack.version}")
    except Problem as problem:
        raise in_files(problem, pack, components) from None
    _count_kept_rows(ctx, result["plans"], reattach)
    plan = {
        "pack": pack.name, "version": pack.version, "action": "install",
        "reinstall_of": previous, "signed_by": verified.key_id,
        "dependencies": found, "documents": items,
        "objects": result["plans"],
        "roles": [{"api_name": d["api_name"], "label": d.get("label"),
                   "actions": d.get("actions", []), "grants": d.get("grants", {})}
                  for d in documents if d["kind"] == "role"],
        "workflows": [_workflow(pack, d) for d in documents if d["kind"] == "workflow"],
        "applied": result["applied"], "metadata_version": result["version"],
    }
    if not dry_run:
        registry.record(ctx, pack.name, pack.version, registry.INSTALLED,
                        pack.manifest.raw, verified.key_id, result["version"],
                        sop_documents(pack))
    return plan


def _count_kept_rows(ctx: Context, plans: list[dict[str, Any]],
                     reattach: Collection[str]) -> None:
    """A reinstall's tables are there with their rows: the plan says how many come
    back (the data impact), never that a table will be created."""
    for object_plan in plans:
        if object_plan["object"] in reattach:
            table = sa.table(ctx.storage.table_name(object_plan["object"]),
                             schema=ctx.storage.schema)
            rows = ctx.conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()
            for step in object_plan["steps"]:
                if step["action"] == "reattach_table":
                    step["rows_kept"] = int(rows or 0)


def _workflow(pack: Pack, document: Mapping[str, Any]) -> dict[str, Any]:
    suggested = document["api_name"] in pack.manifest.raw.get("activate_workflows", [])
    return {"api_name": document["api_name"], "object": document.get("object"),
            "trigger": document.get("trigger"), "suggested_active": suggested,
            "active": bool(document.get("active"))}


def refuse_unknown_activation(pack: Pack, activate: Collection[str]) -> None:
    """Confirming a workflow the pack does not suggest is a mistake worth naming."""
    allowed = set(pack.manifest.raw.get("activate_workflows", []))
    wrong = sorted(set(activate) - allowed)
    if wrong:
        raise Invalid([ErrorItem(f"/activate_workflows/{i}", "pack_activation_unknown",
                                 {"workflow": w}) for i, w in enumerate(wrong)],
                      detail_code="pack_activation_unknown", workflow=wrong[0])


def sop_documents(pack: Pack) -> list[dict[str, Any]]:
    """The SOP Markdown the pack ships, kept with the install (served after it)."""
    return [{"id": entry["id"], "title": entry["title"], "objects": entry.get("objects", []),
             "en": pack.text(entry["en"]) or "", "zh-CN": pack.text(entry["zh-CN"]) or ""}
            for entry in pack.manifest.raw.get("sop", [])]
