"""The marketing cap counts across channels per recipient record (seed 001/004: no
contact gets more than three marketing messages a day), per channel only as an option."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from objectry.platform.services import Services
from tests.automation.channel_support import (
    define_contacts,
    email_step,
    messages_of,
    put_workflow,
    text_step,
)
from tests.automation.conftest import Engine
from tests.conftest import Api

EVERY_CHANNEL = {
    "api_name": "blast", "object": "contact", "trigger": {"on": "event", "event": "promo"},
    "steps": [email_step("mail", "Offer", "Offer for {{record.full_name}}"),
              text_step("sms", "sms", "Offer", "mobile"),
              text_step("wecom", "wecom", "Offer", "wecom_id")]}
RECEIPT = {
    "api_name": "receipt", "object": "contact", "trigger": {"on": "event", "event": "paid"},
    "steps": [text_step("receipt", "sms", "Payment received", "mobile", marketing=False)]}


def contact_with_every_address(api: Api) -> str:
    define_contacts(api)
    created = api.post("/api/v1/records/contact", json={
        "full_name": "Zhang San", "email": "zhang@example.com", "mobile": "13800138000",
        "wecom_id": "zhangsan"})
    assert created.status_code == 201, created.get_json()
    return str(created.get_json()["id"])


def three_promos(api: Api, engine: Engine, contact_id: str) -> list[dict[str, Any]]:
    assert put_workflow(api, EVERY_CHANNEL).status_code == 200
    assert put_workflow(api, RECEIPT).status_code == 200
    engine.clock.now = engine.clock.now.replace(hour=9, minute=0, second=0)
    for _ in range(3):
        posted = api.post("/api/v1/events", json={"object": "contact", "record": contact_id,
                                                  "type": "promo"})
        assert posted.status_code == 202
        engine.later(minutes=10)
    posted = api.post("/api/v1/events", json={"object": "contact", "record": contact_id,
                                              "type": "paid"})
    engine.later(minutes=1)
    return messages_of(api, "contact", contact_id)


def test_nine_marketing_messages_to_one_contact_make_three(api: Api, engine: Engine) -> None:
    contact_id = contact_with_every_address(api)
    listed = three_promos(api, engine, contact_id)
    marketing = [m for m in listed if m["marketing"]]
    assert len(marketing) == 9
    assert [m["status"] for m in marketing] == ["outbox"] * 3 + ["capped"] * 6
    assert {m["channel"] for m in marketing[:3]} == {"email", "sms", "wecom"}
    capped = marketing[3:]
    assert {m["error"]["code"] for m in capped} == {"message_capped_recipient"}
    assert all(m["sent_at"] is None for m in capped)
    assert "every channel" in capped[0]["error"]["message"]
    zh = api.get("/api/v1/messages", query={"record": f"contact/{contact_id}",
                                            "status": "capped"},
                 headers={"Accept-Language": "zh-CN"}).get_json()["items"][0]
    assert "所有渠道合计" in zh["error"]["message"]
    # a transactional message is neither capped nor counted
    assert [m["status"] for m in listed if not m["marketing"]] == ["outbox"]


def test_per_channel_caps_as_an_option(api: Api, engine: Engine, services: Services,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "settings", dataclasses.replace(
        services.settings, message_cap_scope="channel"))
    contact_id = contact_with_every_address(api)
    listed = three_promos(api, engine, contact_id)
    assert [m["status"] for m in listed if m["marketing"]] == ["outbox"] * 9


def test_the_next_day_counts_afresh(api: Api, engine: Engine) -> None:
    contact_id = contact_with_every_address(api)
    three_promos(api, engine, contact_id)
    engine.clock.now = engine.clock.now.replace(hour=0, minute=0, second=1)
    engine.later(days=1)
    api.post("/api/v1/events", json={"object": "contact", "record": contact_id,
                                     "type": "promo"})
    engine.tick()
    last = messages_of(api, "contact", contact_id)[-3:]
    assert [m["status"] for m in last] == ["outbox"] * 3
