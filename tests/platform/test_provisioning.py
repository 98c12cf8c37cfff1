"""Tenants provisioned in one go: ``POST /tenants`` (platform admin) and the CLI."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from objectry.platform import tenancy
from objectry.platform.provisioning import new_platform_token
from objectry.platform.services import Services
from tests.conftest import Api, error_paths, problem
from tests.docs_objects import campaign, lead


@pytest.fixture
def platform_token(services: Services) -> Iterator[str]:
    """A platform token the running services accept (as OBJECTRY_PLATFORM_TOKEN_SHA256)."""
    token, digest = new_platform_token()
    before = services.settings
    services.settings = dataclasses.replace(before, platform_token_sha256=digest)
    yield token
    services.settings = before


def slug() -> str:
    return "p" + uuid.uuid4().hex[:10]


def body(name: str, **extra: Any) -> dict[str, Any]:
    return {"slug": name, "name": "Acme", "admin": {"email": "Boss@Acme.com"},
            "documents": [campaign(), lead()], **extra}


def tenant_exists(services: Services, name: str) -> bool:
    with services.connection(read_only=True) as conn:
        try:
            tenancy.find_tenant(conn, name)
        except Exception:
            return False
        return True


def test_the_platform_admin_creates_a_ready_tenant(app: Any, platform_token: str) -> None:
    platform = Api(app.test_client(), platform_token)
    name = slug()
    created = platform.post("/api/v1/tenants", json=body(name))
    assert created.status_code == 201, created.get_json()
    answer = created.get_json()
    assert answer["slug"] == name and answer["name"] == "Acme"
    assert answer["admin"] == {"email": "boss@acme.com"}
    assert answer["metadata_version"] == 2  # the admin's membership, then the objects
    admin = Api(app.test_client(), answer["token"])
    record = admin.post("/api/v1/records/lead", json={"full_name": "Zhang San"})
    assert record.status_code == 201, record.get_json()
    assert [o["api_name"] for o in admin.get("/api/v1/meta/objects").get_json()["items"]] \
        == ["campaign", "lead"]


def test_a_bare_tenant_has_no_admin_and_no_token(app: Any, platform_token: str,
                                                 services: Services) -> None:
    name = slug()
    created = Api(app.test_client(), platform_token).post("/api/v1/tenants",
                                                          json={"slug": name})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["token"] is None and created.get_json()["admin"] is None
    assert tenant_exists(services, name)


def test_only_the_platform_token_creates_tenants(app: Any, api: Api, platform_token: str,
                                                 services: Services) -> None:
    name = slug()
    problem(Api(app.test_client(), None).post("/api/v1/tenants", json=body(name)), 401,
            "token_missing")
    refused = problem(api.post("/api/v1/tenants", json=body(name)), 403,
                      "platform_admin_required")  # a tenant administrator's token
    assert "platform" in refused["detail"]
    zh = api.post("/api/v1/tenants", json=body(name), headers={"Accept-Language": "zh-CN"})
    assert "平台管理员" in problem(zh, 403)["detail"]
    assert not tenant_exists(services, name)


def test_without_a_configured_platform_token_nobody_may(app: Any, services: Services) -> None:
    token, _ = new_platform_token()
    assert services.settings.platform_token_sha256 is None
    problem(Api(app.test_client(), token).post("/api/v1/tenants", json=body(slug())), 403,
            "platform_admin_required")


def test_bad_input_creates_nothing(app: Any, platform_token: str, services: Services) -> None:
    platform = Api(app.test_client(), platform_token)
    name = slug()
    broken = lead()
    broken["fields"][0]["type"] = "no_such_type"
    failed = platform.post("/api/v1/tenants", json=body(name, documents=[campaign(), broken]))
    assert failed.status_code == 422, failed.get_json()
    assert all(p.startswith("/documents/1") for p in error_paths(failed))
    assert not tenant_exists(services, name)  # the tenant went with its documents
    odd = platform.post("/api/v1/tenants", json={"slug": "Bad Slug!", "admin": {},
                                                 "extra": 1})
    assert sorted(error_paths(odd)) == ["/admin/email", "/extra"]
    assert error_paths(platform.post("/api/v1/tenants", json={"slug": "9x"})) == ["/slug"]
    problem(platform.post("/api/v1/tenants", data="[1,"), 400, "malformed_json")
    assert platform.post("/api/v1/tenants", json=body(name)).status_code == 201
    problem(platform.post("/api/v1/tenants", json=body(name)), 409, "tenant_exists")


def test_cli_creates_tenant_admin_and_objects_at_once(run: Any, app: Any,
                                                      tmp_path: Path) -> None:
    folder = tmp_path / "meta"
    folder.mkdir()
    for document in (campaign(), lead()):
        (folder / f"{document['api_name']}.json").write_text(json.dumps(document),
                                                             encoding="utf-8")
    name = slug()
    result = run("tenant", "create", name, "--admin", "boss@acme.com",
                 "--documents", str(folder))
    first, token = result.output.strip().splitlines()
    assert f"tenant {name} created" in first and "metadata version 2" in first
    admin = Api(app.test_client(), token)
    assert admin.post("/api/v1/records/campaign", json={"name": "Spring"}).status_code == 201
    minted = run("platform-token").output.split()
    assert minted[0].startswith("obp_") and minted[1].startswith(
        "OBJECTRY_PLATFORM_TOKEN_SHA256=")


def test_a_tenant_comes_with_catalog_packs_in_one_go(app: Any, platform_token: str,
                                                      services: Services) -> None:
    """Packs named in the body install with their requirements in the tenant's own
    transaction; an unknown name points at it and leaves no tenant behind."""
    platform = Api(app.test_client(), platform_token)
    name = slug()
    unknown = platform.post("/api/v1/tenants", json={
        "slug": name, "admin": {"email": "boss@acme.com"}, "packs": ["b2b_leads", "nope"]})
    problem(unknown, 422, "pack_not_in_catalog")
    assert error_paths(unknown) == ["/packs/1"]
    assert not tenant_exists(services, name)
    created = platform.post("/api/v1/tenants", json={
        "slug": name, "admin": {"email": "boss@acme.com"}, "packs": ["b2b_leads"],
        "sample_data": True})
    assert created.status_code == 201, created.get_json()
    admin = Api(app.test_client(), created.get_json()["token"])
    installed = [p["name"] for p in admin.get("/api/v1/packs").get_json()["items"]]
    assert {"objectry.core_crm", "objectry.b2b_leads"} <= set(installed)  # with its base
    leads = admin.get("/api/v1/records/lead").get_json()["items"]
    assert leads  # the samples came too
    assert created.get_json()["metadata_version"] > 1


def test_cli_creates_a_tenant_from_a_pack(run: Any, app: Any) -> None:
    name = slug()
    result = run("tenant", "create", name, "--admin", "boss@acme.com",
                 "--from-pack", "core_crm")
    token = result.output.strip().splitlines()[-1]
    admin = Api(app.test_client(), token)
    objects = {o["api_name"] for o in admin.get("/api/v1/meta/objects").get_json()["items"]}
    assert {"account", "contact", "lead", "opportunity"} <= objects
    assert admin.get("/api/v1/records/lead").get_json()["items"] == []  # no samples asked
