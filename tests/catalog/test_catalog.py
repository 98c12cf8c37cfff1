"""Every pack of the shipped catalog, generically: it lints clean, its shipped signature
is the project's and current, its requirements are catalog packs, and it installs on a
fresh tenant (requirements first, through ``POST /api/v1/packs/catalog/install``, so
verified by the real shipped signatures and the built-in project key, no test key) with
its sample data; uninstalling and installing it again keeps the tenant's data.

Runs on SQLite and, with ``OBJECTRY_TEST_DATABASE_URL``, on PostgreSQL.
"""

from __future__ import annotations

import json
import secrets
import uuid
from typing import Any

import pytest

from objectry.metadata.i18n import message
from objectry.metadata.problems import Problem
from objectry.packs import archive, shipped, signing, trust
from objectry.packs.content import load_pack
from objectry.packs.lint import lint, read_csv
from objectry.platform import tenancy
from objectry.platform.services import Services
from tests.conftest import Api

CATALOG = shipped.entries()
NAMES = sorted(CATALOG)
SIGN = "objectry pack catalog sign --key <the project key>"


def test_the_catalog_is_not_empty() -> None:
    assert "objectry.core_crm" in CATALOG


@pytest.mark.parametrize("name", NAMES)
def test_requires_names_catalog_packs(name: str) -> None:
    for required in CATALOG[name].manifest.requires:
        assert required in CATALOG, f"{name} requires {required}, not in the catalog"


@pytest.mark.parametrize("name", NAMES)
def test_signed_by_the_project_key_over_exactly_its_files(name: str) -> None:
    files = CATALOG[name].files()
    assert archive.SIGNATURE_FILE in files, f"{name} is not signed: run {SIGN}"
    try:
        verified = signing.verify(files)
    except Problem as problem:
        found = "; ".join(f"{e.path}: {message(e.code, 'en', e.params)}"
                          for e in problem.errors)
        pytest.fail(f"{name}'s SIGNATURE.json is stale ({found}): run {SIGN}")
    assert verified.key_id in trust.shipped_keys(), \
        f"{name} is signed by {verified.key_id}, not the shipped project key: run {SIGN}"
    signed = json.loads(files[archive.SIGNATURE_FILE])["hashes"]
    assert set(signed) == set(files) - {archive.SIGNATURE_FILE}


@pytest.mark.parametrize("name", NAMES)
def test_lints_clean(name: str, services: Services) -> None:
    entry = CATALOG[name]
    needed = [load_pack(e.files()) for e in shipped.requirements(entry.manifest, CATALOG)]
    with services.engine.connect() as conn:
        transaction = conn.begin()
        try:
            scratch = tenancy.create_tenant(conn, f"lint_{secrets.token_hex(6)}", None,
                                            now=services.clock())
            with services.context_on(conn, scratch) as ctx:
                findings = lint(entry.files(), ctx, needed)
        finally:
            transaction.rollback()
    assert not findings, "\n".join(f"{e.path}: {message(e.code, 'en', e.params)}"
                                   for e in findings)


def _suggested(names: list[str]) -> list[str]:
    return [w for n in names for w in CATALOG[n].manifest.raw.get("activate_workflows", [])]


def _sample_rows(name: str) -> dict[str, int]:
    pack = load_pack(CATALOG[name].files())
    rows: dict[str, int] = {}
    for entry in pack.manifest.raw.get("sample_data", []):
        rows[entry["object"]] = rows.get(entry["object"], 0) + len(read_csv(pack, entry["file"]))
    return rows


def _new_record(api: Api, object_name: str) -> dict[str, Any]:
    """A record created after the install: a named copy of a sample row's required
    values (or just a name), as a user would add one."""
    definition = api.get(f"/api/v1/meta/objects/{object_name}").get_json()
    sample = api.get(f"/api/v1/records/{object_name}", query={"limit": 1}).get_json()
    model = sample["items"][0] if sample["items"] else {}
    values: dict[str, Any] = {}
    for field in definition["fields"]:
        if field.get("required") and model.get(field["api_name"]) is not None:
            values[field["api_name"]] = model[field["api_name"]]
    fields = {f["api_name"]: f for f in definition["fields"]}
    name_field = fields.get(definition.get("name_field") or "")
    if name_field and name_field["type"] in ("text", "long_text") and \
            not name_field.get("read_only"):
        values[name_field["api_name"]] = f"Kept across reinstall {uuid.uuid4().hex[:8]}"
    response = api.post(f"/api/v1/records/{object_name}", json=values)
    assert response.status_code == 201, response.get_json().get("errors")
    return dict(response.get_json())


@pytest.mark.parametrize("name", NAMES)
def test_installs_with_sample_data_and_a_reinstall_keeps_data(name: str, api: Api) -> None:
    order = [e.name for e in shipped.install_order([name], CATALOG, ())]
    response = api.post("/api/v1/packs/catalog/install", json={
        "names": [name], "sample_data": True, "activate_workflows": _suggested(order)})
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert result["order"] == order and result["applied"]
    for plan in result["packs"]:
        assert plan["sample_data"] == _sample_rows(plan["pack"])
        assert all(w["active"] for w in plan["workflows"] if w["suggested_active"])
    listed = {p["name"]: p for p in api.get("/api/v1/packs").get_json()["items"]}
    assert all(listed[n]["state"] == "installed" for n in order)

    pack = load_pack(CATALOG[name].files())
    own = [c.api_name for c in pack.components if c.kind == "object"]
    sampled = [e["object"] for e in pack.manifest.raw.get("sample_data", [])]
    target = (own or sampled or ["account"])[0]
    record = _new_record(api, target)
    gone = api.post("/api/v1/packs/uninstall", json={"name": name})
    assert gone.status_code == 200, gone.get_json()
    again = api.post("/api/v1/packs/catalog/install", json={"names": [name]})
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["order"] == [name]
    kept = api.get(f"/api/v1/records/{target}/{record['id']}")
    assert kept.status_code == 200, kept.get_json()
    assert kept.get_json()["id"] == record["id"]
