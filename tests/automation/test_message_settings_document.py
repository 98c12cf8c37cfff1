"""The ``message_settings/default`` document: how a pack ships a tenant's marketing cap
and consent requirement (the administrator's own setting still wins), plus the two
template/condition helpers journeys need: ``{{today}}`` for date fields and a wait
``until`` a related record exists."""

from __future__ import annotations

from typing import Any

from tests.automation.channel_support import contact as contact_object
from tests.automation.channel_support import (
    define_contacts,
    messages_of,
    put_workflow,
    text_step,
)
from tests.automation.conftest import Engine
from tests.conftest import Api, error_codes, error_paths

PROMO = {"api_name": "promo", "object": "contact",
         "trigger": {"on": "event", "event": "promo"},
         "steps": [text_step("one", "sms", "Offer 1", "mobile"),
                   text_step("two", "sms", "Offer 2", "mobile"),
                   text_step("three", "sms", "Offer 3", "mobile")]}
SETTINGS = "/api/v1/meta/message_settings/default"


def contact(api: Api) -> str:
    created = api.post("/api/v1/records/contact", json={
        "full_name": "Zhang San", "email": "zhang@example.com", "mobile": "13800138000"})
    assert created.status_code == 201, created.get_json()
    return str(created.get_json()["id"])


def promo(api: Api, engine: Engine, contact_id: str) -> dict[str, str]:
    """One more promo run: its steps' message statuses."""
    before = {m["id"] for m in messages_of(api, "contact", contact_id)}
    posted = api.post("/api/v1/events", json={"object": "contact", "record": contact_id,
                                              "type": "promo"})
    assert posted.status_code == 202
    engine.later(minutes=1)
    return {m["step"]: m["status"] for m in messages_of(api, "contact", contact_id)
            if m["id"] not in before}


def test_a_document_requires_consent_and_sets_the_cap(api: Api, engine: Engine) -> None:
    define_contacts(api)
    assert put_workflow(api, PROMO).status_code == 200
    shipped = api.put(SETTINGS, json={"marketing_daily_cap": 2, "consent_required": True,
                                      "label": {"en": "Rules", "zh-CN": "规则"}})
    assert shipped.status_code == 200, shipped.get_json()
    settings = api.get("/api/v1/messages/settings").get_json()
    assert settings["marketing_daily_cap"] == 2 and settings["consent_required"] is True
    assert settings["from_document"] == ["marketing_daily_cap", "consent_required"]
    contact_id = contact(api)
    assert set(promo(api, engine, contact_id).values()) == {"suppressed"}
    assert messages_of(api, "contact", contact_id)[0]["error"]["code"] == "consent_missing"

    consent = f"/api/v1/records/contact/{contact_id}/consent"
    assert api.put(consent, json={"sms": "opted_in"}).status_code == 200
    assert promo(api, engine, contact_id) == {"one": "outbox", "two": "outbox",
                                              "three": "capped"}

    # the administrator's own cap wins over the document's
    assert api.put("/api/v1/messages/settings",
                   json={"marketing_daily_cap": 5}).status_code == 200
    settings = api.get("/api/v1/messages/settings").get_json()
    assert settings["marketing_daily_cap"] == 5 and settings["overridden"] == [
        "marketing_daily_cap"]
    assert settings["from_document"] == ["consent_required"]
    assert promo(api, engine, contact_id) == {"one": "outbox", "two": "outbox",
                                              "three": "outbox"}

    # without the document the installation defaults hold again (no opt-in needed)
    assert api.delete(SETTINGS).status_code == 200
    assert api.get("/api/v1/messages/settings").get_json()["consent_required"] is False


def test_a_bad_document_is_refused_with_pointers(api: Api) -> None:
    refused = api.put(SETTINGS, json={"marketing_daily_cap": 500, "consent_required": "yes",
                                      "fax": 1})
    assert refused.status_code == 422, refused.get_json()
    assert set(error_paths(refused)) == {"/marketing_daily_cap", "/consent_required", "/fax"}
    other = api.put("/api/v1/meta/message_settings/other", json={})
    assert other.status_code == 422 and "/api_name" in error_paths(other)
    assert error_codes(other)


def coupon() -> dict[str, Any]:
    return {"kind": "object", "api_name": "coupon", "label": {"en": "Coupon", "zh-CN": "券"},
            "fields": [{"api_name": "contact", "type": "lookup", "target": "contact",
                        "on_target_delete": "keep"},
                       {"api_name": "used", "type": "boolean"}]}


WAKE = {"api_name": "wake", "object": "contact", "trigger": {"on": "event", "event": "wake"},
        "steps": [
            {"id": "stamp", "action": "update_record",
             "values": {"last_seen_on": "{{today}}"}},
            {"id": "used", "wait": {
                "until": {"related": {"object": "coupon", "via": "contact", "exists": True,
                                      "where": {"field": "used", "op": "eq", "value": True}}},
                "timeout": {"days": 7}, "check_every": {"hours": 1}, "on_timeout": "end"}},
            text_step("thanks", "sms", "Thanks for coming back", "mobile", marketing=False)]}


def test_today_fills_a_date_and_a_wait_watches_related_records(api: Api,
                                                               engine: Engine) -> None:
    define_contacts(api)
    api.define(contact_object({"api_name": "last_seen_on", "type": "date"}))
    api.define(coupon())
    assert put_workflow(api, WAKE).status_code == 200, put_workflow(api, WAKE).get_json()
    contact_id = contact(api)
    api.post("/api/v1/events", json={"object": "contact", "record": contact_id,
                                     "type": "wake"})
    engine.tick()
    record = api.get(f"/api/v1/records/contact/{contact_id}").get_json()
    assert record["last_seen_on"] == engine.clock.now.date().isoformat()
    engine.later(days=1)
    assert messages_of(api, "contact", contact_id) == []
    api.post("/api/v1/records/coupon", json={"contact": contact_id, "used": True})
    engine.later(hours=1)
    assert [m["step"] for m in messages_of(api, "contact", contact_id)] == ["thanks"]
