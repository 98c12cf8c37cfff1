"""Conversion (S5): a lead becomes an account (the existing one, found by its duplicate
rule), a contact and three opportunities, in one transaction, with a preview; its
activities and campaign follow; converting twice is refused."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api, TenantHandle, problem
from tests.lifecycle.support import create, crm, rule

LEAD_MAP: dict[str, Any] = {
    "object": "lead", "label": {"en": "Convert lead", "zh-CN": "转换线索"},
    "status_field": "converted", "status_value": True,
    "targets": [
        {"name": "account", "object": "account", "fields": {"name": "company_name"},
         "match_rule": "account_name", "produced_field": "account"},
        {"name": "contact", "object": "contact",
         "fields": {"name": "full_name", "phone": "mobile", "email": "email"},
         "links": {"account": "account"}, "produced_field": "contact"},
        {"name": "opportunity", "object": "opportunity", "many": True,
         "fields": {"name": "company_name", "campaign": "campaign"},
         "links": {"account": "account", "contact": "contact"}}],
    "carry": [{"object": "task", "field": "lead", "to": {"contact": "contact"}}]}


def setup(api: Api, tenant: TenantHandle, *reps: str) -> dict[str, Api]:
    tokens = crm(api, tenant, *reps)
    rule(api, "account_name", {"object": "account", "match": [{"field": "name", "as": "name"}]})
    response = api.put("/api/v1/meta/conversion_maps/lead_convert", json=LEAD_MAP)
    assert response.status_code == 200, response.get_json()
    return tokens


def count(api: Api, object_name: str) -> int:
    return len(api.get(f"/api/v1/records/{object_name}").get_json()["items"])


def test_s5_convert_a_lead_into_account_contact_and_three_opportunities(
        api: Api, tenant: TenantHandle) -> None:
    setup(api, tenant)
    campaign = create(api, "campaign", name="Expo 2026")
    account = create(api, "account", name="ACME  Ltd")
    lead = create(api, "lead", full_name="Zhang San", mobile="021-62991640",
                  email="zs@example.com", company_name="acme ltd", campaign=campaign)
    task = create(api, "task", subject="Met at the booth", lead=lead)
    deals = [{"name": "Pumps", "amount": 100}, {"name": "Valves", "amount": 200},
             {"name": "Service", "amount": 50}]
    preview = api.post(f"/api/v1/records/lead/{lead}/convert",
                       json={"dry_run": True, "targets": {"opportunity": deals}})
    assert preview.status_code == 200, preview.get_json()
    shown = preview.get_json()
    assert shown["applied"] is False
    assert [(p["target"], p["action"]) for p in shown["produced"]] == [
        ("account", "matched"), ("contact", "created"), ("opportunity", "created"),
        ("opportunity", "created"), ("opportunity", "created")]
    assert count(api, "opportunity") == 0 and count(api, "contact") == 0
    assert api.get(f"/api/v1/records/lead/{lead}").get_json()["converted"] is None
    done = api.post(f"/api/v1/records/lead/{lead}/convert",
                    json={"targets": {"opportunity": deals}})
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    produced = {(p["target"], p["record"].get("name")): p for p in body["produced"]}
    assert produced[("account", "ACME  Ltd")]["id"] == account
    contact = produced[("contact", "Zhang San")]["record"]
    assert contact["account"] == account and contact["phone"]
    opportunities = [p["record"] for p in body["produced"] if p["target"] == "opportunity"]
    assert sorted(o["name"] for o in opportunities) == ["Pumps", "Service", "Valves"]
    assert all(o["account"] == account and o["contact"] == contact["id"]
               and o["campaign"] == campaign for o in opportunities)
    source = api.get(f"/api/v1/records/lead/{lead}").get_json()
    assert source["converted"] is True and source["account"] == account
    assert source["contact"] == contact["id"]
    carried = api.get(f"/api/v1/records/task/{task}").get_json()
    assert carried["lead"] == lead and carried["contact"] == contact["id"]  # nothing lost
    assert body["carried"] == [{"object": "task", "field": "contact", "count": 1}]
    assert count(api, "account") == 1 and count(api, "opportunity") == 3
    again = problem(api.post(f"/api/v1/records/lead/{lead}/convert", json={}),
                    409, "already_converted")
    assert again["errors"][0]["code"] == "already_converted"
    assert count(api, "opportunity") == 3


def test_a_failing_target_converts_nothing(api: Api, tenant: TenantHandle) -> None:
    setup(api, tenant)
    lead = create(api, "lead", full_name="Li", company_name="Beta")
    bad = api.post(f"/api/v1/records/lead/{lead}/convert",
                   json={"targets": {"opportunity": [{"name": "ok"}, {"amount": "many"}]}})
    body = problem(bad, 422)
    assert body["errors"][0]["path"].startswith("/targets/opportunity/1")
    assert count(api, "account") == 0 and count(api, "contact") == 0
    assert api.get(f"/api/v1/records/lead/{lead}").get_json()["converted"] is None
    problem(api.post(f"/api/v1/records/lead/{lead}/convert",
                     json={"targets": {"nope": {}}}), 422)
    problem(api.post(f"/api/v1/records/lead/{lead}/convert", json={"map": "ghost"}), 404)
    problem(api.post(f"/api/v1/records/lead/{lead}/convert", json={"dry_run": "yes"}), 422)
    ok = api.post(f"/api/v1/records/lead/{lead}/convert", json={})
    assert ok.status_code == 200, ok.get_json()
    assert [p["target"] for p in ok.get_json()["produced"]] == ["account", "contact",
                                                                  "opportunity"]


def test_a_rep_never_meets_an_account_they_cannot_see(api: Api, tenant: TenantHandle) -> None:
    reps = setup(api, tenant, "rep@example.com", "other@example.com")
    rep, other = reps["rep@example.com"], reps["other@example.com"]
    hidden = create(other, "account", name="Gamma")
    lead = create(rep, "lead", full_name="Wu", company_name="gamma")
    problem(other.post(f"/api/v1/records/lead/{lead}/convert", json={}), 403)
    done = rep.post(f"/api/v1/records/lead/{lead}/convert", json={})
    assert done.status_code == 200, done.get_json()
    account = done.get_json()["produced"][0]
    assert account["action"] == "created" and account["id"] != hidden
    assert hidden not in done.get_data(as_text=True)


def test_map_validation(api: Api, tenant: TenantHandle) -> None:
    crm(api, tenant)
    bad = api.put("/api/v1/meta/conversion_maps/bad_map", json={
        "object": "lead", "status_field": "ghost",
        "targets": [{"name": "contact", "object": "contact", "fields": {"name": "nope"},
                     "links": {"account": "account"}, "match_rule": "missing"}]})
    paths = {e["path"] for e in problem(bad, 422)["errors"]}
    assert {"/status_field", "/targets/0/fields/name", "/targets/0/links/account",
            "/targets/0/match_rule"} <= paths


def test_a_field_the_converter_cannot_read_is_not_copied(api: Api,
                                                         tenant: TenantHandle) -> None:
    reps = setup(api, tenant, "rep@example.com")
    role = api.get("/api/v1/meta/roles/rep").get_json()
    role["grants"]["lead"]["field_groups"]["contact"] = "none"
    assert api.put("/api/v1/meta/roles/rep", json=role).status_code == 200
    rep = reps["rep@example.com"]
    lead = create(rep, "lead", company_name="Delta")
    assert api.patch(f"/api/v1/records/lead/{lead}",
                     json={"full_name": "Hidden Name", "mobile": "13812345678"}
                     ).status_code == 200
    done = rep.post(f"/api/v1/records/lead/{lead}/convert",
                    json={"targets": {"contact": {"name": "Someone"}}})
    assert done.status_code == 200, done.get_json()
    text = done.get_data(as_text=True)
    assert "Hidden Name" not in text and "13812345678" not in text
