"""Several packs in one call (dependency order, all or nothing), circular dependencies,
and a reinstall's plan (tables kept, never created again)."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.conftest import Api, error_paths, problem
from tests.packs.support import body, fixture_files, minimal_pack, opack

PLAN, INSTALL = "/api/v1/packs/plan", "/api/v1/packs/install"
UNINSTALL = "/api/v1/packs/uninstall"


def batch(key: Ed25519PrivateKey, *packs: dict[str, bytes]) -> dict[str, object]:
    return {"packs": [base64.b64encode(opack(files, key)).decode("ascii")
                      for files in packs]}


def installed(api: Api) -> dict[str, str]:
    return {p["name"]: p["version"] for p in api.get("/api/v1/packs").get_json()["items"]}


def test_a_batch_installs_in_dependency_order(api: Api, key: Ed25519PrivateKey) -> None:
    crm = minimal_pack("acme.crm", "1.0.0", requires={"acme.core": ">=1,<2"})
    core = minimal_pack("acme.core", "1.2.0")
    plan = api.post(PLAN, json=batch(key, crm, core))
    assert plan.status_code == 200, plan.get_json()
    assert plan.get_json()["order"] == ["acme.core", "acme.crm"]
    assert [p["applied"] for p in plan.get_json()["packs"]] == [False, False]
    crm_plan = plan.get_json()["packs"][1]
    assert crm_plan["dependencies"] == [{"pack": "acme.core", "range": "<2,>=1",
                                         "installed": "1.2.0", "satisfied": True}]
    assert installed(api) == {}  # a plan installs nothing
    done = api.post(INSTALL, json=batch(key, crm, core))
    assert done.status_code == 200, done.get_json()
    assert installed(api) == {"acme.core": "1.2.0", "acme.crm": "1.0.0"}
    assert api.get("/api/v1/meta/objects/crm").status_code == 200


def test_a_batch_is_all_or_nothing(api: Api, key: Ed25519PrivateKey) -> None:
    core = minimal_pack("acme.core", "1.0.0")
    broken = minimal_pack("acme.crm", "1.0.0", requires={"acme.missing": ">=1"})
    refused = api.post(INSTALL, json=batch(key, core, broken))
    problem(refused, 409, "pack_dependency_missing")
    assert error_paths(refused) == ["packs/1/pack.json#/requires/acme.missing"]
    assert installed(api) == {}
    assert api.get("/api/v1/meta/objects/core").status_code == 404


def test_circular_dependencies_are_refused_with_a_pointer(api: Api,
                                                          key: Ed25519PrivateKey) -> None:
    a = minimal_pack("acme.a", "1.0.0", requires={"acme.b": ">=1"})
    b = minimal_pack("acme.b", "1.0.0", requires={"acme.a": ">=1"})
    refused = api.post(PLAN, json=batch(key, a, b))
    answer = problem(refused, 409, "pack_dependency_cycle")
    assert error_paths(refused) == ["packs/1/pack.json#/requires/acme.a"]
    assert "acme.a -> acme.b -> acme.a" in answer["errors"][0]["message"]
    assert installed(api) == {}


def test_a_batch_body_is_one_or_the_other(api: Api, key: Ed25519PrivateKey) -> None:
    both = {**batch(key, minimal_pack("acme.a", "1.0.0")),
            "pack": body(minimal_pack("acme.a", "1.0.0"), key)["pack"]}
    problem(api.post(INSTALL, json=both), 422, "pack_batch_body")
    problem(api.post(INSTALL, json={"packs": []}), 422, "pack_batch_body")
    problem(api.post("/api/v1/packs/upgrade", json=batch(key, minimal_pack(
        "acme.a", "1.0.0"))), 422, "pack_batch_install_only")


def test_a_reinstall_plan_reattaches_tables_instead_of_creating_them(
        api: Api, key: Ed25519PrivateKey) -> None:
    assert api.post(INSTALL, json=body(fixture_files(), key)).status_code == 200
    assert api.post("/api/v1/records/ticket", json={"subject": "Printer"}).status_code == 201
    assert api.post(UNINSTALL, json={"name": "acme.service_desk"}).status_code == 200
    plan = api.post(PLAN, json=body(fixture_files(), key))
    assert plan.status_code == 200, plan.get_json()
    steps = {p["object"]: p["steps"] for p in plan.get_json()["objects"]}
    assert steps["ticket"] == [{"action": "reattach_table", "field": None, "fields": 4,
                                "rows_kept": 1}]
    assert steps["site"][0]["action"] == "reattach_table"
    assert not [s for p in steps.values() for s in p if s["action"] == "create_table"]
