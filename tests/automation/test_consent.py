"""Consent: an unsubscribe link (and RFC 8058 one-click POST) stops the next marketing
email but not a transactional one; opt-outs set through the API suppress a channel."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from objectry.platform.services import Services
from tests.automation.channel_support import (
    Sink,
    define_contacts,
    email_step,
    messages_of,
    put_workflow,
    text_step,
)
from tests.automation.conftest import Engine
from tests.conftest import Api, TenantHandle, error_paths, problem

PROMO = {"api_name": "promo", "object": "contact",
         "trigger": {"on": "event", "event": "promo"},
         "steps": [email_step("offer", "Offer", "Offer for {{record.full_name}}")]}
RECEIPT = {"api_name": "receipt", "object": "contact",
           "trigger": {"on": "event", "event": "paid"},
           "steps": [email_step("receipt", "Receipt", "Paid", marketing=False)]}
SMS_PROMO = {"api_name": "sms_promo", "object": "contact",
             "trigger": {"on": "event", "event": "sms"},
             "steps": [text_step("offer", "sms", "Offer", "mobile")]}


def new_contact(api: Api, **values: Any) -> str:
    created = api.post("/api/v1/records/contact", json={
        "full_name": "Zhang San", "email": "zhang@example.com", "mobile": "13800138000",
        **values})
    assert created.status_code == 201, created.get_json()
    return str(created.get_json()["id"])


def event(api: Api, engine: Engine, contact_id: str, kind: str) -> None:
    posted = api.post("/api/v1/events", json={"object": "contact", "record": contact_id,
                                              "type": kind})
    assert posted.status_code == 202
    engine.later(minutes=1)


def test_unsubscribe_stops_marketing_but_not_transactional_email(
        api: Api, engine: Engine, sink: Sink) -> None:
    define_contacts(api)
    for workflow in (PROMO, RECEIPT):
        assert put_workflow(api, workflow).status_code == 200
    contact_id = new_contact(api)
    event(api, engine, contact_id, "promo")
    [offer] = sink.to("zhang@example.com")
    header = offer["List-Unsubscribe"]
    assert offer["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(http://127\.0\.0\.1:8000(/u/[^>]+))>", header)
    assert url is not None
    assert url.group(1) in offer.get_content()  # the link in the body too
    path = url.group(2)
    stored = messages_of(api, "contact", contact_id)[0]
    assert path not in stored["body"]  # the contact's token is not in the messages list

    page = api.client.get(path, headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200 and "退订" in page.get_data(as_text=True)
    assert api.get(f"/api/v1/records/contact/{contact_id}/consent").get_json()["email"] is None
    one_click = api.client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    consent = api.get(f"/api/v1/records/contact/{contact_id}/consent").get_json()
    assert consent["email"]["status"] == "opted_out"
    assert consent["email"]["source"] == "list_unsubscribe"

    event(api, engine, contact_id, "promo")
    event(api, engine, contact_id, "paid")
    assert len(sink.to("zhang@example.com")) == 2
    assert sink.to("zhang@example.com")[-1]["Subject"] == "Receipt"
    assert "List-Unsubscribe" not in sink.to("zhang@example.com")[-1]
    statuses = [(m["step"], m["status"]) for m in messages_of(api, "contact", contact_id)]
    assert statuses == [("offer", "sent"), ("offer", "suppressed"), ("receipt", "sent")]
    suppressed = messages_of(api, "contact", contact_id, status="suppressed")[0]
    assert suppressed["error"]["code"] == "consent_opted_out"

    # the opt-out holds for the address through another record too
    other = new_contact(api, full_name="Zhang S.", email="ZHANG@example.com")
    event(api, engine, other, "promo")
    assert messages_of(api, "contact", other)[0]["status"] == "suppressed"


def test_a_forged_or_foreign_link_changes_nothing(api: Api) -> None:
    define_contacts(api)
    assert api.client.get("/u/not-a-token").status_code == 404
    forged = api.client.post("/u/eyJ0IjoxfQ.AAAA", data={"List-Unsubscribe": "One-Click"})
    assert forged.status_code == 404


def test_consent_through_the_api(api: Api, engine: Engine, tenant: TenantHandle) -> None:
    define_contacts(api)
    assert put_workflow(api, SMS_PROMO).status_code == 200
    contact_id = new_contact(api)
    consent = f"/api/v1/records/contact/{contact_id}/consent"
    bad = api.put(consent, json={"fax": "opted_out", "sms": "maybe"})
    assert bad.status_code == 422 and error_paths(bad) == ["/fax", "/sms"]
    changed = api.put(consent, json={"sms": "opted_out"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["sms"]["status"] == "opted_out"
    assert changed.get_json()["email"] is None
    event(api, engine, contact_id, "sms")
    assert [m["status"] for m in messages_of(api, "contact", contact_id)] == ["suppressed"]
    assert api.put(consent, json={"sms": "opted_in"}).status_code == 200
    event(api, engine, contact_id, "sms")
    assert [m["status"] for m in messages_of(api, "contact", contact_id)] == [
        "suppressed", "outbox"]

    role = {"kind": "role", "api_name": "reader", "label": {"en": "Reader"},
            "grants": {"contact": {"actions": ["read"], "scope": "all"}}}
    assert api.put("/api/v1/meta/roles/reader", json=role).status_code == 200
    reader = Api(api.client, tenant.add_user("reader@example.com", roles=["reader"]))
    assert reader.get(consent).status_code == 200
    problem(reader.put(consent, json={"sms": "opted_out"}), 403)
    outsider = Api(api.client, tenant.add_user("outsider@example.com"))
    assert outsider.get(consent).status_code in (403, 404)


def test_with_consent_required_marketing_needs_an_opt_in(
        api: Api, engine: Engine, services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "settings", dataclasses.replace(
        services.settings, message_consent_required=True))
    define_contacts(api)
    assert put_workflow(api, SMS_PROMO).status_code == 200
    contact_id = new_contact(api)
    event(api, engine, contact_id, "sms")
    [refused] = messages_of(api, "contact", contact_id)
    assert refused["status"] == "suppressed"
    assert refused["error"]["code"] == "consent_missing"
    consent = f"/api/v1/records/contact/{contact_id}/consent"
    assert api.put(consent, json={"sms": "opted_in"}).status_code == 200
    event(api, engine, contact_id, "sms")
    assert messages_of(api, "contact", contact_id)[-1]["status"] == "outbox"
