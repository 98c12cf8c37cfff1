"""Tenants, users and API tokens.

Tokens are random (``oby_`` + 32 bytes, URL-safe) and stored only as their SHA-256, so
a leaked database does not leak working credentials. A token names exactly one tenant
and one user; resolving it is one indexed join.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from objectry.metadata import store
from objectry.metadata.catalog_tables import api_tokens, tenants, users
from objectry.metadata.problems import Conflict, ErrorItem, Invalid, NotFound
from objectry.metadata.validation.objects import schema_errors
from objectry.platform.tenant_migrations import mark_current
from objectry.runtime.kernel.context import Actor, Tenant
from objectry.runtime.kernel.ids import uuid7
from objectry.runtime.kernel.storage import TenantStorage

TOKEN_PREFIX = "oby_"
SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}(?!\n)$")
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}(?!\n)$")


#: How often a token's ``last_used_at`` is written: a busy token costs one write a minute.
LAST_USED_EVERY = dt.timedelta(minutes=1)
MAX_EXPIRY_DAYS = 3650
EXPIRY_PATTERN = re.compile(r"^([1-9][0-9]{0,6})([dhm])(?!\n)$")
EXPIRY_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


@dataclass(frozen=True)
class Principal:
    """The tenant and user a request acts for, and the token they sent."""

    tenant: Tenant
    actor: Actor
    token_id: int | None = None
    last_used_at: dt.datetime | None = None

    def needs_touch(self, now: dt.datetime) -> bool:
        """Whether the token's last use is older than a minute (or never written)."""
        return self.token_id is not None and (
            self.last_used_at is None or now - self.last_used_at >= LAST_USED_EVERY)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_tenant(conn: sa.Connection, slug: str, name: str | None, *,
                  now: dt.datetime) -> Tenant:
    """A new tenant with its own storage (a PostgreSQL schema; a table prefix on SQLite)."""
    if not isinstance(slug, str) or not SLUG_PATTERN.match(slug):
        raise Invalid([ErrorItem("/slug", "invalid_slug", {"value": str(slug)[:60]})])
    taken = conn.execute(sa.select(tenants.c.id).where(tenants.c.slug == slug)).first()
    if taken is not None:
        raise Conflict([ErrorItem("/slug", "tenant_exists", {"slug": slug})],
                       detail_code="tenant_exists", slug=slug)
    tenant_id = conn.execute(tenants.insert().values(
        slug=slug, name=name or slug, created_at=now, meta_version=0)
        .returning(tenants.c.id)).scalar_one()
    schema = TenantStorage(conn.dialect.name, slug).schema
    if schema is not None:
        conn.execute(sa.schema.CreateSchema(schema, if_not_exists=True))
    mark_current(conn, tenant_id, now=now)  # its tables will be built by this code
    return Tenant(id=tenant_id, slug=slug, meta_version=0)


def find_tenant(conn: sa.Connection, slug: str) -> Tenant:
    row = conn.execute(sa.select(tenants).where(tenants.c.slug == slug)).first()
    if row is None:
        raise NotFound(detail_code="unknown_tenant", slug=slug)
    return Tenant(id=row.id, slug=row.slug, meta_version=row.meta_version)


def tenant_by_id(conn: sa.Connection, tenant_id: int) -> Tenant:
    """The tenant a stored row (an event, a run) belongs to, at its current version."""
    row = conn.execute(sa.select(tenants).where(tenants.c.id == tenant_id)).one()
    return Tenant(id=row.id, slug=row.slug, meta_version=row.meta_version)


def create_user(conn: sa.Connection, tenant: Tenant, email: str, *, name: str = "",
                roles: list[str] | None = None, department: str | None = None,
                now: dt.datetime, actor: str = "system") -> dict[str, Any]:
    """Add a user; the first user of a tenant is its administrator."""
    if not isinstance(email, str) or not EMAIL_PATTERN.match(email):
        raise Invalid([ErrorItem("/email", "invalid_email")])
    email = email.strip().lower()
    exists = conn.execute(sa.select(users.c.id).where(
        users.c.tenant_id == tenant.id, users.c.email == email)).first()
    if exists is not None:
        raise Conflict([ErrorItem("/email", "user_exists", {"email": email})],
                       detail_code="user_exists", email=email)
    roles = check_membership(conn, tenant, list(roles or []), department)
    first = conn.execute(sa.select(sa.func.count()).select_from(users).where(
        users.c.tenant_id == tenant.id)).scalar_one() == 0
    user = {"id": uuid7(), "tenant_id": tenant.id, "email": email, "name": name or email,
            "is_admin": first, "roles": roles, "department": department,
            "active": True, "created_at": now}
    conn.execute(users.insert().values(user))
    record_membership(conn, tenant, None, user, actor=actor, now=now)
    return user


def find_user(conn: sa.Connection, tenant: Tenant, email: str) -> Any:
    row = conn.execute(sa.select(users).where(
        users.c.tenant_id == tenant.id, users.c.email == email.strip().lower())).first()
    if row is None:
        raise NotFound(detail_code="unknown_user", email=email)
    return row


def create_token(conn: sa.Connection, tenant: Tenant, email: str, *, label: str = "",
                 now: dt.datetime, expires_in: dt.timedelta | None = None) -> str:
    """Issue a token for a user; only its hash is stored, so it is shown once."""
    user = find_user(conn, tenant, email)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(api_tokens.insert().values(
        tenant_id=tenant.id, user_id=user.id, token_hash=hash_token(token), label=label,
        created_at=now, expires_at=None if expires_in is None else now + expires_in))
    return token


def parse_expiry(text: str) -> dt.timedelta:
    """``30d``, ``12h`` or ``90m`` as a duration of at most ``MAX_EXPIRY_DAYS`` days."""
    match = EXPIRY_PATTERN.match(text.strip())
    if match is not None:
        duration = dt.timedelta(**{EXPIRY_UNITS[match[2]]: int(match[1])})
        if duration <= dt.timedelta(days=MAX_EXPIRY_DAYS):
            return duration
    raise Invalid([ErrorItem("/expires_in", "invalid_expiry",
                             {"value": text[:40], "max_days": MAX_EXPIRY_DAYS})])


#: The live token a request names, with its tenant and user: built once (building it
#: cost more than running it). Requests read it once per token and tenant metadata
#: version (``token_cache``, which checks the token's live state on every request), so
#: a revoke, an expiry, a role change or a deactivation counts from the next one in
#: every process.
_TOKEN_LOOKUP = (
    sa.select(tenants.c.id.label("tenant_id"), tenants.c.slug, tenants.c.meta_version,
              users.c.id.label("user_id"), users.c.email, users.c.is_admin, users.c.roles,
              users.c.department, api_tokens.c.id.label("token_id"),
              api_tokens.c.last_used_at)
    .select_from(api_tokens.join(users, users.c.id == api_tokens.c.user_id)
                 .join(tenants, tenants.c.id == api_tokens.c.tenant_id))
    .where(api_tokens.c.token_hash == sa.bindparam("token_hash"),
           api_tokens.c.revoked_at.is_(None), users.c.active.is_(True),
           sa.or_(api_tokens.c.expires_at.is_(None),
                  api_tokens.c.expires_at > sa.bindparam(
                      "now", type_=api_tokens.c.expires_at.type)),
           users.c.tenant_id == api_tokens.c.tenant_id))


def plausible_token(token: str) -> bool:
    """Whether ``token`` has a token's shape (anything else is refused unread)."""
    return token.startswith(TOKEN_PREFIX) and len(token) <= 200


def resolve_token(conn: sa.Connection, token: str,
                  now: dt.datetime | None = None) -> Principal | None:
    """The tenant and user of a live token, or None (unknown, revoked, expired, inactive
    user)."""
    if not plausible_token(token):
        return None
    now = now or dt.datetime.now(dt.UTC)
    row = conn.execute(_TOKEN_LOOKUP, {"token_hash": hash_token(token), "now": now}).first()
    if row is None:
        return None
    return Principal(
        tenant=Tenant(id=row.tenant_id, slug=row.slug, meta_version=row.meta_version),
        actor=Actor(user_id=uuid.UUID(str(row.user_id)), email=row.email,
                    is_admin=bool(row.is_admin), roles=tuple(row.roles or ()),
                    department=row.department),
        token_id=row.token_id, last_used_at=row.last_used_at)


#: The active user a web session names, with their tenant (built once, as above).
_USER_LOOKUP = (
    sa.select(tenants.c.id.label("tenant_id"), tenants.c.slug, tenants.c.meta_version,
              users.c.id.label("user_id"), users.c.email, users.c.is_admin, users.c.roles,
              users.c.department)
    .select_from(users.join(tenants, tenants.c.id == users.c.tenant_id))
    .where(users.c.id == sa.bindparam("user_id", type_=users.c.id.type),
           users.c.tenant_id == sa.bindparam("tenant_id", type_=users.c.tenant_id.type),
           users.c.active.is_(True)))


def resolve_user(conn: sa.Connection, tenant_id: int,
                 user_id: uuid.UUID) -> Principal | None:
    """The tenant and active user a web session names, or None (gone or deactivated)."""
    row = conn.execute(_USER_LOOKUP, {"user_id": user_id, "tenant_id": tenant_id}).first()
    if row is None:
        return None
    return Principal(
        tenant=Tenant(id=row.tenant_id, slug=row.slug, meta_version=row.meta_version),
        actor=Actor(user_id=uuid.UUID(str(row.user_id)), email=row.email,
                    is_admin=bool(row.is_admin), roles=tuple(row.roles or ()),
                    department=row.department))


def touch_token(conn: sa.Connection, token_id: int, now: dt.datetime) -> None:
    """Record a token's use; the condition keeps it to one write a minute per token even
    when requests race."""
    conn.execute(api_tokens.update().where(
        api_tokens.c.id == token_id,
        sa.or_(api_tokens.c.last_used_at.is_(None),
               api_tokens.c.last_used_at <= now - LAST_USED_EVERY))
        .values(last_used_at=now))


def list_tokens(conn: sa.Connection, tenant: Tenant, actor: Actor, *,
                now: dt.datetime, email: str | None = None) -> list[dict[str, Any]]:
    """The caller's tokens, or an admin's view of everyone's (``email`` narrows it),
    newest first. Never the secret: only its id, label, owner and times."""
    query = (sa.select(api_tokens, users.c.email)
             .join(users, users.c.id == api_tokens.c.user_id)
             .where(api_tokens.c.tenant_id == tenant.id)
             .order_by(api_tokens.c.id.desc()))
    if not actor.is_admin:
        query = query.where(api_tokens.c.user_id == actor.user_id)
    if email is not None:
        query = query.where(users.c.email == email.strip().lower())
    return [token_json(row, now) for row in conn.execute(query).mappings()]


def token_json(row: Any, now: dt.datetime) -> dict[str, Any]:
    if row["revoked_at"] is not None:
        status = "revoked"
    elif row["expires_at"] is not None and row["expires_at"] <= now:
        status = "expired"
    else:
        status = "active"
    return {"id": row["id"], "label": row["label"], "user": row["email"], "status": status,
            "created_at": row["created_at"], "expires_at": row["expires_at"],
            "last_used_at": row["last_used_at"], "revoked_at": row["revoked_at"]}


def revoke_token(conn: sa.Connection, tenant: Tenant, actor: Actor, token_id: Any, *,
                 now: dt.datetime) -> None:
    """Revoke one of the caller's tokens (an admin: anyone's in the tenant). A token the
    caller may not revoke is reported as unknown (404), as one that does not exist."""
    text = str(token_id)
    number = int(text) if text.isascii() and text.isdigit() and int(text) < 2**31 else None
    where = [api_tokens.c.id == number, api_tokens.c.tenant_id == tenant.id]
    if not actor.is_admin:
        where.append(api_tokens.c.user_id == actor.user_id)
    if number is None or conn.execute(sa.select(api_tokens.c.id).where(*where)).first() is None:
        raise NotFound(detail_code="unknown_token", id=str(token_id)[:40])
    conn.execute(api_tokens.update().where(*where, api_tokens.c.revoked_at.is_(None))
                 .values(revoked_at=now))


def check_body(kind: str, body: Any) -> None:
    """Refuse a user body that does not fit its JSON Schema (``schemas/user.json``,
    ``user_change.json``) before anything reads it: every culprit at once, never a 500."""
    errors = schema_errors(kind, body)
    if errors:
        raise Invalid(errors)


def check_membership(conn: sa.Connection, tenant: Tenant, roles: Any,
                     department: Any) -> list[str]:
    """Refuse unknown roles or departments (paths into the user body)."""
    errors: list[ErrorItem] = []
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise Invalid([ErrorItem("/roles", "invalid_parameter",
                                 {"name": "roles", "reason": "a list of role names"})])
    known_roles = store.documents(conn, tenant.id, "role")
    errors += [ErrorItem(f"/roles/{i}", "unknown_role", {"role": role})
               for i, role in enumerate(roles) if role not in known_roles]
    if department is not None and (not isinstance(department, str) or department not in
                                   store.documents(conn, tenant.id, "department")):
        errors.append(ErrorItem("/department", "unknown_department",
                                {"department": str(department)[:63]}))
    if errors:
        raise Invalid(errors)
    return sorted(set(roles))


def user_json(row: Any) -> dict[str, Any]:
    return {"id": str(row["id"]), "email": row["email"], "name": row["name"],
            "roles": list(row["roles"] or []), "department": row["department"],
            "is_admin": bool(row["is_admin"]), "active": bool(row["active"])}


def list_users(conn: sa.Connection, tenant: Tenant) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(users).where(users.c.tenant_id == tenant.id)
                        .order_by(users.c.email)).mappings()
    return [user_json(row) for row in rows]


def update_user(conn: sa.Connection, tenant: Tenant, email: str, changes: Any, *,
                actor: str, now: dt.datetime) -> dict[str, Any]:
    """Change a user's name, roles, department, admin flag or active flag.

    Membership changes are recorded as a metadata version (kind ``membership``), so
    who gave whom which role, and when, is in the same history as everything else.
    """
    check_body("user_change", changes)
    row = dict(find_user(conn, tenant, email)._mapping)
    values: dict[str, Any] = {}
    if "roles" in changes or "department" in changes:
        values["roles"] = check_membership(conn, tenant, changes.get("roles", row["roles"]),
                                           changes.get("department", row["department"]))
        values["department"] = changes.get("department", row["department"])
    for key in ("is_admin", "active", "name"):
        if key in changes:
            values[key] = changes[key]
    _keep_an_admin(conn, tenant, row, values)
    if row["active"] and values.get("active") is False:
        # a deactivated user's tokens stay dead: reactivation needs new ones
        conn.execute(api_tokens.update().where(api_tokens.c.user_id == row["id"],
                                               api_tokens.c.revoked_at.is_(None))
                     .values(revoked_at=now))
    if values:  # an empty change is a no-op, not an UPDATE without columns
        conn.execute(users.update().where(users.c.id == row["id"]).values(values))
    updated = {**row, **values}
    record_membership(conn, tenant, row, updated, actor=actor, now=now)
    return user_json(updated)


def _keep_an_admin(conn: sa.Connection, tenant: Tenant, row: Any,
                   values: dict[str, Any]) -> None:
    """Refuse (409) to demote or deactivate the last active administrator: nobody could
    give the tenant an administrator back."""
    losing = [flag for flag in ("is_admin", "active") if values.get(flag) is False]
    if not (row["is_admin"] and row["active"] and losing):
        return
    store.lock_tenant(conn, tenant.id)  # two admins demoting each other queue here
    others = conn.execute(sa.select(sa.func.count()).select_from(users).where(
        users.c.tenant_id == tenant.id, users.c.id != row["id"],
        users.c.is_admin.is_(True), users.c.active.is_(True))).scalar_one()
    if others == 0:
        raise Conflict([ErrorItem(f"/{flag}", "last_admin", {"email": row["email"]})
                        for flag in losing], detail_code="last_admin", email=row["email"])


def record_membership(conn: sa.Connection, tenant: Tenant, before: Any, after: Any, *,
                      actor: str, now: dt.datetime) -> None:
    def document(row: Any) -> dict[str, Any] | None:
        if row is None:
            return None
        return {"email": row["email"], "roles": list(row["roles"] or []),
                "department": row["department"], "is_admin": bool(row["is_admin"]),
                "active": bool(row["active"])}

    old, new = document(before), document(after)
    if old == new:
        return
    store.lock_tenant(conn, tenant.id)
    store.commit_version(conn, tenant.id, actor=actor, now=now,
                         summary=f"membership of {after['email']}",
                         changes=[store.DocumentChange("membership", after["email"], old, new)])
