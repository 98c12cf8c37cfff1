"""Ed25519 signatures over a manifest of content hashes.

``SIGNATURE.json`` in a ``.opack`` holds the SHA-256 of every other file, the publisher's
public key and the signature over the canonical JSON of {pack, version, hashes}.
Verifying recomputes every hash, so a changed, added or removed file is named; the
signature itself proves who published the list.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from objectry.metadata.problems import ErrorItem, Invalid
from objectry.packs.archive import SIGNATURE_FILE
from objectry.packs.manifest import at, parse_json, read_manifest

ALGORITHM = "ed25519"


@dataclass(frozen=True)
class Verified:
    """What verification found: signed by ``key_id`` (None: unsigned)."""

    key_id: str | None
    public_key: str | None


def key_id(public_key: str) -> str:
    """A short, stable name of a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(base64.b64decode(public_key)).hexdigest()[:16]


def new_private_key() -> bytes:
    """A fresh Ed25519 private key as PEM (for ``objectry pack key create``)."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise Invalid([ErrorItem("", "pack_bad_key", {"reason": str(exc)[:200]})],
                      detail_code="pack_bad_key", reason=str(exc)[:200]) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise Invalid([ErrorItem("", "pack_bad_key", {"reason": "not an Ed25519 key"})],
                      detail_code="pack_bad_key", reason="not an Ed25519 key")
    return key


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The raw 32-byte public key in base64 (what ``pack trust add`` takes)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return base64.b64encode(public.public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode("ascii")


def parse_public_key(text: str) -> str:
    """A public key given as base64 raw bytes or as PEM, normalized to base64 raw."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode("ascii"))
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError("not an Ed25519 key")
            return public_key_text(key)
        return public_key_text(Ed25519PublicKey.from_public_bytes(
            base64.b64decode(text, validate=True)))
    except (ValueError, TypeError) as exc:
        raise Invalid([ErrorItem("/key", "pack_bad_key", {"reason": str(exc)[:200]})],
                      detail_code="pack_bad_key", reason=str(exc)[:200]) from exc


def content_hashes(files: Mapping[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest()
            for name, data in sorted(files.items()) if name != SIGNATURE_FILE}


def _signed_bytes(pack: str, version: str, hashes: Mapping[str, str]) -> bytes:
    return json.dumps({"pack": pack, "version": version, "hashes": dict(hashes)},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def sign(files: Mapping[str, bytes], private_key: Ed25519PrivateKey) -> dict[str, bytes]:
    """The files with a fresh ``SIGNATURE.json`` (any old one replaced)."""
    manifest = read_manifest(files)
    hashes = content_hashes(files)
    signature = private_key.sign(_signed_bytes(manifest.name, manifest.version_text, hashes))
    body = {"algorithm": ALGORITHM, "public_key": public_key_text(private_key),
            "pack": manifest.name, "version": manifest.version_text, "hashes": hashes,
            "signature": base64.b64encode(signature).decode("ascii")}
    return {**{k: v for k, v in files.items() if k != SIGNATURE_FILE},
            SIGNATURE_FILE: json.dumps(body, indent=1, sort_keys=True).encode()}


def _tampered(code: str, file: str) -> Invalid:
    return Invalid([ErrorItem(at(file), code, {"file": file})], detail_code=code, file=file)


def verify(files: Mapping[str, bytes]) -> Verified:
    """Check the signature and every hash; unsigned files answer ``Verified(None, None)``.

    Refuses (422) a signature that does not verify and names the first file that was
    changed, added or removed since signing.
    """
    if SIGNATURE_FILE not in files:
        return Verified(None, None)
    body: Any = parse_json(SIGNATURE_FILE, files[SIGNATURE_FILE])
    try:
        hashes = dict(body["hashes"])
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(body["public_key"]))
        public.verify(base64.b64decode(body["signature"]),
                                _signed_bytes(str(body["pack"]), str(body["version"]), hashes))
    except (InvalidSignature, KeyError, TypeError, ValueError) as exc:
        raise _tampered("pack_signature_invalid", SIGNATURE_FILE) from exc
    manifest = read_manifest(files)
    if (manifest.name, manifest.version_text) != (body["pack"], body["version"]):
        raise _tampered("pack_file_tampered", "pack.json")
    actual = content_hashes(files)
    for name in sorted(set(actual) | set(hashes)):
        if name not in hashes:
            raise _tampered("pack_file_unsigned", name)
        if name not in actual:
            raise _tampered("pack_file_missing", name)
        if actual[name] != hashes[name]:
            raise _tampered("pack_file_tampered", name)
    return Verified(key_id(body["public_key"]), str(body["public_key"]))
