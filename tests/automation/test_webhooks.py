"""Signed webhooks: a receiver can verify them, failures retry with backoff, private
addresses are refused unless the platform allows them."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from objectry.platform import automation as automation_platform
from objectry.platform.services import Services
from objectry.runtime.automation.webhooks import WebhookClient
from tests.automation.conftest import Engine
from tests.automation.test_workflows import put_workflow, runs_of, setup
from tests.conftest import Api


class Receiver:
    """A local endpoint that answers with the statuses it is told to, in order."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append({"headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.server.shutdown()


@pytest.fixture
def private_allowed(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "settings",
                        dataclasses.replace(services.settings, webhook_allow_private=True))


def hook_workflow(url: str) -> dict[str, Any]:
    return {"api_name": "notify_crm", "object": "lead", "trigger": {"on": "created"},
            "steps": [{"id": "post", "action": "call_webhook", "url": url,
                       "body": {"lead": "{{record.id}}", "name": "{{record.full_name}}"}}]}


def test_webhook_is_signed_and_retried_with_backoff(api: Api, engine: Engine,
                                                    receiver: Receiver,
                                                    private_allowed: None) -> None:
    setup(api)
    assert put_workflow(api, hook_workflow(receiver.url)).status_code == 200
    receiver.statuses = [503, 500]
    lead_id = api.post("/api/v1/records/lead", json={"full_name": "张三"}).get_json()["id"]
    engine.tick()
    assert len(receiver.calls) == 1
    engine.later(seconds=30)
    assert len(receiver.calls) == 2
    engine.later(seconds=59)
    assert len(receiver.calls) == 2
    engine.later(seconds=1)
    assert len(receiver.calls) == 3
    [run] = runs_of(api, lead_id)
    assert run["status"] == "completed"
    assert [s["outcome"] for s in run["steps"]] == ["retry", "retry", "done"]
    assert run["steps"][0]["error"]["code"] == "webhook_refused"

    secret = api.get("/api/v1/automation/webhook_secret").get_json()["secret"]
    last = receiver.calls[-1]
    assert json.loads(last["body"]) == {"lead": lead_id, "name": "张三"}
    stamp, signature = (part.split("=", 1)[1]
                        for part in last["headers"]["X-Objectry-Signature"].split(","))
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + last["body"],
                        hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)
    assert last["headers"]["X-Objectry-Delivery"] == f"{run['id']}:post"


def test_private_addresses_are_refused_by_default(api: Api, engine: Engine,
                                                  receiver: Receiver) -> None:
    setup(api)
    document = hook_workflow(receiver.url)
    document["steps"][0]["on_failure"] = {"retry": 0}
    put_workflow(api, document)
    lead_id = api.post("/api/v1/records/lead", json={"full_name": "Li"}).get_json()["id"]
    engine.tick()
    assert receiver.calls == []
    [run] = runs_of(api, lead_id)
    assert run["status"] == "failed"
    assert run["error"]["code"] == "webhook_private_address"
    assert run["error"]["message_zh"]


def resolve_with(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> None:
    """Webhooks resolve names with this stub (no real lookups in tests)."""
    monkeypatch.setattr(automation_platform, "WebhookClient", functools.partial(
        WebhookClient, resolver=lambda host, port: answers[host]))


def test_a_name_resolving_to_a_refused_address_is_refused_even_when_private_is_allowed(
        api: Api, engine: Engine, receiver: Receiver, private_allowed: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    resolve_with(monkeypatch, {"metadata.example": ["100.100.100.200"],
                               "mapped.example": ["::ffff:169.254.169.254"]})
    setup(api)
    for host in ("metadata.example", "mapped.example"):
        document = hook_workflow(f"http://{host}/hook")
        document["api_name"] = host.split(".")[0]
        document["steps"][0]["on_failure"] = {"retry": 0}
        put_workflow(api, document)
    lead_id = api.post("/api/v1/records/lead", json={"full_name": "Li"}).get_json()["id"]
    engine.tick()
    runs = runs_of(api, lead_id)
    assert len(runs) == 2
    assert {run["error"]["code"] for run in runs} == {"webhook_private_address"}


def test_the_webhook_connects_to_the_checked_address_and_follows_no_redirect(
        api: Api, engine: Engine, receiver: Receiver, private_allowed: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    resolve_with(monkeypatch, {"crm.example": ["127.0.0.1"]})
    setup(api)
    port = receiver.server.server_address[1]
    document = hook_workflow(f"http://crm.example:{port}/hook")
    document["steps"][0]["on_failure"] = {"retry": 0}
    put_workflow(api, document)
    receiver.statuses = [302]
    lead_id = api.post("/api/v1/records/lead", json={"full_name": "Li"}).get_json()["id"]
    engine.tick()
    [call] = receiver.calls
    assert call["headers"]["Host"] == f"crm.example:{port}"
    [run] = runs_of(api, lead_id)
    assert run["error"]["code"] == "webhook_refused" and "302" in run["error"]["message"]
