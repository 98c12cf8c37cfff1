"""Tenant functions stay inside their rights: run_as, governor limits with rollback, the
tenant boundary and the HTTP allowlist, through the HTTP API (issue 5)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from objectry.platform.services import Services
from objectry.runtime.functions.http_client import HttpClient, host_allowed
from objectry.runtime.kernel.network import NetworkPolicy, Resolver, system_resolver
from tests.conftest import Api, TenantHandle, error_paths, problem
from tests.platform.test_functions_api import calls, define_crm, new_lead, put_function

BUMP = ("def main(record, params):\n"
        "    try:\n"
        "        records.update('lead', record['id'], {'employees': 7})\n"
        "    except PlatformError as e:\n"
        "        return {'refused': e.code, 'message': e.message}\n"
        "    return {'refused': None}\n")


def viewer(api: Api, tenant: TenantHandle) -> Api:
    response = api.put("/api/v1/meta/roles/viewer", json={
        "kind": "role", "api_name": "viewer", "label": {"en": "Viewer"},
        "grants": {"lead": {"actions": ["read"], "scope": "all"}}})
    assert response.status_code == 200, response.get_json()
    return Api(api.client, tenant.add_user("viewer@example.com", roles=["viewer"]))


def test_run_as_caller_is_refused_catchably_run_as_system_is_not(
        api: Api, tenant: TenantHandle) -> None:
    define_crm(api)
    put_function(api, "bump_caller", BUMP, run_as="caller")
    put_function(api, "bump_system", BUMP, run_as="system")
    record = new_lead(api)
    reader = viewer(api, tenant)

    as_caller = reader.post(f"/api/v1/records/lead/{record['id']}/actions/bump_caller")
    assert as_caller.status_code == 200, as_caller.get_json()
    refused = as_caller.get_json()["result"]
    # ``invalid`` (unknown_field): employees is left out of the lead the viewer may know
    assert refused["refused"] in ("action_not_allowed", "field_not_editable", "invalid")
    assert refused["message"]
    assert api.get(f"/api/v1/records/lead/{record['id']}").get_json()["employees"] is None

    as_system = reader.post(f"/api/v1/records/lead/{record['id']}/actions/bump_system")
    assert as_system.get_json()["result"] == {"refused": None}
    assert api.get(f"/api/v1/records/lead/{record['id']}").get_json()["employees"] == 7
    assert [c["caller"] for c in calls(api, "bump_system")] == ["viewer@example.com"]


def test_run_as_a_named_user(api: Api, tenant: TenantHandle) -> None:
    define_crm(api)
    reader = viewer(api, tenant)
    put_function(api, "bump_as_viewer", BUMP, run_as="viewer@example.com")
    record = new_lead(api)
    answer = api.post(f"/api/v1/records/lead/{record['id']}/actions/bump_as_viewer")
    assert answer.get_json()["result"]["refused"] in ("action_not_allowed",
                                                      "field_not_editable", "invalid")
    assert reader.get(f"/api/v1/records/lead/{record['id']}").status_code == 200
    assert api.get(f"/api/v1/records/lead/{record['id']}").get_json()["employees"] is None


def test_governor_limit_rolls_back_the_functions_writes(api: Api) -> None:
    define_crm(api)
    put_function(api, "spam", limits={"writes": 2}, code=(
        "def main(record, params):\n"
        "    for i in range(5):\n"
        "        try:\n"
        "            records.create('lead', {'full_name': 'spam %d' % i})\n"
        "        except Exception:\n"
        "            pass\n"
        "    return 'not reached'\n"))
    record = new_lead(api)
    response = api.post(f"/api/v1/records/lead/{record['id']}/actions/spam")
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "function_limit_exceeded" and body["limit"] == "writes"
    assert "writes" in body["detail"]
    assert [r["id"] for r in api.get("/api/v1/records/lead").get_json()["items"]] == [
        record["id"]]
    [call] = calls(api, "spam")
    assert call["outcome"] == "limit_exceeded" and call["limits_used"]["writes"] == 2
    assert call["error"]["line"] == 4


def test_timeout_rolls_back_and_the_server_goes_on(api: Api) -> None:
    define_crm(api)
    put_function(api, "loop", timeout_ms=300, code=(
        "def main(record, params):\n"
        "    records.create('lead', {'full_name': 'before the loop'})\n"
        "    while True:\n"
        "        pass\n"))
    record = new_lead(api)
    response = api.post(f"/api/v1/records/lead/{record['id']}/actions/loop")
    assert problem(response, 422, "function_limit_exceeded")["limit"] in ("cpu_ms", "wall_ms")
    assert len(api.get("/api/v1/records/lead").get_json()["items"]) == 1
    put_function(api, "fine", "def main(record, params):\n    return 'ok'\n")
    again = api.post(f"/api/v1/records/lead/{record['id']}/actions/fine")
    assert again.status_code == 200 and again.get_json()["result"] == "ok"


def test_a_function_cannot_touch_another_tenants_data(api: Api, other_api: Api) -> None:
    define_crm(api)
    define_crm(other_api)
    theirs = new_lead(other_api, full_name="secret")
    put_function(api, "snoop", code=(
        "def main(record, params):\n"
        "    out = []\n"
        "    for call in (lambda: records.get('lead', params['id']),\n"
        "                 lambda: records.update('lead', params['id'], {'full_name': 'x'}),\n"
        "                 lambda: records.delete('lead', params['id'])):\n"
        "        try:\n"
        "            out.append(call())\n"
        "        except PlatformError as e:\n"
        "            out.append(e.code)\n"
        "    out.append([r['full_name'] for r in records.query('lead')])\n"
        "    return out\n"))
    mine = new_lead(api, full_name="mine")
    response = api.post(f"/api/v1/records/lead/{mine['id']}/actions/snoop",
                        json={"params": {"id": theirs["id"]}})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["result"] == ["unknown_record"] * 3 + [["mine"]]
    assert other_api.get(f"/api/v1/records/lead/{theirs['id']}").get_json()["full_name"] == \
        "secret"
    put_function(api, "cross", code=(
        "def main(record, params):\n"
        "    return records.create('lead', {'full_name': 'x'}, tenant='other')\n"))
    refused = api.post(f"/api/v1/records/lead/{mine['id']}/actions/cross")
    assert "tenant" in problem(refused, 422, "function_runtime_error")["detail"]
    assert [r["full_name"] for r in other_api.get("/api/v1/records/lead").get_json()[
        "items"]] == ["secret"]
    # the other tenant has no such function and cannot read this one's log
    problem(other_api.post(f"/api/v1/records/lead/{theirs['id']}/actions/snoop"), 404,
            "unknown_function")
    assert other_api.get("/api/v1/meta/functions/snoop/calls").get_json()["items"] == []


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://example.com/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._answer({"path": self.path})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self._answer({"echo": json.loads(self.rfile.read(length))})

    def _answer(self, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def web_server() -> Iterator[int]:
    server = HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def use_network(services: Services, monkeypatch: pytest.MonkeyPatch, *,
                allow_private: bool, resolver: Resolver = system_resolver) -> None:
    """Functions' HTTP with this address policy (the resolver is a stub in tests)."""
    assert services.functions is not None
    monkeypatch.setattr(services.functions, "http", HttpClient(NetworkPolicy(
        allow_private=allow_private, resolver=resolver)))


@pytest.fixture
def loopback_allowed(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    use_network(services, monkeypatch, allow_private=True)


def test_http_only_to_allowlisted_hosts(api: Api, web_server: int,
                                        loopback_allowed: None) -> None:
    define_crm(api)
    settings = api.put("/api/v1/meta/function_settings/default", json={
        "http_allowlist": [f"127.0.0.1:{web_server}"], "http_timeout_ms": 2000})
    assert settings.status_code == 200, settings.get_json()
    put_function(api, "fetch", code=(
        "def main(record, params):\n"
        "    try:\n"
        "        return http.get(params['url'], params={'q': '1'})['json']\n"
        "    except PlatformError as e:\n"
        "        return e.code\n"))
    put_function(api, "status", code=(
        "def main(record, params):\n"
        "    return http.get(params['url'])['status']\n"))
    put_function(api, "push", code=(
        "def main(record, params):\n"
        "    return http.post(params['url'], json={'a': 1})['json']\n"))

    def run(function: str, url: str) -> Any:
        response = api.post(f"/api/v1/meta/functions/{function}/test",
                            json={"params": {"url": url}})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    assert run("fetch", f"http://127.0.0.1:{web_server}/x")["result"] == {"path": "/x?q=1"}
    assert run("push", f"http://127.0.0.1:{web_server}/")["result"] == {"echo": {"a": 1}}
    for url in (f"http://localhost:{web_server}/", "http://example.com/",
                "file:///etc/passwd", f"http://127.0.0.1:{web_server + 1}/",
                f"http://user@127.0.0.1:{web_server}/"):
        assert run("fetch", url)["result"] == "http_host_not_allowed", url
    redirected = api.post("/api/v1/meta/functions/status/test", json={
        "params": {"url": f"http://127.0.0.1:{web_server}/redirect"}})
    assert redirected.get_json()["result"] == 302  # not followed off the allowlist
    refused = run("push", "http://example.com/")
    assert refused["error"]["code"] == "function_platform_error"
    assert refused["error"]["platform_code"] == "http_host_not_allowed"
    bad = api.put("/api/v1/meta/function_settings/default",
                  json={"http_allowlist": ["http://x.com/path"]})
    problem(bad, 422)
    assert error_paths(bad) == ["/http_allowlist/0"]
    assert api.get("/api/v1/meta/function_settings/default").get_json()["http_allowlist"] == [
        f"127.0.0.1:{web_server}"]


def test_failed_calls_stay_logged_when_the_request_is_rolled_back(api: Api) -> None:
    define_crm(api)
    put_function(api, "no_writes", purpose="validation", code=(
        "def main(record, params):\n"
        "    raise_error('never', 'full_name')\n"))
    for _ in range(2):
        refused = api.post("/api/v1/records/lead", json={"full_name": "A"})
        problem(refused, 422)
        assert error_paths(refused) == ["/full_name"]
    assert api.get("/api/v1/records/lead").get_json()["items"] == []
    assert [c["outcome"] for c in calls(api, "no_writes")] == ["raised_error"] * 2


def test_allowlist_matching() -> None:
    allow = ["api.example.com", "*.example.org", "127.0.0.1:9000"]
    assert host_allowed("https://api.example.com/v1", allow)
    assert host_allowed("https://a.b.example.org/", allow)
    assert host_allowed("http://127.0.0.1:9000/x", allow)
    for url in ("https://example.org/", "https://evilexample.org/",
                "https://api.example.com.evil.net/", "http://127.0.0.1:9001/",
                "ftp://api.example.com/", "https://user:pw@api.example.com/",
                "http://[::1]:9000/", "not a url"):
        assert not host_allowed(url, allow), url


def test_an_allowlisted_name_resolving_to_a_refused_address_is_refused(
        api: Api, services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {"metadata.example": ["100.100.100.200"], "mapped.example": ["::ffff:10.0.0.1"],
               "nat64.example": ["64:ff9b::a9fe:a9fe"], "sixtofour.example": ["2002:a00:1::1"],
               "loop.example": ["127.0.0.1"]}
    use_network(services, monkeypatch, allow_private=False,
                resolver=lambda host, port: answers[host])
    define_crm(api)
    api.put("/api/v1/meta/function_settings/default",
            json={"http_allowlist": [*answers, "127.0.0.1"]})
    put_function(api, "fetch", code=(
        "def main(record, params):\n"
        "    try:\n"
        "        return http.get(params['url'])['status']\n"
        "    except PlatformError as e:\n"
        "        return [e.code, e.message]\n"))
    for host in [*answers, "127.0.0.1"]:
        response = api.post("/api/v1/meta/functions/fetch/test",
                            json={"params": {"url": f"http://{host}/latest/meta-data"}})
        code, text = response.get_json()["result"]
        assert code == "http_address_refused", host
        assert "may not reach" in text
    # on-premise installs allow private and loopback, never the metadata range
    use_network(services, monkeypatch, allow_private=True,
                resolver=lambda host, port: answers[host])
    response = api.post("/api/v1/meta/functions/fetch/test",
                        json={"params": {"url": "http://metadata.example/"}})
    assert response.get_json()["result"][0] == "http_address_refused"


HOSTILE_CALLS = {
    "records.query('lead', limit='abc')": "invalid",
    "records.query('lead', limit=[1])": "invalid",
    "records.get('lead', {'a': 1})": "unknown_record",
    "http.get('http://api.example/', params=['a', 'b'])": "invalid_arguments",
    "http.get('http://api.example/', headers=['a'])": "invalid_arguments",
    "http.get('http://api.example/', headers={'X': 'a\\r\\nInjected: 1'})":
        "invalid_arguments",
    "http.get('http://api.exa\\tmple/')": "http_host_not_allowed",
    "http.get('http://api.example/\\r\\nHost: evil')": "http_host_not_allowed",
    "http.get('http://api.example\\n.evil.net/')": "http_host_not_allowed",
    "http.get('http://[api.example]/')": "http_host_not_allowed",
    "http.get('http://[::1/')": "http_host_not_allowed",
    "http.get(7)": "invalid_arguments",
    "http.post('http://[name]/', json={'a': 1})": "http_host_not_allowed",
}
UNSENDABLE = [  # function bodies whose result, error or changes JSON cannot carry
    "    return 10 ** 5000\n", "    return '\\ud800'\n", "    return {'a': ['x\\udfff']}\n",
    "    return {'\\ud800': 1}\n", "    return -(10 ** 4400)\n",
    "    raise ValueError('\\ud800')\n", "    raise_error('\\udc80', 'full_name')\n",
    "    record.set('full_name', '\\ud800')\n", "    record.set('employees', 10 ** 5000)\n",
    "    return records.create('lead', {'full_name': '\\ud800'})\n",
    "    return records.query('lead', limit=10 ** 5000)\n",
]


@pytest.mark.parametrize("expression", sorted(HOSTILE_CALLS))
def test_odd_host_call_arguments_are_clear_function_errors(
        api: Api, services: Services, monkeypatch: pytest.MonkeyPatch,
        expression: str) -> None:
    use_network(services, monkeypatch, allow_private=False,
                resolver=lambda host, port: pytest.fail(f"resolved {host}"))
    define_crm(api)
    api.put("/api/v1/meta/function_settings/default",
            json={"http_allowlist": ["api.example"]})
    put_function(api, "odd", f"def main(record, params):\n    return {expression}\n")
    response = api.post("/api/v1/meta/functions/odd/test", json={})
    assert response.status_code == 200, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "function_platform_error", error
    assert error["platform_code"] == HOSTILE_CALLS[expression]
    assert error["message"] and error["line"] == 2
    [logged] = calls(api, "odd")
    assert logged["outcome"] == "platform_error" and logged["error"]["message"]
    follow_up = api.post("/api/v1/meta/functions/odd/test", json={})
    assert follow_up.get_json()["error"]["platform_code"] == HOSTILE_CALLS[expression]


@pytest.mark.parametrize("body", UNSENDABLE)
def test_values_a_worker_cannot_send_fail_the_call_not_the_worker(
        api: Api, services: Services, body: str) -> None:
    define_crm(api)
    put_function(api, "unsendable", "def main(record, params):\n" + body)
    assert services.functions is not None
    before = services.functions.pool.stats.killed
    response = api.post("/api/v1/meta/functions/unsendable/test", json={})
    assert response.status_code == 200, response.get_json()
    error = response.get_json()["error"]
    assert error is not None and error["code"] != "function_worker_crashed", error
    assert error["message"]
    [logged] = calls(api, "unsendable")
    assert logged["outcome"] == error["code"].removeprefix("function_")
    assert logged["error"]["message"]
    assert services.functions.pool.stats.killed == before  # the worker survived
    put_function(api, "fine", "def main(record, params):\n    return params['n'] + 1\n")
    for n in range(3):  # every worker of the pool still answers
        again = api.post("/api/v1/meta/functions/fine/test", json={"params": {"n": n}})
        assert again.get_json()["result"] == n + 1


def test_a_log_line_with_a_lone_surrogate_is_kept_escaped(api: Api) -> None:
    define_crm(api)
    put_function(api, "logs", "def main(record, params):\n    log('a\\ud800b')\n"
                              "    return 1\n")
    answer = api.post("/api/v1/meta/functions/logs/test", json={}).get_json()
    assert answer["result"] == 1 and answer["logs"] == ["a\\ud800b"]


def test_each_call_takes_its_own_tenants_share_of_the_pool(
        api: Api, other_api: Api, tenant: TenantHandle, other_tenant: TenantHandle,
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fair pool limits calls per tenant (tests/sandbox/test_pool.py shows B's call
    running while A is at its share); here: every call names the caller's tenant."""
    assert services.functions is not None
    pool = services.functions.pool
    seen: list[str | None] = []
    run = pool.run

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("tenant"))
        return run(*args, **kwargs)

    monkeypatch.setattr(pool, "run", spy)
    for client in (api, other_api):
        define_crm(client)
        put_function(client, "fine", "def main(record, params):\n    return 1\n")
        assert client.post("/api/v1/meta/functions/fine/test", json={}).get_json()[
            "result"] == 1
    assert seen == [tenant.slug, other_tenant.slug]
