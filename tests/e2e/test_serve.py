"""The README's front door: ``objectry serve`` on a fresh data directory."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OBJECTRY_")}
    env["OBJECTRY_DATA_DIR"] = str(tmp_path / "data")
    process = subprocess.Popen(
        [sys.executable, "-m", "objectry", "serve", "--port", str(port)], env=env,
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
        status, created = _call(base + "/api/v1/records/lead", token,
                                {"full_name": "张三", "city": "上海"})
        assert status == 201 and created["city"] == "shanghai"
        assert created["lead_no"] == "LD-00001"
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
