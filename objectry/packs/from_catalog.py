"""The shipped catalog on a tenant: what it offers (and has installed), and installing
packs from it by name.

A catalog install verifies each pack's shipped ``SIGNATURE.json`` against the trusted
keys (the project key is built in), adds the ``requires`` the tenant lacks and installs
them all in dependency order in the caller's transaction (``batch``): all or nothing,
so a refusal of a dependent never leaves its dependencies half-installed behind it.
Packs the tenant already has at the catalog's version are skipped, which makes asking
twice harmless (the demo relies on it).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from objectry.metadata.problems import ErrorItem, Invalid, Problem
from objectry.packs import batch, shipped
from objectry.packs import installed as registry
from objectry.packs.content import load_pack
from objectry.packs.trust import trusted
from objectry.runtime.kernel.context import Context

#: Sentinel for ``activate``: every workflow the installed packs suggest.
SUGGESTED = "suggested"
BATCH_PATH = re.compile(r"^packs/(\d+)/(.*)$")


def _text(texts: Any, language: str) -> str:
    if not isinstance(texts, Mapping):
        return str(texts or "")
    return str(texts.get(language) or texts.get("en") or "")


def _language(ctx: Context) -> str:
    return "zh-CN" if str(ctx.locale).startswith("zh") else "en"


def offered(ctx: Context, catalog: Mapping[str, shipped.Entry] | None = None,
            ) -> list[dict[str, Any]]:
    """Every catalog pack in the caller's language, with what the tenant has of it."""
    catalog = shipped.entries() if catalog is None else catalog
    language = _language(ctx)
    have = registry.installed_packs(ctx)
    items = []
    for name, entry in catalog.items():
        raw = entry.manifest.raw
        current = have.get(name)
        items.append({
            "name": name, "version": entry.manifest.version_text,
            "label": _text(raw.get("label"), language),
            "description": _text(raw.get("description"), language),
            "requires": dict(raw.get("requires", {})),
            "sop": [{"id": s["id"], "title": _text(s.get("title"), language)}
                    for s in raw.get("sop", [])],
            "suggested_workflows": list(raw.get("activate_workflows", [])),
            "installed": current.version if current else None,
            "state": current.state if current else None})
    return items


def _installed_names(ctx: Context, catalog: Mapping[str, shipped.Entry]) -> set[str]:
    """Packs the tenant has at the catalog's version (an older one is the install's to
    refuse as an upgrade; an uninstalled one is installed again, data kept)."""
    return {name for name, found in registry.installed_packs(ctx).items()
            if found.state == registry.INSTALLED and (
                name not in catalog or found.version == catalog[name].manifest.version_text)}


def plan_names(ctx: Context, names: Sequence[str],
               catalog: Mapping[str, shipped.Entry] | None = None,
               ) -> tuple[list[shipped.Entry], list[str]]:
    """The packs to install for ``names`` (requirements first) and the requested
    names the tenant already has (skipped)."""
    if not isinstance(names, list) or not names or not all(
            isinstance(n, str) and n for n in names):
        raise Invalid([ErrorItem("/names", "pack_names_required", {})],
                      detail_code="pack_names_required")
    catalog = shipped.entries() if catalog is None else catalog
    have = _installed_names(ctx, catalog)
    order = shipped.install_order(names, catalog, have)
    skipped = [shipped.full_name(n) for n in names if shipped.full_name(n) in have]
    return order, list(dict.fromkeys(skipped))


def install(ctx: Context, names: Sequence[str], *, sample_data: bool = False,
            activate: Collection[str] | str = (), dry_run: bool = False,
            catalog: Mapping[str, shipped.Entry] | None = None) -> dict[str, Any]:
    """Install ``names`` from the catalog with their missing requirements, verified by
    the shipped signatures, in one transaction; ``activate`` lists the suggested
    workflows to start (or ``SUGGESTED``: all of them); ``dry_run`` plans only."""
    catalog = shipped.entries() if catalog is None else catalog
    order, skipped = plan_names(ctx, names, catalog)
    result: dict[str, Any] = {"requested": [shipped.full_name(n) for n in names],
                              "skipped": skipped, "order": [], "packs": [],
                              "applied": False,
                              "metadata_version": ctx.tenant.meta_version}
    if not order:
        return result
    opened = []
    for entry in order:
        files = entry.files()
        try:
            verified = trusted(ctx.conn, files)
            opened.append((load_pack(files), verified))
        except Problem as problem:
            problem.errors = [ErrorItem(f"{entry.path.name}/{e.path.lstrip('/')}",
                                        e.code, e.params) for e in problem.errors]
            raise
    chosen = _activation(activate, (p for p, _ in opened))
    try:
        done = batch.install_many(ctx, opened, activate=chosen, dry_run=dry_run,
                                  sample_data=sample_data)
    except Problem as problem:  # packs/<i>/... -> the catalog directory of pack i
        problem.errors = [ErrorItem(_in_catalog(e.path, order), e.code, e.params)
                          for e in problem.errors]
        raise
    return {**result, "order": done["order"], "packs": done["packs"],
            "applied": done["applied"], "metadata_version": done["metadata_version"]}


def _in_catalog(path: str, order: Sequence[shipped.Entry]) -> str:
    match = BATCH_PATH.match(path)
    if match is None or int(match.group(1)) >= len(order):
        return path
    return f"{order[int(match.group(1))].path.name}/{match.group(2)}"


def _activation(activate: Collection[str] | str, packs: Iterable[Any]) -> list[str]:
    if activate == SUGGESTED:
        return [w for p in packs for w in p.manifest.raw.get("activate_workflows", [])]
    return list(activate)
