"""Installing from the shipped pack catalog by name: the HTTP API, the CLI and the
designer's catalog section, the built-in project key, and sample data that links
(lookups by name, owners by email, relative dates). A small catalog of its own
(``catalog_fixture``) stands in for the shipped one."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from objectry.metadata.problems import Problem
from objectry.packs import archive, shipped, signing, trust
from objectry.packs.content import load_pack
from objectry.packs.lint import lint
from objectry.platform.app import create_app
from objectry.platform.services import Services
from tests.admin_ui.conftest import Browser, set_password
from tests.conftest import Api, TenantHandle, error_codes, error_paths, problem
from tests.packs.catalog_fixture import make_catalog

INSTALL = "/api/v1/packs/catalog/install"


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "catalog"
    make_catalog(root)
    monkeypatch.setattr(shipped, "CATALOG_DIR", root)
    monkeypatch.setattr(trust, "SHIPPED_KEYS", root / "trusted_keys.json")
    return root


def records(api: Api, object_name: str) -> list[dict[str, Any]]:
    return list(api.get(f"/api/v1/records/{object_name}").get_json()["items"])


def test_the_catalog_in_the_callers_language_with_what_is_installed(
        api: Api, catalog: Path) -> None:
    listed = api.get("/api/v1/packs/catalog", headers={"Accept-Language": "zh-CN"})
    assert listed.status_code == 200, listed.get_json()
    items = {p["name"]: p for p in listed.get_json()["items"]}
    assert items["objectry.base_fx"]["label"] == "基础"
    assert items["objectry.base_fx"]["sop"] == [{"id": "meet", "title": "拜访客户"}]
    assert items["objectry.addon_fx"]["requires"] == {"objectry.base_fx": ">=1.0,<2"}
    assert items["objectry.base_fx"]["installed"] is None
    assert api.post(INSTALL, json={"names": ["objectry.base_fx"]}).status_code == 200
    english = {p["name"]: p for p in api.get("/api/v1/packs/catalog").get_json()["items"]}
    assert english["objectry.base_fx"]["label"] == "Base"
    assert english["objectry.base_fx"]["installed"] == "1.0.0"


def test_a_pack_by_name_brings_its_requirements_and_linked_sample_data(
        api: Api, tenant: TenantHandle, services: Services, catalog: Path) -> None:
    tenant.add_user("rep@example.com")
    response = api.post(INSTALL, json={"names": ["objectry.addon_fx"], "sample_data": True})
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert result["order"] == ["objectry.base_fx", "objectry.addon_fx"]
    assert [p["sample_data"] for p in result["packs"]] == [{"firm": 2, "person": 2},
                                                            {"note": 1}]
    firms = {f["name"]: f["id"] for f in records(api, "firm")}
    people = {p["full_name"]: p for p in records(api, "person")}
    wang = people["王建华"]
    assert wang["firm"] == firms["上海金桥精工"]
    assert people["Li Lei"]["firm"] == firms["Beta Ltd"]
    users = {u["email"]: u["id"] for u in api.get("/api/v1/users").get_json()["items"]}
    assert wang["owner"] == users["rep@example.com"]  # the user exists: theirs
    assert people["Li Lei"]["owner"] == users[tenant.admin_email]  # else the installer's
    today = services.clock().date()
    assert wang["joined_on"] == (today - dt.timedelta(days=30)).isoformat()
    met = dt.datetime.fromisoformat(wang["met_at"])
    assert dt.timedelta(hours=1) < services.clock() - met < dt.timedelta(hours=3)
    assert records(api, "note")[0]["person"] == wang["id"]


def test_installed_packs_are_skipped(api: Api, catalog: Path) -> None:
    assert api.post(INSTALL, json={"names": ["objectry.base_fx"]}).status_code == 200
    again = api.post(INSTALL, json={"names": ["base_fx", "objectry.addon_fx"]})
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["skipped"] == ["objectry.base_fx"]
    assert again.get_json()["order"] == ["objectry.addon_fx"]
    nothing = api.post(INSTALL, json={"names": ["objectry.addon_fx"]}).get_json()
    assert (nothing["order"], nothing["skipped"], nothing["applied"]) == (
        [], ["objectry.addon_fx"], False)


def test_unknown_names_and_bad_bodies_point_at_the_member(api: Api, catalog: Path) -> None:
    unknown = api.post(INSTALL, json={"names": ["objectry.base_fx", "objectry.nope"]})
    problem(unknown, 422, "pack_not_in_catalog")
    assert error_paths(unknown) == ["/names/1"]
    assert "objectry.addon_fx" in unknown.get_json()["detail"]
    bad = api.post(INSTALL, json={"names": [], "sample_data": "yes", "extra": 1})
    problem(bad, 422)
    assert sorted(error_paths(bad)) == ["/extra", "/names", "/sample_data"]
    assert api.get("/api/v1/packs").get_json()["items"] == []


def test_only_administrators_install(app: Any, tenant: TenantHandle, catalog: Path) -> None:
    rep = Api(app.test_client(), tenant.add_user("rep@example.com"))
    problem(rep.post(INSTALL, json={"names": ["objectry.base_fx"]}), 403, "admin_required")


def test_an_unknown_or_ambiguous_lookup_name_points_at_its_cell_and_installs_nothing(
        api: Api, catalog: Path) -> None:
    people = catalog / "base_fx" / "sample_data" / "people.csv"
    people.write_text("full_name,firm\nA,Nobody Inc\n", encoding="utf-8")
    key = _resign(catalog)
    unknown = api.post(INSTALL, json={"names": ["objectry.base_fx"], "sample_data": True})
    problem(unknown, 422, "pack_sample_lookup_unknown")
    assert error_paths(unknown) == ["base_fx/sample_data/people.csv#/1/firm"]
    assert api.get("/api/v1/packs").get_json()["items"] == []  # rolled back
    (catalog / "base_fx" / "sample_data" / "firms.csv").write_text("name\nAcme\nAcme\n")
    people.write_text("full_name,firm\nA,Acme\n", encoding="utf-8")
    shipped.sign_catalog(key, catalog)
    ambiguous = api.post(INSTALL, json={"names": ["objectry.base_fx"], "sample_data": True})
    problem(ambiguous, 422, "pack_sample_lookup_ambiguous")
    assert error_codes(ambiguous) == ["pack_sample_lookup_ambiguous"]


def _resign(catalog: Path) -> Ed25519PrivateKey:
    """A new key for the catalog (shipped as its trusted key), everything re-signed."""
    key = Ed25519PrivateKey.generate()
    (catalog / "trusted_keys.json").write_text(json.dumps({"keys": [{
        "publisher": "Test project", "public_key": signing.public_key_text(key)}]}))
    shipped.sign_catalog(key, catalog)
    return key


def test_a_stale_catalog_signature_is_refused(api: Api, catalog: Path) -> None:
    (catalog / "base_fx" / "sop" / "en" / "meet.md").write_text("# Changed\n")
    refused = api.post(INSTALL, json={"names": ["objectry.base_fx"]})
    problem(refused, 422, "pack_file_tampered")
    assert error_paths(refused) == ["base_fx/sop/en/meet.md#"]


def test_signing_the_catalog_is_deterministic(catalog: Path) -> None:
    key = _resign(catalog)
    before = (catalog / "base_fx" / "SIGNATURE.json").read_bytes()
    assert shipped.sign_catalog(key, catalog) == [("objectry.addon_fx", False),
                                                  ("objectry.base_fx", False)]
    assert (catalog / "base_fx" / "SIGNATURE.json").read_bytes() == before


def test_the_shipped_project_key_is_built_in(services: Services) -> None:
    shipped_keys = trust.shipped_keys()
    assert [k["publisher"] for k in shipped_keys.values()] == ["Objectry project"]
    with services.connection() as conn:
        listed = trust.list_keys(conn)
        assert [k["key_id"] for k in listed if k["built_in"]] == list(shipped_keys)
        with pytest.raises(Exception, match="pack_builtin_key"):
            trust.remove_key(conn, next(iter(shipped_keys)))


def test_the_command_line_installs_and_lists_by_name(run: Any, tenant: TenantHandle,
                                                     catalog: Path) -> None:
    done = run("pack", "install", "objectry.addon_fx", "--tenant", tenant.slug,
               "--sample-data")
    assert "installed objectry.base_fx 1.0.0" in done.output
    assert "installed objectry.addon_fx 1.0.0" in done.output
    listed = run("pack", "catalog", "list", "--tenant", tenant.slug)
    assert "objectry.addon_fx" in listed.output and "1.0.0" in listed.output
    missing = run("pack", "install", "objectry.nope", "--tenant", tenant.slug, ok=False)
    assert missing.exit_code == 1 and "has no pack 'objectry.nope'" in missing.output
    keys = run("pack", "trust", "list")
    assert "Test project" in keys.output and "built-in" in keys.output


def test_the_designer_installs_a_catalog_pack_with_htmx(services: Services,
                                                        tenant: TenantHandle,
                                                        catalog: Path) -> None:
    web_app = create_app(services=services)
    web_app.testing = True
    set_password(services, tenant.slug, tenant.admin_email)
    browser = Browser(web_app.test_client(), "zh-CN")
    browser.sign_in(tenant.admin_email)
    page = browser.get("/app/design/packs").get_data(as_text=True)
    assert "行业包目录" in page and "拜访客户" in page
    assert 'data-catalog-pack="objectry.base_fx"' in page
    done = browser.post("/app/design/packs/catalog/install",
                        {"name": "objectry.addon_fx", "sample_data": "on"},
                        headers={"HX-Request": "true"})
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and 'id="pack-catalog"' in html
    assert "已安装 objectry.base_fx, objectry.addon_fx" in html
    assert 'data-object="note"' in html and "已安装 1.0.0" in html
    refused = browser.post("/app/design/packs/catalog/install", {"name": "objectry.nope"},
                           headers={"HX-Request": "true"})
    assert "objectry.nope" in refused.get_data(as_text=True)


def test_lint_checks_sample_headers_against_real_fields(catalog: Path) -> None:
    base = load_pack(archive.read_directory(catalog / "base_fx"))
    addon = archive.read_directory(catalog / "addon_fx")
    assert lint(archive.read_directory(catalog / "base_fx")) == []  # owner, today-30
    assert lint(addon, None, [base]) == []
    addon["sample_data/notes.csv"] = b"subject,persn,colour\nx,y,z\n"
    found = lint(addon, None, [base])
    assert [(e.path, e.code) for e in found] == [
        ("sample_data/notes.csv#/0/colour", "unknown_field"),
        ("sample_data/notes.csv#/0/persn", "unknown_field")]


def test_signing_refuses_a_stray_file_in_a_pack(catalog: Path) -> None:
    (catalog / "base_fx" / "objectry-data").mkdir()
    (catalog / "base_fx" / "objectry-data" / "secret.key").write_bytes(b"k")
    with pytest.raises(Problem) as refused:
        shipped.sign_catalog(Ed25519PrivateKey.generate(), catalog)
    assert refused.value.errors[0].path == "base_fx/objectry-data/secret.key"
