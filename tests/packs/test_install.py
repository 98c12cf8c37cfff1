"""Installing is a plan first, then all of it in one transaction with one version."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.conftest import Api, TenantHandle, error_codes, error_paths, problem
from tests.packs.support import body, fixture_files, minimal_pack, with_json

PLAN = "/api/v1/packs/plan"
INSTALL = "/api/v1/packs/install"


def version(api: Api) -> int:
    return api.get("/api/v1/meta/history", query={"limit": 1}).get_json()["items"][0][
        "version"] if api.get("/api/v1/meta/history").get_json()["items"] else 0


def test_the_plan_shows_everything_and_changes_nothing(api: Api,
                                                       key: Ed25519PrivateKey) -> None:
    answer = api.post(PLAN, json=body(fixture_files(), key))
    assert answer.status_code == 200, answer.get_json()
    plan = answer.get_json()
    assert plan["applied"] is False and plan["pack"] == "acme.service_desk"
    assert {(d["kind"], d["api_name"], d["action"]) for d in plan["documents"]} >= {
        ("object", "ticket", "create"), ("role", "agent", "create")}
    ticket = next(p for p in plan["objects"] if p["object"] == "ticket")
    assert ticket["steps"] and ticket["steps"][0]["action"] == "create_table"
    assert plan["roles"][0]["grants"]["ticket"]["actions"] == ["read", "create", "edit"]
    assert {w["api_name"]: (w["suggested_active"], w["active"]) for w in plan["workflows"]} \
        == {"escalate": (True, False), "mark_urgent": (False, False)}
    problem(api.get("/api/v1/meta/objects/ticket"), 404)
    assert api.get("/api/v1/packs").get_json()["items"] == []


def test_install_applies_one_version_with_origins(api: Api, key: Ed25519PrivateKey) -> None:
    before = version(api)
    answer = api.post(INSTALL, json=body(fixture_files(), key,
                                         activate_workflows=["escalate"]))
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["applied"] is True
    assert version(api) == before + 1 == answer.get_json()["metadata_version"]
    objects = {o["api_name"]: o for o in api.get("/api/v1/meta/objects").get_json()["items"]}
    assert objects["ticket"]["origin"] == {"source": "pack", "pack": "acme.service_desk",
                                           "version": "1.0.0", "component": "c-ticket"}
    assert objects["ticket"]["customized"] is False
    workflows = {name: api.get(f"/api/v1/meta/workflows/{name}").get_json()["active"]
                 for name in ("escalate", "mark_urgent")}
    assert workflows == {"escalate": True, "mark_urgent": False}
    created = api.post("/api/v1/records/ticket", json={"subject": "Printer"})
    assert created.status_code == 201, created.get_json()
    listed = api.get("/api/v1/packs").get_json()["items"]
    assert [(p["name"], p["version"], p["state"]) for p in listed] == [
        ("acme.service_desk", "1.0.0", "installed")]
    sop = api.get("/api/v1/packs/acme.service_desk/sop", query={"language": "zh-CN"})
    assert sop.get_json()["items"][0]["zh-CN"].startswith("# 工单受理")
    assert "en" not in sop.get_json()["items"][0]


def test_installing_again_or_older_is_refused(api: Api, key: Ed25519PrivateKey) -> None:
    assert api.post(INSTALL, json=body(fixture_files(), key)).status_code == 200
    again = api.post(INSTALL, json=body(fixture_files(), key))
    problem(again, 409, "pack_already_installed")
    assert error_paths(again) == ["pack.json#/version"]
    older = with_json(fixture_files(), "pack.json", lambda m: m.update(version="0.9.0"))
    problem(api.post(PLAN, json=body(older, key)), 409, "pack_downgrade")


def test_dependencies_are_named_with_their_range(api: Api, key: Ed25519PrivateKey) -> None:
    crm = minimal_pack("acme.crm", "1.0.0", requires={"acme.core": ">=1.1,<2"})
    missing = api.post(PLAN, json=body(crm, key))
    problem(missing, 409, "pack_dependency_missing")
    assert error_paths(missing) == ["pack.json#/requires/acme.core"]
    assert api.post(INSTALL, json=body(minimal_pack("acme.core", "1.0.0"), key)
                    ).status_code == 200
    old = api.post(PLAN, json=body(crm, key))
    problem(old, 409, "pack_dependency_conflict")
    assert old.get_json()["errors"][0]["message"].startswith("The pack requires 'acme.core'")
    core2 = minimal_pack("acme.core", "1.2.0", object_name="core2")
    other = TenantStep(api, key)
    other.install(core2, expect=409)  # an upgrade, not an install


class TenantStep:
    def __init__(self, api: Api, key: Ed25519PrivateKey) -> None:
        self.api, self.key = api, key

    def install(self, files: dict[str, bytes], expect: int = 200) -> Any:
        answer = self.api.post(INSTALL, json=body(files, self.key))
        assert answer.status_code == expect, answer.get_json()
        return answer.get_json()


def test_a_pack_never_takes_over_a_tenant_or_other_pack_definition(
        api: Api, key: Ed25519PrivateKey) -> None:
    api.define({"api_name": "site", "label": {"en": "Mine"},
                "fields": [{"api_name": "name", "type": "text", "label": {"en": "N"}}]})
    refused = api.post(INSTALL, json=body(fixture_files(), key))
    problem(refused, 409, "pack_document_exists")
    assert error_paths(refused) == ["objects/site.json#/api_name"]
    problem(api.get("/api/v1/meta/objects/ticket"), 404)  # nothing installed
    assert api.post(INSTALL, json=body(minimal_pack("acme.core", "1.0.0"), key)
                    ).status_code == 200
    thief = minimal_pack("evil.pack", "1.0.0", object_name="core")
    problem(api.post(PLAN, json=body(thief, key)), 409, "pack_foreign_document")


def test_a_broken_definition_installs_nothing_and_points_into_its_file(
        api: Api, key: Ed25519PrivateKey) -> None:
    def wrong(document: dict[str, Any]) -> None:
        document["fields"][1]["target"] = "nowhere"
    files = with_json(fixture_files(), "objects/ticket.json", wrong)
    refused = api.post(INSTALL, json=body(files, key))
    problem(refused, 422)
    assert "objects/ticket.json#/fields/1/target" in error_paths(refused)
    problem(api.get("/api/v1/meta/objects/site"), 404)
    assert api.get("/api/v1/packs").get_json()["items"] == []


def test_unsigned_packs_and_non_admins_are_refused(api: Api, tenant: TenantHandle,
                                                   app: Any, key: Ed25519PrivateKey) -> None:
    problem(api.post(PLAN, json=body(fixture_files(), None)), 403, "pack_unsigned")
    token = tenant.add_user("agent@example.com")
    agent = Api(app.test_client(), token)
    problem(agent.post(PLAN, json=body(fixture_files(), key)), 403)
    problem(agent.get("/api/v1/packs"), 403)
    bad = api.post(PLAN, json={"pack": "%%%"})
    problem(bad, 422)
    assert error_codes(bad) == ["pack_bad_archive"]
    problem(api.post(PLAN, json={"pack": "", "extra": 1}), 422)
    problem(api.post(PLAN, json=body(fixture_files(), key, activate_workflows=["nope"])),
            422, "pack_activation_unknown")
    problem(api.get("/api/v1/packs/acme.nothing/sop"), 404, "pack_not_installed")


def test_a_tampered_pack_is_refused_over_http_naming_the_file(
        api: Api, key: Ed25519PrivateKey) -> None:
    import base64

    from objectry.packs import archive, signing
    files = signing.sign(fixture_files(), key)
    files["roles/agent.json"] = files["roles/agent.json"].replace(b'"all"', b'"own"')
    data = base64.b64encode(archive.write_zip(files)).decode()
    refused = api.post(INSTALL, json={"pack": data})
    problem(refused, 422, "pack_file_tampered")
    assert error_paths(refused) == ["roles/agent.json#"]
    slip = archive.write_zip({**fixture_files(), "../outside.json": b"{}"})
    problem(api.post(PLAN, json={"pack": base64.b64encode(slip).decode()}), 422,
            "pack_unsafe_path")
