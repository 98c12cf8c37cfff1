"""Tenant functions through the HTTP API: saving, validation on save, buttons, dry runs,
the call log and scoring (issue 5)."""

from __future__ import annotations

from typing import Any

from objectry.runtime import functions
from tests.conftest import Api, TenantHandle, error_codes, error_paths, problem
from tests.docs_objects import campaign, lead


def define_crm(api: Api) -> None:
    api.define(campaign())
    api.define(lead())


def put_function(api: Api, api_name: str, code: str, *, purpose: str = "button",
                 expect: int = 200, **extra: Any) -> Any:
    document = {"kind": "function", "api_name": api_name, "label": {"en": api_name},
                "purpose": purpose, "object": "lead", "code": code, **extra}
    response = api.put(f"/api/v1/meta/functions/{api_name}", json=document)
    assert response.status_code == expect, response.get_json()
    return response


def new_lead(api: Api, **values: Any) -> dict[str, Any]:
    response = api.post("/api/v1/records/lead", json={"full_name": "张三", **values})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def calls(api: Api, function: str, limit: int = 20) -> list[dict[str, Any]]:
    response = api.get(f"/api/v1/meta/functions/{function}/calls", query={"limit": limit})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_saving_code_with_a_syntax_error_is_422_with_line_and_column(api: Api) -> None:
    define_crm(api)
    response = put_function(api, "broken", "def main(record, params):\n    return (1 +\n",
                            expect=422)
    body = response.get_json()
    assert body["type"].endswith("invalid")
    [error] = body["errors"]
    assert error["path"] == "/code" and error["code"] == "function_compile_error"
    assert error["line"] == 2 and error["column"] >= 1
    assert "line 2" in error["message"]
    zh = api.put("/api/v1/meta/functions/broken", headers={"Accept-Language": "zh-CN"},
                 json={"kind": "function", "api_name": "broken", "label": {"en": "b"},
                       "purpose": "button", "object": "lead",
                       "code": "def main(record, params):\n    x = record._data\n"})
    assert zh.status_code == 422
    assert "第 2 行" in zh.get_json()["errors"][0]["message"]
    problem(api.get("/api/v1/meta/functions/broken"), 404, "unknown_document")


def test_saving_checks_object_run_as_and_schema(api: Api) -> None:
    define_crm(api)
    bad = api.put("/api/v1/meta/functions/fn", json={
        "label": {"en": "f"}, "purpose": "button", "object": "nope",
        "run_as": "ghost@example.com", "code": "def main(record, params):\n    return 1\n"})
    assert bad.status_code == 422
    assert error_paths(bad) == ["/object", "/run_as"]
    assert error_codes(bad) == ["unknown_object", "function_run_as_unknown"]
    missing = api.put("/api/v1/meta/functions/fn", json={
        "label": {"en": "f"}, "purpose": "validation",
        "code": "def main(record, params):\n    return 1\n"})
    assert error_codes(missing) == ["function_object_required"]
    saved = put_function(api, "fn", "def main(record, params):\n    return 1\n")
    assert saved.get_json()["applied"] is True
    assert api.get("/api/v1/meta/functions/fn").get_json()["code"].startswith("def main")
    assert [i["api_name"] for i in api.get("/api/v1/meta/functions").get_json()["items"]] == ["fn"]


def test_validation_function_refuses_a_record_at_its_field(api: Api) -> None:
    define_crm(api)
    put_function(api, "mobile_for_shanghai", purpose="validation", code=(
        "def main(record, params):\n"
        "    if record.get('city') == 'shanghai' and not record.get('mobile'):\n"
        "        raise_error('上海线索需要手机号', 'mobile')\n"))
    refused = api.post("/api/v1/records/lead", json={"full_name": "A", "city": "上海"})
    assert refused.status_code == 422
    assert error_paths(refused) == ["/mobile"]
    assert refused.get_json()["errors"][0]["message"] == "上海线索需要手机号"
    assert api.get("/api/v1/records/lead").get_json()["items"] == []

    record = new_lead(api, city="beijing")
    update = api.patch(f"/api/v1/records/lead/{record['id']}", json={"city": "shanghai"})
    assert update.status_code == 422 and error_paths(update) == ["/mobile"]
    assert api.get(f"/api/v1/records/lead/{record['id']}").get_json()["city"] == "beijing"
    fine = api.patch(f"/api/v1/records/lead/{record['id']}",
                     json={"city": "shanghai", "mobile": "13800138000"})
    assert fine.status_code == 200, fine.get_json()

    log = calls(api, "mobile_for_shanghai")
    assert [c["outcome"] for c in log] == ["ok", "raised_error", "ok", "raised_error"]
    assert log[1]["purpose"] == "validation" and log[1]["error"]["line"] == 3


def test_broken_validation_function_fails_closed(api: Api) -> None:
    define_crm(api)
    put_function(api, "buggy", purpose="validation",
                 code="def main(record, params):\n    return 1 / 0\n")
    refused = api.post("/api/v1/records/lead", json={"full_name": "A"})
    assert refused.status_code == 422
    assert error_codes(refused) == ["function_runtime_error"]
    assert "line 2" in refused.get_json()["errors"][0]["message"]


def test_button_converts_a_lead(api: Api) -> None:
    define_crm(api)
    api.define({"kind": "object", "api_name": "contact", "label": {"en": "Contact"},
                "fields": [{"api_name": "name", "type": "text"},
                           {"api_name": "lead", "type": "lookup", "target": "lead"}]})
    put_function(api, "convert", code=(
        "def main(record, params):\n"
        "    contact = records.create('contact', {'name': record['full_name'],\n"
        "                                         'lead': record['id']})\n"
        "    record.set('status', 'mql')\n"
        "    log('converted', record['id'], 'at', now())\n"
        "    return {'contact': contact['id'], 'note': params.get('note')}\n"))
    record = new_lead(api)
    response = api.post(f"/api/v1/records/lead/{record['id']}/actions/convert",
                        json={"params": {"note": "hot"}})
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["ok"] and answer["result"]["note"] == "hot"
    assert answer["record"]["status"] == "mql" and answer["record"]["version"] == 2
    assert answer["changes"] == {"status": "mql"}
    assert answer["logs"][0].startswith(f"converted {record['id']} at ")
    contact = api.get(f"/api/v1/records/contact/{answer['result']['contact']}").get_json()
    assert contact["lead"] == record["id"] and contact["name"] == "张三"
    [call] = calls(api, "convert")
    assert call["outcome"] == "ok" and call["record_id"] == record["id"]
    assert call["limits_used"]["writes"] == 1 and call["version"] >= 1

    paths = api.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/records/lead/{id}/actions/convert"]
    no_body = api.post(f"/api/v1/records/lead/{record['id']}/actions/convert")
    assert no_body.status_code == 200
    problem(api.post(f"/api/v1/records/lead/{record['id']}/actions/nope"), 404,
            "unknown_function")


def test_button_refused_change_rolls_back_and_is_logged(api: Api) -> None:
    define_crm(api)
    put_function(api, "bad_set", code=(
        "def main(record, params):\n"
        "    records.create('lead', {'full_name': 'side effect'})\n"
        "    record.set('employees', -5)\n"))
    record = new_lead(api)
    response = api.post(f"/api/v1/records/lead/{record['id']}/actions/bad_set")
    assert response.status_code == 422
    assert error_paths(response) == ["/employees"]
    assert len(api.get("/api/v1/records/lead").get_json()["items"]) == 1
    [call] = calls(api, "bad_set")
    assert call["outcome"] == "apply_failed"


def test_failing_button_is_422_with_line_and_logged(api: Api) -> None:
    define_crm(api)
    put_function(api, "oops", code="def main(record, params):\n    x = 1\n    return x / 0\n")
    record = new_lead(api)
    response = api.post(f"/api/v1/records/lead/{record['id']}/actions/oops",
                        headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "function_runtime_error" and body["line"] == 3
    assert "第 3 行" in body["detail"]
    [call] = calls(api, "oops")
    assert call["outcome"] == "runtime_error"
    assert call["error"]["line"] == 3 and "ZeroDivisionError" in call["error"]["message"]


def test_dry_run_changes_nothing(api: Api) -> None:
    define_crm(api)
    put_function(api, "mutate", code=(
        "def main(record, params):\n"
        "    records.create('lead', {'full_name': 'created by test'})\n"
        "    records.update('lead', record['id'], {'employees': 99})\n"
        "    record.set('status', 'working')\n"
        "    log('hello')\n"
        "    return 'done'\n"))
    record = new_lead(api)
    response = api.post("/api/v1/meta/functions/mutate/test",
                        json={"record": {"object": "lead", "id": record["id"]}})
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["result"] == "done" and answer["logs"] == ["hello"]
    assert answer["error"] is None and answer["changes"] == {"status": "working"}
    assert answer["limits_used"]["writes"] == 2
    items = api.get("/api/v1/records/lead").get_json()["items"]
    assert len(items) == 1 and items[0]["version"] == 1 and items[0]["employees"] is None
    assert [c["purpose"] for c in calls(api, "mutate")] == ["test"]

    failing = api.post("/api/v1/meta/functions/mutate/test", json={"params": {}})
    assert failing.status_code == 200
    assert failing.get_json()["error"]["code"] == "function_runtime_error"


def test_only_admins_test_functions_and_read_the_log(api: Api, tenant: TenantHandle) -> None:
    define_crm(api)
    put_function(api, "fn", code="def main(record, params):\n    return 1\n")
    member = Api(api.client, tenant.add_user("member@example.com"))
    problem(member.post("/api/v1/meta/functions/fn/test", json={}), 403, "admin_required")
    refused = problem(member.get("/api/v1/meta/functions/fn/calls"), 403,
                      "customize_required")
    assert "items" not in refused
    assert calls(api, "fn") == []  # the refused test call never ran
    assert api.get("/api/v1/meta/functions/fn/calls", query={"limit": 0}).status_code == 422


def test_call_log_keeps_the_last_n_newest_first(api: Api) -> None:
    define_crm(api)
    put_function(api, "echo", code="def main(record, params):\n    return params['n']\n")
    for n in range(5):
        assert api.post("/api/v1/meta/functions/echo/test",
                        json={"params": {"n": n}}).get_json()["result"] == n
    log = calls(api, "echo", limit=3)
    assert len(log) == 3 and log[0]["id"] > log[1]["id"] > log[2]["id"]
    assert {c["caller"] for c in log} == {api_admin_email(api)}
    assert all(c["duration_ms"] > 0 and "cpu_ms" in c["limits_used"] for c in log)


def api_admin_email(api: Api) -> str:
    return api.get("/api/v1/users").get_json()["items"][0]["email"]


def test_scoring_calls_one_function_per_batch(api: Api, tenant: TenantHandle) -> None:
    define_crm(api)
    put_function(api, "need_match", purpose="scoring", code=(
        "def main(record, params):\n"
        "    return [min(100, (r.get('employees') or 0) // 10) for r in params['records']]\n"))
    rows = [{"id": str(i), "employees": i * 10} for i in range(25)]
    with tenant.context() as ctx:
        scores = functions.score(ctx, "need_match", rows, batch_size=10)
    assert scores == list(range(25))
    log = calls(api, "need_match")
    assert len(log) == 3 and {c["purpose"] for c in log} == {"scoring"}


def test_call_function_entry_point_for_workflow_steps(api: Api, tenant: TenantHandle) -> None:
    define_crm(api)
    put_function(api, "step", purpose="workflow_step", run_as="system", code=(
        "def main(record, params):\n"
        "    record.set('status', params['to'])\n"
        "    return record['status']\n"))
    record = new_lead(api)
    with tenant.context() as ctx:
        answer = functions.call_function(ctx, "step", record["id"], {"to": "working"})
        failed = functions.call_function(ctx, "step", record["id"], {})
    assert answer["ok"] and answer["result"] == "working"
    assert not failed["ok"] and failed["error"]["code"] == "function_runtime_error"
    assert api.get(f"/api/v1/records/lead/{record['id']}").get_json()["status"] == "working"
