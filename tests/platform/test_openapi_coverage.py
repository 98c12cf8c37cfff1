"""The tenant's OpenAPI document describes every route the app serves under /api/v1.

A client generator fed ``/api/v1/openapi.json`` must see the whole API: the records
paths generated from metadata and the platform's own endpoints. The coverage test walks
``app.url_map``, so a route added without documentation fails here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from importlib import resources
from typing import Any

import jsonschema
import pytest
from openapi_spec_validator import validate
from werkzeug.exceptions import MethodNotAllowed, NotFound

from objectry.platform.api.meta import KIND_SEGMENTS
from tests.conftest import Api, TenantHandle
from tests.docs_objects import campaign, lead

METHODS = ("get", "put", "post", "patch", "delete")
TEMPLATE = re.compile(r"{([^}/]+)}")
CONVERT = "def main(record, params):\n    return {'ok': True}\n"


def served(rule: str) -> bool:
    return rule.startswith("/api/v1/") or rule == "/healthz"


@pytest.fixture
def spec(api: Api) -> dict[str, Any]:
    """The document of a tenant with two objects and a record button."""
    api.define(campaign())
    api.define(lead())
    response = api.put("/api/v1/meta/functions/convert", json={
        "kind": "function", "label": {"en": "Convert"}, "purpose": "button",
        "object": "lead", "code": CONVERT})
    assert response.status_code == 200, response.get_json()
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def routed(app: Any, path: str, method: str) -> str:
    """The url_map rule a documented operation reaches (path parameters filled in)."""
    adapter = app.url_map.bind("localhost")
    rule, _ = adapter.match(TEMPLATE.sub("x", path), method=method.upper(), return_rule=True)
    return rule.rule


def served_routes(app: Any) -> set[tuple[str, str]]:
    return {(rule.rule, method.lower()) for rule in app.url_map.iter_rules()
            if served(rule.rule) for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_route_under_api_v1_is_documented(app: Any, spec: dict[str, Any]) -> None:
    reached = {(routed(app, path, method), method) for path, method, _ in operations(spec)}
    missing = sorted(served_routes(app) - reached)
    assert not missing, f"routes missing from /api/v1/openapi.json: {missing}"


def test_without_objects_only_the_generated_record_paths_are_absent(
        app: Any, api: Api) -> None:
    """The per-object paths come from metadata; everything else (record buttons too, as
    ``/records/{object}/{id}/actions/{function}``) is there from the start."""
    spec = api.get("/api/v1/openapi.json").get_json()
    validate(spec)
    reached = {(routed(app, path, method), method) for path, method, _ in operations(spec)}
    records = "/api/v1/records/<object_name>"
    record = f"{records}/<record_id:record_id>"  # not "query" or "export" (405 there)
    assert served_routes(app) - reached == {
        (records, "get"), (records, "post"), (record, "get"), (record, "patch"),
        (record, "delete")}


def test_every_documented_operation_is_served(app: Any, spec: dict[str, Any]) -> None:
    wrong = []
    for path, method, _ in operations(spec):
        try:
            rule = routed(app, path, method)
        except (NotFound, MethodNotAllowed):
            wrong.append((path, method))
        else:
            if not served(rule):
                wrong.append((path, method))
    assert not wrong


def test_the_document_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_every_path_parameter_is_declared(spec: dict[str, Any]) -> None:
    for path, item in spec["paths"].items():
        for method in (m for m in METHODS if m in item):
            declared = [p for p in item.get("parameters", []) + item[method].get(
                "parameters", []) if p["in"] == "path"]
            names = [p["name"] for p in declared]
            assert sorted(names) == sorted(TEMPLATE.findall(path)), (path, method)
            assert all(p["required"] is True for p in declared), (path, method)


def pointer_target(spec: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = spec
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_every_ref_resolves(spec: dict[str, Any]) -> None:
    found = set(refs(spec))
    assert "#/components/schemas/WorkflowDocument" in found
    for ref in found:
        pointer_target(spec, ref)


def test_every_operation_answers_and_reports_4xx_as_problems(spec: dict[str, Any]) -> None:
    problem = spec["components"]["schemas"]["Problem"]
    assert problem["properties"]["errors"]["items"]["required"] == ["path", "code", "message"]
    for path, method, operation in operations(spec):
        responses = operation["responses"]
        assert operation.get("summary"), (path, method)
        assert any(status.startswith("2") for status in responses), (path, method)
        for status, response in responses.items():
            if status.startswith("4"):
                schema = response["content"]["application/problem+json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Problem"}, (path, status)


def test_every_metadata_kind_is_documented_with_its_json_schema(spec: dict[str, Any]) -> None:
    for segment, kind in KIND_SEGMENTS.items():
        assert "get" in spec["paths"][f"/api/v1/meta/{segment}"]
        item = spec["paths"][f"/api/v1/meta/{segment}/{{api_name}}"]
        assert {"get", "put", "delete"} <= set(item)
        body = item["put"]["requestBody"]["content"]["application/json"]["schema"]
        shipped = json.loads(resources.files("objectry.metadata").joinpath(
            "schemas", f"{kind}.json").read_text("utf-8"))
        assert pointer_target(spec, body["$ref"])["required"] == shipped["required"]
        assert "dry_run" in [p["name"] for p in item["put"]["parameters"]]


def document_validator(spec: dict[str, Any], name: str) -> jsonschema.Validator:
    """A JSON Schema validator for one component, resolving refs inside the document."""
    root = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    return jsonschema.Draft202012Validator(root)


def test_embedded_metadata_schemas_accept_and_refuse_what_the_server_does(
        api: Api, spec: dict[str, Any]) -> None:
    objects = document_validator(spec, "ObjectDocument")
    assert list(objects.iter_errors(lead())) == []
    broken = lead(fields=[{"api_name": "score", "type": "integer", "max_length": 3}])
    assert list(objects.iter_errors(broken))
    assert api.put("/api/v1/meta/objects/lead", json=broken).status_code == 422
    roles = document_validator(spec, "RoleDocument")
    assert list(roles.iter_errors({"api_name": "sales", "label": {"en": "Sales"},
                                   "grants": {}})) == []
    assert list(roles.iter_errors({"api_name": "sales", "label": {"en": "Sales"},
                                   "grants": {}, "surprise": 1}))


def test_admin_only_operations_say_so(spec: dict[str, Any]) -> None:
    paths = spec["paths"]
    for path, method in [("/api/v1/meta/roles/{api_name}", "put"),
                         ("/api/v1/meta/rollback", "post"),
                         ("/api/v1/users", "post"),
                         ("/api/v1/workflows/{workflow}/runs", "get"),
                         ("/api/v1/runs/{run}/cancel", "post"),
                         ("/api/v1/messages/settings", "put"),
                         ("/api/v1/meta/functions/{api_name}/test", "post"),
                         ("/api/v1/scoring_models/{name}/run", "post")]:
        operation = paths[path][method]
        assert operation["description"].startswith("Admin only"), (path, method)
        assert operation["x-admin-only"] is True
        assert "403" in operation["responses"]
    for path, method in [("/api/v1/meta/objects", "get"), ("/api/v1/events", "post"),
                         ("/api/v1/records/{object}/{id}/grants", "post"),
                         ("/api/v1/records/{object}/{id}/runs", "get")]:
        assert "x-admin-only" not in paths[path][method], (path, method)


def test_platform_operations_are_listed_for_everyone_fields_only_when_readable(
        app: Any, api: Api, tenant: TenantHandle, spec: dict[str, Any]) -> None:
    response = api.put("/api/v1/meta/roles/viewer", json={
        "label": {"en": "Viewer"}, "grants": {"lead": {
            "actions": ["read"], "scope": "all",
            "field_groups": {"contact": "none", "company": "read"}}}})
    assert response.status_code == 200, response.get_json()
    member = Api(app.test_client(), tenant.add_user("viewer@example.com", roles=["viewer"]))
    seen = member.get("/api/v1/openapi.json").get_json()
    # every platform path, and the records paths of the objects the viewer may read
    assert set(seen["paths"]) == {p for p in spec["paths"]
                                  if not p.startswith("/api/v1/records/campaign")}
    assert "campaign" not in seen["components"]["schemas"]
    assert "mobile" not in seen["components"]["schemas"]["lead"]["properties"]
    assert "mobile" in spec["components"]["schemas"]["lead"]["properties"]


def test_healthz_is_documented_without_a_token(spec: dict[str, Any]) -> None:
    operation = spec["paths"]["/healthz"]["get"]
    assert operation["security"] == []
    assert {"200", "503"} <= set(operation["responses"])
    assert spec["security"] == [{"bearer": []}]
