"""What the channel and journey tests share: a local SMTP sink the email channel is
pointed at, a contact object, and reading messages through the API."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from objectry.platform.services import Services
from tests.conftest import Api


@dataclass
class Sink:
    """An SMTP server on 127.0.0.1 that keeps what it accepts; ``refuse`` makes it
    answer 554 to that many messages first."""

    received: list[email.message.EmailMessage] = field(default_factory=list)
    refuse: int = 0
    port: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            self.refuse -= 1
            return "554 5.7.1 Message rejected by the test sink"
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(parsed)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.received if m["To"] == address]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def running_sink(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sink]:
    """Start a sink and point the platform's email channel at it for one test."""
    sink = Sink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    monkeypatch.setattr(services, "settings", dataclasses.replace(
        services.settings, smtp_host="127.0.0.1", smtp_port=sink.port,
        smtp_from="marketing@objectry.test"))
    try:
        yield sink
    finally:
        controller.stop()


def contact(*extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "object", "api_name": "contact", "label": {"en": "Contact", "zh-CN": "联系人"},
        "name_field": "full_name",
        "fields": [
            {"api_name": "full_name", "type": "text"},
            {"api_name": "email", "type": "email"},
            {"api_name": "mobile", "type": "phone"},
            {"api_name": "wecom_id", "type": "text"},
            {"api_name": "locale", "type": "picklist", "options": ["zh-CN", "en"]},
            {"api_name": "score", "type": "integer"},
            {"api_name": "last_reply_at", "type": "datetime"},
            {"api_name": "last_page", "type": "text"},
            {"api_name": "tags", "type": "multi_picklist",
             "options": [{"value": "price_sensitive",
                          "label": {"en": "price sensitive", "zh-CN": "价格敏感"}}, "vip"]},
            *extra,
        ]}


def define_contacts(api: Api) -> None:
    """The objects the channel tests send to: contacts and their follow-up tasks."""
    api.define(contact())
    api.define(follow_up_task())


def follow_up_task() -> dict[str, Any]:
    return {"kind": "object", "api_name": "task", "label": {"en": "Task", "zh-CN": "任务"},
            "fields": [{"api_name": "subject", "type": "text", "required": True},
                       {"api_name": "contact", "type": "lookup", "target": "contact",
                        "on_target_delete": "keep"}]}


def put_workflow(api: Api, document: dict[str, Any], **headers: str) -> Any:
    return api.put(f"/api/v1/meta/workflows/{document['api_name']}",
                   json={"kind": "workflow", "label": {"en": document["api_name"],
                                                       "zh-CN": document["api_name"]},
                         **document}, headers=headers or None)


def messages_of(api: Api, object_name: str, record_id: str, **query: str) -> list[dict]:
    """Oldest first, which is how a person reads a contact's history."""
    response = api.get("/api/v1/messages", query={"record": f"{object_name}/{record_id}",
                                                  **query})
    assert response.status_code == 200, response.get_json()
    return list(reversed(response.get_json()["items"]))


def email_step(step_id: str, subject_en: str, body_en: str, **extra: Any) -> dict[str, Any]:
    return {"id": step_id, "action": "send_message", "channel": "email",
            "to": "{{record.email}}",
            "template": {"subject": {"en": subject_en, "zh-CN": f"【中】{subject_en}"},
                         "body": {"en": body_en, "zh-CN": f"【中】{body_en}"}}, **extra}


def text_step(step_id: str, channel: str, body_en: str, to: str, **extra: Any) -> dict:
    return {"id": step_id, "action": "send_message", "channel": channel, "to": to,
            "template": {"body": {"en": body_en, "zh-CN": f"【中】{body_en}"}}, **extra}
