"""Signatures and trust: unsigned or untrusted packs refused, tampering named."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from objectry.metadata.problems import Forbidden, Invalid
from objectry.packs import signing, trust
from objectry.packs.archive import SIGNATURE_FILE, read_zip
from objectry.platform.services import Services
from tests.packs.support import fixture_files, opack


def signed(key: Ed25519PrivateKey) -> dict[str, bytes]:
    return read_zip(opack(fixture_files(), key))


def check(services: Services, files: dict[str, bytes], **kwargs: bool) -> signing.Verified:
    with services.connection(read_only=True) as conn:
        return trust.trusted(conn, files, **kwargs)


def test_a_pack_signed_with_a_trusted_key_verifies(services: Services,
                                                   key: Ed25519PrivateKey) -> None:
    verified = check(services, signed(key))
    assert verified.key_id == signing.key_id(signing.public_key_text(key))


def test_unsigned_and_untrusted_packs_are_refused_unless_allowed(services: Services) -> None:
    with pytest.raises(Forbidden) as unsigned:
        check(services, fixture_files())
    assert unsigned.value.detail_code == "pack_unsigned"
    stranger = signed(Ed25519PrivateKey.generate())
    with pytest.raises(Forbidden) as untrusted:
        check(services, stranger)
    assert untrusted.value.detail_code == "pack_untrusted_key"
    assert untrusted.value.errors[0].path == "SIGNATURE.json#/public_key"
    assert check(services, fixture_files(), allow_unsigned=True).key_id is None
    assert check(services, stranger, allow_unsigned=True).key_id is not None


@pytest.mark.parametrize("change, code, file", [
    (lambda f: f.update({"objects/site.json": f["objects/site.json"] + b" "}),
     "pack_file_tampered", "objects/site.json"),
    (lambda f: f.update({"objects/new.json": b"{}"}), "pack_file_unsigned",
     "objects/new.json"),
    (lambda f: f.pop("sop/en/intake.md"), "pack_file_missing", "sop/en/intake.md"),
])
def test_a_tampered_file_is_named_even_with_allow_unsigned(
        services: Services, key: Ed25519PrivateKey, change: object, code: str,
        file: str) -> None:
    files = signed(key)
    change(files)  # type: ignore[operator]
    with pytest.raises(Invalid) as refused:
        check(services, files, allow_unsigned=True)
    assert refused.value.detail_code == code and refused.value.params["file"] == file
    assert refused.value.errors[0].path == f"{file}#"


def test_a_forged_signature_or_hash_list_is_refused(services: Services,
                                                    key: Ed25519PrivateKey) -> None:
    files = signed(key)
    body = json.loads(files[SIGNATURE_FILE])
    body["hashes"]["objects/site.json"] = "0" * 64
    files[SIGNATURE_FILE] = json.dumps(body).encode()
    with pytest.raises(Invalid) as refused:
        check(services, files, allow_unsigned=True)
    assert refused.value.detail_code == "pack_signature_invalid"
    files[SIGNATURE_FILE] = b"[]"
    with pytest.raises(Invalid):
        check(services, files)


def test_trusting_keys_by_base64_or_pem(services: Services) -> None:
    private = Ed25519PrivateKey.generate()
    from cryptography.hazmat.primitives import serialization
    pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    with services.connection() as conn:
        kid = trust.add_key(conn, pem.decode(), publisher="P", now=services.clock())
        assert kid == trust.add_key(conn, signing.public_key_text(private), publisher="P",
                                    now=services.clock())
        assert kid in {k["key_id"] for k in trust.list_keys(conn)}
        trust.remove_key(conn, kid)
        with pytest.raises(Invalid):
            trust.add_key(conn, "not a key", publisher="", now=services.clock())
