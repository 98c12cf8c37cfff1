"""Which publisher keys this installation believes, and the decision to believe a pack.

Keys are per installation (the operator adds them with ``objectry pack trust add``),
not per tenant: a tenant administrator cannot make the platform run a pack its operator
does not trust. ``--allow-unsigned`` (development) is a CLI flag only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from objectry.metadata.problems import ErrorItem, Forbidden, NotFound
from objectry.packs.archive import SIGNATURE_FILE
from objectry.packs.manifest import at
from objectry.packs.pack_tables import pack_keys
from objectry.packs.signing import Verified, key_id, parse_public_key, verify


def add_key(conn: sa.Connection, text: str, *, publisher: str, now: dt.datetime) -> str:
    """Trust a public key (base64 raw or PEM); returns its key id. Adding twice is fine."""
    public = parse_public_key(text)
    kid = key_id(public)
    exists = conn.execute(sa.select(pack_keys.c.key_id).where(
        pack_keys.c.key_id == kid)).first()
    if exists is None:
        conn.execute(pack_keys.insert().values(key_id=kid, public_key=public,
                                               publisher=publisher, added_at=now))
    return kid


def remove_key(conn: sa.Connection, kid: str) -> None:
    done = conn.execute(pack_keys.delete().where(pack_keys.c.key_id == kid))
    if not done.rowcount:
        raise NotFound(detail_code="pack_unknown_key", key=kid)


def list_keys(conn: sa.Connection) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(pack_keys).order_by(pack_keys.c.added_at, pack_keys.c.key_id))
    return [{"key_id": r.key_id, "public_key": r.public_key, "publisher": r.publisher,
             "added_at": r.added_at} for r in rows]


def trusted(conn: sa.Connection, files: Mapping[str, bytes], *,
            allow_unsigned: bool = False) -> Verified:
    """Verify a pack's files and insist on a trusted signer (403 otherwise).

    A tampered file or a broken signature is refused even with ``allow_unsigned``.
    """
    verified = verify(files)
    if allow_unsigned:
        return verified
    if verified.key_id is None:
        raise Forbidden([ErrorItem(at(SIGNATURE_FILE), "pack_unsigned", {})],
                        detail_code="pack_unsigned")
    known = conn.execute(sa.select(pack_keys.c.public_key).where(
        pack_keys.c.key_id == verified.key_id)).scalar()
    if known is None or known != verified.public_key:
        raise Forbidden([ErrorItem(at(SIGNATURE_FILE, "/public_key"), "pack_untrusted_key",
                                   {"key": verified.key_id})],
                        detail_code="pack_untrusted_key", key=verified.key_id)
    return verified
