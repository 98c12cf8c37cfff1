"""A component (or a field with a stable id) renamed in a new version keeps its data and
the tenant's overrides: a rename, never delete + create."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.conftest import Api, error_paths, problem
from tests.packs.support import body, fixture_files, with_json, with_manifest

PLAN, INSTALL, UPGRADE = "/api/v1/packs/plan", "/api/v1/packs/install", "/api/v1/packs/upgrade"


def with_field_ids(document: dict[str, Any]) -> None:
    for field in document["fields"]:
        field["id"] = f"f-{field['api_name']}"


def version_1() -> dict[str, bytes]:
    return with_json(fixture_files(), "objects/ticket.json", with_field_ids)


def version_2() -> dict[str, bytes]:
    """``site`` becomes ``location`` and the ticket's ``hours`` becomes ``effort``."""
    def ticket(document: dict[str, Any]) -> None:
        with_field_ids(document)
        document["fields"][1]["target"] = "location"
        document["fields"][3]["api_name"] = "effort"

    def site(document: dict[str, Any]) -> None:
        document["api_name"] = "location"
        document["label"] = {"en": "Location", "zh-CN": "地点"}

    def layout(document: dict[str, Any]) -> None:
        document["sections"][0]["fields"][3] = "effort"

    def role(document: dict[str, Any]) -> None:
        document["grants"]["location"] = document["grants"].pop("site")

    files = with_json(version_1(), "objects/ticket.json", ticket)
    files = with_json(files, "objects/site.json", site)
    files = with_json(files, "layouts/ticket_default.json", layout)
    files = with_json(files, "roles/agent.json", role)
    return with_manifest(files, version="2.0.0")


@pytest.fixture
def installed(api: Api, key: Ed25519PrivateKey) -> dict[str, Any]:
    assert api.post(INSTALL, json=body(version_1(), key)).status_code == 200
    ticket = api.get("/api/v1/meta/objects/ticket").get_json()
    ticket["fields"][3]["label"]["en"] = "Time spent"  # the tenant's override
    api.define(ticket)
    mine = api.put("/api/v1/meta/layouts/my_ticket", json={  # the tenant's own layout
        "object": "ticket", "sections": [{"fields": ["subject", "hours"]}],
        "list_columns": ["hours"]})
    assert mine.status_code == 200, mine.get_json()
    site = api.post("/api/v1/records/site", json={"name": "HQ"})
    assert site.status_code == 201, site.get_json()
    created = api.post("/api/v1/records/ticket", json={
        "subject": "Printer", "hours": 3, "site": site.get_json()["id"]})
    assert created.status_code == 201, created.get_json()
    return {"site": site.get_json()["id"], "ticket": created.get_json()["id"]}


def test_the_plan_shows_renames_and_changes_nothing(api: Api, key: Ed25519PrivateKey,
                                                    installed: dict[str, Any]) -> None:
    plan = api.post(PLAN, json=body(version_2(), key))
    assert plan.status_code == 200, plan.get_json()
    answer = plan.get_json()
    assert {(r["kind"], r["from"], r["to"]) for r in answer["renames"]} == {
        ("object", "site", "location"), ("field", "hours", "effort")}
    steps = [s for p in answer["objects"] for s in p["steps"]]
    assert not [s for s in steps if s["action"] in ("hide_field", "add_column")]
    assert answer["conflicts"] == []
    # a plan is a dry run: the names and the data are as they were
    assert api.get("/api/v1/meta/objects/site").status_code == 200
    ticket = api.get(f"/api/v1/records/ticket/{installed['ticket']}").get_json()
    assert ticket["hours"] == 3


def test_upgrade_renames_keeping_data_and_overrides(api: Api, key: Ed25519PrivateKey,
                                                    installed: dict[str, Any]) -> None:
    answer = api.post(UPGRADE, json=body(version_2(), key))
    assert answer.status_code == 200, answer.get_json()
    problem(api.get("/api/v1/meta/objects/site"), 404)
    location = api.get("/api/v1/meta/objects/location").get_json()
    assert location["label"]["en"] == "Location"
    ticket_meta = api.get("/api/v1/meta/objects/ticket").get_json()
    fields = {f["api_name"]: f for f in ticket_meta["fields"]}
    assert "hours" not in fields
    assert fields["effort"]["label"]["en"] == "Time spent"  # the tenant's override stays
    assert fields["site"]["target"] == "location"
    ticket = api.get(f"/api/v1/records/ticket/{installed['ticket']}").get_json()
    assert ticket["effort"] == 3 and "hours" not in ticket
    assert ticket["site"] == installed["site"]
    sites = api.get("/api/v1/records/location").get_json()["items"]
    assert [s["name"] for s in sites] == ["HQ"]
    assert api.post("/api/v1/records/location", json={"name": "Depot"}).status_code == 201
    assert api.post("/api/v1/records/ticket", json={"subject": "New", "effort": 1}
                    ).status_code == 201
    layers = api.get("/api/v1/meta/objects/ticket?layers=true").get_json()
    assert layers["layers"]["/fields/effort/label/en"] == "tenant"
    assert layers["layers"]["/fields/effort/type"] == "pack"
    layout = api.get("/api/v1/meta/layouts/ticket_default").get_json()
    assert "effort" in layout["sections"][0]["fields"]
    mine = api.get("/api/v1/meta/layouts/my_ticket").get_json()
    assert mine["sections"][0]["fields"] == ["subject", "effort"]
    assert mine["list_columns"] == ["effort"]


def test_a_rename_onto_a_taken_name_is_refused_and_changes_nothing(
        api: Api, key: Ed25519PrivateKey, installed: dict[str, Any]) -> None:
    mine = {"kind": "object", "api_name": "location",
            "label": {"en": "Mine", "zh-CN": "我的"}, "name_field": "name",
            "fields": [{"api_name": "name", "type": "text",
                        "label": {"en": "Name", "zh-CN": "名称"}}]}
    api.define(mine)
    refused = api.post(UPGRADE, json=body(version_2(), key))
    problem(refused, 409, "rename_target_taken")
    assert error_paths(refused) == ["objects/site.json#/api_name"]
    assert api.get(f"/api/v1/records/ticket/{installed['ticket']}").get_json()["hours"] == 3
    assert api.get("/api/v1/meta/objects/site").status_code == 200
