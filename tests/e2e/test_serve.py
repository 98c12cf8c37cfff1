"""The README's front door: ``objectry serve`` on a fresh data directory."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from tests.e2e.serving import clean_env, free_port, serve


def _call(url: str, token: str | None = None, body: dict | None = None,
          method: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def test_serve_creates_database_demo_tenant_and_token(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "objectry", "serve", "--port", str(port)],
        env=clean_env(tmp_path / "data"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        token = None
        deadline = time.monotonic() + 60
        assert process.stdout is not None
        while token is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                break
            if line.startswith("oby_"):
                token = line.strip()
        assert token, "serve printed no token"
        base = f"http://127.0.0.1:{port}"
        for _ in range(50):
            try:
                status, health = _call(base + "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        assert (status, health["status"]) == (200, "ok")
        # the demo: core_crm and b2b_leads from the pack catalog, with sample data
        _, packs = _call(base + "/api/v1/packs", token)
        assert {"objectry.core_crm", "objectry.b2b_leads"} <= {p["name"] for p in
                                                               packs["items"]}
        shanghai = json.dumps({"field": "city", "op": "eq", "value": "shanghai"})
        _, leads = _call(base + "/api/v1/records/lead?filter="
                         + urllib.parse.quote(shanghai), token)
        assert leads["items"], "the demo has sample leads in Shanghai"
        status, created = _call(base + "/api/v1/records/lead", token,
                                {"full_name": "张三", "city": "上海"})
        assert status == 201 and created["city"] == "shanghai"
        assert created["lead_no"].startswith("LD-")
        assert (tmp_path / "data" / "objectry.db").exists()

        # The embedded automation engine: no broker, no worker, the workflow still runs.
        status, _ = _call(base + "/api/v1/meta/workflows/qualify", token, {
            "kind": "workflow", "label": {"en": "Qualify", "zh-CN": "认定"},
            "object": "lead", "trigger": {"on": "created"},
            "steps": [{"id": "mark", "action": "update_record",
                       "values": {"status": "working"}}]}, method="PUT")
        assert status == 200
        _, second = _call(base + "/api/v1/records/lead", token, {"full_name": "李四"})
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            _, current = _call(base + f"/api/v1/records/lead/{second['id']}", token)
            if current["status"] == "working":
                break
            time.sleep(0.2)
        assert current["status"] == "working"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _start(data: Path, port: int) -> tuple[subprocess.Popen[str], list[str]]:
    """``objectry serve`` on ``data``; the process and what it printed until it said
    how to get a token (a token line, or the ``token create`` hint)."""
    return serve(data, port, lambda lines: lines[-1].startswith("oby_")
                 or "objectry token create" in lines[-1])


def test_a_restart_keeps_the_demo_as_the_admin_left_it(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    first, printed = _start(tmp_path / "data", port)
    try:
        token = next(line for line in printed if line.startswith("oby_"))
        _, lead = _call(base + "/meta/objects/lead", token)
        lead["fields"].append({"api_name": "wechat", "type": "text",
                               "label": {"en": "WeChat", "zh-CN": "微信"}})
        lead.pop("version", None)
        status, _ = _call(base + "/meta/objects/lead", token, lead, method="PUT")
        assert status == 200
        # a second server on the same port says so in one line, before anything else
        busy = subprocess.run(
            [sys.executable, "-m", "objectry", "serve", "--port", str(port)],
            env=clean_env(tmp_path / "data"),
            capture_output=True, text=True, timeout=60)
        assert busy.returncode != 0
        assert busy.stdout == "" and len(busy.stderr.strip().splitlines()) == 1, busy.stderr
        assert "Traceback" not in busy.stderr and "oby_" not in busy.stderr
    finally:
        first.terminate()
        first.wait(timeout=10)

    second, printed = _start(tmp_path / "data", port)
    try:
        assert not any(line.startswith("oby_") for line in printed), printed
        assert any("objectry token create --tenant demo --user admin@example.com" in line
                   for line in printed), printed
        _, lead = _call(base + "/meta/objects/lead", token)  # the first token still works
        assert "wechat" in [f["api_name"] for f in lead["fields"]]
        status, created = _call(base + "/records/lead", token, {"full_name": "王五",
                                                                "wechat": "ww"})
        assert status == 201 and created["wechat"] == "ww"
    finally:
        second.terminate()
        second.wait(timeout=10)
