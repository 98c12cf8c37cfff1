"""Upgrading keeps what the tenant changed: a three-way merge per property."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.conftest import Api, error_paths, problem
from tests.packs.support import body, fixture_files, with_json, with_manifest

PLAN, INSTALL, UPGRADE = "/api/v1/packs/plan", "/api/v1/packs/install", "/api/v1/packs/upgrade"


def version_2() -> dict[str, bytes]:
    def ticket(document: dict[str, Any]) -> None:
        document["label"]["en"] = "Support ticket"  # the tenant changes it too: conflict
        document["fields"][3]["label"]["en"] = "Hours spent"  # only the pack
        document["fields"][2]["options"].append(
            {"value": "urgent", "label": {"en": "Urgent", "zh-CN": "紧急"}})
        document["fields"].append({"api_name": "channel", "type": "text",
                                   "label": {"en": "Channel", "zh-CN": "渠道"}})
    return with_manifest(with_json(fixture_files(), "objects/ticket.json", ticket),
                         version="1.1.0")


def customise(api: Api) -> None:
    ticket = api.get("/api/v1/meta/objects/ticket").get_json()
    ticket["label"]["en"] = "Case"
    ticket["fields"][0]["label"]["en"] = "Summary"
    ticket["fields"][2]["options"].append({"value": "vip", "label": {"en": "VIP",
                                                                     "zh-CN": "贵宾"}})
    api.define(ticket)


@pytest.fixture
def installed(api: Api, key: Ed25519PrivateKey) -> Api:
    assert api.post(INSTALL, json=body(fixture_files(), key,
                                       activate_workflows=["escalate"])).status_code == 200
    customise(api)
    return api


def test_the_plan_lists_the_conflict_with_both_sides(installed: Api,
                                                     key: Ed25519PrivateKey) -> None:
    plan = installed.post(PLAN, json=body(version_2(), key)).get_json()
    assert plan["action"] == "upgrade" and plan["from_version"] == "1.0.0"
    assert [(c["component"], c["path"], c["mine"], c["pack"]) for c in plan["conflicts"]] == [
        ("c-ticket", "/label/en", "Case", "Support ticket")]
    ticket = next(d for d in plan["documents"] if d["component"] == "c-ticket")
    assert "/fields/hours/label/en" in ticket["from_pack"]
    assert {"/fields/subject/label/en", "/fields/priority/options/vip/value"} <= set(
        ticket["kept_mine"])
    steps = next(p for p in plan["objects"] if p["object"] == "ticket")["steps"]
    assert any(s["action"] == "add_column" and s["field"] == "channel" for s in steps)
    refused = installed.post(UPGRADE, json=body(version_2(), key))
    problem(refused, 409, "pack_conflicts_unresolved")
    assert error_paths(refused) == ["objects/ticket.json#/label/en"]
    assert installed.get("/api/v1/meta/objects/ticket").get_json()["label"]["en"] == "Case"


@pytest.mark.parametrize("choice, label", [("mine", "Case"), ("pack", "Support ticket"),
                                           ({"value": "Case (v2)"}, "Case (v2)")])
def test_upgrading_with_a_choice_keeps_every_other_tenant_change(
        installed: Api, key: Ed25519PrivateKey, choice: Any, label: str) -> None:
    answer = installed.post(UPGRADE, json=body(version_2(), key, choices={
        "c-ticket": {"/label/en": choice}}))
    assert answer.status_code == 200, answer.get_json()
    ticket = installed.get("/api/v1/meta/objects/ticket").get_json()
    fields = {f["api_name"]: f for f in ticket["fields"]}
    assert ticket["label"]["en"] == label
    assert fields["subject"]["label"]["en"] == "Summary"  # the tenant's, untouched by v2
    assert fields["hours"]["label"]["en"] == "Hours spent"  # v2's, untouched by the tenant
    assert [o["value"] for o in fields["priority"]["options"]] == ["low", "high", "vip",
                                                                    "urgent"]
    assert "channel" in fields
    objects = {o["api_name"]: o for o in installed.get("/api/v1/meta/objects").get_json()[
        "items"]}
    assert objects["ticket"]["origin"]["version"] == "1.1.0"
    assert installed.get("/api/v1/meta/workflows/escalate").get_json()["active"] is True
    listed = installed.get("/api/v1/packs").get_json()["items"]
    assert [(p["name"], p["version"]) for p in listed] == [("acme.service_desk", "1.1.0")]
    created = installed.post("/api/v1/records/ticket", json={"subject": "A", "channel": "web"})
    assert created.status_code == 201, created.get_json()


def test_downgrade_and_same_version_are_refused(installed: Api,
                                                key: Ed25519PrivateKey) -> None:
    older = with_manifest(fixture_files(), version="0.9.0")
    problem(installed.post(UPGRADE, json=body(older, key)), 409, "pack_downgrade")
    problem(installed.post(PLAN, json=body(older, key)), 409, "pack_downgrade")
    problem(installed.post(UPGRADE, json=body(fixture_files(), key)), 409,
            "pack_already_installed")


def test_an_upgrade_of_a_pack_not_installed_is_refused(api: Api,
                                                       key: Ed25519PrivateKey) -> None:
    problem(api.post(UPGRADE, json=body(version_2(), key)), 404, "pack_not_installed")
    problem(api.post(UPGRADE, json=body(version_2(), key, choices={"c": "x"})), 422,
            "pack_bad_choices")


def test_layers_show_which_property_is_the_packs_and_which_the_tenants(
        installed: Api, app: Any, tenant: Any) -> None:
    answer = installed.get("/api/v1/meta/objects/ticket", query={"layers": "true"})
    assert answer.status_code == 200, answer.get_json()
    shown = answer.get_json()
    assert shown["origin"]["component"] == "c-ticket"
    layers = shown["layers"]
    assert layers["/label/en"] == "tenant" and layers["/label/zh-CN"] == "pack"
    assert layers["/fields/subject/label/en"] == "tenant"
    assert layers["/fields/hours/type"] == "pack"
    assert layers["/fields/priority/options/vip/value"] == "tenant"
    assert shown["document"]["label"]["en"] == "Case"
    plain = installed.get("/api/v1/meta/objects/ticket").get_json()
    assert plain == shown["document"]
    agent = Api(app.test_client(), tenant.add_user("agent@example.com", roles=["agent"]))
    problem(agent.get("/api/v1/meta/objects/ticket", query={"layers": "true"}), 403)


def test_a_definition_the_new_version_drops_is_detached_not_deleted(
        installed: Api, key: Ed25519PrivateKey) -> None:
    import json

    files = version_2()
    manifest = json.loads(files["pack.json"])
    del manifest["components"]["c-urgent"]
    files["pack.json"] = json.dumps(manifest).encode()
    del files["workflows/mark_urgent.json"]
    answer = installed.post(UPGRADE, json=body(files, key, choices={
        "c-ticket": {"/label/en": "mine"}}))
    assert answer.status_code == 200, answer.get_json()
    detached = [d for d in answer.get_json()["documents"] if d["action"] == "detach"]
    assert [(d["component"], d["api_name"]) for d in detached] == [("c-urgent", "mark_urgent")]
    workflows = {w["api_name"]: w for w in installed.get("/api/v1/meta/workflows").get_json()[
        "items"]}
    assert workflows["mark_urgent"]["origin"] == {
        "source": "tenant", "detached_from": "acme.service_desk", "component": "c-urgent"}
