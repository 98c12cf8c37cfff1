"""S6 through the API: a new lead is scored by a workflow step, an MQL (score >= 60)
gets an "accept within 24 hours" task for its owner and escalates when nobody accepts;
rescoring on updates does not retrigger itself."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from tests.automation.conftest import Engine
from tests.automation.test_workflows import put_workflow, runs_of
from tests.conftest import Api, error_codes, error_paths, problem
from tests.scoring.support import log_activity, new_lead, put, read, setup_scoring

HANDOFF = {
    "api_name": "mql_handoff", "object": "lead", "trigger": {"on": "created"},
    "steps": [
        {"id": "score", "action": "score", "model": "b2b_lead_score"},
        {"id": "check", "branch": [{"if": {"field": "score", "op": "gte", "value": 60},
                                    "then": "accept"}], "else": "end"},
        {"id": "accept", "action": "create_record", "object": "task",
         "values": {"subject": "24 小时内接受: {{record.full_name}}", "lead": "{{record.id}}",
                    "owner": "{{record.owner}}"}},
        {"id": "sla", "wait": {"hours": 24}},
        {"id": "accepted", "branch": [{"if": {"field": "status", "op": "eq", "value": "mql"},
                                       "then": "escalate"}], "else": "end"},
        {"id": "escalate", "action": "create_record", "object": "task",
         "values": {"subject": "升级: {{record.full_name}} 24 小时未接受",
                    "lead": "{{record.id}}"}},
    ]}

#: Rescore when what the score depends on changes; ``changed`` leaves out ``score`` and
#: ``status`` (what the step writes), so the step's own update does not start it again.
RESCORE = {
    "api_name": "rescore", "object": "lead",
    "trigger": {"on": "updated", "changed": ["employees", "need"]},
    "steps": [{"id": "score", "action": "score", "model": "b2b_lead_score"}]}


def tasks_of(api: Api, lead_id: str) -> list[dict[str, Any]]:
    condition = {"field": "lead", "op": "eq", "value": lead_id}
    items = api.get("/api/v1/records/task", query={"filter": json.dumps(condition),
                                                   "sort": "created_at"}).get_json()["items"]
    return items


def hot_lead(api: Api, engine: Engine, name: str) -> str:
    lead_id = new_lead(api, full_name=name, employees=800,
                       need="CRM automation, scoring and analytics")["id"]
    for days_ago in (2, 5):
        log_activity(api, lead_id, "whitepaper_download",
                     engine.clock.now - dt.timedelta(days=days_ago))
    log_activity(api, lead_id, "pricing_page_view", engine.clock.now - dt.timedelta(days=1))
    return lead_id


def test_s6_score_handoff_and_sla_escalation(api: Api, engine: Engine) -> None:
    setup_scoring(api)
    assert put_workflow(api, HANDOFF).status_code == 200
    accepted = hot_lead(api, engine, "Zhang San")
    ignored = hot_lead(api, engine, "Li Si")
    cold = new_lead(api, full_name="Wang Wu", employees=20)["id"]
    engine.tick()

    for lead_id in (accepted, ignored):
        lead = read(api, lead_id)
        assert (lead["score"], lead["status"]) == (83, "mql")  # 30 + 32 + 21
        [task] = tasks_of(api, lead_id)
        assert task["subject"].startswith("24 小时内接受") and task["owner"] == lead["owner"]
    assert (read(api, cold)["score"], read(api, cold)["status"]) == (0, "new")
    assert tasks_of(api, cold) == []
    [run] = runs_of(api, accepted)
    assert run["steps"][0]["output"]["score"] == 83
    assert run["steps"][0]["output"]["sets"] == {"status": "mql"}

    api.patch(f"/api/v1/records/lead/{accepted}", json={"status": "working"})
    engine.later(hours=23, minutes=59)
    assert len(tasks_of(api, ignored)) == 1
    engine.later(minutes=1)
    assert [t["subject"] for t in tasks_of(api, ignored)][1] == "升级: Li Si 24 小时未接受"
    assert len(tasks_of(api, accepted)) == 1


def test_rescoring_on_update_does_not_loop(api: Api, engine: Engine) -> None:
    setup_scoring(api)
    assert put_workflow(api, HANDOFF).status_code == 200
    assert put_workflow(api, RESCORE).status_code == 200
    lead_id = new_lead(api, full_name="Zhao Liu", employees=60, need="crm")["id"]
    engine.tick()
    assert read(api, lead_id)["score"] == 26  # 60 x 30% + 20 x 40%
    assert [r["workflow"] for r in runs_of(api, lead_id)] == ["mql_handoff"]

    api.patch(f"/api/v1/records/lead/{lead_id}",
              json={"employees": 900, "need": "crm automation scoring analytics integration"})
    for _ in range(3):
        engine.tick()
    lead = read(api, lead_id)
    assert (lead["score"], lead["status"]) == (70, "mql")  # 30 + 40 + 0
    runs = runs_of(api, lead_id)
    assert sorted(r["workflow"] for r in runs) == ["mql_handoff", "rescore"]
    [rescore] = [r for r in runs if r["workflow"] == "rescore"]
    assert rescore["status"] == "completed"
    assert rescore["steps"][0]["output"]["changed"] is True

    api.patch(f"/api/v1/records/lead/{lead_id}", json={"need": "CRM automation scoring "
                                                               "analytics integration!"})
    engine.tick()
    runs = [r for r in runs_of(api, lead_id) if r["workflow"] == "rescore"]
    assert len(runs) == 2
    assert {r["steps"][0]["output"]["changed"] for r in runs} == {True, False}
    audit = api.get(f"/api/v1/records/lead/{lead_id}/audit").get_json()["items"]
    assert sum(1 for entry in audit for c in entry["changes"] if c["field"] == "score") == 2


def test_score_step_must_name_a_model_of_the_object(api: Api) -> None:
    setup_scoring(api)
    put(api, "scoring_models", {"kind": "scoring_model", "api_name": "task_score",
                                "object": "task", "target_field": "weight",
                                "dimensions": []}, expect=422)
    for model, code in (("nope", "unknown_scoring_model"), (None, "required")):
        step: dict[str, Any] = {"id": "score", "action": "score"}
        if model is not None:
            step["model"] = model
        response = put_workflow(api, {"api_name": "bad", "object": "lead",
                                      "trigger": {"on": "created"}, "steps": [step]})
        assert response.status_code == 422, response.get_json()
        assert error_paths(response) == ["/steps/0/model"]
        assert error_codes(response) == [code]
    problem(api.get("/api/v1/meta/workflows/bad"), 404, "unknown_document")


def test_score_step_fails_clearly_when_its_model_is_gone(api: Api, engine: Engine) -> None:
    setup_scoring(api)
    assert put_workflow(api, HANDOFF).status_code == 200
    assert api.delete("/api/v1/meta/scoring_models/b2b_lead_score").status_code == 200
    lead_id = new_lead(api, employees=900)["id"]
    engine.tick()
    [run] = runs_of(api, lead_id)
    assert run["status"] == "failed"
    assert run["steps"][-1]["error"]["code"] == "unknown_scoring_model"
    assert read(api, lead_id)["score"] is None and tasks_of(api, lead_id) == []
