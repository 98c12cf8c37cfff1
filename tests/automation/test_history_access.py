"""Run history and messages show a reader of the record no more than the record does.

A workflow reacts to a change of a lead's company (a field group the readers below may
not see), writes a company field, texts the lead's mobile (sensitive) a body that names
the company and emails them a body that does not. One reader's role hides the company
group and masks the mobile; the other reads everything from their role, but a
distribution grant hides the company group on this one lead. Neither finds a company
value, the written value or the unmasked mobile anywhere in what the API answers about
the lead's runs and messages; an administrator sees all of it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.automation.channel_support import put_workflow, text_step
from tests.automation.conftest import Engine
from tests.conftest import Api, TenantHandle
from tests.docs_objects import campaign, lead

#: Record, run and message ids are random hex: a digit secret could appear inside one.
IDS = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def shown(value: Any) -> str:
    """What a reader is shown, as text, with ids blanked out."""
    return IDS.sub("<id>", json.dumps(value, ensure_ascii=False))


SECRETS = ("Hidden Corp", "Secret Corp", "4242", "13812341234")

FOLLOW = {
    "api_name": "follow", "object": "lead",
    "trigger": {"on": "updated", "changed": ["company_name"]},
    "steps": [
        {"id": "size", "action": "update_record", "values": {"employees": 4242,
                                                              "status": "working"}},
        text_step("text", "sms", "Hello from {{record.company_name}}", "mobile",
                  marketing=False),
        text_step("bad", "sms", "Hello", "company_name", marketing=False,
                  on_failure={"then": "mail"}),  # not a phone number: a failed send
        {"id": "mail", "action": "send_message", "channel": "email",
         "to": "{{record.email}}", "marketing": False,
         "template": {"subject": {"en": "For {{record.full_name}}",
                                  "zh-CN": "致{{record.full_name}}"},
                      "body": {"en": "Dear {{record.full_name}}",
                               "zh-CN": "亲爱的{{record.full_name}}"}}},
    ]}


#: Waits until a hidden date: the wake-up time would tell the date.
RENEW = {
    "api_name": "renew", "object": "lead", "trigger": {"on": "created"},
    "steps": [{"id": "before", "wait": {"until_field": "renewal_on"}},
              {"id": "done", "action": "end"}]}


def put(api: Api, path: str, body: dict[str, Any]) -> None:
    response = api.put(path, json=body)
    assert response.status_code == 200, response.get_json()


def role(name: str, actions: list[str], company: str) -> dict[str, Any]:
    return {"kind": "role", "api_name": name, "label": {"en": name, "zh-CN": name},
            "grants": {"lead": {"actions": actions, "scope": "all", "field_groups": {
                "contact": "read", "company": company, "default": "read"}}}}


class World:
    """A lead whose company changed, the workflow run on it, and two restricted readers."""

    def __init__(self, api: Api, tenant: TenantHandle, engine: Engine) -> None:
        self.admin = api
        api.define(campaign())
        api.define(lead(fields=[{"api_name": "renewal_on", "type": "date",
                                 "group": "company"}]))
        put(api, "/api/v1/meta/roles/company_blind", role("company_blind", ["read"], "none"))
        put(api, "/api/v1/meta/roles/reader", role("reader", ["read", "view_sensitive"],
                                                   "read"))
        put(api, "/api/v1/meta/access_policies/lead", {
            "kind": "access_policy", "object": "lead",
            "conflict_strategy": "distribution_wins"})
        self.by_role = Api(api.client, tenant.add_user("blind@example.com",
                                                       roles=["company_blind"]))
        self.by_grant = Api(api.client, tenant.add_user("reader@example.com",
                                                        roles=["reader"]))
        assert put_workflow(api, FOLLOW).status_code == 200
        assert put_workflow(api, RENEW).status_code == 200
        created = api.post("/api/v1/records/lead", json={
            "full_name": "Zhang San", "mobile": "13812341234", "email": "zhang@example.com",
            "company_name": "Hidden Corp", "renewal_on": "2031-07-09"})
        assert created.status_code == 201, created.get_json()
        self.lead = created.get_json()["id"]
        granted = api.post(f"{self.url()}/grants", json={
            "grantee": "user:reader@example.com",
            "field_groups": {"contact": "read", "company": "none", "default": "read"}})
        assert granted.status_code == 201, granted.get_json()
        changed = api.patch(self.url(), json={"company_name": "Secret Corp"})
        assert changed.status_code == 200, changed.get_json()
        engine.tick()
        [run] = self.runs(api, "follow")
        assert run["status"] == "completed", run

    def url(self, suffix: str = "") -> str:
        return f"/api/v1/records/lead/{self.lead}{suffix}"

    def runs(self, user: Api, workflow: str) -> list[dict[str, Any]]:
        response = user.get(self.url("/runs"))
        assert response.status_code == 200, response.get_json()
        return [r for r in response.get_json()["items"] if r["workflow"] == workflow]

    def messages(self, user: Api) -> dict[str, dict[str, Any]]:
        """The lead's messages by step."""
        response = user.get("/api/v1/messages", query={"record": f"lead/{self.lead}"})
        assert response.status_code == 200, response.get_json()
        return {m["step"]: m for m in response.get_json()["items"]}


@pytest.fixture
def world(api: Api, tenant: TenantHandle, engine: Engine) -> World:
    return World(api, tenant, engine)


def steps_of(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["step"]: s for s in run["steps"]}


def test_run_history_hides_and_masks_as_the_record_does(world: World) -> None:
    for reader in (world.by_role, world.by_grant):
        record = reader.get(world.url()).get_json()
        assert "company_name" not in record and "employees" not in record
        [run] = world.runs(reader, "follow")
        text = shown(run)
        for secret in ("Hidden Corp", "Secret Corp", "4242"):
            assert secret not in text
        assert run["trigger"]["data"]["changes"] == []  # only the hidden field changed
        steps = steps_of(run)
        assert steps["size"]["input"]["values"] == {"status": "working"}
        assert steps["size"]["output"]["values"] == {"status": "working"}
        assert steps["text"]["output"]["status"] == "outbox"
    [masked] = world.runs(world.by_role, "follow")
    assert "13812341234" not in shown(masked)
    assert steps_of(masked)["text"]["output"]["to"] == "138****1234"
    [unmasked] = world.runs(world.by_grant, "follow")  # reads the mobile (view_sensitive)
    assert steps_of(unmasked)["text"]["output"]["to"] == "13812341234"

    [everything] = world.runs(world.admin, "follow")
    assert everything["trigger"]["data"]["changes"] == [
        {"field": "company_name", "old": "Hidden Corp", "new": "Secret Corp"}]
    steps = steps_of(everything)
    assert steps["size"]["output"]["values"] == {"employees": 4242, "status": "working"}
    assert steps["text"]["output"]["to"] == "13812341234"


def test_messages_hide_bodies_that_rendered_hidden_fields(world: World) -> None:
    for reader in (world.by_role, world.by_grant):
        seen = world.messages(reader)
        assert set(seen) == {"text", "bad", "mail"}
        dumped = shown(seen)
        for secret in ("Hidden Corp", "Secret Corp"):
            assert secret not in dumped
        assert seen["text"]["body"] is None and seen["text"]["withheld"] == ["body"]
        assert seen["mail"]["body"] == "Dear Zhang San"
        assert seen["mail"]["subject"] == "For Zhang San"
        assert "withheld" not in seen["mail"]
        assert seen["mail"]["to"] == "zhang@example.com"
        assert seen["bad"]["to"] is None and seen["bad"]["withheld"] == ["to"]
        assert seen["bad"]["body"] == "Hello"  # rendered no field
        assert seen["bad"]["error"]["code"] == "message_bad_recipient"
    assert world.messages(world.by_role)["text"]["to"] == "138****1234"
    assert "13812341234" not in shown(world.messages(world.by_role))
    assert world.messages(world.by_grant)["text"]["to"] == "13812341234"

    seen = world.messages(world.admin)
    assert seen["text"]["body"] == "Hello from Secret Corp"
    assert seen["text"]["to"] == "13812341234"
    assert seen["bad"]["to"] == ""  # no valid address came out of it
    assert "Secret Corp" in seen["bad"]["error"]["message"]
    assert all("withheld" not in m for m in seen.values())
    everything = world.admin.get("/api/v1/messages").get_json()["items"]
    assert {m["body"] for m in everything} == {"Hello from Secret Corp", "Hello",
                                               "Dear Zhang San"}


def test_a_wait_on_a_hidden_date_does_not_tell_the_date(world: World) -> None:
    [waiting] = world.runs(world.admin, "renew")
    assert waiting["status"] == "waiting"
    assert waiting["due_at"].startswith("2031-07-09")
    for reader in (world.by_role, world.by_grant):
        [run] = world.runs(reader, "renew")
        assert run["status"] == "waiting" and run["due_at"] is None
        assert "2031" not in shown(run)
