"""The workflow designer: a workflow edited as a form with its trigger and steps as
JSON, errors next to the part they concern, a dry run before saving, the plan then
Apply, the steps drawn as a graph, pause and resume, runs filtered by status."""

from __future__ import annotations

import json
import re

from tests.admin_ui.conftest import text
from tests.admin_ui.test_designer import Admins, admins, apply

__all__ = ["admins"]  # the fixture, used by name

TRIGGER = {"on": "created", "condition": {"field": "employees", "op": "gte", "value": 10}}
STEPS = [
    {"id": "mark", "action": "update_record", "values": {"status": "working"}},
    {"id": "wait", "wait": {"days": 3}},
    {"id": "check", "branch": [{"if": {"field": "status", "op": "eq", "value": "working"},
                                "then": "tag"}], "else": "end"},
    {"id": "tag", "action": "add_tag", "field": "tags", "tag": "vip"},
]


def form(**changes: object) -> dict[str, str]:
    base = {"label-en": "Nurture", "label-zh-CN": "培育", "object": "lead",
            "trigger": json.dumps(TRIGGER), "steps": json.dumps(STEPS), "action": "preview"}
    return {**base, **{k: str(v) for k, v in changes.items()}}


def test_a_workflow_is_designed_dry_run_and_applied(admins: Admins) -> None:
    new = admins.admin.get("/app/design/workflows/new?api_name=nurture")
    assert new.status_code == 303 and new.headers["Location"].endswith("/workflows/nurture")
    assert 'class="workflow-form"' in text(admins.admin.get("/app/design/workflows/nurture"))
    big = admins.api.post("/api/v1/records/lead", json={"full_name": "Big", "employees": 20})
    admins.api.post("/api/v1/records/lead", json={"full_name": "Tiny", "employees": 1})
    dry = admins.admin.post("/app/design/workflows/nurture", form(action="dry_run"))
    html = text(dry)
    assert dry.status_code == 200, html[:3000]
    assert f'data-record="{big.get_json()["id"]}"' in html and "Tiny" not in html
    assert 'data-step="check"' in html
    assert admins.api.get("/api/v1/meta/workflows/nurture").status_code == 404

    broken = admins.admin.post("/app/design/workflows/nurture", form(steps="[{"))
    assert broken.status_code == 422 and 'id="errors-steps"' in text(broken)
    wrong = admins.admin.post("/app/design/workflows/nurture", form(steps=json.dumps(
        [{"id": "mark", "action": "update_record", "values": {"ghost": 1}}])))
    html = text(wrong)
    assert wrong.status_code == 422 and re.search(r'id="errors-steps".*?/steps/0', html, re.S)
    assert 'id="errors-trigger"' not in html
    assert admins.api.get("/api/v1/meta/workflows/nurture").status_code == 404

    preview = admins.admin.post("/app/design/workflows/nurture", form())
    assert preview.status_code == 200 and 'id="apply"' in text(preview)
    assert apply(admins.admin, preview).status_code == 303
    stored = admins.api.get("/api/v1/meta/workflows/nurture").get_json()
    assert stored["steps"] == STEPS and stored["active"] is False
    page = text(admins.admin.get("/app/design/workflows/nurture"))
    assert all(f'data-node="{s["id"]}"' in page for s in STEPS)
    assert 'data-edge="if"' in page and 'data-edge="else"' in page
    assert "<svg" in page and 'data-node="end"' in page

    listed = text(admins.admin.get("/app/design/workflows"))
    assert 'data-workflow="nurture"' in listed
    assert admins.admin.post("/app/design/workflows/nurture/state",
                             {"paused": "on"}).status_code == 303
    assert 'id="resume"' in text(admins.admin.get("/app/design/workflows/nurture"))
    assert admins.admin.post("/app/design/workflows/nurture/state").status_code == 303
    page = text(admins.admin.get("/app/design/workflows/nurture?status=failed"))
    assert 'id="pause"' in page and '<option value="failed" selected>' in page
    assert admins.admin.post("/app/design/workflows/nurture/runs/x/explode").status_code == 422
