"""A component (or a field with a stable id) renamed in a new version keeps its data and
the tenant's overrides: a rename, never delete + create."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from objectry.runtime.schema import rename_refs
from objectry.runtime.schema.rename_refs import FieldRename
from tests.conftest import Api, TenantHandle, error_paths, problem
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


def listed_by(api: Api, view: str) -> list[tuple[str, Any]]:
    """The tickets the saved list view shows (its filter, sort and columns), as the list
    page queries them: subject and the view's last column."""
    saved = api.get(f"/api/v1/meta/list_views/{view}").get_json()
    page = api.post("/api/v1/records/ticket/query", json={
        "filter": saved["filter"], "sort": saved["sort"], "fields": saved["columns"]})
    assert page.status_code == 200, page.get_json()
    return [(t["subject"], t[saved["columns"][-1]]) for t in page.get_json()["items"]]


def test_formulas_and_list_views_naming_a_renamed_field_keep_working(
        api: Api, key: Ed25519PrivateKey, installed: dict[str, Any],
        tenant: TenantHandle) -> None:
    ticket = api.get("/api/v1/meta/objects/ticket").get_json()
    ticket["fields"].append({"api_name": "double_hours", "type": "formula",
                             "expression": "hours * 2", "result": "number",
                             "label": {"en": "Double", "zh-CN": "双倍"}})
    api.define(ticket)
    view = api.put("/api/v1/meta/list_views/long_tickets", json={
        "object": "ticket", "label": {"en": "Long", "zh-CN": "长"},
        "owner": tenant.admin_email,
        "filter": {"all": [{"field": "hours", "op": "gte", "value": 2}]},
        "sort": "-hours", "columns": ["subject", "hours"]})
    assert view.status_code == 200, view.get_json()["errors"]
    short = api.post("/api/v1/records/ticket", json={"subject": "Mouse", "hours": 1})
    assert short.status_code == 201, short.get_json()
    assert listed_by(api, "long_tickets") == [("Printer", 3)]

    answer = api.post(UPGRADE, json=body(version_2(), key))
    assert answer.status_code == 200, answer.get_json()
    fields = {f["api_name"]: f for f in api.get("/api/v1/meta/objects/ticket").get_json()[
        "fields"]}
    assert fields["double_hours"]["expression"] == "effort * 2"
    printer = api.get(f"/api/v1/records/ticket/{installed['ticket']}").get_json()
    assert float(printer["double_hours"]) == 6
    stored = api.get("/api/v1/meta/list_views/long_tickets").get_json()
    assert stored["filter"] == {"all": [{"field": "effort", "op": "gte", "value": 2}]}
    assert stored["sort"] == "-effort" and stored["columns"] == ["subject", "effort"]
    assert listed_by(api, "long_tickets") == [("Printer", 3)]

def _references(**objects: dict[str, Any]) -> FieldRename:
    return FieldRename("ticket", "hours", "effort", objects.get)


def test_a_formula_rename_touches_only_names_of_the_field() -> None:
    visit = {"fields": [{"api_name": "ticket", "type": "lookup", "target": "ticket"}]}
    rename = _references(visit=visit)
    assert rename_refs.formula("hours + hours_left * 2 + len('hours')", "ticket",
                               rename) == "effort + hours_left * 2 + len('hours')"
    assert rename_refs.formula("ticket.hours + hours", "visit", rename) == \
        "ticket.effort + hours"
    assert rename_refs.formula("hours +", "ticket", rename) == "hours +"


def test_conditions_workflows_and_rules_follow_a_renamed_field() -> None:
    rename = _references(visit={"fields": []})
    leaf = {"field": "hours", "op": "gt", "value": 1}
    workflow = {"kind": "workflow", "object": "ticket", "trigger": {
        "on": "updated", "changed": ["hours"], "condition": {"any": [
            dict(leaf), {"not": {"field": "subject", "op": "eq", "value": "hours"}}]}},
        "steps": [{"id": "b", "branch": [{"if": dict(leaf), "then": "u"}]},
                  {"id": "u", "action": "update_record", "values": {"hours": 0}},
                  {"id": "w", "wait": {"until": dict(leaf)}}]}
    assert rename_refs.rewrite(workflow, rename)
    assert workflow["trigger"] == {"on": "updated", "changed": ["effort"], "condition": {
        "any": [{"field": "effort", "op": "gt", "value": 1},
                {"not": {"field": "subject", "op": "eq", "value": "hours"}}]}}
    assert workflow["steps"][0]["branch"][0]["if"]["field"] == "effort"
    assert workflow["steps"][1]["values"] == {"effort": 0}
    assert workflow["steps"][2]["wait"]["until"]["field"] == "effort"
    scoring = {"kind": "scoring_model", "object": "ticket", "target_field": "hours",
               "dimensions": [{"weight": 1, "criteria": [{"if": dict(leaf), "points": 5}]}]}
    assert rename_refs.rewrite(scoring, rename)
    assert scoring["target_field"] == "effort"
    assert scoring["dimensions"][0]["criteria"][0]["if"]["field"] == "effort"
    rule = {"kind": "assignment_rule", "object": "ticket",
            "entries": [{"condition": dict(leaf), "to": []}]}
    assert rename_refs.rewrite(rule, rename) and rule["entries"][0]["condition"][
        "field"] == "effort"
    duplicate = {"kind": "duplicate_rule", "object": "ticket", "match": [{"field": "hours"}],
                 "fuzzy": {"field": "hours"}}
    assert rename_refs.rewrite(duplicate, rename)
    assert duplicate["match"] == [{"field": "effort"}] and duplicate["fuzzy"]["field"] == \
        "effort"
    conversion = {"kind": "conversion_map", "object": "visit", "targets": [
        {"name": "t", "object": "ticket", "fields": {"hours": "spent"}}]}
    assert rename_refs.rewrite(conversion, rename)
    assert conversion["targets"][0]["fields"] == {"effort": "spent"}
    role = {"kind": "role", "grants": {"ticket": {"scope": dict(leaf),
                                                  "fields": {"hours": "none"}}}}
    assert rename_refs.rewrite(role, rename)
    assert role["grants"] == {"ticket": {"scope": {"field": "effort", "op": "gt", "value": 1},
                                         "fields": {"effort": "none"}}}
    pool = {"kind": "pool", "object": "ticket", "masked_fields": ["subject", "hours"]}
    assert rename_refs.rewrite(pool, rename) and pool["masked_fields"] == [
        "subject", "effort"]
    other = {"kind": "list_view", "object": "visit",
             "filter": {"field": "hours", "op": "gt", "value": 1}}
    assert not rename_refs.rewrite(other, rename)  # another object's field of that name
    related = {"related": {"object": "ticket", "via": "hours", "where": dict(leaf)}}
    assert rename_refs.condition(related, "visit", rename)
    assert related == {"related": {"object": "ticket", "via": "effort", "where": {
        "field": "effort", "op": "gt", "value": 1}}}


def test_a_roll_up_follows_a_renamed_field_of_its_records() -> None:
    rename = _references(ticket={"fields": [{"api_name": "site", "type": "lookup",
                                             "target": "site"}]})
    site = {"kind": "object", "api_name": "site", "fields": [
        {"api_name": "total", "type": "rollup", "object": "ticket", "via": ["site"],
         "op": "sum", "field": "hours", "filter": dict(
             field="hours", op="gt", value=0)}]}
    assert rename_refs.rewrite(site, rename)
    total = site["fields"][0]
    assert total["field"] == "effort" and total["filter"]["field"] == "effort"


def test_documents_naming_a_renamed_object_follow() -> None:
    workflow = {"kind": "workflow", "object": "visit", "trigger": {
        "on": "related_created", "related": "site", "via": "visit", "condition": {
            "related": {"object": "site", "via": "visit", "exists": True}}},
        "steps": [{"id": "c", "action": "create_record", "object": "site",
                   "values": {"name": "x"}},
                  {"id": "u", "action": "update_record", "values": {"site": None}}]}
    assert rename_refs.retarget(workflow, "site", "location")
    assert workflow["trigger"]["related"] == "location"
    assert workflow["trigger"]["condition"]["related"]["object"] == "location"
    assert workflow["steps"][0]["object"] == "location"
    assert workflow["steps"][1]["values"] == {"site": None}  # a field of that name stays
    conversion = {"kind": "conversion_map", "object": "visit",
                  "targets": [{"name": "site", "object": "site"}]}
    assert rename_refs.retarget(conversion, "site", "location")
    assert conversion["targets"] == [{"name": "site", "object": "location"}]
