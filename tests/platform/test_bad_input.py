"""Every kind of bad input: the right 4xx, a JSON Pointer to the culprit, nothing changed."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.conftest import Api, error_codes, error_paths
from tests.docs_objects import campaign, lead, task

SQL_METACHARACTERS = [
    "'; DROP TABLE lead; --", '" OR 1=1 --', "x%' OR '1'='1", "a\\'b", "lead; DELETE FROM users",
    "_%", "`id`", "$1", "/*", "名字'--",
]


@pytest.fixture
def crm(api: Api) -> Api:
    api.define(campaign())
    api.define(lead())
    api.define(task())
    return api


def snapshot(api: Api) -> Any:
    """What a user could see change: records, recycle bin, metadata versions."""
    return (api.get("/api/v1/records/lead", query={"limit": 200}).get_json(),
            api.get("/api/v1/recycle-bin/lead").get_json(),
            api.get("/api/v1/meta/history").get_json(),
            api.get("/api/v1/meta/objects/lead").get_json())


def refused(api: Api, response: Any, status: int, path: str | None, code: str) -> None:
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    if path is not None:
        assert path in error_paths(response), body
        assert code in error_codes(response), body
    else:
        assert body["code"] == code, body


def test_malformed_json(crm: Api) -> None:
    before = snapshot(crm)
    for body in ('{"full_name": ', "[1,", "{'a': 1}", '{"a": NaN}', "\xff\xfe"):
        response = crm.request("POST", "/api/v1/records/lead", data=body.encode("latin-1"),
                               headers={"Content-Type": "application/json"})
        refused(crm, response, 400, "", "malformed_json")
    response = crm.request("PATCH", "/api/v1/records/lead/x", data=b"",
                           headers={"Content-Type": "application/json"})
    refused(crm, response, 400, "", "malformed_json")
    response = crm.get("/api/v1/records/lead", query={"filter": "{not json"})
    refused(crm, response, 400, "/filter", "malformed_json")
    assert snapshot(crm) == before


def test_unsupported_media_type(crm: Api) -> None:
    response = crm.request("POST", "/api/v1/records/lead", data=b"<lead/>",
                           headers={"Content-Type": "application/xml"})
    refused(crm, response, 415, None, "unsupported_media_type")


def test_unknown_object(crm: Api) -> None:
    for method in ("GET", "POST"):
        response = crm.request(method, "/api/v1/records/nothing", json={})
        refused(crm, response, 404, None, "unknown_object")
    refused(crm, crm.get("/api/v1/meta/objects/nothing"), 404, None, "unknown_document")


def test_unknown_record(crm: Api) -> None:
    for rid in ("0190b4d6-0000-7000-8000-000000000000", "not-a-uuid", "1' OR '1'='1"):
        refused(crm, crm.get(f"/api/v1/records/lead/{rid}"), 404, None, "unknown_record")
        refused(crm, crm.patch(f"/api/v1/records/lead/{rid}", json={"full_name": "x"}),
                404, None, "unknown_record")
        refused(crm, crm.delete(f"/api/v1/records/lead/{rid}"), 404, None, "unknown_record")


def test_unknown_and_system_fields(crm: Api) -> None:
    before = snapshot(crm)
    refused(crm, crm.post("/api/v1/records/lead", json={"full_name": "a", "nope": 1}),
            422, "/nope", "unknown_field")
    refused(crm, crm.post("/api/v1/records/lead", json={"full_name": "a", "id": "x"}),
            422, "/id", "system_field")
    refused(crm, crm.post("/api/v1/records/lead", json={"full_name": "a", "version": 9}),
            422, "/version", "system_field")
    assert snapshot(crm) == before


@pytest.mark.parametrize(("field", "value", "code"), [
    ("employees", "ten", "not_an_integer"),
    ("employees", True, "not_an_integer"),
    ("employees", 1.5, "not_an_integer"),
    ("budget", "lots", "not_a_number"),
    ("full_name", 42, "not_a_string"),
    ("full_name", {"a": 1}, "not_a_string"),
    ("email", "not-an-email", "invalid_email"),
    ("city", "tokyo", "invalid_choice"),
    ("tags", "vip", "not_a_list"),
    ("campaign", "not-a-uuid", "not_an_id"),
])
def test_wrong_type(crm: Api, field: str, value: Any, code: str) -> None:
    before = snapshot(crm)
    refused(crm, crm.post("/api/v1/records/lead", json={"full_name": "a", field: value}),
            422, f"/{field}", code)
    assert snapshot(crm) == before


@pytest.mark.parametrize(("field", "value", "code"), [
    ("employees", -1, "below_min"),
    ("employees", 2**63, "integer_out_of_range"),
    ("full_name", "x" * 81, "too_long"),
    ("budget", "1.234", "too_many_decimals"),
    ("budget", "1" * 30, "too_many_digits"),
])
def test_value_out_of_range(crm: Api, field: str, value: Any, code: str) -> None:
    rid = crm.post("/api/v1/records/lead", json={"full_name": "a"}).get_json()["id"]
    before = snapshot(crm)
    refused(crm, crm.patch(f"/api/v1/records/lead/{rid}", json={field: value}),
            422, f"/{field}", code)
    assert snapshot(crm) == before


@pytest.mark.parametrize(("name", "code"), [
    ("id", "reserved_name"), ("owner", "reserved_name"), ("version", "reserved_name"),
    ("Full_Name", "invalid_api_name"), ("1abc", "invalid_api_name"),
    ("a; drop table x", "invalid_api_name"), ("x" * 64, "invalid_api_name"),
])
def test_reserved_or_invalid_field_name(crm: Api, name: str, code: str) -> None:
    before = snapshot(crm)
    document = lead(fields=[{"api_name": name, "type": "text"}])
    response = crm.put("/api/v1/meta/objects/lead", json=document)
    index = len(document["fields"]) - 1
    refused(crm, response, 422, f"/fields/{index}/api_name", code)
    assert snapshot(crm) == before


def test_invalid_object_name(crm: Api) -> None:
    response = crm.put("/api/v1/meta/objects/Bad-Name", json={**campaign(),
                                                               "api_name": "Bad-Name"})
    assert response.status_code == 422
    assert "/api_name" in error_paths(response)


def test_duplicate_field_api_name(crm: Api) -> None:
    before = snapshot(crm)
    document = lead(fields=[{"api_name": "email", "type": "text"}])
    response = crm.put("/api/v1/meta/objects/lead", json=document)
    refused(crm, response, 422, f"/fields/{len(document['fields']) - 1}/api_name",
            "duplicate_name")
    assert snapshot(crm) == before


def test_lookup_to_missing_object(crm: Api) -> None:
    before = snapshot(crm)
    document = lead(fields=[{"api_name": "account", "type": "lookup", "target": "account"}])
    response = crm.put("/api/v1/meta/objects/lead", json=document)
    refused(crm, response, 422, f"/fields/{len(document['fields']) - 1}/target",
            "unknown_lookup_target")
    assert snapshot(crm) == before


def test_lookup_value_pointing_to_missing_record(crm: Api) -> None:
    before = snapshot(crm)
    response = crm.post("/api/v1/records/lead", json={
        "full_name": "a", "campaign": "0190b4d6-0000-7000-8000-000000000000"})
    refused(crm, response, 422, "/campaign", "lookup_target_missing")
    assert snapshot(crm) == before


def test_lookup_value_pointing_to_another_tenants_record(crm: Api, other_api: Api) -> None:
    other_api.define(campaign())
    foreign = other_api.post("/api/v1/records/campaign", json={"name": "theirs"}).get_json()
    response = crm.post("/api/v1/records/lead", json={"full_name": "a",
                                                      "campaign": foreign["id"]})
    refused(crm, response, 422, "/campaign", "lookup_target_missing")


def test_unique_violation_on_update_changes_nothing(crm: Api) -> None:
    crm.post("/api/v1/records/lead", json={"full_name": "a", "email": "a@x.cn"})
    rid = crm.post("/api/v1/records/lead", json={"full_name": "b", "email": "b@x.cn"}
                   ).get_json()["id"]
    before = snapshot(crm)
    response = crm.patch(f"/api/v1/records/lead/{rid}", json={"email": "a@x.cn",
                                                               "full_name": "changed"})
    refused(crm, response, 409, "/email", "unique_violation")
    assert snapshot(crm) == before


def test_stale_if_match(crm: Api) -> None:
    rid = crm.post("/api/v1/records/lead", json={"full_name": "a"}).get_json()["id"]
    crm.patch(f"/api/v1/records/lead/{rid}", json={"full_name": "b"})
    before = snapshot(crm)
    response = crm.patch(f"/api/v1/records/lead/{rid}", json={"full_name": "c"},
                         headers={"If-Match": '"1"'})
    refused(crm, response, 412, None, "version_mismatch")
    response = crm.patch(f"/api/v1/records/lead/{rid}", json={"full_name": "c"},
                         headers={"If-Match": "garbage"})
    refused(crm, response, 400, None, "invalid_if_match")
    assert snapshot(crm) == before


def test_oversized_payload(crm: Api) -> None:
    before = snapshot(crm)
    response = crm.post("/api/v1/records/lead", json={"full_name": "x" * 300_000})
    refused(crm, response, 413, None, "payload_too_large")
    assert snapshot(crm) == before


@pytest.mark.parametrize(("condition", "path", "code"), [
    ({"field": "nope", "op": "eq", "value": 1}, "/filter/field", "unknown_field"),
    ({"field": "employees", "op": "contains", "value": "1"}, "/filter/op",
     "operator_not_supported"),
    ({"field": "employees", "op": "explode", "value": 1}, "/filter/op", "unknown_operator"),
    ({"all": [{"field": "city", "op": "eq", "value": "tokyo"}]}, "/filter/all/0/value",
     "invalid_choice"),
    ({"field": "employees", "op": "gt", "value": "many"}, "/filter/value", "not_an_integer"),
])
def test_bad_filter(crm: Api, condition: Any, path: str, code: str) -> None:
    response = crm.post("/api/v1/records/lead/query", json={"filter": condition})
    refused(crm, response, 422, path, code)


def test_bad_sort_limit_cursor_fields(crm: Api) -> None:
    refused(crm, crm.get("/api/v1/records/lead", query={"sort": "nope"}), 422, "/sort/0",
            "unknown_field")
    refused(crm, crm.get("/api/v1/records/lead", query={"limit": "500"}), 422, "/limit",
            "invalid_parameter")
    refused(crm, crm.get("/api/v1/records/lead", query={"limit": "0"}), 422, "/limit",
            "invalid_parameter")
    refused(crm, crm.get("/api/v1/records/lead", query={"cursor": "!!bogus"}), 400, None,
            "invalid_cursor")
    refused(crm, crm.get("/api/v1/records/lead", query={"fields": "full_name,nope"}), 422,
            "/fields/1", "unknown_field")


def test_sql_metacharacters_in_every_string_position(crm: Api) -> None:
    """Values, filters, sorts, field lists, ids, names and cursors: stored or refused."""
    for text in SQL_METACHARACTERS:
        created = crm.post("/api/v1/records/lead", json={"full_name": text, "company_name": text})
        assert created.status_code == 201, created.get_json()
        assert created.get_json()["full_name"] == text
        found = crm.post("/api/v1/records/lead/query", json={
            "filter": {"all": [{"field": "full_name", "op": "eq", "value": text},
                               {"field": "company_name", "op": "contains", "value": text}]}})
        assert [r["full_name"] for r in found.get_json()["items"]] == [text]
        for position in ("sort", "fields"):
            response = crm.get("/api/v1/records/lead", query={position: text})
            assert response.status_code == 422, (position, text)
        assert crm.get(f"/api/v1/records/{quote(text)}").status_code in (308, 404, 405)
        assert crm.get("/api/v1/records/lead", query={"cursor": text}).status_code == 400
        response = crm.post("/api/v1/records/lead/query", json={
            "filter": {"field": text, "op": "eq", "value": 1}})
        assert response.status_code == 422
        response = crm.put(f"/api/v1/meta/objects/{quote(text)}", json=campaign())
        assert response.status_code in (308, 404, 405, 422)
    assert len(crm.get("/api/v1/records/lead", query={"limit": 200}).get_json()["items"]) == len(
        SQL_METACHARACTERS)


def test_no_token_or_bad_token(crm: Api) -> None:
    anonymous = Api(crm.client, None)
    refused(anonymous, anonymous.get("/api/v1/records/lead"), 401, None, "token_missing")
    forged = Api(crm.client, "oby_forged")
    refused(forged, forged.get("/api/v1/records/lead"), 401, None, "token_invalid")


def test_messages_in_chinese(crm: Api) -> None:
    response = crm.post("/api/v1/records/lead", json={"full_name": "a", "employees": -1},
                        headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    body = response.get_json()
    assert response.headers["Content-Language"] == "zh-CN"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["errors"][0]["message"])
