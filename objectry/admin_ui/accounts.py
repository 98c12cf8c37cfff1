"""Web sign-in accounts: argon2 password hashes, sign-in, invitation links, language.

The ``users`` catalog table holds the hash (``password_hash``; NULL means the user cannot
sign in to the web app, only use API tokens) and the remembered UI language. A
session and an invitation carry a *stamp* derived from the current hash, so setting a
new password ends every other session and makes a used invitation link worthless.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from objectry.metadata.catalog_tables import tenants, users
from objectry.metadata.i18n import LANGUAGES
from objectry.metadata.problems import ErrorItem, Invalid, NotFound
from objectry.runtime.kernel.keys import Keys

MIN_PASSWORD, MAX_PASSWORD = 8, 256
#: Verified when the e-mail is unknown, so an unknown address costs the same time as a
#: wrong password (no user enumeration by timing). Its password is not used anywhere.
_DECOY_HASH: Final = ("$argon2id$v=19$m=65536,t=3,p=4$dv7H7Kl/PfYI7lecniEmcQ$"
                      "cCvonBtDrRweLhAFWc0AIfNONnGx0RNvkf4PU9VMpMo")
#: Candidates checked for one e-mail present in several tenants (each costs a hash).
MAX_CANDIDATES = 5


@dataclass(frozen=True)
class Account:
    """Who a web session acts for."""

    tenant_id: int
    user_id: uuid.UUID
    email: str
    name: str
    language: str | None
    stamp: str


def stamp_of(password_hash: str | None) -> str:
    """A short fingerprint of the current hash: sessions and invitations carry it."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def hasher() -> PasswordHasher:
    return PasswordHasher()


def check_password(password: Any, *, at: str = "/password") -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise Invalid([ErrorItem(at, "password_too_short", {"min": MIN_PASSWORD})])
    if len(password) > MAX_PASSWORD:
        raise Invalid([ErrorItem(at, "password_too_long", {"max": MAX_PASSWORD})])
    return password


def set_password(conn: sa.Connection, tenant_id: int, user_id: uuid.UUID,
                 password: str) -> str:
    """Store a new hash (old sessions and invitations stop working); the new stamp."""
    hashed = hasher().hash(check_password(password))
    conn.execute(users.update().where(users.c.id == user_id, users.c.tenant_id == tenant_id)
                 .values(password_hash=hashed))
    return stamp_of(hashed)


def user_id_of(conn: sa.Connection, tenant_id: int, email: str) -> uuid.UUID:
    row = conn.execute(sa.select(users.c.id).where(
        users.c.tenant_id == tenant_id, users.c.email == email.strip().lower())).first()
    if row is None:
        raise NotFound(detail_code="unknown_user", email=email)
    return uuid.UUID(str(row.id))


def authenticate(conn: sa.Connection, email: str, password: str,
                 workspace: str | None = None) -> Account:
    """The account of an active user with this e-mail and password (422 otherwise,
    with the same message whether the e-mail or the password was wrong)."""
    query = (sa.select(users.c.id, users.c.tenant_id, users.c.email, users.c.name,
                       users.c.language, users.c.password_hash)
             .join(tenants, tenants.c.id == users.c.tenant_id)
             .where(users.c.email == email.strip().lower(), users.c.active.is_(True),
                    users.c.password_hash.is_not(None))
             .order_by(users.c.tenant_id).limit(MAX_CANDIDATES))
    if workspace:
        query = query.where(tenants.c.slug == workspace.strip().lower())
    candidates = list(conn.execute(query))
    matches = [row for row in candidates if _verify(row.password_hash, password)]
    if not candidates:
        _verify(_DECOY_HASH, password)
    if not matches:
        raise Invalid([ErrorItem("/password", "sign_in_failed")], detail_code="sign_in_failed")
    if len(matches) > 1:
        raise Invalid([ErrorItem("/workspace", "sign_in_workspace_needed")],
                      detail_code="sign_in_workspace_needed")
    row = matches[0]
    if hasher().check_needs_rehash(row.password_hash):
        conn.execute(users.update().where(users.c.id == row.id)
                     .values(password_hash=hasher().hash(password)))
    account = _account(conn, row.tenant_id, uuid.UUID(str(row.id)))
    if account is None:  # deactivated between the two reads
        raise Invalid([ErrorItem("/password", "sign_in_failed")], detail_code="sign_in_failed")
    return account


def _verify(password_hash: str, password: str) -> bool:
    try:
        return hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _account(conn: sa.Connection, tenant_id: int, user_id: uuid.UUID) -> Account | None:
    row = conn.execute(sa.select(users.c.email, users.c.name, users.c.language,
                                 users.c.password_hash)
                       .where(users.c.id == user_id, users.c.tenant_id == tenant_id,
                              users.c.active.is_(True))).first()
    if row is None:
        return None
    return Account(tenant_id=tenant_id, user_id=user_id, email=row.email,
                   name=row.name or row.email, language=row.language,
                   stamp=stamp_of(row.password_hash))


def session_account(conn: sa.Connection, tenant_id: int, user_id: uuid.UUID,
                    stamp: str) -> Account | None:
    """The account a session names while its password is unchanged, else None."""
    account = _account(conn, tenant_id, user_id)
    return account if account is not None and account.stamp == stamp else None


def people_names(conn: sa.Connection, tenant_id: int, ids: set[str]) -> dict[str, str]:
    """Display names of users by id (the names of people are everyone's to read: they
    label lookups, owners and history entries)."""
    wanted = []
    for text in ids:
        try:
            wanted.append(uuid.UUID(text))
        except ValueError:
            continue
    if not wanted:
        return {}
    rows = conn.execute(sa.select(users.c.id, users.c.name, users.c.email).where(
        users.c.tenant_id == tenant_id, users.c.id.in_(wanted)))
    return {str(row.id): row.name or row.email for row in rows}


def set_language(conn: sa.Connection, user_id: uuid.UUID, language: str) -> None:
    if language in LANGUAGES:
        conn.execute(users.update().where(users.c.id == user_id).values(language=language))


# -- invitations ---------------------------------------------------------------------

def _invitations(keys: Keys) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(keys.derive("web-invitation"), salt="invitation")


def invitation_token(conn: sa.Connection, keys: Keys, tenant_id: int, email: str) -> str:
    """A signed link token naming the user and their current stamp: it stops working
    once a password is set with it (or otherwise), and after ``max_age``."""
    user_id = user_id_of(conn, tenant_id, email)
    row = conn.execute(sa.select(users.c.password_hash).where(users.c.id == user_id)).one()
    return _invitations(keys).dumps({"t": tenant_id, "u": str(user_id),
                                     "s": stamp_of(row.password_hash)})


def read_invitation(conn: sa.Connection, keys: Keys, token: str,
                    max_age_seconds: int) -> Account:
    """The account an invitation names while it is valid (422 ``invitation_invalid``)."""
    refused = Invalid([ErrorItem("", "invitation_invalid")], detail_code="invitation_invalid")
    try:
        data = _invitations(keys).loads(token, max_age=max_age_seconds)
        account = _account(conn, int(data["t"]), uuid.UUID(str(data["u"])))
    except (BadSignature, KeyError, TypeError, ValueError):
        raise refused from None
    if account is None or account.stamp != data.get("s"):
        raise refused
    return account
