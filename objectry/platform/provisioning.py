"""New tenants in one transaction: storage, first administrator, token, metadata.

``POST /api/v1/tenants`` and ``objectry tenant create`` both call :func:`provision`, so a
tenant exists fully (its schema, its admin, its objects' tables, the catalog packs it
asked for) or not at all, in one process and one transaction instead of a process start
per step.

Who may create tenants over HTTP is the *platform administrator*: whoever holds the
platform token. ``objectry platform-token`` mints one and prints the SHA-256 that goes
into ``OBJECTRY_PLATFORM_TOKEN_SHA256``; the server keeps only that hash, so a leaked
environment does not leak the credential. Without it, ``POST /tenants`` is refused.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from objectry.metadata.problems import ErrorItem, Forbidden, Invalid, Problem, Unauthorized
from objectry.metadata.validation.objects import schema_errors
from objectry.packs import from_catalog
from objectry.platform import tenancy
from objectry.platform.services import Services
from objectry.runtime.kernel.context import Tenant
from objectry.runtime.schema import metadata_service

#: Platform tokens look unlike tenant tokens (``oby_``), so a mix-up is visible.
PLATFORM_TOKEN_PREFIX = "obp_"

#: SQLite: the page cache (KiB) of the connection that creates a tenant's tables. Each
#: schema statement scans the file's whole schema (``sqlite_master``, ~22 KB of SQL a
#: tenant of 30 objects), which outgrows SQLite's default 2 MB cache beyond ~90 tenants,
#: so every scan read it again through the WAL: 64 MB cut that CPU by a third at 150
#: tenants (docs/scaling.md "Provisioning"). Pages are only taken as they are read.
SCHEMA_CACHE_KIB = 65536


@dataclass(frozen=True)
class Provisioned:
    tenant: Tenant
    name: str
    admin_email: str | None
    token: str | None  # the admin's API token, shown once
    version: int  # the tenant's metadata version after its documents


def new_platform_token() -> tuple[str, str]:
    """A fresh platform token and the hash to configure (the token is shown once)."""
    token = PLATFORM_TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, tenancy.hash_token(token)


def require_platform_admin(services: Services, token: str | None) -> None:
    """401 without a token; 403 ``platform_admin_required`` unless it is the platform
    token (a tenant's token, even its administrator's, is not)."""
    if not token:
        raise Unauthorized(detail_code="token_missing")
    expected = services.settings.platform_token_sha256
    if not expected or not hmac.compare_digest(tenancy.hash_token(token),
                                               expected.strip().lower()):
        raise Forbidden(detail_code="platform_admin_required")


def provision(services: Services, body: Any, *, label: str = "provisioning") -> Provisioned:
    """Create the tenant ``body`` describes (``schemas/tenant.json``), all or nothing."""
    errors = schema_errors("tenant", body)
    if errors:
        raise Invalid(errors)
    admin: Mapping[str, Any] | None = body.get("admin")
    documents: Sequence[Mapping[str, Any]] = body.get("documents") or ()
    name = body.get("name") or body["slug"]
    with services.connection() as conn, _schema_cache(conn):
        now = services.clock()
        tenant = tenancy.create_tenant(conn, body["slug"], name, now=now)
        token = email = None
        if admin is not None:
            email = tenancy.create_user(conn, tenant, admin["email"],
                                        name=admin.get("name", ""), now=now)["email"]
            token = tenancy.create_token(conn, tenant, email, label=label, now=now)
        version = 0
        if documents:
            with services.context_on(conn, tenant) as ctx:
                applied = metadata_service.apply_documents(
                    ctx, documents, summary="tenant provisioned")
            version = applied["version"]
        if body.get("packs"):  # the catalog's packs, on top of the documents
            at = Tenant(id=tenant.id, slug=tenant.slug, meta_version=version)
            with services.context_on(conn, at) as ctx:
                try:
                    installed = from_catalog.install(ctx, list(body["packs"]),
                                                     sample_data=bool(body.get("sample_data")))
                except Problem as problem:  # /names/... of the catalog install -> /packs
                    problem.errors = [e if not e.path.startswith("/names")
                                      else ErrorItem("/packs" + e.path[len("/names"):],
                                                     e.code, e.params)
                                      for e in problem.errors]
                    raise
            version = int(installed["metadata_version"])
    return Provisioned(tenant=Tenant(id=tenant.id, slug=tenant.slug, meta_version=version),
                       name=name, admin_email=email, token=token, version=version)


@contextlib.contextmanager
def _schema_cache(conn: sa.Connection) -> Iterator[None]:
    """SQLite: a page cache that holds the whole schema while a tenant's tables are
    created, and the connection's own size again before it returns to the pool."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    conn.exec_driver_sql(f"PRAGMA cache_size = -{SCHEMA_CACHE_KIB}")
    try:
        yield
    finally:  # a connection too broken to take it back is discarded; keep its error
        with contextlib.suppress(sa.exc.DBAPIError):
            conn.exec_driver_sql(f"PRAGMA cache_size = {before}")


def provisioned_json(done: Provisioned) -> dict[str, Any]:
    return {"id": done.tenant.id, "slug": done.tenant.slug, "name": done.name,
            "metadata_version": done.version,
            "admin": None if done.admin_email is None else {"email": done.admin_email},
            "token": done.token}
