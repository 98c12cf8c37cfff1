"""Installing the shipped catalog packs in tests, as an administrator does over HTTP,
and the pieces their scenarios share: the engine ticking at a clock the test moves, and
reading and writing records over the API.

The scenario tests install from the catalog's directories signed on the fly with a
key the test installation trusts, so a pack being edited need not be re-signed before
its scenario runs; that the shipped signatures are current and signed by the project
key is the catalog test's job (``test_catalog.py``).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from objectry.packs import archive, signing, trust
from objectry.packs.content import load_pack
from objectry.packs.lint import lint
from objectry.platform import tenancy
from objectry.platform.services import Services
from tests.automation.conftest import Engine, MovableClock
from tests.conftest import Api, TenantHandle

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


def lint_after(services: Services, tenant: TenantHandle, name: str,
               *dependencies: str) -> list[Any]:
    """What the pack linter finds in catalog pack ``name`` over ``dependencies``, on a
    scratch copy of ``tenant`` that is rolled back."""
    installed = [load_pack(catalog_files(d)) for d in dependencies]
    with services.engine.connect() as conn:
        transaction = conn.begin()
        try:
            scratch = tenancy.find_tenant(conn, tenant.slug)
            with services.context_on(conn, scratch) as ctx:
                return list(lint(catalog_files(name), ctx, installed))
        finally:
            transaction.rollback()


def engine_at(services: Services, monkeypatch: pytest.MonkeyPatch,
              start: dt.datetime | None = None) -> Engine:
    """The automation engine under a clock the test moves (from ``start``, else now),
    swept once so nothing of earlier tests is left pending."""
    clock = MovableClock(start or dt.datetime.now(dt.UTC).replace(microsecond=0))
    monkeypatch.setattr(services, "clock", clock)
    engine = Engine(services, clock)
    engine.tick()
    return engine


def create(api: Api, object_name: str, **values: Any) -> str:
    """The id of a record created over the API."""
    response = api.post(f"/api/v1/records/{object_name}", json=values)
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])


def get(api: Api, object_name: str, record_id: str) -> dict[str, Any]:
    response = api.get(f"/api/v1/records/{object_name}/{record_id}")
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def update(api: Api, object_name: str, record_id: str, **values: Any) -> None:
    response = api.patch(f"/api/v1/records/{object_name}/{record_id}", json=values)
    assert response.status_code == 200, response.get_json()


def find(api: Api, object_name: str, condition: dict[str, Any]) -> list[dict[str, Any]]:
    """The records the list endpoint shows for ``condition`` (up to 100)."""
    response = api.get(f"/api/v1/records/{object_name}",
                       query={"filter": json.dumps(condition), "limit": 100})
    assert response.status_code == 200, response.get_json()
    return list(response.get_json()["items"])


def user_id(api: Api, email: str) -> str:
    return str(api.get(f"/api/v1/users/{email}").get_json()["id"])
