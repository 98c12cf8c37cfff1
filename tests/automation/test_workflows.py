"""Workflows through the API: saved as metadata, triggered by writes and events, waiting
on a moved clock, steered by hand, with every step in the run history."""

from __future__ import annotations

import json
from typing import Any

from tests.automation.conftest import Engine
from tests.conftest import Api, error_codes, error_paths, problem
from tests.docs_objects import campaign, lead, task


def lead_with_reply() -> dict[str, Any]:
    return lead(fields=[{"api_name": "last_reply_at", "type": "datetime"},
                        {"api_name": "score", "type": "integer"}])


def setup(api: Api) -> None:
    api.define(campaign())
    api.define(lead_with_reply())
    api.define(task())


def put_workflow(api: Api, document: dict[str, Any]) -> Any:
    return api.put(f"/api/v1/meta/workflows/{document['api_name']}",
                   json={"kind": "workflow", "label": {"en": document["api_name"],
                                                       "zh-CN": document["api_name"]},
                         **document})


def runs_of(api: Api, lead_id: str) -> list[dict[str, Any]]:
    response = api.get(f"/api/v1/records/lead/{lead_id}/runs")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def tasks_of(api: Api, lead_id: str) -> list[dict[str, Any]]:
    condition = {"field": "lead", "op": "eq", "value": lead_id}
    return api.get("/api/v1/records/task",
                   query={"filter": json.dumps(condition)}).get_json()["items"]


NURTURE = {
    "api_name": "whitepaper_nurture", "object": "lead",
    "trigger": {"on": "event", "event": "whitepaper_download"},
    "steps": [
        {"id": "tag", "action": "add_tag", "field": "tags", "tag": "vip"},
        {"id": "wait", "wait": {"days": 3}},
        {"id": "check", "branch": [{"if": {"field": "last_reply_at", "op": "is_empty"},
                                    "then": "follow_up"}], "else": "end"},
        {"id": "follow_up", "action": "create_record", "object": "task",
         "values": {"subject": "企微跟进: {{record.full_name}}", "lead": "{{record.id}}"}},
    ]}


def test_event_wait_three_days_then_follow_up(api: Api, engine: Engine) -> None:
    setup(api)
    assert put_workflow(api, NURTURE).status_code == 200
    quiet = api.post("/api/v1/records/lead", json={"full_name": "Zhang San"}).get_json()["id"]
    replied = api.post("/api/v1/records/lead", json={"full_name": "Li Si"}).get_json()["id"]
    for lead_id in (quiet, replied):
        posted = api.post("/api/v1/events", json={"object": "lead", "record": lead_id,
                                                  "type": "whitepaper_download",
                                                  "key": f"dl-{lead_id}"})
        assert posted.status_code == 202, posted.get_json()
    again = api.post("/api/v1/events", json={"object": "lead", "record": quiet,
                                             "type": "whitepaper_download",
                                             "key": f"dl-{quiet}"})
    assert again.status_code == 200 and again.get_json()["duplicate"] is True

    engine.tick()
    assert api.get(f"/api/v1/records/lead/{quiet}").get_json()["tags"] == ["vip"]
    [run] = runs_of(api, quiet)
    assert run["status"] == "waiting" and run["step"] == "wait"

    api.patch(f"/api/v1/records/lead/{replied}", json={"last_reply_at": engine.clock.now
                                                       .isoformat()})
    engine.later(days=2, hours=23)
    assert tasks_of(api, quiet) == []
    engine.later(hours=1)
    [follow_up] = tasks_of(api, quiet)
    assert follow_up["subject"] == "企微跟进: Zhang San"
    assert tasks_of(api, replied) == []
    [run] = runs_of(api, quiet)
    assert run["status"] == "completed"
    assert [s["step"] for s in run["steps"]] == ["tag", "wait", "wait", "check", "follow_up"]
    assert runs_of(api, replied)[0]["steps"][-1]["output"] == {"matched": "end"}


def test_updated_trigger_with_condition_and_changed_fields(api: Api, engine: Engine) -> None:
    setup(api)
    assert put_workflow(api, {
        "api_name": "mql", "object": "lead",
        "trigger": {"on": "updated", "changed": ["score"],
                    "condition": {"field": "score", "op": "gte", "value": 60}},
        "steps": [{"id": "promote", "action": "update_record", "values": {"status": "mql"}}],
    }).status_code == 200
    lead_id = api.post("/api/v1/records/lead", json={"full_name": "Wang Wu",
                                                     "score": 10}).get_json()["id"]
    api.patch(f"/api/v1/records/lead/{lead_id}", json={"company_name": "ACME"})
    api.patch(f"/api/v1/records/lead/{lead_id}", json={"score": 40})
    engine.tick()
    assert api.get(f"/api/v1/records/lead/{lead_id}").get_json()["status"] == "new"
    api.patch(f"/api/v1/records/lead/{lead_id}", json={"score": 75})
    engine.tick()
    assert api.get(f"/api/v1/records/lead/{lead_id}").get_json()["status"] == "mql"
    assert len(runs_of(api, lead_id)) == 1
    audit = api.get(f"/api/v1/records/lead/{lead_id}/audit").get_json()["items"]
    assert any(c["field"] == "status" and c["new"] == "mql"
               for entry in audit for c in entry["changes"])


def test_failure_retries_then_falls_back(api: Api, engine: Engine) -> None:
    setup(api)
    assert put_workflow(api, {
        "api_name": "welcome", "object": "lead", "trigger": {"on": "created"},
        "steps": [
            {"id": "email", "action": "update_record", "values": {"employees": -5},
             "on_failure": {"retry": 2, "backoff_seconds": 60, "then": "sms"}},
            {"id": "never", "action": "update_record", "values": {"status": "working"}},
            {"id": "sms", "action": "create_record", "object": "task",
             "values": {"subject": "SMS fallback", "lead": "{{record.id}}"}},
        ]}).status_code == 200
    lead_id = api.post("/api/v1/records/lead", json={"full_name": "Zhao Liu"}).get_json()["id"]
    engine.tick()
    engine.later(seconds=59)
    assert tasks_of(api, lead_id) == []
    engine.later(seconds=1)   # first retry after 60 s
    engine.later(seconds=120)  # second retry after 120 s more, then the fallback
    [fallback] = tasks_of(api, lead_id)
    assert fallback["subject"] == "SMS fallback"
    [run] = runs_of(api, lead_id)
    assert run["status"] == "completed"
    outcomes = [(s["step"], s["outcome"]) for s in run["steps"]]
    assert outcomes == [("email", "retry"), ("email", "retry"), ("email", "failed"),
                        ("sms", "done")]
    assert run["steps"][0]["error"]["errors"][0]["path"] == "/employees"
    assert api.get(f"/api/v1/records/lead/{lead_id}").get_json()["status"] == "new"


DRIP = {"api_name": "drip", "object": "lead", "trigger": {"on": "created"},
        "steps": [{"id": "wait", "wait": {"days": 1}},
                  {"id": "mark", "action": "update_record", "values": {"status": "working"}}]}


def test_pause_resume_and_cancel(api: Api, engine: Engine) -> None:
    setup(api)
    assert put_workflow(api, DRIP).status_code == 200
    first = api.post("/api/v1/records/lead", json={"full_name": "A"}).get_json()["id"]
    second = api.post("/api/v1/records/lead", json={"full_name": "B"}).get_json()["id"]
    engine.tick()
    assert api.post("/api/v1/workflows/drip/pause").get_json()["paused"] is True
    engine.later(days=2)
    assert api.get(f"/api/v1/records/lead/{first}").get_json()["status"] == "new"
    run = runs_of(api, second)[0]
    assert api.post(f"/api/v1/runs/{run['id']}/cancel").get_json()["status"] == "cancelled"
    refused = api.post(f"/api/v1/runs/{run['id']}/cancel")
    assert refused.status_code == 409
    api.post("/api/v1/workflows/drip/resume")
    engine.tick()
    assert api.get(f"/api/v1/records/lead/{first}").get_json()["status"] == "working"
    assert api.get(f"/api/v1/records/lead/{second}").get_json()["status"] == "new"
    history = api.get("/api/v1/workflows/drip/runs").get_json()["items"]
    assert sorted(r["status"] for r in history) == ["cancelled", "completed"]


def test_edits_do_not_change_runs_in_flight(api: Api, engine: Engine) -> None:
    setup(api)
    document = {"api_name": "versioned", "object": "lead", "trigger": {"on": "created"},
                "steps": [{"id": "wait", "wait": {"hours": 1}},
                          {"id": "mark", "action": "update_record",
                           "values": {"status": "working"}}]}
    put_workflow(api, document)
    old = api.post("/api/v1/records/lead", json={"full_name": "Old"}).get_json()["id"]
    engine.tick()
    document["steps"][1]["values"] = {"status": "mql"}
    put_workflow(api, document)
    new = api.post("/api/v1/records/lead", json={"full_name": "New"}).get_json()["id"]
    engine.tick()
    engine.later(hours=2)
    assert api.get(f"/api/v1/records/lead/{old}").get_json()["status"] == "working"
    assert api.get(f"/api/v1/records/lead/{new}").get_json()["status"] == "mql"


def test_manual_start_for_a_filtered_set(api: Api, engine: Engine) -> None:
    setup(api)
    put_workflow(api, {"api_name": "wake_up", "object": "lead", "trigger": {"on": "manual"},
                       "steps": [{"id": "tag", "action": "add_tag", "field": "tags",
                                  "tag": "cold"}]})
    ids = [api.post("/api/v1/records/lead", json={"full_name": f"L{i}", "employees": i})
           .get_json()["id"] for i in range(4)]
    started = api.post("/api/v1/workflows/wake_up/runs", json={
        "filter": {"field": "employees", "op": "gte", "value": 2}})
    assert started.status_code == 202 and started.get_json()["started"] == 2
    engine.tick()
    tags = [api.get(f"/api/v1/records/lead/{i}").get_json()["tags"] for i in ids]
    assert tags == [None, None, ["cold"], ["cold"]]
    bad = api.post("/api/v1/workflows/wake_up/runs", json={"records": ["nope", ids[0]]})
    assert bad.status_code == 422 and error_paths(bad) == ["/records/0"]


def test_invalid_workflows_are_refused_with_pointers(api: Api) -> None:
    setup(api)
    response = put_workflow(api, {
        "api_name": "broken", "object": "lead",
        "trigger": {"on": "updated", "changed": ["nope"],
                    "condition": {"field": "score", "op": "contains", "value": 1}},
        "steps": [{"id": "tag", "action": "add_tag", "field": "tags", "tag": "gold",
                   "next": "zzz"},
                  {"id": "tag", "wait": {"days": 1, "until_field": "last_reply_at"}},
                  {"id": "make", "action": "create_record", "object": "ghost",
                   "values": {"x": 1}}]})
    assert response.status_code == 422
    paths = error_paths(response)
    for expected in ("/trigger/changed/0", "/trigger/condition", "/steps/0/next",
                     "/steps/0/tag", "/steps/1/id", "/steps/1/wait", "/steps/2/object"):
        assert any(p.startswith(expected) for p in paths), (expected, paths)
    assert "unknown_step" in error_codes(response)
    problem(api.get("/api/v1/meta/workflows/broken"), 404, "unknown_document")


def test_changed_to_and_related_conditions(api: Api, engine: Engine) -> None:
    """Trigger on the moment a lead becomes an MQL; branch on its related tasks."""
    setup(api)
    assert put_workflow(api, {
        "api_name": "handoff", "object": "lead",
        "trigger": {"on": "updated",
                    "condition": {"field": "status", "op": "changed_to", "value": "mql"}},
        "steps": [{"id": "has_task", "branch": [{"if": {"related": {
            "object": "task", "via": "lead", "exists": True}}, "then": "end"}]},
            {"id": "make", "action": "create_record", "object": "task",
             "values": {"subject": "Call the new MQL", "lead": "{{record.id}}"}}]}
    ).status_code == 200
    lead_id = api.post("/api/v1/records/lead", json={"full_name": "Sun Qi"}).get_json()["id"]
    api.patch(f"/api/v1/records/lead/{lead_id}", json={"status": "working"})
    engine.tick()
    assert runs_of(api, lead_id) == []
    api.patch(f"/api/v1/records/lead/{lead_id}", json={"status": "mql"})
    api.patch(f"/api/v1/records/lead/{lead_id}", json={"company_name": "Still MQL"})
    engine.tick()
    assert [t["subject"] for t in tasks_of(api, lead_id)] == ["Call the new MQL"]
    api.patch(f"/api/v1/records/lead/{lead_id}", json={"status": "working"})
    api.patch(f"/api/v1/records/lead/{lead_id}", json={"status": "mql"})
    engine.tick()  # becomes an MQL again, but a task exists: the branch ends the run
    assert len(tasks_of(api, lead_id)) == 1
    assert len(runs_of(api, lead_id)) == 2


def test_one_records_run_paused_and_resumed(api: Api, engine: Engine) -> None:
    setup(api)
    assert put_workflow(api, DRIP).status_code == 200
    held = api.post("/api/v1/records/lead", json={"full_name": "A"}).get_json()["id"]
    other = api.post("/api/v1/records/lead", json={"full_name": "B"}).get_json()["id"]
    engine.tick()
    run = runs_of(api, held)[0]
    paused = api.post(f"/api/v1/runs/{run['id']}/pause")
    assert paused.status_code == 200 and paused.get_json()["status"] == "paused"
    engine.later(days=2)
    assert api.get(f"/api/v1/records/lead/{held}").get_json()["status"] == "new"
    assert api.get(f"/api/v1/records/lead/{other}").get_json()["status"] == "working"
    listed = api.get("/api/v1/workflows/drip/runs", query={"status": "paused"}).get_json()
    assert [r["id"] for r in listed["items"]] == [run["id"]]
    resumed = api.post(f"/api/v1/runs/{run['id']}/resume")
    assert resumed.status_code == 200 and resumed.get_json()["status"] == "waiting"
    engine.tick()  # overdue since yesterday: runs at once
    assert api.get(f"/api/v1/records/lead/{held}").get_json()["status"] == "working"
    finished = api.post(f"/api/v1/runs/{run['id']}/pause")
    assert finished.status_code == 409 and error_codes(finished) == ["run_finished"]
