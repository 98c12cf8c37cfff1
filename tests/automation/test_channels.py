"""Channels through the API: email over SMTP into a local sink, SMS and WeCom into the
outbox, every message listed per record, failures falling back, the daily cap."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from objectry.platform import automation as platform_automation
from objectry.platform.services import Services
from objectry.runtime.automation.channels import (
    Channels,
    Delivery,
    OutgoingMessage,
    ProviderChannel,
)
from objectry.runtime.automation.send import SendRequest, send_message
from tests.automation.channel_support import (
    Sink,
    define_contacts,
    email_step,
    free_port,
    messages_of,
    put_workflow,
    text_step,
)
from tests.automation.conftest import Engine
from tests.conftest import Api, TenantHandle, error_codes, error_paths, problem


def setup(api: Api) -> None:
    define_contacts(api)


def new_contact(api: Api, **values: Any) -> str:
    values = {"full_name": "Zhang San", "email": "zhang@example.com",
              "mobile": "13800138000", **values}
    created = api.post("/api/v1/records/contact", json=values)
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


def runs_of(api: Api, contact_id: str) -> list[dict[str, Any]]:
    return api.get(f"/api/v1/records/contact/{contact_id}/runs").get_json()["items"]


WELCOME = {
    "api_name": "welcome", "object": "contact", "trigger": {"on": "created"},
    "steps": [
        email_step("email", "Welcome, {{record.full_name}}", "Hello {{record.full_name}}!",
                   on_failure={"retry": 2, "backoff_seconds": 60, "then": "sms"}),
        {"id": "done", "action": "end"},
        text_step("sms", "sms", "Welcome {{record.full_name}}, see you soon",
                  "{{record.mobile}}"),
    ]}


def test_email_goes_over_smtp_and_is_listed(api: Api, engine: Engine, sink: Sink) -> None:
    setup(api)
    assert put_workflow(api, WELCOME).status_code == 200
    contact_id = new_contact(api, full_name="Li Si", email="Li.Si@Example.com")
    engine.tick()
    [mail] = sink.received
    assert mail["To"] == "li.si@example.com"
    assert mail["From"] == "marketing@objectry.test"
    assert mail["Subject"] == "Welcome, Li Si"
    lines = mail.get_content().splitlines()  # then, as it is marketing, the unsubscribe link
    assert lines[0] == "Hello Li Si!" and lines[-1].startswith("Unsubscribe: http")
    [listed] = messages_of(api, "contact", contact_id)
    assert listed["channel"] == "email" and listed["status"] == "sent"
    assert listed["to"] == "li.si@example.com" and listed["subject"] == "Welcome, Li Si"
    assert listed["workflow"] == "welcome" and listed["step"] == "email"
    assert listed["locale"] == "en" and listed["marketing"] is True
    assert listed["sent_at"] == engine.clock.now.isoformat()
    [run] = runs_of(api, contact_id)
    assert run["status"] == "completed"
    assert run["steps"][0]["output"]["status"] == "sent"


def test_failed_email_falls_back_to_sms(api: Api, engine: Engine, sink: Sink) -> None:
    setup(api)
    assert put_workflow(api, WELCOME).status_code == 200
    sink.refuse = 100
    contact_id = new_contact(api)
    engine.tick()
    assert [m["status"] for m in messages_of(api, "contact", contact_id)] == ["failed"]
    engine.later(seconds=59)
    assert [m["channel"] for m in messages_of(api, "contact", contact_id)] == ["email"]
    engine.later(seconds=1)    # second try, 60 s after the first
    engine.later(seconds=120)  # third try, 120 s later, then SMS instead
    email, sms = messages_of(api, "contact", contact_id)
    assert email["channel"] == "email" and email["status"] == "failed"
    assert email["attempts"] == 3 and email["error"]["code"] == "email_refused"
    assert "554" in email["error"]["message"]
    assert sms["channel"] == "sms" and sms["status"] == "outbox"
    assert sms["to"] == "13800138000" and sms["body"] == "Welcome Zhang San, see you soon"
    assert sink.received == []
    [run] = runs_of(api, contact_id)
    assert run["status"] == "completed"
    failures = [s["outcome"] for s in run["steps"] if s["step"] == "email" and s["error"]]
    assert failures == ["retry", "retry", "failed"]
    engine.later(days=1)
    assert len(messages_of(api, "contact", contact_id)) == 2
    assert messages_of(api, "contact", contact_id, status="outbox")[0]["id"] == sms["id"]


def test_a_retry_after_a_refusal_sends_once(api: Api, engine: Engine, sink: Sink) -> None:
    setup(api)
    assert put_workflow(api, WELCOME).status_code == 200
    sink.refuse = 1
    contact_id = new_contact(api)
    engine.tick()
    engine.later(seconds=60)
    engine.later(days=1)
    assert len(sink.received) == 1
    [listed] = messages_of(api, "contact", contact_id)
    assert listed["status"] == "sent" and listed["attempts"] == 2 and listed["error"] is None


def test_a_repeated_step_finds_its_message_instead_of_sending_again(
        api: Api, tenant: TenantHandle) -> None:
    setup(api)
    contact_id = new_contact(api)
    step = text_step("sms", "sms", "Your code is ready", "mobile")
    run_id = uuid.uuid4()

    def send() -> dict[str, Any]:
        with tenant.context() as ctx:
            record = api.get(f"/api/v1/records/contact/{contact_id}").get_json()
            return send_message(SendRequest(
                ctx, Channels(daily_cap=tenant.services.settings.message_daily_cap),
                "contact", uuid.UUID(contact_id), step,
                lambda: {"record": record, "trigger": {}}, run_id, "manual", 1, None)).output

    first, again = send(), send()
    assert first["status"] == "outbox" and "repeated" not in first
    assert again == {**first, "repeated": True}
    assert len(messages_of(api, "contact", contact_id)) == 1


PROMO = {
    "api_name": "promo", "object": "contact",
    "trigger": {"on": "event", "event": "promo"},
    "steps": [text_step("offer", "sms", "Offer for {{record.full_name}}", "mobile"),
              {"id": "mark", "action": "update_record", "values": {"last_page": "offered"}}]}

RECEIPT = {
    "api_name": "receipt", "object": "contact",
    "trigger": {"on": "event", "event": "paid"},
    "steps": [text_step("receipt", "sms", "Payment received", "mobile", marketing=False)]}


def post_event(api: Api, contact_id: str, kind: str) -> None:
    posted = api.post("/api/v1/events", json={"object": "contact", "record": contact_id,
                                              "type": kind})
    assert posted.status_code == 202, posted.get_json()


def test_three_marketing_messages_a_day(api: Api, engine: Engine) -> None:
    setup(api)
    assert put_workflow(api, PROMO).status_code == 200
    assert put_workflow(api, RECEIPT).status_code == 200
    engine.clock.now = engine.clock.now.replace(hour=9, minute=0, second=0)
    contact_id = new_contact(api)
    other = new_contact(api, full_name="Wang Wu", email="wang@example.com",
                        mobile="13900139000")
    for _ in range(4):
        post_event(api, contact_id, "promo")
        engine.later(hours=1)
    post_event(api, other, "promo")
    post_event(api, contact_id, "paid")
    engine.later(minutes=1)
    statuses = [(m["step"], m["status"]) for m in messages_of(api, "contact", contact_id)]
    assert statuses == [("offer", "outbox")] * 3 + [("offer", "capped"),
                                                    ("receipt", "outbox")]
    capped = messages_of(api, "contact", contact_id, status="capped")[0]
    assert capped["error"]["code"] == "message_capped_recipient"  # across channels
    assert capped["body"] == "Offer for Zhang San" and capped["sent_at"] is None
    assert [m["status"] for m in messages_of(api, "contact", other)] == ["outbox"]
    runs = runs_of(api, contact_id)
    assert all(r["status"] == "completed" for r in runs)  # a capped send does not stop a run
    assert api.get(f"/api/v1/records/contact/{contact_id}").get_json()["last_page"] == "offered"

    engine.clock.now = engine.clock.now.replace(hour=0, minute=0, second=1)
    engine.later(days=1)  # just after midnight UTC: a new day
    post_event(api, contact_id, "promo")
    engine.tick()
    assert messages_of(api, "contact", contact_id)[-1]["status"] == "outbox"


def test_the_cap_is_a_tenant_setting(api: Api, engine: Engine) -> None:
    setup(api)
    assert api.get("/api/v1/messages/settings").get_json() == {
        "marketing_daily_cap": 3, "default_locale": "en", "consent_required": False,
        "overridden": [], "from_document": []}
    changed = api.put("/api/v1/messages/settings", json={"marketing_daily_cap": 1,
                                                        "default_locale": "zh-CN"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["overridden"] == ["marketing_daily_cap", "default_locale"]
    bad = api.put("/api/v1/messages/settings", json={"marketing_daily_cap": -1,
                                                    "default_locale": "fr", "x": 1})
    assert bad.status_code == 422
    assert error_paths(bad) == ["/x", "/marketing_daily_cap", "/default_locale"]
    assert put_workflow(api, PROMO).status_code == 200
    contact_id = new_contact(api)
    post_event(api, contact_id, "promo")
    post_event(api, contact_id, "promo")
    engine.tick()
    listed = messages_of(api, "contact", contact_id)  # same instant: either order
    assert sorted(m["status"] for m in listed) == ["capped", "outbox"]
    assert {(m["locale"], m["body"]) for m in listed} == {("zh-CN", "【中】Offer for Zhang San")}
    reset = api.put("/api/v1/messages/settings", json={"marketing_daily_cap": None})
    assert reset.get_json()["marketing_daily_cap"] == 3


def test_language_of_step_record_and_tenant(api: Api, engine: Engine, sink: Sink) -> None:
    setup(api)
    document = {**WELCOME, "steps": [email_step("email", "Hi", "Body {{record.full_name}}")]}
    assert put_workflow(api, document).status_code == 200
    chinese = new_contact(api, email="zh@example.com", locale="zh-CN")
    english = new_contact(api, email="en@example.com")
    engine.tick()
    [zh_mail], [en_mail] = sink.to("zh@example.com"), sink.to("en@example.com")
    assert zh_mail["Subject"] == "【中】Hi" and en_mail["Subject"] == "Hi"
    assert messages_of(api, "contact", chinese)[0]["locale"] == "zh-CN"
    assert messages_of(api, "contact", english)[0]["locale"] == "en"
    fixed = {**WELCOME, "api_name": "fixed",
             "steps": [email_step("email", "Hi", "Body", locale="en")]}
    assert put_workflow(api, fixed).status_code == 200
    also_chinese = new_contact(api, email="zh2@example.com", locale="zh-CN")
    engine.tick()
    assert {m["Subject"] for m in sink.to("zh2@example.com")} == {"【中】Hi", "Hi"}
    assert {m["locale"] for m in messages_of(api, "contact", also_chinese)} == {"zh-CN", "en"}


def test_a_missing_recipient_fails_the_step_visibly(api: Api, engine: Engine) -> None:
    setup(api)
    document = {"api_name": "nudge", "object": "contact", "trigger": {"on": "created"},
                "steps": [text_step("wecom", "wecom", "Hi", "wecom_id")]}
    assert put_workflow(api, document).status_code == 200
    contact_id = new_contact(api)
    engine.tick()
    [message] = messages_of(api, "contact", contact_id)
    assert message["status"] == "failed" and message["error"]["code"] == "message_no_recipient"
    [run] = runs_of(api, contact_id)
    assert run["status"] == "failed" and run["error"]["code"] == "message_no_recipient"
    chinese = api.get("/api/v1/messages", query={"record": f"contact/{contact_id}"},
                      headers={"Accept-Language": "zh-CN"}).get_json()["items"][0]
    assert chinese["error"]["message"] == "该记录没有可发送的 wecom 地址。"


def test_messages_are_read_as_the_record(api: Api, engine: Engine, app: Any,
                                         tenant: TenantHandle) -> None:
    setup(api)
    assert put_workflow(api, PROMO).status_code == 200
    contact_id = new_contact(api)
    for _ in range(3):
        post_event(api, contact_id, "promo")
    engine.tick()
    first = api.get("/api/v1/messages", query={"record": f"contact/{contact_id}", "limit": 2})
    page = first.get_json()
    assert len(page["items"]) == 2 and page["next_cursor"] == page["items"][-1]["id"]
    rest = api.get("/api/v1/messages", query={"record": f"contact/{contact_id}", "limit": 2,
                                              "cursor": page["next_cursor"]}).get_json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert len(api.get("/api/v1/messages").get_json()["items"]) == 3  # admin: whole tenant

    outsider = Api(app.test_client(), tenant.add_user(f"guest@{tenant.slug}.example.com"))
    denied = outsider.get("/api/v1/messages", query={"record": f"contact/{contact_id}"})
    assert "items" not in problem(denied, 403, "record_not_accessible")
    assert "items" not in problem(outsider.get("/api/v1/messages"), 403, "admin_required")
    missing = api.get("/api/v1/messages", query={"record": f"contact/{uuid.uuid4()}"})
    problem(missing, 404, "unknown_record")
    for query, path in (({"record": "contact"}, "/record"), ({"status": "lost"}, "/status"),
                        ({"limit": "0"}, "/limit")):
        bad = api.get("/api/v1/messages", query=query)
        assert bad.status_code == 422 and error_paths(bad) == [path]
    bad_cursor = api.get("/api/v1/messages", query={"cursor": "nope"})
    assert bad_cursor.status_code == 400


def test_bad_send_message_steps_are_refused(api: Api) -> None:
    setup(api)
    good = email_step("email", "Hi", "Hello")
    steps = [
        {**good, "channel": "fax"},
        {**good, "template": {"subject": {"en": "Hi", "zh-CN": "你好"}, "body": {"en": "x"}}},
        {**good, "to": "{{record.nope}}"},
        {**good, "to": "pager"},
        {**good, "template": {"body": {"en": "x", "zh-CN": "x"}}},
        {**good, "template": {"subject": {"en": "{{record.budget}}", "zh-CN": "x"},
                              "body": {"en": "x", "zh-CN": "x"}}},
        {"id": "bare", "action": "send_message"},
    ]
    document = {"api_name": "broken", "object": "contact", "trigger": {"on": "created"},
                "steps": [{**s, "id": f"s{i}"} for i, s in enumerate(steps)]}
    refused = put_workflow(api, document)
    assert refused.status_code == 422, refused.get_json()
    assert refused.headers["Content-Type"] == "application/problem+json"
    found = list(zip(error_paths(refused), error_codes(refused), strict=True))
    assert found == [
        ("/steps/0/channel", "unknown_channel"),
        ("/steps/1/template/body/zh-CN", "template_language_missing"),
        ("/steps/2/to", "message_bad_to"),
        ("/steps/3/to", "message_bad_to"),
        ("/steps/4/template/subject", "email_needs_subject"),
        ("/steps/5/template/subject/en", "template_unknown"),
        ("/steps/6/channel", "required"),
        ("/steps/6/to", "required"),
        ("/steps/6/template", "required"),
    ]
    chinese = put_workflow(api, document, **{"Accept-Language": "zh-CN"}).get_json()
    assert chinese["errors"][0]["message"] == "“fax”不是可用的渠道(可用:email, sms, wecom)。"
    wrong_shape = put_workflow(api, {**document, "steps": [{**good, "template": "digest"}]})
    assert wrong_shape.status_code == 422
    assert error_paths(wrong_shape) == ["/steps/0/template"]


def test_unreachable_smtp_falls_back_to_sms(api: Api, engine: Engine, services: Services,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    closed = free_port()  # nothing listens there
    monkeypatch.setattr(services, "settings", dataclasses.replace(
        services.settings, smtp_host="127.0.0.1", smtp_port=closed))
    setup(api)
    assert put_workflow(api, WELCOME).status_code == 200
    contact_id = new_contact(api)
    engine.tick()
    engine.later(seconds=60)
    engine.later(seconds=120)
    email, sms = messages_of(api, "contact", contact_id)
    assert (email["status"], email["error"]["code"]) == ("failed", "email_unreachable")
    assert (sms["channel"], sms["status"]) == ("sms", "outbox")


@dataclass
class Gateway:
    """An SMS provider plugged in place of the outbox: takes messages, or fails."""

    taken: list[OutgoingMessage] = field(default_factory=list)
    broken: bool = False

    def deliver(self, ctx: Any, message: OutgoingMessage) -> Delivery:
        if self.broken:
            raise ConnectionResetError("gateway hung up")
        self.taken.append(message)
        return Delivery("sent", provider_ref=f"gw-{len(self.taken)}")


def test_an_sms_provider_plugs_in(api: Api, engine: Engine,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    gateway = Gateway()
    channels = Channels(daily_cap=engine.services.settings.message_daily_cap,
                        by_name={"email": ProviderChannel(), "wecom": ProviderChannel(),
                                 "sms": ProviderChannel(gateway)})
    monkeypatch.setattr(platform_automation, "default_channels", lambda settings: channels)
    setup(api)
    assert put_workflow(api, PROMO).status_code == 200
    contact_id = new_contact(api, mobile="138 0013 8000")
    post_event(api, contact_id, "promo")
    engine.tick()
    [taken] = gateway.taken
    assert taken.recipient == "13800138000" and taken.body == "Offer for Zhang San"
    assert [m["status"] for m in messages_of(api, "contact", contact_id)] == ["sent"]
    gateway.broken = True
    engine.later(minutes=1)
    post_event(api, contact_id, "promo")
    engine.tick()
    failed = messages_of(api, "contact", contact_id)[-1]
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "message_provider_failed"
    assert "gateway hung up" in failed["error"]["message"]
