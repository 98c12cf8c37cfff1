"""``objectry pack catalog ...``, ``objectry pack install <catalog name>`` and
``objectry demo``: the pack catalog that ships with the platform.

``pack catalog sign`` is the maintainers' command (the project key's private half never
ships); ``pack catalog list`` and installing by name are everyone's. ``demo`` installs
the demo packs (or, with ``--all-packs``, the whole catalog) one transaction per pack,
skipping what is installed, with a progress bar and a summary table.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from objectry.packs import from_catalog, shipped, signing, trust
from objectry.platform import demo_tenant
from objectry.platform.cli_support import (
    DEMO_TENANT,
    console,
    print_table,
    read_tenant,
    reports_problems,
    start_services,
    tenant_option,
)


@click.group("catalog")
def catalog() -> None:
    """The pack catalog shipped with Objectry (objectry/packs/catalog)."""


@catalog.command("list")
@tenant_option
@reports_problems
def catalog_list(slug: str) -> None:
    """The catalog's packs and which of them the tenant has installed."""
    items = read_tenant(slug, from_catalog.offered)
    print_table(("pack", "version", "label", "requires", f"installed on {slug}"), [
        (item["name"], item["version"], item["label"],
         ", ".join(f"{k} {v}" for k, v in item["requires"].items()) or "-",
         (item["installed"] or "-")
         + (" (uninstalled)" if item["state"] == "uninstalled" else ""))
        for item in items], title="pack catalog")


@catalog.command("sign")
@click.option("--key", "key_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The Objectry project's Ed25519 private key (PEM).")
@reports_problems
def catalog_sign(key_file: Path) -> None:
    """Re-sign every catalog pack in place (each directory's SIGNATURE.json)."""
    private = signing.load_private_key(key_file.read_bytes())
    kid = signing.key_id(signing.public_key_text(private))
    if kid not in trust.shipped_keys():
        console(stderr=True).print(
            f"[yellow]key {kid} is not in catalog/trusted_keys.json: installations will "
            f"not trust these signatures until its public key ships there[/yellow]")
    for name, changed in shipped.sign_catalog(private):
        console().print(f"{'signed' if changed else 'unchanged'} {name} (key {kid})")


def install_from_catalog(names: Sequence[str], slug: str, *, dry_run: bool,
                         activate: Sequence[str], sample_data: bool, as_json: bool) -> None:
    """``pack install objectry.core_crm``: the pack and its missing requirements, in
    dependency order, in one transaction."""
    services = start_services()
    with services.for_tenant(slug) as ctx:
        result = from_catalog.install(ctx, list(names), sample_data=sample_data,
                                      activate=list(activate), dry_run=dry_run)
    out = console()
    if as_json:
        out.print_json(json.dumps(result, default=str, ensure_ascii=False))
        return
    for name in result["skipped"]:
        out.print(f"{name} is already installed")
    verb = "installed" if result["applied"] else "would install"
    for plan in result["packs"]:
        out.print(f"{verb} {plan['pack']} {plan['version']} (signed by {plan['signed_by']}): "
                  f"{len(plan['documents'])} definitions" + _rows(plan))
        for workflow in plan["workflows"]:
            if workflow["suggested_active"] and not workflow["active"]:
                out.print(f"  workflow {workflow['api_name']} inactive (suggested: confirm "
                          f"with --activate {workflow['api_name']})")
    if result["packs"]:
        out.print(f"metadata version {result['metadata_version']}" if result["applied"]
                  else "dry run: nothing applied")


def _rows(plan: dict[str, Any]) -> str:
    rows = plan.get("sample_data") or {}
    return f", sample rows {sum(rows.values())}" if rows else ""


@click.command("demo")
@click.option("--tenant", "slug", default=DEMO_TENANT, show_default=True)
@click.option("--all-packs", is_flag=True,
              help="Install the whole catalog, not only core_crm and b2b_leads.")
@reports_problems
def demo(slug: str, all_packs: bool) -> None:
    """Create the demo tenant if missing and install catalog packs with sample data
    and their suggested workflows; installed packs are skipped."""
    services = start_services(migrate=True)
    created = demo_tenant.ensure_tenant(services, slug)
    catalog_entries = shipped.entries()
    names = list(catalog_entries) if all_packs else \
        demo_tenant.available(demo_tenant.DEMO_PACKS, catalog_entries)
    if not names:
        console().print("the pack catalog is empty: nothing to install")
        return
    pending, have = demo_tenant.to_install(services, slug, names, catalog_entries)
    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total} packs"), TimeElapsedColumn(),
                  console=console(stderr=True), transient=True) as bar:
        task = bar.add_task("installing", total=len(pending))

        def each(entry: shipped.Entry) -> None:
            bar.update(task, description=f"installing {entry.name}",
                       completed=pending.index(entry))

        done = demo_tenant.install(services, slug, pending, each=each)
        bar.update(task, completed=len(pending))
    rows = [(item.name, item.version, item.action, str(item.objects), str(item.sample_rows),
             str(item.workflows_started)) for item in done]
    rows += [(name, catalog_entries[name].manifest.version_text, "already installed",
              "-", "-", "-") for name in have]
    print_table(("pack", "version", "done", "objects", "sample rows", "workflows started"),
                rows, title=f"demo tenant {slug}")
    if created:
        console().print(f"created tenant {slug} with administrator "
                        f"{demo_tenant.DEMO_ADMIN}; a token: objectry token create "
                        f"--tenant {slug} --user {demo_tenant.DEMO_ADMIN}", soft_wrap=True)
