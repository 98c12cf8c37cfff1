"""The ``objectry`` command (click + rich): serve, database, tenants, users, tokens, metadata.

Commands print results for people (tables) except where scripts read them: ``token
create`` prints the token alone. Problems print their messages and exit non-zero.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import sys
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from objectry.admin_ui import accounts
from objectry.metadata.files import load_documents
from objectry.metadata.i18n import message
from objectry.metadata.problems import Problem
from objectry.platform import collector, demo_tenant, provisioning, tenancy, tenant_migrations
from objectry.platform.automation import EmbeddedLoop
from objectry.platform.cli_access import grant, role
from objectry.platform.cli_automation import automation
from objectry.platform.cli_catalog import demo
from objectry.platform.cli_duplicates import duplicates
from objectry.platform.cli_imports import import_file
from objectry.platform.cli_packs import pack
from objectry.platform.cli_support import (
    DEMO_TENANT,
    console,
    print_plan,
    progress,
    reports_problems,
    start_services,
)
from objectry.platform.config import Settings
from objectry.platform.db import engine_for, head_revision, upgrade
from objectry.platform.services import Services
from objectry.runtime.schema import metadata_service

DEMO_ADMIN = demo_tenant.DEMO_ADMIN


@click.group()
@click.version_option(package_name="objectry")
def main() -> None:
    """Objectry: metadata in, real tables, REST API and automation out."""


main.add_command(role)
main.add_command(grant)
main.add_command(automation)
main.add_command(import_file)
main.add_command(duplicates)
main.add_command(pack)
main.add_command(demo)


# -- serve ------------------------------------------------------------------------------

@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--demo/--no-demo", default=True, show_default=True,
              help="Create the demo tenant (core_crm and b2b_leads from the pack catalog, "
                   "with sample data) if missing.")
@click.option("--automation/--no-automation", default=True, show_default=True,
              help="Run the automation engine in this process (off when Celery workers run it).")
@reports_problems
def serve(host: str, port: int, threads: int, demo: bool, automation: bool) -> None:
    """Serve the platform (creates or upgrades the database first); the first start
    seeds the demo tenant and prints a ready token."""
    import waitress

    from objectry.platform.app import create_app

    sockets = listen_sockets(host, port)  # a busy port stops here, before anything else
    services = start_services(migrate=True)
    refuse_pending_tenant_migrations(services, sockets)
    out = console()
    out.print(f"Objectry on [bold]http://{host}:{port}[/bold]  "
              f"(database: {services.engine.url.render_as_string(hide_password=True)})")
    if demo:
        token = ensure_demo(services)
        if token is not None:
            out.print(f"Demo tenant [bold]{DEMO_TENANT}[/bold], user {DEMO_ADMIN}, token:")
            out.print(token, soft_wrap=True)
            out.print(f"Try: curl -H 'Authorization: Bearer {token}' "
                      f"http://{host}:{port}/api/v1/records/lead", soft_wrap=True)
            out.print(message("demo_password", "en", {
                "url": f"http://{host}:{port}/app/", "email": DEMO_ADMIN}))
            out.print(demo_password(services), soft_wrap=True)
        else:
            out.print(f"Demo tenant [bold]{DEMO_TENANT}[/bold], user {DEMO_ADMIN}. "
                      f"A token: objectry token create --tenant {DEMO_TENANT} "
                      f"--user {DEMO_ADMIN}", soft_wrap=True)
    app = create_app(services=services)
    collector.settle()  # after start-up: see platform.collector
    loop = EmbeddedLoop(services) if automation else None
    if loop is not None:
        loop.start()
    try:
        waitress.serve(app, sockets=sockets, threads=threads, ident="objectry")
    finally:
        if loop is not None:
            loop.stop()


def refuse_pending_tenant_migrations(services: Services,
                                     sockets: list[socket.socket]) -> None:
    """Stop (one line, exit status 1) while any tenant's tables are behind: migrating
    them can take long at many tenants, so that is ``objectry db upgrade``'s job."""
    pending = tenant_migrations.pending_tenants(services.engine)
    if pending:
        for sock in sockets:
            sock.close()
        services.close()
        raise click.ClickException(message("tenant_migrations_pending", "en", {
            "count": len(pending), "revision": tenant_migrations.head_revision()}))


def demo_password(services: Services) -> str:
    """A generated password for the demo admin, set on the first start only (with the
    demo token); later starts never print or change it."""
    password = secrets.token_urlsafe(12)
    with services.connection() as conn:
        found = tenancy.find_tenant(conn, DEMO_TENANT)
        accounts.set_password(conn, found.id, accounts.user_id_of(conn, found.id, DEMO_ADMIN),
                              password)
    return password


def listen_sockets(host: str, port: int) -> list[socket.socket]:
    """Bound sockets for every address of ``host`` (as waitress would bind them); a busy
    port or an unknown host is one line of error (exit status 1), not a traceback."""
    bound: list[socket.socket] = []
    try:
        for family, kind, proto, _, address in socket.getaddrinfo(
                host, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE):
            sock = socket.socket(family, kind, proto)
            bound.append(sock)
            if os.name != "nt":  # elsewhere it would let two servers share the port
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
    except OSError as exc:
        for sock in bound:
            sock.close()
        raise click.ClickException(message("port_in_use", "en", {
            "host": host, "port": port, "reason": exc.strerror or str(exc)})) from None
    return bound


def ensure_demo(services: Services) -> str | None:
    """Seed the demo tenant once: its admin, the catalog's ``core_crm`` and
    ``b2b_leads`` with sample data, and a token, which is returned. Later starts change
    nothing (what an admin changed stays) and return None."""
    try:
        if not demo_tenant.seed_first_start(services, DEMO_TENANT):
            return None
    except Problem as problem:  # a broken catalog pack must not keep the server down
        err = console(stderr=True)
        err.print(f"[yellow]demo packs not (all) installed: "
                  f"{message(problem.detail_code, 'en', problem.params)}[/yellow]")
        for error in problem.errors:
            err.print(f"  {error.path}: {message(error.code, 'en', error.params)}")
    with services.connection() as conn:
        tenant = tenancy.find_tenant(conn, DEMO_TENANT)
        return tenancy.create_token(conn, tenant, DEMO_ADMIN, label="serve",
                                    now=services.clock())


# -- db, tenants, users, tokens ---------------------------------------------------------

@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True,
              help="Catalog revision; tenant migrations run only at head.")
def db_upgrade(revision: str) -> None:
    """Create or upgrade the catalog tables, then bring every tenant's tables up to date
    one tenant per transaction (safe to stop and run again: it resumes)."""
    settings = Settings.from_env()
    engine = engine_for(settings)
    try:
        upgrade(engine, revision)
        console().print(f"database at {revision}: "
                        f"{engine.url.render_as_string(hide_password=True)}")
        if revision in ("head", head_revision()):
            with progress() as report:
                done = tenant_migrations.upgrade_tenants(engine, progress=report)
            if done.pending:
                console().print(message("tenant_migrations_done", "en", {
                    "migrated": done.migrated, "pending": done.pending,
                    "revision": done.revision}))
    finally:
        engine.dispose()


@main.group()
def tenant() -> None:
    """Tenants."""


@tenant.command("create")
@click.argument("slug")
@click.option("--name", default=None, help="Display name (defaults to the slug).")
@click.option("--admin", "admin_email", default=None, metavar="EMAIL",
              help="Its first administrator; their API token is printed (once).")
@click.option("--documents", "path", default=None,
              type=click.Path(exists=True, path_type=Path),
              help="A metadata file or directory applied as its first version.")
@click.option("--pack", "--from-pack", "packs", multiple=True, metavar="NAME",
              help="A pack of the shipped catalog to install (with its requirements); "
                   "repeatable.")
@click.option("--sample-data", is_flag=True, help="With --pack: load the packs' samples.")
@reports_problems
def tenant_create(slug: str, name: str | None, admin_email: str | None,
                  path: Path | None, packs: tuple[str, ...], sample_data: bool) -> None:
    """Create a tenant with its own storage, and optionally its administrator, first
    objects and catalog packs, in one transaction (all or nothing)."""
    body: dict[str, Any] = {"slug": slug}
    if name is not None:
        body["name"] = name
    if admin_email is not None:
        body["admin"] = {"email": admin_email}
    if path is not None:
        body["documents"] = load_documents(path)
    if packs:
        body["packs"] = list(dict.fromkeys(packs))
        body["sample_data"] = sample_data
    services = start_services()
    try:
        done = provisioning.provision(services, body, label="tenant create")
    finally:
        services.close()
    console().print(message("tenant_provisioned", "en", {
        "slug": done.tenant.slug, "id": done.tenant.id, "version": done.version}))
    if done.token is not None:
        click.echo(done.token)


@main.command("platform-token")
def platform_token() -> None:
    """Mint a platform administrator token (may create tenants over HTTP): prints the
    token once and the OBJECTRY_PLATFORM_TOKEN_SHA256 to give every server."""
    token, digest = provisioning.new_platform_token()
    click.echo(token)
    click.echo(f"OBJECTRY_PLATFORM_TOKEN_SHA256={digest}")


@main.group()
def user() -> None:
    """Users."""


@user.command("create")
@click.argument("email")
@click.option("--tenant", "slug", required=True, envvar="OBJECTRY_TENANT")
@click.option("--name", default="")
@click.option("--role", "roles", multiple=True, help="A role to hold (repeatable).")
@click.option("--department", default=None)
@reports_problems
def user_create(email: str, slug: str, name: str, roles: tuple[str, ...],
                department: str | None) -> None:
    """Add a user (the first user of a tenant is its admin)."""
    services = start_services()
    with services.connection() as conn:
        found = tenancy.find_tenant(conn, slug)
        created = tenancy.create_user(conn, found, email, name=name, roles=list(roles),
                                      department=department, now=services.clock())
    admin = " (tenant admin)" if created["is_admin"] else ""
    console().print(f"user {created['email']} created in {slug}{admin}")


@user.command("list")
@click.option("--tenant", "slug", required=True, envvar="OBJECTRY_TENANT")
@reports_problems
def user_list(slug: str) -> None:
    """The tenant's users: admin and active flags, roles, department."""
    services = start_services()
    with services.connection(read_only=True) as conn:
        people = tenancy.list_users(conn, tenancy.find_tenant(conn, slug))
    table = Table()
    for column in ("email", "name", "admin", "active", "roles", "department"):
        table.add_column(column)
    for person in people:
        table.add_row(person["email"], person["name"], "yes" if person["is_admin"] else "",
                      "yes" if person["active"] else "no", ", ".join(person["roles"]),
                      person["department"] or "")
    console().print(table)


@user.command("set")
@click.argument("email")
@click.option("--tenant", "slug", required=True, envvar="OBJECTRY_TENANT")
@click.option("--admin/--no-admin", "is_admin", default=None,
              help="Make the user a tenant administrator, or not.")
@click.option("--active/--inactive", "active", default=None,
              help="Let the user sign in, or not (deactivating revokes their tokens).")
@reports_problems
def user_set(email: str, slug: str, is_admin: bool | None, active: bool | None) -> None:
    """Change a user's admin or active flag (the way back when no admin is left to do it).

    The tenant's last active administrator cannot be demoted or deactivated."""
    changes = {key: value for key, value in (("is_admin", is_admin), ("active", active))
               if value is not None}
    if not changes:
        raise click.UsageError("give --admin/--no-admin or --active/--inactive")
    services = start_services()
    with services.connection() as conn:
        found = tenancy.find_tenant(conn, slug)
        changed = tenancy.update_user(conn, found, email, changes, actor="system",
                                      now=services.clock())
    flags = ", ".join(f"{name}={'yes' if changed[key] else 'no'}"
                      for name, key in (("admin", "is_admin"), ("active", "active")))
    console().print(f"user {changed['email']} in {slug}: {flags}")


@user.command("set-password")
@click.argument("email")
@click.option("--tenant", "slug", required=True, envvar="OBJECTRY_TENANT")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input.")
@reports_problems
def user_set_password(email: str, slug: str, password_stdin: bool) -> None:
    """Set a user's web sign-in password (asked twice, never echoed); ends their other
    web sessions."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    services = start_services()
    with services.connection() as conn:
        found = tenancy.find_tenant(conn, slug)
        accounts.set_password(conn, found.id, accounts.user_id_of(conn, found.id, email),
                              password)
    console().print(message("password_set", "en", {"email": email.strip().lower()}))


@user.command("invite")
@click.argument("email")
@click.option("--tenant", "slug", required=True, envvar="OBJECTRY_TENANT")
@click.option("--url", "base_url", default="http://127.0.0.1:8000", show_default=True,
              help="Where users reach the server.")
@reports_problems
def user_invite(email: str, slug: str, base_url: str) -> None:
    """Print an invitation link that lets the user set their password (valid for
    OBJECTRY_INVITATION_DAYS days, until a password is set)."""
    services = start_services()
    with services.connection() as conn:
        found = tenancy.find_tenant(conn, slug)
        token = accounts.invitation_token(conn, services.keys, found.id, email)
    days = services.settings.invitation_days
    console().print(message("invitation_link", "en", {"email": email, "days": days}))
    console().print(f"{base_url.rstrip('/')}/app/invitation/{token}", soft_wrap=True)


@main.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.option("--tenant", "slug", required=True, envvar="OBJECTRY_TENANT")
@click.option("--user", "email", required=True)
@click.option("--label", default="")
@click.option("--expires-in", "expires_in", default=None, metavar="DURATION",
              help="Stop working after this long: 30d, 12h or 90m (default: never).")
@reports_problems
def token_create(slug: str, email: str, label: str, expires_in: str | None) -> None:
    """Print a new API token for the user (shown once; only its hash is stored)."""
    lifetime = None if expires_in is None else tenancy.parse_expiry(expires_in)
    services = start_services()
    with services.connection() as conn:
        found = tenancy.find_tenant(conn, slug)
        issued = tenancy.create_token(conn, found, email, label=label, now=services.clock(),
                                      expires_in=lifetime)
    click.echo(issued)


@token.command("list")
@click.option("--tenant", "slug", required=True, envvar="OBJECTRY_TENANT")
@click.option("--user", "email", default=None, help="Only this user's tokens.")
@reports_problems
def token_list(slug: str, email: str | None) -> None:
    """The tenant's tokens, newest first (ids and times; the secrets are never shown)."""
    services = start_services()
    with services.for_tenant(slug, read_only=True) as ctx:
        items = tenancy.list_tokens(ctx.conn, ctx.tenant, ctx.actor, now=ctx.now(),
                                    email=email)
    table = Table()
    for column in ("id", "user", "label", "status", "created", "expires", "last used"):
        table.add_column(column)

    def when(value: Any) -> str:
        return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""

    for item in items:
        table.add_row(str(item["id"]), item["user"], item["label"], item["status"],
                      when(item["created_at"]), when(item["expires_at"]),
                      when(item["last_used_at"]))
    console().print(table)


@token.command("revoke")
@click.argument("token_id")
@click.option("--tenant", "slug", required=True, envvar="OBJECTRY_TENANT")
@reports_problems
def token_revoke(token_id: str, slug: str) -> None:
    """Revoke a token by its id (from ``token list``); requests with it then get 401."""
    services = start_services()
    with services.for_tenant(slug) as ctx:
        tenancy.revoke_token(ctx.conn, ctx.tenant, ctx.actor, token_id, now=ctx.now())
    console().print(f"token {token_id} revoked")


# -- metadata ---------------------------------------------------------------------------

@main.group()
def meta() -> None:
    """Metadata: apply, export, history, purge."""


def _conversions(values: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """``object.field:policy`` options -> {object: {field: policy}}."""
    result: dict[str, dict[str, str]] = {}
    for value in values:
        target, _, policy = value.partition(":")
        object_name, _, field = target.partition(".")
        if not (object_name and field and policy):
            raise click.BadParameter(f"{value!r}: expected OBJECT.FIELD:POLICY",
                                     param_hint="--convert")
        result.setdefault(object_name, {})[field] = policy
    return result


@meta.command("apply")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--tenant", "slug", default=DEMO_TENANT, show_default=True,
              envvar="OBJECTRY_TENANT")
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")
@click.option("--convert", multiple=True, metavar="OBJECT.FIELD:POLICY",
              help="Allow a lossy type change (null_invalid or truncate).")
@reports_problems
def meta_apply(path: Path, slug: str, dry_run: bool, convert: tuple[str, ...]) -> None:
    """Apply a metadata file or directory as one new metadata version."""
    documents = load_documents(path)
    services = start_services()
    with progress() as report, services.for_tenant(slug, progress=report) as ctx:
        result = metadata_service.apply_documents(ctx, documents, dry_run=dry_run,
                                                  conversions=_conversions(convert))
    out = console()
    for plan in result["plans"]:
        print_plan(plan, out)
    if dry_run:
        out.print("dry run: nothing applied")
    elif result["applied"]:
        out.print(f"applied as metadata version {result['version']}")
    else:
        out.print(f"nothing to change (metadata version {result['version']})")


@meta.command("export")
@click.option("--tenant", "slug", default=DEMO_TENANT, show_default=True,
              envvar="OBJECTRY_TENANT")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write one file per document here instead of printing a JSON list.")
@reports_problems
def meta_export(slug: str, out: Path | None) -> None:
    """Export the tenant's metadata documents (re-appliable with ``meta apply``)."""
    services = start_services()
    documents = []
    with services.for_tenant(slug, read_only=True) as ctx:
        for kind in metadata_service.KINDS:
            for item in metadata_service.list_documents(ctx, kind):
                documents.append(metadata_service.get_document(ctx, kind, item["api_name"]))
    if out is None:
        click.echo(json.dumps(documents, ensure_ascii=False, indent=2, default=str))
        return
    out.mkdir(parents=True, exist_ok=True)
    for i, document in enumerate(documents):
        name = f"{i:03d}_{document['kind']}_{document['api_name']}.json"
        (out / name).write_text(json.dumps(document, ensure_ascii=False, indent=2,
                                           default=str) + "\n", encoding="utf-8")
    console().print(f"{len(documents)} documents written to {out}")


@meta.command("history")
@click.option("--tenant", "slug", default=DEMO_TENANT, show_default=True,
              envvar="OBJECTRY_TENANT")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 200))
@reports_problems
def meta_history(slug: str, limit: int) -> None:
    """Metadata versions, newest first."""
    services = start_services()
    with services.for_tenant(slug, read_only=True) as ctx:
        items = metadata_service.history(ctx, limit=limit)
    table = Table()
    for column in ("version", "when", "who", "summary"):
        table.add_column(column)
    for item in items:
        table.add_row(str(item["version"]), item["created_at"].isoformat(timespec="seconds"),
                      item["actor"], item["summary"])
    console().print(table)


@meta.command("purge-field")
@click.argument("object_name")
@click.argument("field")
@click.option("--tenant", "slug", default=DEMO_TENANT, show_default=True,
              envvar="OBJECTRY_TENANT")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@reports_problems
def meta_purge_field(object_name: str, field: str, slug: str, yes: bool) -> None:
    """Drop a removed (hidden) field's column and its data for good."""
    if not yes:
        click.confirm(f"Drop {object_name}.{field} and all its values for good?", abort=True)
    services = start_services()
    with services.for_tenant(slug) as ctx:
        result = metadata_service.purge_field(ctx, object_name, field)
    rows = result["step"]["rows_with_values_dropped"]
    console().print(f"purged {object_name}.{field} ({rows} values dropped), "
                     f"metadata version {result['version']}")
