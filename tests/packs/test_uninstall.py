"""Uninstalling keeps data: definitions hidden, rows kept, reinstalling brings them back."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.conftest import Api, TenantHandle, problem
from tests.packs.support import body, fixture_files, minimal_pack, with_manifest

INSTALL, UNINSTALL = "/api/v1/packs/install", "/api/v1/packs/uninstall"


def test_uninstall_hides_definitions_keeps_data_and_reinstall_restores(
        api: Api, key: Ed25519PrivateKey) -> None:
    assert api.post(INSTALL, json=body(fixture_files(), key,
                                       activate_workflows=["escalate"])).status_code == 200
    ticket = api.get("/api/v1/meta/objects/ticket").get_json()
    ticket["label"]["en"] = "Case"
    api.define(ticket)
    created = api.post("/api/v1/records/ticket", json={"subject": "Printer", "hours": 2})
    assert created.status_code == 201, created.get_json()
    gone = api.post(UNINSTALL, json={"name": "acme.service_desk"})
    assert gone.status_code == 200, gone.get_json()
    answer = gone.get_json()
    assert answer["tables_kept"] == ["site", "ticket"]
    assert answer["workflows_stopped"] == ["escalate", "mark_urgent"]
    problem(api.get("/api/v1/meta/objects/ticket"), 404)
    problem(api.get("/api/v1/meta/workflows/escalate"), 404)
    assert api.get("/api/v1/records/ticket").status_code == 404
    listed = api.get("/api/v1/packs").get_json()["items"]
    assert [(p["name"], p["state"]) for p in listed] == [("acme.service_desk", "uninstalled")]
    problem(api.post(UNINSTALL, json={"name": "acme.service_desk"}), 404, "pack_not_installed")
    newer = with_manifest(fixture_files(), version="1.1.0")
    problem(api.post(INSTALL, json=body(newer, key)), 409, "pack_reinstall_version")

    again = api.post(INSTALL, json=body(fixture_files(), key))
    assert again.status_code == 200, again.get_json()
    actions = {d["api_name"]: d["action"] for d in again.get_json()["documents"]}
    assert actions["ticket"] == "reattach" and actions["agent"] == "restore"
    assert api.get("/api/v1/meta/objects/ticket").get_json()["label"]["en"] == "Case"
    rows = api.get("/api/v1/records/ticket").get_json()["items"]
    assert [(r["subject"], r["hours"]) for r in rows] == [("Printer", 2)]
    assert api.get("/api/v1/meta/workflows/escalate").get_json()["active"] is True
    objects = {o["api_name"]: o for o in api.get("/api/v1/meta/objects").get_json()["items"]}
    assert objects["ticket"]["origin"]["pack"] == "acme.service_desk"


def test_uninstall_is_refused_while_needed(api: Api, tenant: TenantHandle,
                                           key: Ed25519PrivateKey) -> None:
    assert api.post(INSTALL, json=body(minimal_pack("acme.core", "1.0.0"), key)
                    ).status_code == 200
    crm = minimal_pack("acme.crm", "1.0.0", requires={"acme.core": ">=1.0"})
    assert api.post(INSTALL, json=body(crm, key)).status_code == 200
    refused = api.post(UNINSTALL, json={"name": "acme.core"})
    problem(refused, 409, "pack_required_by")
    assert "acme.crm" in refused.get_json()["errors"][0]["message"]
    api.define({"api_name": "deal", "label": {"en": "Deal"}, "fields": [
        {"api_name": "core", "type": "lookup", "target": "crm", "label": {"en": "C"}}]})
    problem(api.post(UNINSTALL, json={"name": "acme.crm"}), 409, "pack_object_in_use")
    problem(api.post(UNINSTALL, json={}), 422)


def test_uninstall_is_refused_while_users_hold_its_roles(
        api: Api, tenant: TenantHandle, app: Any, key: Ed25519PrivateKey) -> None:
    assert api.post(INSTALL, json=body(fixture_files(), key)).status_code == 200
    tenant.add_user("agent@example.com", roles=["agent"])
    problem(api.post(UNINSTALL, json={"name": "acme.service_desk"}), 409, "pack_role_in_use")
    agent = Api(app.test_client(), tenant.add_user("other@example.com"))
    problem(agent.post(UNINSTALL, json={"name": "acme.service_desk"}), 403)


def test_purge_needs_the_typed_name_and_drops_the_data(api: Api, key: Ed25519PrivateKey,
                                                       run: Any, tenant: TenantHandle) -> None:
    assert api.post(INSTALL, json=body(fixture_files(), key)).status_code == 200
    assert api.post("/api/v1/records/ticket", json={"subject": "A"}).status_code == 201
    problem(api.post("/api/v1/packs/purge", json={"name": "acme.service_desk"}), 409,
            "pack_purge_installed")
    assert api.post(UNINSTALL, json={"name": "acme.service_desk"}).status_code == 200
    shown = api.post("/api/v1/packs/purge", json={"name": "acme.service_desk",
                                                  "confirm": "yes"}).get_json()
    assert shown["purged"] is False and shown["rows"] == {"site": 0, "ticket": 1}
    refused = run("pack", "purge", "acme.service_desk", "--tenant", tenant.slug, ok=False)
    assert refused.exit_code == 1 and "ticket: 1 rows would be dropped" in refused.output
    done = api.post("/api/v1/packs/purge", json={"name": "acme.service_desk",
                                                 "confirm": "acme.service_desk"})
    assert done.status_code == 200 and done.get_json()["purged"] is True
    assert api.get("/api/v1/packs").get_json()["items"] == []
    fresh = api.post(INSTALL, json=body(fixture_files(), key))  # a clean install again
    assert fresh.status_code == 200, fresh.get_json()
    assert api.get("/api/v1/records/ticket").get_json()["items"] == []


def test_sample_data_is_optional_marked_and_removed_as_a_unit(
        api: Api, key: Ed25519PrivateKey) -> None:
    plan = api.post("/api/v1/packs/plan", json=body(fixture_files(), key, sample_data=True))
    assert plan.get_json()["sample_data"] == {"ticket": 2}
    done = api.post(INSTALL, json=body(fixture_files(), key, sample_data=True))
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["sample_data"] == {"ticket": 2}
    mine = api.post("/api/v1/records/ticket", json={"subject": "Mine"})
    assert mine.status_code == 201
    rows = api.get("/api/v1/records/ticket").get_json()["items"]
    assert sorted(r["subject"] for r in rows) == ["Mine", "Printer jammed", "Server down"]
    assert {r["hours"] for r in rows if r["subject"] != "Mine"} == {1, 4}
    removed = api.delete("/api/v1/packs/acme.service_desk/sample_data")
    assert removed.get_json() == {"pack": "acme.service_desk", "removed": {"ticket": 2},
                                  "already_gone": 0}
    rows = api.get("/api/v1/records/ticket").get_json()["items"]
    assert [r["subject"] for r in rows] == ["Mine"]
    problem(api.post(INSTALL, json={"pack": "x", "sample_data": "yes"}), 422)
