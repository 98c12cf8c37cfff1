"""Tenant functions run by the automation engine (issue 5 item 5): a workflow's
``call_function`` step on its record, a failing function routed by ``on_failure``, and
a scheduled job (``for_each_record: false``) that runs once per cron instant."""

from __future__ import annotations

from typing import Any

from tests.automation.conftest import Engine
from tests.automation.test_workflows import put_workflow, runs_of
from tests.conftest import Api, error_codes, error_paths
from tests.docs_objects import campaign, lead, task


def setup(api: Api) -> None:
    api.define(campaign())
    api.define(lead())
    api.define(task())


def put_function(api: Api, api_name: str, purpose: str, code: str) -> None:
    response = api.put(f"/api/v1/meta/functions/{api_name}", json={
        "kind": "function", "api_name": api_name, "label": {"en": api_name},
        "purpose": purpose, "object": "lead", "run_as": "system", "code": code})
    assert response.status_code == 200, response.get_json()


def new_lead(api: Api, **values: Any) -> str:
    response = api.post("/api/v1/records/lead", json={"full_name": "张三", **values})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def lead_status(api: Api, lead_id: str) -> str:
    return api.get(f"/api/v1/records/lead/{lead_id}").get_json()["status"]


def test_call_function_step_changes_the_record(api: Api, engine: Engine) -> None:
    setup(api)
    put_function(api, "qualify", "workflow_step",
                 "def main(record, params):\n"
                 "    if (record['employees'] or 0) >= params['min']:\n"
                 "        record.set('status', 'mql')\n"
                 "    return record['employees']\n")
    assert put_workflow(api, {
        "api_name": "auto_qualify", "object": "lead", "trigger": {"on": "created"},
        "steps": [{"id": "score", "action": "call_function", "function": "qualify",
                   "payload": {"min": 100}}]}).status_code == 200
    big, small = new_lead(api, employees=500), new_lead(api, employees=5)
    engine.tick()
    assert lead_status(api, big) == "mql" and lead_status(api, small) == "new"
    [run] = runs_of(api, big)
    assert run["status"] == "completed"
    assert run["steps"][0]["output"]["result"]["result"] == 500


def test_a_failing_function_fails_the_step_and_takes_the_fallback(
        api: Api, engine: Engine) -> None:
    setup(api)
    put_function(api, "brittle", "workflow_step",
                 "def main(record, params):\n"
                 "    record.set('status', 'working')\n"
                 "    return 1 / 0\n")
    assert put_workflow(api, {
        "api_name": "with_fallback", "object": "lead", "trigger": {"on": "created"},
        "steps": [{"id": "try", "action": "call_function", "function": "brittle",
                   "on_failure": {"retry": 1, "backoff_seconds": 60, "then": "note"}},
                  {"id": "done", "action": "end"},
                  {"id": "note", "action": "create_record", "object": "task",
                   "values": {"subject": "Check {{record.full_name}} by hand",
                              "lead": "{{record.id}}"}}]}).status_code == 200
    lead_id = new_lead(api)
    engine.tick()
    engine.later(minutes=1)
    [run] = runs_of(api, lead_id)
    assert [(s["step"], s["outcome"]) for s in run["steps"]] == [
        ("try", "retry"), ("try", "failed"), ("note", "done")]
    assert run["steps"][1]["error"]["code"] == "function_failed"
    assert "ZeroDivisionError" in run["steps"][1]["error"]["message"] or \
        "division" in run["steps"][1]["error"]["message"]
    assert lead_status(api, lead_id) == "new"  # the function's write was undone
    tasks = api.get("/api/v1/records/task").get_json()["items"]
    assert [t["subject"] for t in tasks] == ["Check 张三 by hand"]


def test_a_nightly_job_runs_once_per_instant_without_a_record(
        api: Api, engine: Engine) -> None:
    setup(api)
    put_function(api, "reclaim_stale", "scheduled",
                 "def main(record, params):\n"
                 "    done = 0\n"
                 "    for lead in records.query('lead', {'field': 'status', 'op': 'eq',\n"
                 "                                       'value': 'working'}):\n"
                 "        records.update('lead', lead['id'], {'status': 'new'})\n"
                 "        done += 1\n"
                 "    log('reclaimed %d' % done)\n"
                 "    return done\n")
    assert put_workflow(api, {
        "api_name": "nightly", "object": "lead",
        "trigger": {"on": "schedule", "cron": "0 2 * * *", "for_each_record": False},
        "steps": [{"id": "run", "action": "call_function",
                   "function": "reclaim_stale"}]}).status_code == 200
    engine.tick()
    working = [new_lead(api, status="working") for _ in range(3)]
    fresh = new_lead(api)
    engine.later(days=1)
    assert [lead_status(api, i) for i in working] == ["new"] * 3
    runs = api.get("/api/v1/workflows/nightly/runs").get_json()["items"]
    assert len(runs) == 1 and runs[0]["record"] is None
    assert runs[0]["steps"][0]["output"]["result"]["result"] == 3
    assert runs_of(api, fresh) == []
    engine.tick()  # the same instant is not fired again
    engine.later(days=2)  # two more 02:00 instants: two more runs, nothing to reclaim
    runs = api.get("/api/v1/workflows/nightly/runs").get_json()["items"]
    assert len(runs) == 3
    assert sorted(r["steps"][0]["output"]["result"]["result"] for r in runs) == [0, 0, 3]


def test_for_each_record_is_checked(api: Api) -> None:
    setup(api)
    not_schedule = put_workflow(api, {
        "api_name": "bad_one", "object": "lead",
        "trigger": {"on": "created", "for_each_record": False},
        "steps": [{"id": "stop", "action": "end"}]})
    assert not_schedule.status_code == 422
    assert error_paths(not_schedule) == ["/trigger/for_each_record"]
    with_condition = put_workflow(api, {
        "api_name": "bad_two", "object": "lead",
        "trigger": {"on": "schedule", "cron": "0 2 * * *", "for_each_record": False,
                    "condition": {"field": "status", "op": "eq", "value": "new"}},
        "steps": [{"id": "stop", "action": "end"}]})
    assert with_condition.status_code == 422
    assert error_codes(with_condition) == ["condition_needs_records"]


def test_dry_run_of_a_nightly_job_describes_one_run_without_a_record(
        api: Api, engine: Engine) -> None:
    setup(api)
    put_function(api, "noop", "scheduled", "def main(record, params):\n    return 0\n")
    assert put_workflow(api, {
        "api_name": "nightly", "object": "lead",
        "trigger": {"on": "schedule", "cron": "0 2 * * *", "for_each_record": False},
        "steps": [{"id": "run", "action": "call_function", "function": "noop"},
                  {"id": "mark", "action": "update_record",
                   "values": {"status": "working"}}]}).status_code == 200
    for _ in range(3):
        new_lead(api)
    answer = api.post("/api/v1/workflows/nightly/dry_run", json={}).get_json()
    assert answer["totals"]["matched"] == 1
    [item] = answer["items"]
    assert item["record"] is None and item["fires_at"].endswith("02:00:00+00:00")
    assert [entry["step"] for entry in item["path"]] == ["run", "mark"]
    assert item["path"][1]["would_fail"]["code"] == "record_gone"
