"""The document tells a client what duplicate rules do to its writes: the
``Objectry-Duplicates`` header a warn rule adds, and the 409s a block rule answers, on
create, update and bulk; and the served answers match what it says."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Api, problem
from tests.docs_objects import campaign, lead

HEADER = "Objectry-Duplicates"


def rule(api: Api, name: str, action: str) -> None:
    response = api.put(f"/api/v1/meta/duplicate_rules/{name}", json={
        "object": "lead", "action": action, "match": [{"field": "mobile", "as": "phone"}]})
    assert response.status_code == 200, response.get_json()


def writes(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    paths = spec["paths"]
    return {"create": paths["/api/v1/records/lead"]["post"],
            "update": paths["/api/v1/records/lead/{id}"]["patch"],
            "bulk": paths["/api/v1/records/{object}/bulk"]["post"]}


def test_create_update_and_bulk_document_the_header_and_the_block(api: Api) -> None:
    api.define(campaign())
    api.define(lead())
    spec = api.get("/api/v1/openapi.json").get_json()
    for name, operation in writes(spec).items():
        success = next(v for k, v in operation["responses"].items() if k.startswith("2"))
        assert HEADER in success["headers"], name
        conflict = operation["responses"]["409"]["description"]
        assert "duplicate_blocked" in conflict and "duplicate_blocked_hidden" in conflict, name


def test_warn_answers_with_the_header_and_block_with_a_documented_409(api: Api) -> None:
    api.define(campaign())
    api.define(lead())
    rule(api, "lead_phone", "warn")
    first = api.post("/api/v1/records/lead", json={"full_name": "Ada", "mobile": "021-62991640"})
    assert first.status_code == 201 and HEADER not in first.headers
    second = api.post("/api/v1/records/lead", json={"full_name": "Ada L",
                                                   "mobile": "+86 21 6299 1640"})
    assert second.status_code == 201
    assert json.loads(second.headers[HEADER]) == [
        {"rule": "lead_phone", "object": "lead", "id": first.get_json()["id"]}]
    bulk = api.post("/api/v1/records/lead/bulk",
                    json={"records": [{"full_name": "Ada B", "mobile": "02162991640"}]})
    assert bulk.status_code == 200 and HEADER in bulk.headers
    rule(api, "lead_phone", "block")
    body = problem(api.post("/api/v1/records/lead",
                            json={"full_name": "Ada C", "mobile": "021 6299 1640"}), 409,
                   "duplicate_blocked")
    assert body["duplicates"]
