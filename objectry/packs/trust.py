"""Which publisher keys this installation believes, and the decision to believe a pack.

Keys are per installation (the operator adds them with ``objectry pack trust add``),
not per tenant: a tenant administrator cannot make the platform run a pack its operator
does not trust. ``--allow-unsigned`` (development) is a CLI flag only.

Besides the operator's keys, the keys in ``catalog/trusted_keys.json`` ship with the
platform (the Objectry project key that signs the pack catalog) and are trusted as
built in: they cannot be removed with ``pack trust remove``, only by shipping another
file (see the README on rotating the project key).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from objectry.metadata.problems import Conflict, ErrorItem, Forbidden, NotFound
from objectry.packs.archive import SIGNATURE_FILE
from objectry.packs.manifest import at
from objectry.packs.pack_tables import pack_keys
from objectry.packs.signing import Verified, key_id, parse_public_key, verify

#: The public keys the platform ships as trusted (the project's catalog key).
SHIPPED_KEYS = Path(__file__).parent / "catalog" / "trusted_keys.json"


def shipped_keys(path: Path | None = None) -> dict[str, dict[str, Any]]:
    """The built-in keys by key id (none when the file is missing: a stripped build)."""
    path = SHIPPED_KEYS if path is None else path
    try:
        entries = json.loads(path.read_text(encoding="utf-8")).get("keys", [])
    except FileNotFoundError:
        return {}
    found: dict[str, dict[str, Any]] = {}
    for entry in entries:
        public = parse_public_key(str(entry["public_key"]))
        found[key_id(public)] = {"key_id": key_id(public), "public_key": public,
                                 "publisher": str(entry.get("publisher", "")),
                                 "added_at": None, "built_in": True}
    return found


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
    if kid in shipped_keys():
        raise Conflict([ErrorItem("/key", "pack_builtin_key", {"key": kid})],
                       detail_code="pack_builtin_key", key=kid)
    done = conn.execute(pack_keys.delete().where(pack_keys.c.key_id == kid))
    if not done.rowcount:
        raise NotFound(detail_code="pack_unknown_key", key=kid)


def list_keys(conn: sa.Connection) -> list[dict[str, Any]]:
    """The built-in keys first, then the operator's (oldest first)."""
    shipped = shipped_keys()
    rows = conn.execute(sa.select(pack_keys).order_by(pack_keys.c.added_at, pack_keys.c.key_id))
    return [*shipped.values(), *(
        {"key_id": r.key_id, "public_key": r.public_key, "publisher": r.publisher,
         "added_at": r.added_at, "built_in": False}
        for r in rows if r.key_id not in shipped)]


def trusted_public_key(conn: sa.Connection, kid: str) -> str | None:
    """The public key trusted under ``kid`` (built in or the operator's), if any."""
    shipped = shipped_keys().get(kid)
    if shipped is not None:
        return str(shipped["public_key"])
    found = conn.execute(sa.select(pack_keys.c.public_key).where(
        pack_keys.c.key_id == kid)).scalar()
    return None if found is None else str(found)


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
    known = trusted_public_key(conn, verified.key_id)
    if known is None or known != verified.public_key:
        raise Forbidden([ErrorItem(at(SIGNATURE_FILE, "/public_key"), "pack_untrusted_key",
                                   {"key": verified.key_id})],
                        detail_code="pack_untrusted_key", key=verified.key_id)
    return verified
