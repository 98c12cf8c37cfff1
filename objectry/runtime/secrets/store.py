"""Writing, listing and reading tenant secrets; values are encrypted before they are
stored, and only ``value`` (used at send time) ever decrypts one."""

from __future__ import annotations

import base64
import re
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken

from objectry.metadata.problems import ErrorItem, Invalid, NotFound
from objectry.runtime.kernel.context import Context
from objectry.runtime.secrets.secret_tables import secret_values

NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
MAX_VALUE_CHARS = 8192


class UnknownSecret(LookupError):
    """A placeholder names a secret the tenant does not have (carries the name only)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _fernet(ctx: Context) -> Fernet:
    """The tenant-independent cipher: one key per installation, for this purpose only."""
    return Fernet(base64.urlsafe_b64encode(ctx.keys.derive("secrets")))


#: The prefix of a value ``seal`` encrypted (a value without it was stored in clear).
SEALED = "fernet:"


def seal(ctx: Context, text: str) -> str:
    """``text`` encrypted as the store keeps values, for a platform secret kept in a
    table of its own (the tenant's webhook signing secret)."""
    return SEALED + _fernet(ctx).encrypt(text.encode()).decode()


def unseal(ctx: Context, stored: str) -> str | None:
    """The clear text of what ``seal`` returned; a value stored in clear before sealing,
    as it is; None if this installation key cannot decrypt it."""
    if not stored.startswith(SEALED):
        return stored
    try:
        return _fernet(ctx).decrypt(stored[len(SEALED):].encode()).decode()
    except InvalidToken:
        return None


def check_name(name: str) -> None:
    if not NAME.match(name):
        raise Invalid([ErrorItem("/name", "secret_bad_name", {"name": name[:80]})])


def put_secret(ctx: Context, name: str, body: Any) -> dict[str, Any]:
    """Create or replace a secret; the answer carries its name and times, never the value."""
    check_name(name)
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    unknown = sorted(set(body) - {"value"})
    if unknown:
        raise Invalid([ErrorItem(f"/{key}", "unknown_parameter", {"name": key})
                       for key in unknown])
    value = body.get("value")
    if not isinstance(value, str) or not value or len(value) > MAX_VALUE_CHARS:
        raise Invalid([ErrorItem("/value", "secret_value_required",
                                 {"max": MAX_VALUE_CHARS})])
    token = _fernet(ctx).encrypt(value.encode()).decode()
    now, who = ctx.now(), ctx.actor.email
    where = (secret_values.c.tenant_id == ctx.tenant.id, secret_values.c.name == name)
    exists = ctx.conn.execute(sa.select(secret_values.c.name).where(*where)).first()
    if exists is None:
        ctx.conn.execute(secret_values.insert().values(
            tenant_id=ctx.tenant.id, name=name, ciphertext=token, created_at=now,
            created_by=who, updated_at=now, updated_by=who))
    else:
        ctx.conn.execute(secret_values.update().where(*where).values(
            ciphertext=token, updated_at=now, updated_by=who))
    return describe(ctx, name)


def _row(ctx: Context, name: str) -> Any:
    return ctx.conn.execute(sa.select(secret_values).where(
        secret_values.c.tenant_id == ctx.tenant.id, secret_values.c.name == name)).first()


def describe(ctx: Context, name: str) -> dict[str, Any]:
    row = _row(ctx, name)
    if row is None:
        raise NotFound(detail_code="unknown_secret", name=name)
    return _json(row)


def _json(row: Any) -> dict[str, Any]:
    return {"name": row.name, "created_at": row.created_at, "created_by": row.created_by,
            "updated_at": row.updated_at, "updated_by": row.updated_by}


def list_secrets(ctx: Context) -> list[dict[str, Any]]:
    """Every secret's name and times (values are write-only)."""
    rows = ctx.conn.execute(sa.select(secret_values).where(
        secret_values.c.tenant_id == ctx.tenant.id).order_by(secret_values.c.name))
    return [_json(row) for row in rows]


def delete_secret(ctx: Context, name: str) -> None:
    result = ctx.conn.execute(secret_values.delete().where(
        secret_values.c.tenant_id == ctx.tenant.id, secret_values.c.name == name))
    if not result.rowcount:
        raise NotFound(detail_code="unknown_secret", name=name)


def value(ctx: Context, name: str) -> str:
    """The clear value of one secret, for a request about to leave (UnknownSecret if the
    tenant has none by that name, or it cannot be decrypted with this installation key)."""
    row = _row(ctx, name)
    if row is None:
        raise UnknownSecret(name)
    try:
        return _fernet(ctx).decrypt(row.ciphertext.encode()).decode()
    except InvalidToken:
        raise UnknownSecret(name) from None
