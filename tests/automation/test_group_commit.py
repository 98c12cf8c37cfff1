"""Group commit: runs claimed together advance in one transaction, each step under its
own savepoint; a step with an external effect gets transactions of its own."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa

from objectry.platform.services import Services
from objectry.runtime.automation.run_tables import run_steps, workflow_runs
from tests.automation.conftest import Engine
from tests.automation.test_workflows import put_workflow, runs_of, setup, tasks_of
from tests.conftest import Api, TenantHandle


def outcomes(run: dict[str, Any]) -> list[tuple[str, str]]:
    return [(s["step"], s["outcome"]) for s in run["steps"]]


def test_a_failing_step_rolls_back_only_itself(api: Api, engine: Engine,
                                               tenant: TenantHandle) -> None:
    setup(api)
    assert put_workflow(api, {
        "api_name": "handover", "object": "lead", "trigger": {"on": "created"},
        "steps": [
            {"id": "mark", "action": "update_record", "values": {"status": "working"}},
            # Creates the task, then fails on an unknown owner: the task must go too.
            {"id": "follow", "action": "create_record", "object": "task",
             "values": {"subject": "Call {{record.full_name}}", "lead": "{{record.id}}",
                        "owner": "{{record.email}}"}},
        ]}).status_code == 200
    known = api.post("/api/v1/records/lead", json={
        "full_name": "Known", "email": tenant.admin_email}).get_json()["id"]
    ghost = api.post("/api/v1/records/lead", json={
        "full_name": "Ghost", "email": "ghost@example.com"}).get_json()["id"]
    also = api.post("/api/v1/records/lead", json={"full_name": "Also"}).get_json()["id"]

    report = engine.tick()  # the three runs are claimed and advanced as one group
    assert report.steps == 6

    [good] = runs_of(api, known)
    assert good["status"] == "completed"
    assert outcomes(good) == [("mark", "done"), ("follow", "done")]
    assert [t["subject"] for t in tasks_of(api, known)] == ["Call Known"]

    [failed] = runs_of(api, ghost)
    assert failed["status"] == "failed" and failed["error"]["step"] == "follow"
    assert outcomes(failed) == [("mark", "done"), ("follow", "failed")]
    assert failed["steps"][1]["error"]["code"] == "unknown_user"
    assert tasks_of(api, ghost) == []  # rolled back with its step's savepoint
    assert api.get(f"/api/v1/records/lead/{ghost}").get_json()["status"] == "working"

    [third] = runs_of(api, also)  # no email: the owner is empty, so no reassignment
    assert third["status"] == "completed"
    assert api.get(f"/api/v1/records/lead/{also}").get_json()["status"] == "working"


class Witness:
    """A webhook receiver that looks at the database, from another connection, at the
    moment each delivery arrives: what was committed before the external step?"""

    def __init__(self, services: Services) -> None:
        self.seen: list[dict[str, Any]] = []
        witness = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                run_id = uuid.UUID(self.headers["X-Objectry-Delivery"].split(":")[0])
                witness.seen.append(witness.committed(services, run_id))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def committed(services: Services, run_id: uuid.UUID) -> dict[str, Any]:
        with services.connection(read_only=True) as conn:
            tenant_id = conn.execute(sa.select(workflow_runs.c.tenant_id).where(
                workflow_runs.c.id == run_id)).scalar_one()
            rows = conn.execute(
                sa.select(run_steps.c.run_id, run_steps.c.step)
                .join(workflow_runs, workflow_runs.c.id == run_steps.c.run_id)
                .where(workflow_runs.c.tenant_id == tenant_id)).all()
        return {"own": [step for rid, step in rows if rid == run_id],
                "notified": sum(1 for _, step in rows if step == "notify")}


@pytest.fixture
def witness(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[Witness]:
    monkeypatch.setattr(services, "settings",
                        dataclasses.replace(services.settings, webhook_allow_private=True))
    found = Witness(services)
    yield found
    found.server.shutdown()


def test_an_external_step_commits_before_and_right_after_itself(
        api: Api, engine: Engine, witness: Witness) -> None:
    setup(api)
    assert put_workflow(api, {
        "api_name": "handover", "object": "lead", "trigger": {"on": "created"},
        "steps": [{"id": "mark", "action": "update_record", "values": {"status": "working"}},
                  {"id": "notify", "action": "call_webhook", "url": witness.url},
                  {"id": "tag", "action": "add_tag", "field": "tags", "tag": "vip"}]},
    ).status_code == 200
    leads = [api.post("/api/v1/records/lead", json={"full_name": f"Lead {i}"})
             .get_json()["id"] for i in range(3)]

    engine.tick()

    # Each delivery found its run's step before committed, and every earlier
    # delivery's step committed right after it: a crash can repeat only the delivery
    # in flight, never one that later steps already built on.
    assert witness.seen == [{"own": ["mark"], "notified": i} for i in range(3)]
    for lead_id in leads:
        [run] = runs_of(api, lead_id)
        assert run["status"] == "completed"
        assert outcomes(run) == [("mark", "done"), ("notify", "done"), ("tag", "done")]
        record = api.get(f"/api/v1/records/lead/{lead_id}").get_json()
        assert record["status"] == "working" and record["tags"] == ["vip"]


def test_a_run_that_breaks_the_engine_holds_back_only_itself(
        api: Api, engine: Engine, services: Services) -> None:
    setup(api)
    assert put_workflow(api, {
        "api_name": "later", "object": "lead", "trigger": {"on": "created"},
        "steps": [{"id": "wait", "wait": {"hours": 1}},
                  {"id": "mark", "action": "update_record", "values": {"status": "working"}}],
    }).status_code == 200
    leads = [api.post("/api/v1/records/lead", json={"full_name": f"Lead {i}"})
             .get_json()["id"] for i in range(3)]
    engine.tick()
    broken = runs_of(api, leads[1])[0]["id"]
    with services.engine.begin() as conn:  # a definition that lost the run's step
        conn.execute(sa.update(workflow_runs).where(
            workflow_runs.c.id == uuid.UUID(broken)).values(step="gone"))

    with pytest.raises(KeyError):
        engine.later(hours=2)

    for lead_id in (leads[0], leads[2]):
        [run] = runs_of(api, lead_id)
        assert run["status"] == "completed"
        assert outcomes(run) == [("wait", "waiting"), ("wait", "done"), ("mark", "done")]
    [stuck] = runs_of(api, leads[1])
    assert stuck["status"] == "waiting" and outcomes(stuck) == [("wait", "waiting")]
    with services.engine.connect() as conn:  # given back, not left leased
        assert conn.execute(sa.select(workflow_runs.c.lease_owner).where(
            workflow_runs.c.id == uuid.UUID(broken))).scalar() is None
    assert api.post(f"/api/v1/runs/{broken}/cancel").status_code == 200
    assert engine.tick().steps == 0  # and the engine goes on without raising
