"""The web app's front door: ``objectry serve`` prints a URL that opens a sign-in page
and, on the first start only, a password the demo admin signs in with."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(data: Path, port: int) -> tuple[subprocess.Popen[str], list[str]]:
    """``objectry serve``; what it printed until it said how to get a token."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OBJECTRY_")}
    env["OBJECTRY_DATA_DIR"] = str(data)
    process = subprocess.Popen(
        [sys.executable, "-m", "objectry", "serve", "--port", str(port), "--no-automation"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        lines.append(line.rstrip("\n"))
        if "objectry token create" in line or (len(lines) > 1 and "password" in lines[-2]):
            break
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).close()
            break
        except OSError:
            time.sleep(0.1)
    return process, lines


def test_the_printed_url_opens_a_sign_in_page_for_the_printed_password(
        tmp_path: Path) -> None:
    port = _free_port()
    process, printed = _serve(tmp_path / "data", port)
    try:
        url = re.search(r"Objectry on (http://\S+)", "\n".join(printed))
        assert url is not None, printed
        at = next(i for i, line in enumerate(printed) if "with password" in line)
        password = printed[at + 1].strip()
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with opener.open(url.group(1), timeout=10) as response:  # / -> /app/ -> sign-in
            page = response.read().decode()
            assert response.url.endswith("/app/sign-in?next=/app/?") or \
                "/app/sign-in" in response.url
        assert 'type="password"' in page
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf is not None
        form = urllib.parse.urlencode({"csrf_token": csrf.group(1), "password": password,
                                       "email": "admin@example.com"}).encode()
        with opener.open(f"http://127.0.0.1:{port}/app/sign-in", data=form,
                         timeout=10) as response:
            home = response.read().decode()
        assert "Welcome" in home and "/app/o/lead" in home
    finally:
        process.terminate()
        process.wait(timeout=10)
    again, printed = _serve(tmp_path / "data", port)
    try:
        assert not any("with password" in line for line in printed), printed
    finally:
        again.terminate()
        again.wait(timeout=10)
