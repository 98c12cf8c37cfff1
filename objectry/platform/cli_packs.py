"""``objectry pack ...``: lint, build, sign, trust, install and list industry packs.

``lint`` runs the pack through the metadata service on a scratch tenant inside a
transaction that is rolled back, so nothing stays behind. ``--allow-unsigned`` exists
only here (the operator's command line), never in the HTTP API.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import click

from objectry.metadata.i18n import message
from objectry.metadata.problems import ErrorItem
from objectry.packs import archive, installed, shipped, signing, trust
from objectry.packs.content import load_pack
from objectry.packs.lint import lint
from objectry.packs.manifest import read_manifest
from objectry.packs.purge import purge
from objectry.packs.service import plan, plan_upgrade
from objectry.packs.uninstall import uninstall
from objectry.platform import tenancy
from objectry.platform.cli_catalog import catalog, install_from_catalog
from objectry.platform.cli_support import (
    console,
    print_plan,
    print_table,
    read_tenant,
    reports_problems,
    start_services,
    tenant_option,
)


@click.group()
def pack() -> None:
    """Industry packs: lint, build, sign, trust, install, list, the shipped catalog."""


pack.add_command(catalog)


def print_findings(findings: list[ErrorItem]) -> None:
    err = console(stderr=True)
    for item in findings:
        err.print(f"  {item.path}: {message(item.code, 'en', item.params)}")


@pack.command("lint")
@click.argument("directory", type=click.Path(exists=True, path_type=Path))
@reports_problems
def pack_lint(directory: Path) -> None:
    """Check a pack before publishing; exits 1 with every finding. The catalog packs
    it requires are installed first on the scratch tenant."""
    files = archive.read_path(directory)
    needed = [load_pack(e.files()) for e in shipped.requirements(
        read_manifest(files), shipped.entries())]
    services = start_services()
    with services.engine.connect() as conn:
        transaction = conn.begin()
        try:
            scratch = tenancy.create_tenant(conn, f"lint_{secrets.token_hex(6)}", None,
                                            now=services.clock())
            with services.context_on(conn, scratch) as ctx:
                findings = lint(files, ctx, needed)
        finally:
            transaction.rollback()
    if findings:
        console(stderr=True).print(f"[red]{len(findings)} problem(s) in {directory}[/red]")
        print_findings(findings)
        raise SystemExit(1)
    console().print(f"{directory}: no problems found")


@pack.command("build")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The .opack to write (default: NAME-VERSION.opack here).")
@reports_problems
def pack_build(directory: Path, out: Path | None) -> None:
    """Build a directory into a reproducible .opack (unsigned: sign it next)."""
    files = archive.read_directory(directory)
    files.pop(archive.SIGNATURE_FILE, None)
    loaded = load_pack(files)
    target = out or Path(f"{loaded.name}-{loaded.version}.opack")
    target.write_bytes(archive.write_zip(files))
    console().print(f"built {target} ({len(files)} files)")


@pack.group("key")
def key() -> None:
    """Publisher keys (Ed25519)."""


@key.command("create")
@click.argument("private_key", type=click.Path(dir_okay=False, path_type=Path))
def key_create(private_key: Path) -> None:
    """Write a new private key (PEM) and print its public key for `pack trust add`."""
    if private_key.exists():
        raise click.BadParameter(f"{private_key} exists; refusing to overwrite a key",
                                 param_hint="PRIVATE_KEY")
    pem = signing.new_private_key()
    private_key.write_bytes(pem)
    private_key.chmod(0o600)
    console().print(signing.public_key_text(signing.load_private_key(pem)))


@pack.command("sign")
@click.argument("opack", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", "key_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The publisher's Ed25519 private key (PEM).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the signed pack (default: in place).")
@reports_problems
def pack_sign(opack: Path, key_file: Path, out: Path | None) -> None:
    """Sign a .opack: SIGNATURE.json with every file's SHA-256, signed with Ed25519."""
    private = signing.load_private_key(key_file.read_bytes())
    signed = signing.sign(archive.read_zip(opack.read_bytes()), private)
    (out or opack).write_bytes(archive.write_zip(signed))
    public = signing.public_key_text(private)
    console().print(f"signed {out or opack} with key {signing.key_id(public)}")


@pack.group("trust")
def trust_group() -> None:
    """Publisher keys this installation trusts."""


@trust_group.command("add")
@click.argument("public_key")
@click.option("--publisher", default="", help="Who the key belongs to (for people).")
@reports_problems
def trust_add(public_key: str, publisher: str) -> None:
    """Trust a public key: base64 (as `pack key create` prints) or a PEM file."""
    path = Path(public_key)
    text = path.read_text(encoding="utf-8") if path.is_file() else public_key
    services = start_services()
    with services.connection() as conn:
        kid = trust.add_key(conn, text, publisher=publisher, now=services.clock())
    console().print(f"trusted key {kid}")


@trust_group.command("list")
@reports_problems
def trust_list() -> None:
    services = start_services()
    with services.connection(read_only=True) as conn:
        keys = trust.list_keys(conn)
    print_table(("key id", "publisher", "public key", "added"), [
        (item["key_id"], item["publisher"], item["public_key"],
         "built-in" if item["built_in"] else f"{item['added_at']:%Y-%m-%d %H:%M}")
        for item in keys])


@trust_group.command("remove")
@click.argument("key_id")
@reports_problems
def trust_remove(key_id: str) -> None:
    services = start_services()
    with services.connection() as conn:
        trust.remove_key(conn, key_id)
    console().print(f"no longer trusting key {key_id}")


@pack.command("install")
@click.argument("source")
@tenant_option
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")
@click.option("--allow-unsigned", is_flag=True,
              help="Development only: accept an unsigned pack or an untrusted key.")
@click.option("--activate", multiple=True, metavar="WORKFLOW",
              help="Confirm that a workflow the pack suggests starts acting.")
@click.option("--sample-data", is_flag=True, help="Also create the pack's sample rows.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@reports_problems
def pack_install(source: str, slug: str, dry_run: bool, allow_unsigned: bool,
                 activate: tuple[str, ...], sample_data: bool, as_json: bool) -> None:
    """Install a pack on a tenant: a .opack, a directory (with --allow-unsigned), or a
    catalog pack by name (objectry.core_crm), its missing requirements first."""
    path = Path(source)
    if not path.exists():
        if "/" in source or source.endswith(".opack"):
            raise click.BadParameter(f"{source}: no such file or directory",
                                     param_hint="SOURCE")
        install_from_catalog([source], slug, dry_run=dry_run, activate=activate,
                             sample_data=sample_data, as_json=as_json)
        return
    files = archive.read_path(path)
    services = start_services()
    with services.for_tenant(slug) as ctx:
        result = plan(ctx, files, allow_unsigned=allow_unsigned, activate=activate,
                      dry_run=dry_run, sample_data=sample_data)
    print_install_plan(result, as_json=as_json)


def print_install_plan(result: dict[str, Any], *, as_json: bool = False) -> None:
    out = console()
    if as_json:
        out.print_json(json.dumps(result, default=str, ensure_ascii=False))
        return
    out.print(f"pack {result['pack']} {result['version']} "
              f"(signed by {result['signed_by'] or 'nobody: unsigned'})")
    print_table(("kind", "api_name", "component", "action"), [
        (item["kind"], item["api_name"], item["component"], item["action"])
        for item in result["documents"]], title="definitions", out=out)
    for item in result["dependencies"]:
        out.print(f"requires {item['pack']} {item['range']}: installed {item['installed']}")
    for object_plan in result["objects"]:
        print_plan(object_plan, out)
    for role in result["roles"]:
        out.print(f"role {role['api_name']} grants "
                  f"{json.dumps(role['grants'], ensure_ascii=False)}")
    for workflow in result["workflows"]:
        state = "ACTIVE" if workflow["active"] else "inactive"
        hint = " (suggested: confirm with --activate)" if workflow["suggested_active"] and \
            not workflow["active"] else ""
        out.print(f"workflow {workflow['api_name']} on {workflow['object']}: {state}{hint}")
    for object_name, count in result.get("sample_data", {}).items():
        out.print(f"sample data: {count} {object_name} rows")
    if result["applied"]:
        out.print(f"installed as metadata version {result['metadata_version']}")
    else:
        out.print("dry run: nothing applied")


@pack.command("upgrade")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@tenant_option
@click.option("--dry-run", is_flag=True, help="Print the plan and its conflicts only.")
@click.option("--allow-unsigned", is_flag=True,
              help="Development only: accept an unsigned pack or an untrusted key.")
@click.option("--choose", multiple=True, metavar="COMPONENT:PATH=mine|pack",
              help="Resolve a conflict, e.g. c-ticket:/label/en=mine.")
@click.option("--migrate-runs", "runs", type=click.Choice(["keep", "migrate"]),
              default="keep", show_default=True,
              help="Runs in flight of changed workflows: keep their version or move them.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@reports_problems
def pack_upgrade(source: Path, slug: str, dry_run: bool, allow_unsigned: bool,
                 choose: tuple[str, ...], runs: str, as_json: bool) -> None:
    """Upgrade an installed pack: a three-way merge that keeps the tenant's changes."""
    files = archive.read_path(source)
    choices: dict[str, dict[str, Any]] = {}
    for value in choose:
        target, _, choice = value.rpartition("=")
        component, _, path = target.partition(":")
        if not component or not path.startswith("/") or choice not in ("mine", "pack"):
            raise click.BadParameter(f"{value!r}: expected COMPONENT:/PATH=mine|pack",
                                     param_hint="--choose")
        choices.setdefault(component, {})[path] = choice
    services = start_services()
    with services.for_tenant(slug) as ctx:
        result = plan_upgrade(ctx, files, allow_unsigned=allow_unsigned, choices=choices,
                              dry_run=dry_run, migrate_runs=runs)
    if as_json:
        print_install_plan(result, as_json=True)
        return
    out = console()
    out.print(f"upgrade {result['pack']} {result['from_version']} -> {result['version']}")
    print_table(("kind", "api_name", "action", "from the pack", "kept yours"), [
        (item["kind"], item["api_name"], item["action"], str(len(item.get("from_pack", []))),
         str(len(item.get("kept_mine", [])))) for item in result["documents"]],
        title="definitions", out=out)
    for conflict in result["conflicts"]:
        out.print(f"[yellow]conflict[/yellow] {conflict['component']}:{conflict['path']}: "
                  f"yours {json.dumps(conflict['mine'], ensure_ascii=False)}, "
                  f"the pack's {json.dumps(conflict['pack'], ensure_ascii=False)} "
                  f"(--choose {conflict['component']}:{conflict['path']}=mine|pack)")
    for rename in result.get("renames", []):
        where = f"{rename['object']}." if rename["object"] else ""
        out.print(f"rename {rename['kind']} {where}{rename['from']} -> {rename['to']}")
    for migration in result.get("migrations", []):
        out.print(f"data migration {migration['version']} {migration['phase']}: "
                  f"{migration['function']}")
    for workflow in result.get("workflows", []):
        out.print(f"workflow {workflow['api_name']}: {workflow['runs_in_flight']} runs in "
                  f"flight ({workflow['runs']})")
    for object_plan in result["objects"]:
        print_plan(object_plan, out)
    out.print(f"upgraded as metadata version {result['metadata_version']}"
              if result["applied"] else "dry run: nothing applied")


@pack.command("uninstall")
@click.argument("name")
@tenant_option
@reports_problems
def pack_uninstall(name: str, slug: str) -> None:
    """Hide a pack's definitions; its tables and data stay (install it again to restore)."""
    services = start_services()
    with services.for_tenant(slug) as ctx:
        result = uninstall(ctx, name)
    out = console()
    out.print(f"uninstalled {name} {result['version']}: {len(result['hidden'])} definitions "
              f"hidden, tables kept: {', '.join(result['tables_kept']) or '-'}")
    if result["workflows_stopped"]:
        out.print(f"workflows stopped: {', '.join(result['workflows_stopped'])}")


@pack.command("purge")
@click.argument("name")
@tenant_option
@reports_problems
def pack_purge(name: str, slug: str) -> None:
    """Drop an uninstalled pack's tables and rows for good (asks to type the name)."""
    services = start_services()
    with services.for_tenant(slug) as ctx:
        shown = purge(ctx, name, None)
    out = console()
    for object_name, count in shown["rows"].items():
        out.print(f"{object_name}: {count} rows would be dropped")
    out.print(f"export first: {shown['export_first']}")
    typed = click.prompt(f"type {name} to purge", default="", show_default=False)
    if typed != name:
        out.print("not purged")
        raise SystemExit(1)
    with services.for_tenant(slug) as ctx:
        purge(ctx, name, typed)
    out.print(f"purged {name}")


@pack.command("list")
@tenant_option
@reports_problems
def pack_list(slug: str) -> None:
    """The packs a tenant has installed, with versions and state."""
    items = read_tenant(slug, installed.list_packs)
    print_table(("pack", "version", "state", "signed by", "installed"), [
        (item["name"], item["version"], item["state"], item["signed_by"] or "-",
         f"{item['installed_at']:%Y-%m-%d %H:%M}") for item in items])


