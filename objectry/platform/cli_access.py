"""``objectry role ...`` and ``objectry grant ...``: permissions for scripts.

The commands call the same services as the HTTP API (metadata documents with history,
membership versions, grants through the records' guard), so a script cannot do what
the API would refuse. By default they act as the platform (``system``); ``--as EMAIL``
acts as that user, with that user's rights, e.g. to distribute a lead as its owner.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from objectry.metadata.files import load_documents
from objectry.metadata.problems import ErrorItem, Invalid
from objectry.platform import tenancy
from objectry.platform.cli_support import DEMO_TENANT, console, reports_problems, start_services
from objectry.runtime.access import explain as explaining
from objectry.runtime.access import grants as granting
from objectry.runtime.access.people import actor_for
from objectry.runtime.kernel.context import Context
from objectry.runtime.schema import metadata_service

tenant_option = click.option("--tenant", "slug", default=DEMO_TENANT, show_default=True,
                             envvar="OBJECTRY_TENANT")
as_option = click.option("--as", "acting_as", default=None, metavar="EMAIL",
                         help="Act as this user (default: the platform itself).")


@contextmanager
def _context(slug: str, acting_as: str | None = None, *,
             read_only: bool = False) -> Iterator[Context]:
    """A tenant context acting as the system, or as ``acting_as`` when given."""
    with start_services().for_tenant(slug, read_only=read_only) as ctx:
        if acting_as is None:
            yield ctx
            return
        actor = actor_for(ctx.conn, ctx.tenant.id, email=acting_as)
        if actor is None:
            raise Invalid([ErrorItem("/as", "unknown_user", {"email": acting_as[:254]})])
        yield dataclasses.replace(ctx, actor=actor)


# -- roles ------------------------------------------------------------------------------

@click.group()
def role() -> None:
    """Roles: list, show, apply, delete, assign to and remove from users."""


@role.command("list")
@tenant_option
@reports_problems
def role_list(slug: str) -> None:
    """Every role with the objects it covers and how many users hold it."""
    with _context(slug, read_only=True) as ctx:
        roles = [metadata_service.get_document(ctx, "role", item["api_name"])
                 for item in metadata_service.list_documents(ctx, "role")]
        people = tenancy.list_users(ctx.conn, ctx.tenant)
    table = Table()
    for column in ("role", "label", "objects", "users"):
        table.add_column(column)
    for document in roles:
        name = document["api_name"]
        label = document.get("label", {})
        table.add_row(name, label.get("en") or label.get("zh-CN") or "",
                      ", ".join(sorted(document.get("grants", {}))),
                      str(sum(name in person["roles"] for person in people)))
    console().print(table)


@role.command("show")
@click.argument("name")
@tenant_option
@reports_problems
def role_show(name: str, slug: str) -> None:
    """Print a role document as JSON (re-appliable with ``role apply``)."""
    with _context(slug, read_only=True) as ctx:
        document = metadata_service.get_document(ctx, "role", name)
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


@role.command("apply")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@tenant_option
@reports_problems
def role_apply(path: Path, slug: str) -> None:
    """Create or replace the role documents in a file or directory (one version)."""
    documents = load_documents(path)
    wrong = [i for i, d in enumerate(documents) if d.get("kind") != "role"]
    if wrong:
        raise Invalid([ErrorItem(f"/{i}/kind", "schema_enum", {"allowed": ["role"]})
                       for i in wrong])
    with _context(slug) as ctx:
        result = metadata_service.apply_documents(ctx, documents)
    names = ", ".join(d["api_name"] for d in documents)
    if result["applied"]:
        console().print(f"roles {names} applied as metadata version {result['version']}")
    else:
        console().print(f"roles {names} unchanged (metadata version {result['version']})")


@role.command("delete")
@click.argument("name")
@tenant_option
@reports_problems
def role_delete(name: str, slug: str) -> None:
    """Delete a role; refused while users still hold it (they are listed)."""
    with _context(slug) as ctx:
        result = metadata_service.delete_document(ctx, "role", name)
    console().print(f"role {name} deleted, metadata version {result['version']}")


@role.command("assign")
@click.argument("email")
@click.argument("names", nargs=-1, required=True)
@tenant_option
@reports_problems
def role_assign(email: str, names: tuple[str, ...], slug: str) -> None:
    """Give a user one or more roles (kept with the ones already held)."""
    _change_roles(slug, email, add=names)


@role.command("unassign")
@click.argument("email")
@click.argument("names", nargs=-1, required=True)
@tenant_option
@reports_problems
def role_unassign(email: str, names: tuple[str, ...], slug: str) -> None:
    """Take one or more roles away from a user."""
    _change_roles(slug, email, remove=names)


def _change_roles(slug: str, email: str, *, add: tuple[str, ...] = (),
                  remove: tuple[str, ...] = ()) -> None:
    with _context(slug) as ctx:
        held = list(tenancy.user_json(tenancy.find_user(ctx.conn, ctx.tenant,
                                                        email)._mapping)["roles"])
        roles = [r for r in held if r not in remove] + [r for r in add if r not in held]
        user = tenancy.update_user(ctx.conn, ctx.tenant, email, {"roles": roles},
                                   actor=ctx.actor.email, now=ctx.now())
    console().print(f"{user['email']} holds: {', '.join(user['roles']) or '(no role)'}")


# -- grants -----------------------------------------------------------------------------

@click.group()
def grant() -> None:
    """Distribution grants on one record: list, add, change, revoke, explain."""


def _levels(values: tuple[str, ...]) -> dict[str, str]:
    """``group=level`` options -> {group: level}; the service checks names and levels."""
    levels: dict[str, str] = {}
    for value in values:
        group, _, level = value.partition("=")
        if not (group and level):
            raise click.BadParameter(f"{value!r}: expected GROUP=LEVEL", param_hint="--level")
        levels[group] = level
    return levels


@grant.command("list")
@click.argument("object_name")
@click.argument("record_id")
@click.option("--all", "include_inactive", is_flag=True,
              help="Include revoked and expired grants.")
@tenant_option
@as_option
@reports_problems
def grant_list(object_name: str, record_id: str, include_inactive: bool, slug: str,
               acting_as: str | None) -> None:
    """The record's grants: who, which levels, by whom, until when."""
    with _context(slug, acting_as, read_only=True) as ctx:
        items = granting.list_grants(ctx, object_name, record_id,
                                     include_inactive=include_inactive)
    table = Table()
    table.add_column("grant", no_wrap=True, min_width=36)  # ids stay whole for copying
    table.add_column("grantee", no_wrap=True)
    for column in ("field groups", "via", "expires", "revoked"):
        table.add_column(column)
    for item in items:
        levels = ", ".join(f"{g}={lv}" for g, lv in item["field_groups"].items())
        table.add_row(item["id"], item["grantee"], levels, item["via"],
                      item.get("expires_at") or "", item.get("revoked_at") or "")
    console().print(table)


@grant.command("add")
@click.argument("object_name")
@click.argument("record_id")
@click.option("--to", "grantee", required=True, metavar="user:EMAIL|department:NAME")
@click.option("--level", "levels", multiple=True, required=True, metavar="GROUP=LEVEL",
              help="A field group's level: none, read or edit (repeatable).")
@click.option("--expires", "expires_at", default=None, metavar="ISO-8601")
@tenant_option
@as_option
@reports_problems
def grant_add(object_name: str, record_id: str, grantee: str, levels: tuple[str, ...],
              expires_at: str | None, slug: str, acting_as: str | None) -> None:
    """Share a record; prints the new grant's id alone (for scripts)."""
    body: dict[str, Any] = {"grantee": grantee, "field_groups": _levels(levels)}
    if expires_at is not None:
        body["expires_at"] = expires_at
    with _context(slug, acting_as) as ctx:
        created = granting.grant(ctx, object_name, record_id, body)
    click.echo(created["id"])


@grant.command("change")
@click.argument("object_name")
@click.argument("record_id")
@click.argument("grant_id")
@click.option("--level", "levels", multiple=True, metavar="GROUP=LEVEL")
@click.option("--expires", "expires_at", default=None, metavar="ISO-8601")
@tenant_option
@as_option
@reports_problems
def grant_change(object_name: str, record_id: str, grant_id: str, levels: tuple[str, ...],
                 expires_at: str | None, slug: str, acting_as: str | None) -> None:
    """Change a grant's levels or expiry."""
    body: dict[str, Any] = {}
    if levels:
        body["field_groups"] = _levels(levels)
    if expires_at is not None:
        body["expires_at"] = expires_at
    with _context(slug, acting_as) as ctx:
        changed = granting.update_grant(ctx, object_name, record_id, grant_id, body)
    levels_text = ", ".join(f"{g}={lv}" for g, lv in changed["field_groups"].items())
    console().print(f"grant {changed['id']}: {levels_text}")


@grant.command("revoke")
@click.argument("object_name")
@click.argument("record_id")
@click.argument("grant_id")
@tenant_option
@as_option
@reports_problems
def grant_revoke(object_name: str, record_id: str, grant_id: str, slug: str,
                 acting_as: str | None) -> None:
    """Reclaim a grant (kept in the history as revoked)."""
    with _context(slug, acting_as) as ctx:
        granting.revoke(ctx, object_name, record_id, grant_id)
    console().print(f"grant {grant_id} revoked")


@grant.command("explain")
@click.argument("object_name")
@click.argument("record_id")
@click.option("--user", "email", required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the full answer as JSON.")
@tenant_option
@as_option
@reports_problems
def grant_explain(object_name: str, record_id: str, email: str, as_json: bool, slug: str,
                  acting_as: str | None) -> None:
    """Why a user can or cannot see, read or edit each field group of a record."""
    with _context(slug, acting_as, read_only=True) as ctx:
        answer = explaining.explain(ctx, object_name, record_id, email)
    if as_json:
        click.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    out = console()
    visible = answer["visible"]["visible"]
    out.print(f"{answer['user']} on {object_name}/{answer['record']}: "
              f"{'visible' if visible else 'not visible'}")
    table = Table()
    for column in ("field group", "strategy", "administrative", "distribution", "decision"):
        table.add_column(column)
    for group, verdict in answer["field_groups"].items():
        table.add_row(group, verdict.get("strategy", ""),
                      verdict.get("administrative", {}).get("level", ""),
                      verdict.get("distribution", {}).get("level") or "",
                      verdict["decision"]["level"])
    out.print(table)
    allowed = [a for a, v in answer["actions"].items() if v["allowed"]]
    out.print(f"actions: {', '.join(allowed) or '(none)'}")
