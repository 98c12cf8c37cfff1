"""Scenario S1 (seed 004): the owner distributes a lead; the strategy settles conflicts.

Bob owns a lead and distributes it to A, B and C with different levels per field group.
A's role says leads are read-only. What A may do, group by group, follows the lead's
conflict strategy, the same in the "team leads" list (shared with A), the "all leads"
list, the detail, an edit and an export; changing the strategy changes the outcome
without touching a grant, and "why can A edit this?" has an answer.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.conftest import Api, TenantHandle, error_codes, error_paths, problem
from tests.docs_objects import campaign, lead

STRATEGIES = ("distribution_wins", "administrative_wins", "most_restrictive",
              "most_permissive")
GRANT_A = {"contact": "edit", "company": "read", "requirement": "edit"}
GRANT_B = {"contact": "read", "company": "edit", "requirement": "none"}
#: A's effective level per group under each strategy (A's role: read everywhere).
EXPECTED_A = {
    "distribution_wins": {"contact": "edit", "company": "read", "requirement": "edit"},
    "administrative_wins": {"contact": "read", "company": "read", "requirement": "read"},
    "most_restrictive": {"contact": "read", "company": "read", "requirement": "read"},
    "most_permissive": {"contact": "edit", "company": "read", "requirement": "edit"},
}
EXPECTED_B = {
    "distribution_wins": {"contact": "read", "company": "edit", "requirement": "none"},
    "administrative_wins": {"contact": "read", "company": "read", "requirement": "read"},
    "most_restrictive": {"contact": "read", "company": "read", "requirement": "none"},
    "most_permissive": {"contact": "read", "company": "edit", "requirement": "read"},
}
#: One field of each group, with a value a user may write.
PROBE = {"contact": ("full_name", "Li Lei"), "company": ("company_name", "ACME"),
         "requirement": ("need", "CRM for 50 seats")}


def lead_with_requirement() -> dict[str, Any]:
    document = lead(fields=[{"api_name": "need", "type": "long_text", "group": "requirement"}])
    document["field_groups"].append({"api_name": "requirement",
                                     "label": {"en": "Requirement", "zh-CN": "需求"}})
    for field in document["fields"]:
        if field["api_name"] == "budget":
            field["group"] = "requirement"
    return document


def role(api_name: str, actions: list[str], scope: Any, level: str) -> dict[str, Any]:
    return {"kind": "role", "api_name": api_name, "label": {"en": api_name, "zh-CN": api_name},
            "grants": {"lead": {"actions": actions, "scope": scope, "field_groups": {
                "contact": level, "company": level, "requirement": level}}}}


def put(api: Api, path: str, body: dict[str, Any]) -> None:
    response = api.put(path, json=body)
    assert response.status_code == 200, response.get_json()


def set_strategy(admin: Api, strategy: str) -> None:
    put(admin, "/api/v1/meta/access_policies/lead",
        {"kind": "access_policy", "object": "lead", "conflict_strategy": strategy})


class World:
    """The tenant of seed 004: Bob's sales department, A, B and C in its east team."""

    def __init__(self, api: Api, tenant: TenantHandle, a_scope: Any) -> None:
        self.admin = api
        api.define(campaign())
        api.define(lead_with_requirement())
        put(api, "/api/v1/departments/sales", {"label": {"en": "Sales", "zh-CN": "销售部"}})
        put(api, "/api/v1/departments/east", {"label": {"en": "East", "zh-CN": "华东"},
                                              "parent": "sales"})
        put(api, "/api/v1/meta/roles/lead_owner",
            role("lead_owner", ["read", "create", "edit", "share", "view_sensitive"], "own",
                 "edit"))
        put(api, "/api/v1/meta/roles/sales_rep",
            role("sales_rep", ["read", "export"], a_scope, "read"))
        client = api.client
        self.bob = Api(client, tenant.add_user("bob@example.com", roles=["lead_owner"],
                                               department="sales"))
        self.a = Api(client, tenant.add_user("a@example.com", roles=["sales_rep"],
                                             department="east"))
        self.b = Api(client, tenant.add_user("b@example.com", roles=["sales_rep"],
                                             department="east"))
        self.c = Api(client, tenant.add_user("c@example.com", roles=["sales_rep"],
                                             department="east"))
        created = self.bob.post("/api/v1/records/lead", json={
            "full_name": "Zhang San", "mobile": "13812341234", "company_name": "Old Co",
            "need": "ERP"})
        assert created.status_code == 201, created.get_json()
        self.lead = created.get_json()["id"]
        for user, levels in (("a", GRANT_A), ("b", GRANT_B),
                             ("c", {"contact": "read", "company": "read",
                                    "requirement": "read"})):
            granted = self.bob.post(f"/api/v1/records/lead/{self.lead}/grants", json={
                "grantee": f"user:{user}@example.com", "field_groups": levels})
            assert granted.status_code == 201, granted.get_json()

    def url(self, suffix: str = "") -> str:
        return f"/api/v1/records/lead/{self.lead}{suffix}"


def seen_levels(user: Api, world: World) -> dict[str, str]:
    """Each group's level as the user meets it: absent, present, or accepting an edit."""
    record = user.get(world.url()).get_json()
    levels = {}
    for group, (field, value) in PROBE.items():
        if field not in record:
            levels[group] = "none"
            continue
        before = world.admin.get(world.url()).get_json()
        response = user.patch(world.url(), json={field: value})
        if response.status_code == 200:
            levels[group] = "edit"
        else:
            assert response.status_code == 403, response.get_json()
            assert error_paths(response) == [f"/{field}"]
            assert error_codes(response) == ["field_not_editable"]
            assert world.admin.get(world.url()).get_json() == before  # nothing written
            levels[group] = "read"
    return levels


@pytest.mark.parametrize("a_scope", ["team", "all"])
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_a_rights_follow_the_strategy_everywhere(api: Api, tenant: TenantHandle,
                                                 strategy: str, a_scope: str) -> None:
    world = World(api, tenant, a_scope)
    set_strategy(api, strategy)
    expected = EXPECTED_A[strategy]
    readable = {f for g, (f, _) in PROBE.items() if expected[g] != "none"}

    team = world.a.get("/api/v1/records/lead", query={"view": "shared"}).get_json()["items"]
    everyone = world.a.get("/api/v1/records/lead").get_json()["items"]
    detail = world.a.get(world.url()).get_json()
    for record in (team[0], everyone[0], detail):
        assert record["id"] == world.lead
        assert readable <= set(record)
        assert record["mobile"] == "138****1234"  # sensitive, and A lacks view_sensitive

    exported = world.a.get("/api/v1/records/lead/export")
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["id"] for r in rows] == [world.lead]
    assert rows[0]["mobile"] == "138****1234"
    assert readable <= set(rows[0])

    assert seen_levels(world.a, world) == expected
    assert seen_levels(world.b, world) == EXPECTED_B[strategy]


def test_changing_the_strategy_changes_outcomes_without_touching_grants(
        api: Api, tenant: TenantHandle) -> None:
    world = World(api, tenant, "team")
    grants_before = world.bob.get(world.url("/grants")).get_json()["items"]
    for strategy in ("most_restrictive", "distribution_wins", "administrative_wins",
                     "most_permissive"):
        set_strategy(api, strategy)
        assert seen_levels(world.a, world) == EXPECTED_A[strategy], strategy
    assert world.bob.get(world.url("/grants")).get_json()["items"] == grants_before


def test_per_group_strategy_overrides_the_object_strategy(api: Api,
                                                          tenant: TenantHandle) -> None:
    world = World(api, tenant, "team")
    put(api, "/api/v1/meta/access_policies/lead", {
        "kind": "access_policy", "object": "lead", "conflict_strategy": "most_restrictive",
        "per_field_group": {"requirement": "distribution_wins"}})
    assert seen_levels(world.a, world) == {"contact": "read", "company": "read",
                                           "requirement": "edit"}


def test_explain_answers_why_a_can_edit(api: Api, tenant: TenantHandle) -> None:
    world = World(api, tenant, "team")
    set_strategy(api, "distribution_wins")
    answer = world.bob.get(world.url("/access"), query={"user": "a@example.com"})
    assert answer.status_code == 200, answer.get_json()
    why = answer.get_json()
    contact = why["field_groups"]["contact"]
    assert contact["strategy"] == "distribution_wins"
    assert contact["administrative"]["level"] == "read"
    assert contact["administrative"]["read"]["rule"]["role"] == "sales_rep"
    assert contact["distribution"]["level"] == "edit"
    assert len(contact["distribution"]["grants"]) == 1
    assert contact["decision"]["level"] == "edit"
    assert contact["decision"]["edit"]["rule"] == {
        "priority": "10", "role": "*", "object": "lead/g:contact", "action": "edit",
        "distribution": "edit", "effect": "allow"}
    assert why["field_groups"]["company"]["decision"]["level"] == "read"
    assert why["visible"] == {"visible": True, "scopes": [],
                              "grants": contact["distribution"]["grants"]}
    assert why["actions"]["edit"]["allowed"] is False
    assert why["actions"]["export"]["rule"]["role"] == "sales_rep"

    mine = world.a.get(world.url("/access"), query={"user": "a@example.com"})
    assert mine.status_code == 200
    nosy = problem(world.c.get(world.url("/access"), query={"user": "a@example.com"}), 403,
                   "explain_not_allowed")
    assert "field_groups" not in nosy and "actions" not in nosy
    unknown = world.bob.get(world.url("/access"), query={"user": "nobody@example.com"})
    assert unknown.status_code == 422 and error_paths(unknown) == ["/user"]


def test_reclaiming_a_grant_takes_the_lead_back(api: Api, tenant: TenantHandle) -> None:
    world = World(api, tenant, "team")
    grants = world.bob.get(world.url("/grants")).get_json()["items"]
    to_a = next(g for g in grants if g["grantee"] == "user:a@example.com")
    assert world.bob.delete(world.url(f"/grants/{to_a['id']}")).status_code == 204
    assert world.a.get("/api/v1/records/lead").get_json()["items"] == []
    gone = problem(world.a.get(world.url()), 403, "record_not_accessible")
    assert "Zhang San" not in str(gone)
    before = world.admin.get(world.url()).get_json()
    problem(world.a.patch(world.url(), json={"full_name": "x"}), 403, "record_not_accessible")
    assert world.admin.get(world.url()).get_json() == before
