"""Bearer tokens resolved once per (token, tenant metadata version), checked live on
every request.

Resolving a token builds the tenant and actor from a three-table join, through the
SQL layer, on every API call. The actor only changes when the tenant's metadata
version does: role, department, admin and active changes are recorded as membership
versions (deactivating also revokes the user's tokens). So each request reads just
the token's live state, by its hash through the driver's cursor (no statement
compilation or result processing): its id, the tenant's metadata version, expiry and
last use. The actor is reused while (token, id, version) is unchanged; revoking,
expiring, a role change or a deactivation counts from the next request, in every
process, as before.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from objectry.metadata.catalog_tables import api_tokens, tenants
from objectry.metadata.lru import LruCache
from objectry.platform import tenancy

#: Resolved principals kept per process (one per live token and metadata version).
MAX_TOKENS = 4096


@dataclasses.dataclass(frozen=True)
class TokenState:
    """What a token is now: its id, its tenant's metadata version, when it expires and
    when its use was last written."""

    token_id: int
    meta_version: int
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None


class TokenCache:
    """The principals of live tokens, per (token hash, token id, metadata version)."""

    def __init__(self, maxsize: int = MAX_TOKENS) -> None:
        self._principals = LruCache(maxsize)
        self._readers = LruCache(8)  # per dialect: the statement and its converters

    def resolve(self, conn: sa.Connection, token: str,
                now: dt.datetime) -> tenancy.Principal | None:
        """The tenant and user of a live token, or None (unknown, revoked, expired,
        inactive user): ``tenancy.resolve_token``'s answer, built once per version."""
        if not tenancy.plausible_token(token):
            return None
        read = self._readers.get_or_build(conn.dialect.name,
                                          lambda: _state_reader(conn.dialect))
        token_hash = tenancy.hash_token(token)
        state = read(conn, token_hash)
        if state is None or (state.expires_at is not None and state.expires_at <= now):
            return None
        principal = self._principals.get_or_build(
            (token_hash, state.token_id, state.meta_version),
            lambda: tenancy.resolve_token(conn, token, now))
        if principal is None:  # e.g. the user is inactive: settled for this version
            return None
        return dataclasses.replace(principal, last_used_at=state.last_used_at)


def _state_reader(dialect: sa.Dialect) -> Callable[[sa.Connection, str], TokenState | None]:
    """The live-state read for ``dialect``: its SQL compiled once, run on the driver's
    cursor, its two timestamps converted as the column type converts them."""
    k, t = api_tokens, tenants
    compiled = (sa.select(k.c.id, t.c.meta_version, k.c.expires_at, k.c.last_used_at)
                .select_from(k.join(t, t.c.id == k.c.tenant_id))
                .where(k.c.token_hash == sa.bindparam("token_hash", type_=k.c.token_hash.type),
                       k.c.revoked_at.is_(None))
                .compile(dialect=dialect))
    sql, positional = str(compiled), bool(compiled.positiontup)
    instant = _converter(k.c.expires_at.type, dialect)

    def read(conn: sa.Connection, token_hash: str) -> TokenState | None:
        cursor = conn.connection.cursor()
        try:
            cursor.execute(sql, (token_hash,) if positional else {"token_hash": token_hash})
            row = cursor.fetchone()
        finally:
            cursor.close()
        if row is None:
            return None
        return TokenState(token_id=int(row[0]), meta_version=int(row[1]),
                          expires_at=instant(row[2]), last_used_at=instant(row[3]))

    return read


def _converter(type_: sa.types.TypeEngine[Any], dialect: sa.Dialect
               ) -> Callable[[Any], Any]:
    """The column type's own conversion of a raw driver value (aware UTC datetimes)."""
    process = type_.dialect_impl(dialect).result_processor(dialect, None)
    if process is None:
        return lambda value: value
    return process
