"""Duplicate rules: normalised keys, warn and block on every write, a record's
duplicates, across objects, the batch scan and the importer's batch lookup (S8)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from objectry.runtime.lifecycle.duplicates import find_duplicates
from objectry.runtime.lifecycle.duplicates.normalise import match_key, normalise
from tests.conftest import Api, TenantHandle, error_codes, problem
from tests.lifecycle.support import NAME_PHONE, create, crm, rule


def test_phones_in_different_spellings_are_one_number() -> None:
    assert normalise("phone", "021-62991640", "CN") == "+862162991640"
    assert normalise("phone", "+86 21 6299 1640", "CN") == "+862162991640"
    assert normalise("email", " Wang@Example.COM ", "CN") == "wang@example.com"
    wide = "\uff3a\uff28\uff21\uff2e\uff27"  # ZHANG in full-width letters
    assert normalise("name", f"  {wide}   San ", "CN") == normalise("name", "zhang san", "CN")
    assert normalise("phone", "", "CN") is None


def test_warn_lets_the_write_through_and_names_the_duplicates(api: Api,
                                                               tenant: TenantHandle) -> None:
    crm(api, tenant)
    rule(api, "lead_phone", NAME_PHONE)
    first = create(api, "lead", full_name="Zhang San", mobile="021-62991640")
    second = api.post("/api/v1/records/lead",
                      json={"full_name": "zhang  san", "mobile": "+86 21 6299 1640"})
    assert second.status_code == 201, second.get_json()
    warned = json.loads(second.headers["Objectry-Duplicates"])
    assert warned == [{"rule": "lead_phone", "object": "lead", "id": first}]
    other = api.post("/api/v1/records/lead",
                     json={"full_name": "Li Si", "mobile": "+86 21 6299 1640"})
    assert other.status_code == 201 and "Objectry-Duplicates" not in other.headers  # fuzzy
    found = api.get(f"/api/v1/records/lead/{first}/duplicates").get_json()["items"]
    assert [i["id"] for i in found] == [second.get_json()["id"]]
    assert found[0]["record"]["full_name"] == "zhang  san" and found[0]["score"] >= 80


def test_block_refuses_with_409_and_an_update_is_checked_too(api: Api,
                                                             tenant: TenantHandle) -> None:
    crm(api, tenant)
    rule(api, "lead_email", {"object": "lead", "action": "block",
                             "match": [{"field": "email", "as": "email"}]})
    first = create(api, "lead", full_name="Wang", email="wang@example.com")
    refused = problem(api.post("/api/v1/records/lead",
                               json={"full_name": "W", "email": "WANG@example.com"}),
                      409, "duplicate_blocked")
    assert [d["id"] for d in refused["duplicates"]] == [first]
    assert api.get("/api/v1/records/lead").get_json()["items"][0]["id"] == first
    second = create(api, "lead", full_name="Li", email="li@example.com")
    problem(api.patch(f"/api/v1/records/lead/{second}", json={"email": "Wang@Example.com"}),
            409, "duplicate_blocked")
    zh = api.post("/api/v1/records/lead", json={"full_name": "W", "email": "wang@example.com"},
                  headers={"Accept-Language": "zh-CN"}).get_json()
    assert "查重规则" in zh["errors"][0]["message"]
    # the record itself is no duplicate of itself
    ok = api.patch(f"/api/v1/records/lead/{first}", json={"full_name": "Wang Wu"})
    assert ok.status_code == 200, ok.get_json()


def test_a_restricted_user_is_told_nothing_of_records_they_cannot_see(
        api: Api, tenant: TenantHandle) -> None:
    reps = crm(api, tenant, "a@example.com", "b@example.com")
    rule(api, "lead_email", {"object": "lead", "action": "block",
                             "match": [{"field": "email", "as": "email"}]})
    a, b = reps["a@example.com"], reps["b@example.com"]
    hidden = create(a, "lead", full_name="Secret", email="vip@example.com")
    refused = problem(b.post("/api/v1/records/lead",
                             json={"full_name": "X", "email": "VIP@example.com"}),
                      409, "duplicate_blocked_hidden")
    assert refused["duplicates"] == [] and hidden not in json.dumps(refused)
    assert "Secret" not in json.dumps(refused)
    # warn: b's own write goes through, naming nothing of a's
    rule(api, "lead_email", {"object": "lead", "action": "warn",
                             "match": [{"field": "email", "as": "email"}]})
    made = b.post("/api/v1/records/lead", json={"full_name": "X", "email": "VIP@example.com"})
    assert made.status_code == 201 and "Objectry-Duplicates" not in made.headers
    mine = made.get_json()["id"]
    assert b.get(f"/api/v1/records/lead/{mine}/duplicates").get_json()["items"] == []
    assert [i["id"] for i in api.get(f"/api/v1/records/lead/{mine}/duplicates")
            .get_json()["items"]] == [hidden]
    # answered exactly as the records API answers for that record
    assert b.get(f"/api/v1/records/lead/{hidden}/duplicates").status_code == \
        b.get(f"/api/v1/records/lead/{hidden}").status_code == 403
    groups = b.post("/api/v1/duplicate_rules/lead_email/scan", json={}).get_json()["groups"]
    assert groups == []
    assert len(api.post("/api/v1/duplicate_rules/lead_email/scan").get_json()["groups"]) == 1


def test_a_new_lead_against_existing_contacts(api: Api, tenant: TenantHandle) -> None:
    crm(api, tenant)
    existing = create(api, "contact", name="Zhao Liu", phone="13800138000")
    rule(api, "lead_vs_contact", {
        "object": "lead", "action": "block", "within": False,
        "match": [{"field": "mobile", "as": "phone"}],
        "against": [{"object": "contact", "fields": {"mobile": "phone"}}]})
    refused = problem(api.post("/api/v1/records/lead",
                               json={"full_name": "Zhao", "mobile": "+86 138 0013 8000"}),
                      409, "duplicate_blocked")
    assert refused["duplicates"][0]["object"] == "contact"
    assert refused["duplicates"][0]["id"] == existing
    create(api, "lead", full_name="Zhao", mobile="13900139000")
    create(api, "lead", full_name="Zhao 2", mobile="13900139000")  # leads among themselves: no


def test_scan_lists_groups_and_pages(api: Api, tenant: TenantHandle) -> None:
    crm(api, tenant)
    for i in range(3):
        create(api, "lead", full_name=f"P{i}", mobile=f"0215555000{i}")
        create(api, "lead", full_name=f"Q{i}", mobile=f"+86 21 5555 000{i}")
    create(api, "lead", full_name="single", mobile="13000000000")
    # a rule saved after the records: its keys are built on first use
    rule(api, "lead_phone", {"object": "lead", "match": [{"field": "mobile", "as": "phone"}]})
    page = api.post("/api/v1/duplicate_rules/lead_phone/scan", json={"limit": 2}).get_json()
    assert len(page["groups"]) == 2 and page["next_cursor"]
    assert all(len(g["items"]) == 2 for g in page["groups"])
    rest = api.post("/api/v1/duplicate_rules/lead_phone/scan",
                    json={"limit": 2, "cursor": page["next_cursor"]}).get_json()
    assert len(rest["groups"]) == 1 and rest["next_cursor"] is None
    problem(api.post("/api/v1/duplicate_rules/nope/scan"), 404)
    assert "/limit" in [e["path"] for e in problem(api.post(
        "/api/v1/duplicate_rules/lead_phone/scan", json={"limit": 0}), 422)["errors"]]


def test_rule_validation_names_the_culprits(api: Api, tenant: TenantHandle) -> None:
    crm(api, tenant)
    bad = api.put("/api/v1/meta/duplicate_rules/bad_rule", json={
        "object": "lead", "match": [{"field": "nope", "as": "phone"}],
        "against": [{"object": "contact", "fields": {"mobile": "phone"}}]})
    body = problem(bad, 422)
    assert {"/match/0/field", "/against/0/fields/mobile"} <= {e["path"] for e in body["errors"]}
    assert "unknown_field" in error_codes(bad)
    problem(api.put("/api/v1/meta/duplicate_rules/bad_rule",
                    json={"object": "ghost", "match": [{"field": "x"}]}), 422)
    problem(api.put("/api/v1/meta/duplicate_rules/bad_rule",
                    json={"object": "lead", "match": [{"field": "email", "as": "soundex"}]}),
            422)


def test_find_duplicates_for_the_importer(api: Api, tenant: TenantHandle) -> None:
    crm(api, tenant)
    rule(api, "lead_phone", {"object": "lead", "action": "block",
                             "match": [{"field": "mobile", "as": "phone"}]})
    existing = create(api, "lead", full_name="A", mobile="021-62991640")
    rows = [{"full_name": "B", "mobile": "+86 21 6299 1640"},
            {"full_name": "C", "mobile": "13100000000"},
            {"full_name": "D", "mobile": "131 0000 0000"},
            {"full_name": "E"}]
    with tenant.context() as ctx:
        found = find_duplicates(ctx, "lead", rows)
    assert [m["id"] for m in found[0]] == [existing] and found[0][0]["action"] == "block"
    assert found[1] == []
    assert found[2] == [{"rule": "lead_phone", "row": 1, "action": "block"}]
    assert found[3] == []


def test_existing_duplicates_stay_editable_under_a_new_block_rule(
        api: Api, tenant: TenantHandle) -> None:
    crm(api, tenant)
    first = create(api, "lead", full_name="A", mobile="13800000000")
    second = create(api, "lead", full_name="B", mobile="+86 138 0000 0000")
    rule(api, "lead_phone", {"object": "lead", "action": "block",
                             "match": [{"field": "mobile", "as": "phone"}]})
    # editing other fields of a known duplicate is no new duplicate
    assert api.patch(f"/api/v1/records/lead/{second}", json={"full_name": "B2"}).status_code \
        == 200
    third = create(api, "lead", full_name="C", mobile="13900000000")
    problem(api.patch(f"/api/v1/records/lead/{third}", json={"mobile": "138-0000-0000"}),
            409, "duplicate_blocked")
    groups = api.post("/api/v1/duplicate_rules/lead_phone/scan").get_json()["groups"]
    assert [sorted(i["id"] for i in g["items"]) for g in groups] == [sorted([first, second])]
    assert set(groups[0]["items"][0]["record"]) <= {"id", "version", "owner", "full_name",
                                                    "mobile"}


@given(st.integers(min_value=0, max_value=99_999_999), st.sampled_from(["-", " ", ".", ""]))
def test_a_mobile_number_keys_alike_in_every_spelling(number: int, sep: str) -> None:
    digits = f"138{number:08d}"
    spellings = [digits, f"+86{digits}", f"+86 {digits[:3]}{sep}{digits[3:7]}{sep}{digits[7:]}",
                 f"0086 {digits}", f"({digits[:3]}) {digits[3:7]}{sep}{digits[7:]}"]
    keys = {match_key([("phone", s)], "CN") for s in spellings}
    assert len(keys) == 1 and None not in keys


def test_s8_duplicates_by_name_and_phone_are_found_and_merged(api: Api,
                                                              tenant: TenantHandle) -> None:
    crm(api, tenant)
    rule(api, "contact_name_phone", {"object": "contact", "match": [
        {"field": "name", "as": "name"}, {"field": "phone", "as": "phone"}]})
    first = create(api, "contact", name="Wang Fang", phone="021-62991640")
    second = create(api, "contact", name="WANG  FANG", phone="+86 21 6299 1640")
    create(api, "contact", name="Wang Fang", phone="13800000000")  # another phone: no
    create(api, "contact", name="Li Na", phone="021 6299 1640")  # another name: no
    groups = api.post("/api/v1/duplicate_rules/contact_name_phone/scan").get_json()["groups"]
    assert [sorted(i["id"] for i in g["items"]) for g in groups] == [sorted([first, second])]
    merged = api.post("/api/v1/records/contact/merge",
                      json={"survivor": first, "merged": [second]})
    assert merged.status_code == 200, merged.get_json()
    assert api.post("/api/v1/duplicate_rules/contact_name_phone/scan").get_json()["groups"] \
        == []
