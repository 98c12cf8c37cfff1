"""Every list reads ``limit`` one way: a bad one is a 422 ``invalid_parameter`` at ``/limit``,
never a 500 and never another code (issue 11, item 6)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import Api
from tests.docs_objects import campaign, lead, task

#: (method, path, where the limit goes, its maximum); ``{id}`` is a lead's id.
LIST_ENDPOINTS = [
    ("get", "/api/v1/records/lead", "query", 200),
    ("post", "/api/v1/records/lead/query", "body", 200),
    ("get", "/api/v1/recycle-bin/lead", "query", 200),
    ("get", "/api/v1/records/lead/{id}/related/task", "query", 200),
    ("get", "/api/v1/records/lead/{id}/audit", "query", 200),
    ("get", "/api/v1/records/lead/{id}/runs", "query", 200),
    ("get", "/api/v1/workflows/nurture/runs", "query", 200),
    ("post", "/api/v1/workflows/nurture/dry_run", "body", 500),
    ("get", "/api/v1/messages", "query", 200),
    ("get", "/api/v1/meta/history", "query", 200),
    ("get", "/api/v1/meta/functions/convert/calls", "query", 200),
    ("post", "/api/v1/scoring_models/b2b_lead_score/run", "body", 1_000_000),
    ("get", "/api/v1/records/lead/{id}/assignments", "query", 200),
    ("post", "/api/v1/assignment_rules/shanghai/check", "body", 1000),
    ("get", "/api/v1/imports", "query", 200),
    ("post", "/api/v1/duplicate_rules/lead_phone/scan", "body", 1000),
    ("get", "/api/v1/pools/sea/records", "query", 200),
]
TEMPLATE = re.compile(r"{([^}/]+)}")


def bad_limits(where: str, maximum: int) -> list[Any]:
    if where == "query":
        return ["0", "-1", str(maximum + 1), "1.5", "abc", "true", "1e2", "²", "\uff15"]
    return [0, -1, maximum + 1, 1.5, "10", True, "abc", [5], {}]


@pytest.fixture
def crm(api: Api) -> tuple[Api, str]:
    api.define(campaign())
    api.define(lead())
    api.define(task())
    created = api.post("/api/v1/records/lead", json={"full_name": "张三"})
    assert created.status_code == 201, created.get_json()
    return api, created.get_json()["id"]


def call(api: Api, method: str, path: str, where: str, limit: Any, **kwargs: Any) -> Any:
    if where == "query":
        return api.request(method.upper(), path, query={"limit": limit}, **kwargs)
    return api.request(method.upper(), path, json={"limit": limit}, **kwargs)


@pytest.mark.parametrize(("method", "path", "where", "maximum"), LIST_ENDPOINTS,
                         ids=[f"{m} {p}" for m, p, _, _ in LIST_ENDPOINTS])
def test_a_bad_limit_is_422_invalid_parameter_at_limit(
        crm: tuple[Api, str], method: str, path: str, where: str, maximum: int) -> None:
    api, lead_id = crm
    path = path.replace("{id}", lead_id)
    for limit in bad_limits(where, maximum):
        response = call(api, method, path, where, limit)
        assert response.status_code == 422, (limit, response.get_json())
        assert response.mimetype == "application/problem+json"
        [error] = response.get_json()["errors"]
        assert (error["path"], error["code"]) == ("/limit", "invalid_parameter"), limit
        assert error["message"] == ("The parameter 'limit' is invalid: a whole number "
                                    f"from 1 to {maximum}"), limit
    chinese = call(api, method, path, where, 0 if where == "body" else "0",
                   headers={"Accept-Language": "zh-CN"})
    assert chinese.get_json()["errors"][0]["message"].startswith("参数“limit”无效")
    for limit in ((1, maximum) if where == "body" else ("1", str(maximum), "")):
        answer = call(api, method, path, where, limit)
        refused = answer.status_code == 422 and "/limit" in [
            e["path"] for e in answer.get_json()["errors"]]
        assert answer.status_code < 500 and not refused, (limit, answer.get_json())


def test_the_table_holds_every_documented_list(app: Any, crm: tuple[Api, str]) -> None:
    """Each operation of the OpenAPI document that takes a limit (query parameter or body
    member) is in LIST_ENDPOINTS, so a new list gets the test above."""
    api, _ = crm
    spec = api.get("/api/v1/openapi.json").get_json()
    adapter = app.url_map.bind("localhost")

    def rule(path: str, method: str) -> tuple[str, str]:
        matched, _ = adapter.match(TEMPLATE.sub("x", path), method=method.upper(),
                                   return_rule=True)
        return matched.rule, method

    documented = set()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            names = [p["name"] for p in operation.get("parameters", [])]
            body = operation.get("requestBody", {}).get("content", {}).get(
                "application/json", {}).get("schema", {})
            if "limit" in names or "limit" in body.get("properties", {}):
                documented.add(rule(path, method))
    tested = {rule(path.replace("{id}", "x"), method) for method, path, _, _ in LIST_ENDPOINTS}
    assert documented == tested


def test_records_query_in_a_function_reads_limit_the_same_way(crm: tuple[Api, str]) -> None:
    api, lead_id = crm
    code = ("def main(record, params):\n"
            "    out = []\n"
            "    for limit in params['limits']:\n"
            "        try:\n"
            "            out.append(len(records.query('lead', limit=limit, sort=['-id'])))\n"
            "        except PlatformError as exc:\n"
            "            out.append([exc.code, exc.errors])\n"
            "    return out\n")
    saved = api.put("/api/v1/meta/functions/probe", json={
        "kind": "function", "api_name": "probe", "label": {"en": "probe"},
        "purpose": "button", "object": "lead", "code": code})
    assert saved.status_code == 200, saved.get_json()
    response = api.post(f"/api/v1/records/lead/{lead_id}/actions/probe",
                        json={"params": {"limits": [None, 1, 200, 0, 201, "5", 1.5, True]}})
    assert response.status_code == 200, response.get_json()
    refused = ["invalid", [{"path": "/limit", "code": "invalid_parameter", "message":
                            "The parameter 'limit' is invalid: a whole number from 1 to 200"}]]
    assert response.get_json()["result"] == [1, 1, 1, *[refused] * 5]
