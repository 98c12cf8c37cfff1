"""Seed 001 and 002 journeys through the API on a moved clock: S7 rule A (whitepaper ->
EDM at once -> no reply in 3 days -> WeCom follow-up), S8 new sign-up (day 1 welcome,
day 3 tutorial, day 7 sales follow-up) and high intent (three touches in three days;
a pricing-page view tags the contact "price sensitive")."""

from __future__ import annotations

import json
from typing import Any

from tests.automation.channel_support import (
    Sink,
    define_contacts,
    email_step,
    messages_of,
    put_workflow,
    text_step,
)
from tests.automation.conftest import Engine
from tests.conftest import Api


def setup(api: Api) -> None:
    define_contacts(api)


def new_contact(api: Api, name: str, address: str, **values: Any) -> str:
    created = api.post("/api/v1/records/contact", json={
        "full_name": name, "email": address, "mobile": "13800138000",
        "wecom_id": f"wx_{name.lower().replace(' ', '_')}", **values})
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


def event(api: Api, contact_id: str, kind: str, **data: Any) -> None:
    posted = api.post("/api/v1/events", json={"object": "contact", "record": contact_id,
                                              "type": kind, "data": data})
    assert posted.status_code == 202, posted.get_json()


def tasks_of(api: Api, contact_id: str) -> list[dict[str, Any]]:
    condition = {"field": "contact", "op": "eq", "value": contact_id}
    return api.get("/api/v1/records/task",
                   query={"filter": json.dumps(condition)}).get_json()["items"]


def channels_of(api: Api, contact_id: str) -> list[tuple[str, str]]:
    return [(m["channel"], m["status"]) for m in messages_of(api, "contact", contact_id)]


RULE_A = {
    "api_name": "whitepaper_nurture", "object": "contact",
    "trigger": {"on": "event", "event": "whitepaper_download"},
    "steps": [
        email_step("edm", "Your whitepaper, {{record.full_name}}",
                   "Thanks for downloading. Here is the digest.",
                   on_failure={"retry": 2, "backoff_seconds": 300, "then": "sms"}),
        {"id": "wait", "wait": {"days": 3}},
        {"id": "check", "branch": [{"if": {"field": "last_reply_at", "op": "is_empty"},
                                    "then": "wecom"}], "else": "end"},
        text_step("sms", "sms", "Your whitepaper digest is in your inbox", "mobile",
                  next="wait"),
        text_step("wecom", "wecom", "{{record.full_name}}, shall we walk you through it?",
                  "{{record.wecom_id}}", marketing=False),
        {"id": "task", "action": "create_record", "object": "task",
         "values": {"subject": "企微跟进: 白皮书解读+案例 {{record.full_name}}",
                    "contact": "{{record.id}}"}},
    ]}


def test_s7_rule_a_whitepaper_edm_then_wecom_follow_up(api: Api, engine: Engine,
                                                       sink: Sink) -> None:
    setup(api)
    assert put_workflow(api, RULE_A).status_code == 200
    quiet = new_contact(api, "Zhang San", "zhang@example.com")
    replied = new_contact(api, "Li Si", "li@example.com")
    event(api, quiet, "whitepaper_download", asset="cdp-2026.pdf")
    event(api, replied, "whitepaper_download", asset="cdp-2026.pdf")
    engine.tick()
    [edm] = sink.to("zhang@example.com")
    assert edm["Subject"] == "Your whitepaper, Zhang San"
    assert channels_of(api, quiet) == [("email", "sent")]
    assert len(sink.to("li@example.com")) == 1

    api.patch(f"/api/v1/records/contact/{replied}",
              json={"last_reply_at": engine.clock.now.isoformat()})
    engine.later(days=2, hours=23, minutes=59)
    assert channels_of(api, quiet) == [("email", "sent")] and tasks_of(api, quiet) == []
    engine.later(minutes=1)
    assert channels_of(api, quiet) == [("email", "sent"), ("wecom", "outbox")]
    wecom = messages_of(api, "contact", quiet)[1]
    assert wecom["to"] == "wx_zhang_san" and wecom["marketing"] is False
    assert wecom["body"] == "Zhang San, shall we walk you through it?"
    [task] = tasks_of(api, quiet)
    assert task["subject"] == "企微跟进: 白皮书解读+案例 Zhang San"
    assert channels_of(api, replied) == [("email", "sent")] and tasks_of(api, replied) == []
    assert len(sink.received) == 2


SIGN_UP = {
    "api_name": "new_sign_up", "object": "contact", "trigger": {"on": "created"},
    "steps": [
        email_step("welcome", "Welcome aboard", "Day 1: welcome, {{record.full_name}}."),
        {"id": "to_day_3", "wait": {"days": 2}},
        email_step("tutorial", "Getting started", "Day 3: a five-minute tutorial."),
        {"id": "to_day_7", "wait": {"days": 4}},
        {"id": "sales", "action": "create_record", "object": "task",
         "values": {"subject": "Sales follow-up: {{record.full_name}}",
                    "contact": "{{record.id}}"}},
    ]}


def test_s8_new_sign_up_day_1_3_7(api: Api, engine: Engine, sink: Sink) -> None:
    """Day 1 is the sign-up day; each touch comes on its day, not a minute before."""
    setup(api)
    assert put_workflow(api, SIGN_UP).status_code == 200
    contact_id = new_contact(api, "Wang Wu", "wang@example.com")
    engine.tick()
    assert [m["Subject"] for m in sink.received] == ["Welcome aboard"]
    engine.later(days=1, hours=23, minutes=59)
    assert len(sink.received) == 1
    engine.later(minutes=1)  # day 3
    assert [m["Subject"] for m in sink.received] == ["Welcome aboard", "Getting started"]
    engine.later(days=3, hours=23, minutes=59)
    assert tasks_of(api, contact_id) == []
    engine.later(minutes=1)  # day 7
    [task] = tasks_of(api, contact_id)
    assert task["subject"] == "Sales follow-up: Wang Wu"
    listed = messages_of(api, "contact", contact_id)
    assert [(m["step"], m["status"]) for m in listed] == [("welcome", "sent"),
                                                          ("tutorial", "sent")]
    day_one, day_three = (m["sent_at"] for m in listed)
    assert day_one < day_three
    [run] = api.get(f"/api/v1/records/contact/{contact_id}/runs").get_json()["items"]
    assert run["status"] == "completed"


HIGH_INTENT = {
    "api_name": "high_intent", "object": "contact",
    "trigger": {"on": "updated", "changed": ["score"],
                "condition": {"field": "score", "op": "gte", "value": 80}},
    "steps": [
        email_step("touch_1", "A case study for you", "Customers like you saved 30%."),
        {"id": "day_2", "wait": {"days": 1}},
        text_step("touch_2", "sms", "{{record.full_name}}, a demo slot is open tomorrow",
                  "mobile"),
        {"id": "day_3", "wait": {"days": 1}},
        text_step("touch_3", "wecom", "Shall I send the pricing sheet?", "wecom_id"),
    ]}

PRICING = {
    "api_name": "pricing_view", "object": "contact",
    "trigger": {"on": "event", "event": "page_view"},
    "steps": [
        {"id": "remember", "action": "update_record",
         "values": {"last_page": "{{trigger.data.page}}"}},
        {"id": "pricing", "branch": [{"if": {"field": "last_page", "op": "eq",
                                             "value": "pricing"}, "then": "tag"}],
         "else": "end"},
        {"id": "tag", "action": "add_tag", "field": "tags", "tag": "price_sensitive"},
    ]}


def test_s8_high_intent_three_touches_and_price_sensitive(api: Api, engine: Engine,
                                                          sink: Sink) -> None:
    setup(api)
    assert put_workflow(api, HIGH_INTENT).status_code == 200
    assert put_workflow(api, PRICING).status_code == 200
    hot = new_contact(api, "Zhao Liu", "zhao@example.com", score=40)
    warm = new_contact(api, "Sun Qi", "sun@example.com", score=40)
    api.patch(f"/api/v1/records/contact/{hot}", json={"score": 85})
    api.patch(f"/api/v1/records/contact/{warm}", json={"score": 79})
    engine.tick()
    assert channels_of(api, hot) == [("email", "sent")]
    engine.later(hours=23, minutes=59)
    assert channels_of(api, hot) == [("email", "sent")]
    engine.later(minutes=1)
    assert channels_of(api, hot) == [("email", "sent"), ("sms", "outbox")]
    engine.later(days=1)
    assert channels_of(api, hot) == [("email", "sent"), ("sms", "outbox"),
                                     ("wecom", "outbox")]
    first, last = messages_of(api, "contact", hot)[0], messages_of(api, "contact", hot)[-1]
    assert first["sent_at"][:10] < last["sent_at"][:10]  # three touches, three days
    assert messages_of(api, "contact", warm) == []

    event(api, hot, "page_view", page="blog")
    engine.tick()
    assert api.get(f"/api/v1/records/contact/{hot}").get_json()["tags"] is None
    event(api, hot, "page_view", page="pricing")
    engine.tick()
    assert api.get(f"/api/v1/records/contact/{hot}").get_json()["tags"] == ["price_sensitive"]
    assert len(sink.received) == 1
