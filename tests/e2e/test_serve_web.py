"""The web app's front door: ``objectry serve`` prints a URL that opens a sign-in page
and, on the first start only, a password the demo admin signs in with."""

from __future__ import annotations

import http.cookiejar
import re
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

from tests.e2e.serving import free_port, serve


def _serve(data: Path, port: int) -> tuple[subprocess.Popen[str], list[str]]:
    """``objectry serve``; what it printed until it said how to get a token."""
    return serve(data, port, lambda lines: "objectry token create" in lines[-1]
                 or (len(lines) > 1 and "password" in lines[-2]))


def test_the_printed_url_opens_a_sign_in_page_for_the_printed_password(
        tmp_path: Path) -> None:
    port = free_port()
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
