"""Installing the shipped catalog packs in tests, as an administrator does over HTTP.

The scenario tests install from the catalog's directories signed on the fly with a
key the test installation trusts, so a pack being edited need not be re-signed before
its scenario runs; that the shipped signatures are current and signed by the project
key is the catalog test's job (``test_catalog.py``).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from objectry.packs import archive, signing, trust
from objectry.platform.services import Services
from tests.conftest import Api

CATALOG = Path(__file__).resolve().parents[2] / "objectry" / "packs" / "catalog"


def catalog_files(name: str) -> dict[str, bytes]:
    """The files of catalog pack ``name`` (``objectry.core_crm`` or ``core_crm``)."""
    files = archive.read_directory(CATALOG / name.split(".")[-1])
    files.pop(archive.SIGNATURE_FILE, None)
    return files


def manifest(name: str) -> dict[str, Any]:
    return dict(json.loads(catalog_files(name)["pack.json"]))


def trusted_key(services: Services) -> Ed25519PrivateKey:
    """A fresh publisher key the installation trusts (one per test)."""
    private = Ed25519PrivateKey.generate()
    with services.connection() as conn:
        trust.add_key(conn, signing.public_key_text(private), publisher="Test",
                      now=services.clock())
    return private


def install(api: Api, key: Ed25519PrivateKey, name: str, *, sample_data: bool = True,
            activate: Collection[str] | None = None) -> dict[str, Any]:
    """Install catalog pack ``name`` through ``POST /api/v1/packs``; ``activate``
    defaults to every workflow the pack suggests (as an admin confirming all)."""
    files = catalog_files(name)
    chosen = manifest(name).get("activate_workflows", []) if activate is None else activate
    packed = archive.write_zip(signing.sign(files, key))
    response = api.post("/api/v1/packs/install", json={
        "pack": base64.b64encode(packed).decode("ascii"), "sample_data": sample_data,
        "activate_workflows": list(chosen)})
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def install_all(api: Api, key: Ed25519PrivateKey, names: Iterable[str], *,
                sample_data: bool = True) -> None:
    """Install ``names`` in the order given (dependencies first)."""
    for name in names:
        install(api, key, name, sample_data=sample_data)
