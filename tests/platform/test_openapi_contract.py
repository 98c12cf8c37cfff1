"""The OpenAPI document is the contract: the defects schemathesis found stay fixed.

``.ci/schemathesis`` runs the whole document against a served demo tenant; these are the
specific answers it once caught lying, checked in the normal suite.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from tests.conftest import Api
from tests.docs_objects import campaign, lead

BUTTON = "def main(record, params):\n    return {'seen': record['id']}\n"


@pytest.fixture
def crm(api: Api) -> Api:
    api.define(campaign())
    api.define(lead())
    return api


def spec_of(api: Api) -> dict[str, Any]:
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def component(spec: dict[str, Any], schema: dict[str, Any]) -> jsonschema.Validator:
    return jsonschema.Draft202012Validator({**schema, "components": spec["components"]})


def test_record_buttons_are_documented_even_before_any_exists(api: Api) -> None:
    operation = spec_of(api)["paths"][
        "/api/v1/records/{object}/{id}/actions/{function}"]["post"]
    assert {"200", "401", "403", "404", "422"} <= set(operation["responses"])


def test_record_buttons_run_as_documented(crm: Api) -> None:
    response = crm.put("/api/v1/meta/functions/stamp", json={
        "kind": "function", "label": {"en": "Stamp"}, "purpose": "button",
        "object": "lead", "code": BUTTON})
    assert response.status_code == 200, response.get_json()
    spec = spec_of(crm)
    item = spec["paths"]["/api/v1/records/{object}/{id}/actions/{function}"]
    function = next(p for p in item["parameters"] if p["name"] == "function")
    assert function["schema"]["examples"] == ["stamp"]  # the tenant's buttons
    created = spec["paths"]["/api/v1/records/lead"]["post"]["responses"]["201"]
    assert created["links"]["RunButton_stamp"]["parameters"] == {
        "object": "lead", "function": "stamp", "id": "$response.body#/id"}
    record = crm.post("/api/v1/records/lead", json={"full_name": "Ada"}).get_json()
    ran = crm.post(f"/api/v1/records/lead/{record['id']}/actions/stamp")
    assert ran.status_code == 200
    schema = item["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert list(component(spec, schema).iter_errors(ran.get_json())) == []


def test_document_origin_is_the_object_the_server_returns(crm: Api) -> None:
    spec = spec_of(crm)
    listed = crm.get("/api/v1/meta/objects").get_json()
    assert listed["items"][0]["origin"] == {"source": "tenant"}
    schema = spec["paths"]["/api/v1/meta/objects"]["get"]["responses"]["200"][
        "content"]["application/json"]["schema"]
    assert list(component(spec, schema).iter_errors(listed)) == []


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("TRACE", "/api/v1/automation/webhook_secret", {"GET"}),
    ("PUT", "/api/v1/meta/history", {"GET"}),
    ("GET", "/api/v1/meta/rollback", {"POST"}),
    ("PATCH", "/api/v1/records/lead/export", {"GET"}),
    ("GET", "/api/v1/records/lead/query", {"POST"}),
])
def test_405_names_the_allowed_methods(crm: Api, method: str, path: str,
                                       allowed: set[str]) -> None:
    response = crm.request(method, path)
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_without_a_token_the_answer_is_401_before_the_input_is_read(crm: Api) -> None:
    anonymous = Api(crm.client, None)
    record = "/api/v1/records/lead/0190b4d6-0000-7000-8000-000000000000"
    for response in (anonymous.get(f"{record}/score"),  # no model either
                     anonymous.get(f"{record}/score", query={"model": ""}),
                     anonymous.post("/api/v1/records/lead", data=b"{not json",
                                    headers={"Content-Type": "application/json"}),
                     anonymous.patch(record, json=[])):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    bad = Api(crm.client, "oby_not_a_token")
    assert bad.get(f"{record}/score").status_code == 401


def test_patch_bodies_require_nothing_create_requires(api: Api) -> None:
    api.define({"kind": "object", "api_name": "deal", "label": {"en": "Deal"},
                "fields": [{"api_name": "title", "type": "text", "required": True},
                           {"api_name": "amount", "type": "integer"}]})
    spec = spec_of(api)
    body = spec["paths"]["/api/v1/records/deal/{id}"]["patch"]["requestBody"][
        "content"]["application/json"]["schema"]
    assert "required" not in spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert spec["components"]["schemas"]["deal"]["required"] == ["title"]
    created = api.post("/api/v1/records/deal", json={"title": "Big"}).get_json()
    change = {"amount": 5}  # valid for the PATCH schema, and the server agrees
    assert list(component(spec, body).iter_errors(change)) == []
    response = api.patch(f"/api/v1/records/deal/{created['id']}", json=change)
    assert response.status_code == 200, response.get_json()


def test_undocumented_statuses_are_now_documented(crm: Api) -> None:
    """404 for unknown objects and workflows, 400 for bad bodies, 403 on record paths."""
    spec = spec_of(crm)
    paths = spec["paths"]
    for path, method in [("/api/v1/records/{object}/export", "get"),
                         ("/api/v1/recycle-bin/{object}", "get"),
                         ("/api/v1/records/{object}/query", "post"),
                         ("/api/v1/workflows/{workflow}/runs", "get")]:
        assert "404" in paths[path][method]["responses"], (path, method)
    assert "400" in paths["/api/v1/records/lead"]["post"]["responses"]
    assert "400" in paths["/api/v1/records/lead/{id}"]["patch"]["responses"]
    for path in ("/api/v1/records/{object}/{id}/runs", "/api/v1/records/{object}/{id}/audit",
                 "/api/v1/records/lead/{id}"):
        assert "403" in paths[path]["get"]["responses"], path
    assert crm.get("/api/v1/workflows/nothing/runs").status_code == 404


def test_an_empty_user_change_changes_nothing(api: Api) -> None:
    me = api.get("/api/v1/users").get_json()["items"][0]
    response = api.patch(f"/api/v1/users/{me['email']}", json={})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == me


def test_created_records_link_to_what_can_be_done_with_them(crm: Api) -> None:
    created = spec_of(crm)["paths"]["/api/v1/records/lead"]["post"]["responses"]["201"]
    links = created["links"]
    assert links["ReadRecord"]["parameters"] == {"id": "$response.body#/id"}
    assert links["RecordRuns"]["parameters"] == {"object": "lead",
                                                 "id": "$response.body#/id"}
    assert {"ETag", "Location"} <= set(created["headers"])


def test_a_user_is_found_where_its_location_says(api: Api) -> None:
    """An address with "/" would get a Location no route can answer: refused (422)."""
    response = api.post("/api/v1/users", json={"email": "a/b@example.com"})
    assert response.status_code == 422
    assert [e["path"] for e in response.get_json()["errors"]] == ["/email"]
    created = api.post("/api/v1/users", json={"email": "ab@example.com"})
    assert created.status_code == 201
    assert api.get(created.headers["Location"]).get_json()["email"] == "ab@example.com"
