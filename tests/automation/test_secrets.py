"""The tenant secret store: values are write-only and encrypted at rest, and
``{{secret.name}}`` in a webhook's URL or headers, or a function's HTTP call, is filled in
only for the request that leaves (issue 12, item 8)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa

from objectry.platform.services import Services
from objectry.runtime.automation.run_tables import tenant_secrets
from objectry.runtime.secrets.secret_tables import secret_values
from tests.automation.conftest import Engine
from tests.automation.test_webhooks import private_allowed  # noqa: F401 (fixture)
from tests.automation.test_workflows import put_workflow, runs_of, setup
from tests.conftest import Api, TenantHandle, problem
from tests.docs_objects import campaign, lead
from tests.platform.test_functions_api import put_function
from tests.platform.test_functions_security import loopback_allowed  # noqa: F401 (fixture)

VALUE = "sk-live-Zq81-very-secret"


class Receiver:
    """A local endpoint recording each request's path, headers and body."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                receiver.calls.append({"path": self.path, "headers": dict(self.headers),
                                       "body": self.rfile.read(length)})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            do_GET = do_POST = _record

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.server.shutdown()
    found.server.server_close()


def put_secret(api: Api, name: str = "api_key", value: str = VALUE) -> Any:
    return api.put(f"/api/v1/secrets/{name}", json={"value": value})


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def test_values_are_write_only_and_encrypted_at_rest(api: Api, services: Services) -> None:
    stored = put_secret(api)
    assert stored.status_code == 200, stored.get_json()
    assert stored.get_json()["name"] == "api_key" and VALUE not in text(stored)
    assert put_secret(api, value=VALUE + "-2").status_code == 200  # replaced
    listed = api.get("/api/v1/secrets")
    [item] = listed.get_json()["items"]
    assert item.keys() == {"name", "created_at", "created_by", "updated_at", "updated_by"}
    assert VALUE not in text(listed)
    assert VALUE not in text(api.get("/api/v1/meta/history"))
    with services.engine.connect() as conn:
        rows = [dict(row._mapping) for row in conn.execute(sa.select(secret_values))]
    assert rows and not any(VALUE in str(row) for row in rows)
    assert all(row["ciphertext"].startswith("gAAAA") for row in rows)  # Fernet tokens
    problem(api.put("/api/v1/secrets/Bad-Name", json={"value": "x"}), 422)
    problem(api.put("/api/v1/secrets/empty", json={"value": ""}), 422)
    assert api.delete("/api/v1/secrets/api_key").status_code == 204
    assert api.get("/api/v1/secrets").get_json()["items"] == []
    problem(api.delete("/api/v1/secrets/api_key"), 404, "unknown_secret")


def test_a_webhook_gets_the_value_while_runs_and_dry_runs_keep_the_placeholder(
        api: Api, engine: Engine, receiver: Receiver, private_allowed: None) -> None:  # noqa: F811
    setup(api)
    assert put_secret(api).status_code == 200
    document = {"api_name": "notify_crm", "object": "lead", "trigger": {"on": "created"},
                "steps": [{"id": "post", "action": "call_webhook",
                           "url": receiver.url + "?key={{secret.api_key}}",
                           "headers": {"Authorization": "Bearer {{ secret.api_key }}"},
                           "body": {"lead": "{{record.id}}"}}]}
    assert put_workflow(api, document).status_code == 200
    lead_id = api.post("/api/v1/records/lead", json={"full_name": "张三"}).get_json()["id"]
    engine.tick()
    [call] = receiver.calls
    assert call["path"] == f"/hook?key={VALUE}"
    assert call["headers"]["Authorization"] == f"Bearer {VALUE}"
    assert json.loads(call["body"]) == {"lead": lead_id}
    [run] = runs_of(api, lead_id)
    assert run["status"] == "completed"
    assert VALUE not in text(api.get(f"/api/v1/records/lead/{lead_id}/runs"))
    assert VALUE not in text(api.get(f"/api/v1/runs/{run['id']}"))
    assert VALUE not in text(api.get("/api/v1/workflows/notify_crm/runs"))
    assert VALUE not in text(api.get("/api/v1/meta/workflows/notify_crm"))
    dry = api.post("/api/v1/workflows/notify_crm/dry_run")
    assert dry.status_code == 200, dry.get_json()
    assert VALUE not in text(dry) and "{{secret.api_key}}" in text(dry)


def test_an_unknown_secret_fails_the_step_naming_it(
        api: Api, engine: Engine, receiver: Receiver, private_allowed: None) -> None:  # noqa: F811
    setup(api)
    document = {"api_name": "notify_crm", "object": "lead", "trigger": {"on": "created"},
                "steps": [{"id": "post", "action": "call_webhook",
                           "url": receiver.url + "?key={{secret.missing_key}}",
                           "on_failure": {"retry": 0}}]}
    assert put_workflow(api, document).status_code == 200
    lead_id = api.post("/api/v1/records/lead", json={"full_name": "Li"}).get_json()["id"]
    engine.tick()
    assert receiver.calls == []
    [run] = runs_of(api, lead_id)
    assert run["status"] == "failed"
    assert run["error"]["code"] == "secret_unknown"
    assert "missing_key" in run["error"]["message"]


def test_a_function_http_call_gets_the_value_and_the_call_log_does_not(
        api: Api, receiver: Receiver, loopback_allowed: None) -> None:  # noqa: F811
    api.define(campaign())
    api.define(lead())
    settings = api.put("/api/v1/meta/function_settings/default", json={
        "http_allowlist": [f"127.0.0.1:{receiver.port}"], "http_timeout_ms": 2000})
    assert settings.status_code == 200, settings.get_json()
    assert put_secret(api).status_code == 200
    put_function(api, "fetch", code=(
        "def main(record, params):\n"
        "    try:\n"
        "        answer = http.get(params['url'], headers={'X-Key': '{{secret.api_key}}'})\n"
        "        return answer['status']\n"
        "    except PlatformError as e:\n"
        "        return e.code + ': ' + e.message\n"))
    url = receiver.url + "?key={{secret.api_key}}"
    ran = api.post("/api/v1/meta/functions/fetch/test", json={"params": {"url": url}})
    assert ran.status_code == 200, ran.get_json()
    assert ran.get_json()["result"] == 200
    [call] = receiver.calls
    assert call["path"] == f"/hook?key={VALUE}" and call["headers"]["X-Key"] == VALUE
    missing = api.post("/api/v1/meta/functions/fetch/test", json={
        "params": {"url": receiver.url + "?key={{secret.nope}}"}}).get_json()["result"]
    assert missing.startswith("http_secret_unknown") and "nope" in missing
    assert len(receiver.calls) == 1
    log = api.get("/api/v1/meta/functions/fetch/calls")
    assert log.status_code == 200 and VALUE not in text(log)


def signed_hook(url: str, signing: str) -> dict[str, Any]:
    return {"api_name": "notify_crm", "object": "lead", "trigger": {"on": "created"},
            "steps": [{"id": "post", "action": "call_webhook", "url": url,
                       "signing_secret": signing, "body": {"lead": "{{record.id}}"}}]}


def test_a_literal_signing_secret_is_refused_and_a_reference_signs(
        api: Api, engine: Engine, receiver: Receiver, private_allowed: None) -> None:  # noqa: F811
    setup(api)
    refused = put_workflow(api, signed_hook(receiver.url, VALUE))
    body = problem(refused, 422)
    assert [e["path"] for e in body["errors"]] == ["/steps/0/signing_secret"]
    assert [e["code"] for e in body["errors"]] == ["signing_secret_literal"]
    assert "{{secret.crm_signing}}" in body["errors"][0]["message"]
    zh = api.put("/api/v1/meta/workflows/notify_crm", headers={"Accept-Language": "zh-CN"},
                 json={"kind": "workflow", "label": {"en": "n", "zh-CN": "n"},
                       **signed_hook(receiver.url, "{{record.full_name}}")})
    assert "签名密钥必须引用密钥库" in problem(zh, 422)["errors"][0]["message"]
    assert api.get("/api/v1/meta/workflows/notify_crm").status_code == 404  # not saved

    assert put_secret(api, "crm_signing").status_code == 200
    assert put_workflow(api, signed_hook(receiver.url, "{{secret.crm_signing}}")) \
        .status_code == 200
    assert VALUE not in text(api.get("/api/v1/meta/workflows/notify_crm"))
    api.post("/api/v1/records/lead", json={"full_name": "张三"})
    engine.tick()
    [call] = receiver.calls
    stamp, signature = (part.split("=", 1)[1]
                        for part in call["headers"]["X-Objectry-Signature"].split(","))
    expected = hmac.new(VALUE.encode(), stamp.encode() + b"." + call["body"],
                        hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)  # the stored key, not the tenant's
    dry = api.post("/api/v1/workflows/notify_crm/dry_run")
    assert VALUE not in text(dry) and "{{secret.crm_signing}}" in text(dry)


def test_the_tenants_signing_secret_is_encrypted_at_rest(
        api: Api, tenant: TenantHandle, services: Services, engine: Engine,
        receiver: Receiver, private_allowed: None) -> None:  # noqa: F811
    setup(api)
    with tenant.context() as ctx:
        mine = tenant_secrets.c.tenant_id == ctx.tenant.id
    secret = api.get("/api/v1/automation/webhook_secret").get_json()["secret"]
    with services.engine.connect() as conn:
        [stored] = conn.execute(sa.select(tenant_secrets.c.value).where(mine)).scalars()
    assert secret not in stored and stored.startswith("fernet:gAAAA")
    assert api.get("/api/v1/automation/webhook_secret").get_json()["secret"] == secret

    legacy = "whsec_kept-in-clear-by-an-older-version"
    with services.engine.begin() as conn:  # as an older version stored it
        conn.execute(sa.update(tenant_secrets).where(mine).values(value=legacy))
    assert put_workflow(api, {"api_name": "notify_crm", "object": "lead",
                              "trigger": {"on": "created"},
                              "steps": [{"id": "post", "action": "call_webhook",
                                         "url": receiver.url}]}).status_code == 200
    api.post("/api/v1/records/lead", json={"full_name": "张三"})
    engine.tick()
    [call] = receiver.calls
    stamp, signature = (part.split("=", 1)[1]
                        for part in call["headers"]["X-Objectry-Signature"].split(","))
    assert hmac.compare_digest(signature, hmac.new(
        legacy.encode(), stamp.encode() + b"." + call["body"], hashlib.sha256).hexdigest())
    with services.engine.connect() as conn:
        [sealed] = conn.execute(sa.select(tenant_secrets.c.value).where(mine)).scalars()
    assert legacy not in sealed  # sealed on first use
    assert api.get("/api/v1/automation/webhook_secret").get_json()["secret"] == legacy
