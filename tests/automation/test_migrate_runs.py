"""Migrating runs in flight: an admin moves waiting runs onto a new workflow version;
runs whose step the new version dropped, or that a worker holds, stay where they are."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa

from objectry.runtime.automation.run_tables import workflow_runs
from tests.automation.conftest import Engine
from tests.automation.test_workflows import put_workflow, runs_of, setup
from tests.conftest import Api, TenantHandle, error_paths, problem


def v1() -> dict[str, Any]:
    return {"api_name": "routed", "object": "lead", "trigger": {"on": "created"},
            "steps": [
                {"id": "route", "branch": [{"if": {"field": "employees", "op": "gte",
                                                   "value": 10}, "then": "vip_wait"}]},
                {"id": "wait", "wait": {"hours": 1}},
                {"id": "mark", "action": "update_record", "values": {"status": "working"},
                 "next": "end"},
                {"id": "vip_wait", "wait": {"hours": 1}},
                {"id": "vip_mark", "action": "update_record", "values": {"status": "working"}},
            ]}


def v2() -> dict[str, Any]:
    """Big accounts no longer get their own path; the mark step now makes an MQL."""
    document = v1()
    document["steps"] = [
        {"id": "route", "branch": [{"if": {"field": "employees", "op": "gte", "value": 10},
                                    "then": "mark"}]},
        {"id": "wait", "wait": {"hours": 1}},
        {"id": "mark", "action": "update_record", "values": {"status": "mql"}}]
    return document


def migrate(api: Api, body: Any = None) -> Any:
    return api.post("/api/v1/workflows/routed/migrate_runs", json=body)


def status(api: Api, lead_id: str) -> str:
    return api.get(f"/api/v1/records/lead/{lead_id}").get_json()["status"]


def test_waiting_runs_move_to_the_new_version(api: Api, engine: Engine) -> None:
    setup(api)
    first = put_workflow(api, v1()).get_json()["version"]
    small = api.post("/api/v1/records/lead", json={"full_name": "Small", "employees": 2}
                     ).get_json()["id"]
    big = api.post("/api/v1/records/lead", json={"full_name": "Big", "employees": 50}
                   ).get_json()["id"]
    engine.tick()
    assert [r["step"] for r in runs_of(api, small) + runs_of(api, big)] == ["wait", "vip_wait"]
    second = put_workflow(api, v2()).get_json()["version"]

    response = migrate(api, {"to_version": "latest"})
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert result["to_version"] == second
    assert [(m["record"], m["from_version"], m["step"]) for m in result["moved"]] == [
        (small, first, "wait")]
    [skipped] = result["skipped"]
    assert (skipped["record"], skipped["reason"]) == (big, "step_not_in_version")
    assert "vip_wait" in skipped["message"]
    assert migrate(api).get_json()["moved"] == []  # nothing older is left to move

    engine.later(hours=1)
    assert status(api, small) == "mql"      # followed v2
    assert status(api, big) == "working"    # stayed on v1 and finished there
    [moved_run] = runs_of(api, small)
    assert moved_run["workflow_version"] == second and moved_run["status"] == "completed"
    history = [(s["step"], s["outcome"]) for s in moved_run["steps"]]
    assert ("wait", "migrated") in history
    migrated = next(s for s in moved_run["steps"] if s["outcome"] == "migrated")
    assert migrated["input"]["from_version"] == first
    assert migrated["input"]["to_version"] == second
    [stayed] = runs_of(api, big)
    assert stayed["workflow_version"] == first and stayed["status"] == "completed"


def test_a_leased_run_is_skipped_untouched(api: Api, engine: Engine,
                                           tenant: TenantHandle) -> None:
    setup(api)
    first = put_workflow(api, v1()).get_json()["version"]
    lead_id = api.post("/api/v1/records/lead", json={"full_name": "Busy"}).get_json()["id"]
    engine.tick()
    [run] = runs_of(api, lead_id)
    put_workflow(api, v2())
    lease = sa.update(workflow_runs).where(workflow_runs.c.id == sa.bindparam("run_id"))
    with tenant.services.connection() as conn:
        conn.execute(lease, {"run_id": uuid.UUID(run["id"]), "lease_owner": "worker-1",
                             "lease_until": engine.clock.now + dt.timedelta(minutes=5)})

    result = migrate(api, {"from_version": first}).get_json()
    assert result["moved"] == []
    assert [(s["run"], s["reason"]) for s in result["skipped"]] == [
        (run["id"], "run_in_progress")]
    [unchanged] = runs_of(api, lead_id)
    assert unchanged["workflow_version"] == first
    assert [s["outcome"] for s in unchanged["steps"]] == ["done", "waiting"]

    with tenant.services.connection() as conn:  # the worker let go
        conn.execute(lease, {"run_id": uuid.UUID(run["id"]), "lease_owner": None,
                             "lease_until": None})
    assert [m["run"] for m in migrate(api, {"from_version": first, "to_version": "latest"})
            .get_json()["moved"]] == [run["id"]]


def test_bad_requests(api: Api, engine: Engine, tenant: TenantHandle, app: Any) -> None:
    setup(api)
    first = put_workflow(api, v1()).get_json()["version"]
    put_workflow(api, v2())
    problem(api.post("/api/v1/workflows/nope/migrate_runs", json={}), 404, "unknown_workflow")
    for bad in (9999, "soon", True, None):
        response = migrate(api, {"to_version": bad})
        assert response.status_code == 422 and error_paths(response) == ["/to_version"], bad
    assert error_paths(migrate(api, {"from_version": 9999})) == ["/from_version"]
    assert error_paths(migrate(api, {"version": 1})) == ["/version"]
    chinese = api.post("/api/v1/workflows/routed/migrate_runs", json={"to_version": 9999},
                       headers={"Accept-Language": "zh-CN"}).get_json()
    assert "没有版本 9999" in chinese["errors"][0]["message"]
    assert migrate(api, {"to_version": first}).get_json() == {
        "workflow": "routed", "to_version": first, "moved": [], "skipped": []}
    member = Api(app.test_client(), tenant.add_user("rep@example.com"))
    problem(member.post("/api/v1/workflows/routed/migrate_runs"), 403, "admin_required")
