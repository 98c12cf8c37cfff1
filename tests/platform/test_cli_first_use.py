"""``objectry user list|set`` (a way back for a tenant's admins) and ``serve`` on a busy port."""

from __future__ import annotations

import socket
import uuid

from tests.conftest import Api


def test_user_set_and_list(run, app) -> None:  # type: ignore[no-untyped-def]
    slug = "cli_" + uuid.uuid4().hex[:8]
    run("tenant", "create", slug)
    run("user", "create", "--tenant", slug, "boss@acme.com")
    run("user", "create", "--tenant", slug, "rep@acme.com", "--name", "Rep")
    listed = run("user", "list", "--tenant", slug).output
    assert "boss@acme.com" in listed and "rep@acme.com" in listed and "Rep" in listed

    refused = run("user", "set", "boss@acme.com", "--tenant", slug, "--no-admin", ok=False)
    assert refused.exit_code == 1 and "last active administrator" in refused.output
    refused = run("user", "set", "boss@acme.com", "--tenant", slug, "--inactive", ok=False)
    assert refused.exit_code == 1

    made = run("user", "set", "rep@acme.com", "--tenant", slug, "--admin").output
    assert "admin=yes" in made
    token = run("token", "create", "--tenant", slug, "--user", "rep@acme.com").output.strip()
    assert Api(app.test_client(), token).get("/api/v1/users").status_code == 200
    gone = run("user", "set", "boss@acme.com", "--tenant", slug, "--no-admin",
               "--inactive").output
    assert "admin=no, active=no" in gone
    rows = [line for line in run("user", "list", "--tenant", slug).output.splitlines()
            if "boss@acme.com" in line]
    assert len(rows) == 1 and " no " in rows[0]
    assert run("user", "set", "rep@acme.com", "--tenant", slug, ok=False).exit_code == 2
    unknown = run("user", "set", "ghost@acme.com", "--tenant", slug, "--admin", ok=False)
    assert unknown.exit_code == 1 and "ghost@acme.com" in unknown.output


def test_serve_on_a_busy_port_is_one_line_and_fails(run) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("serve", "--port", str(port), "--no-automation", ok=False)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert f"127.0.0.1:{port}" in lines[0] and "--port" in lines[0]
    assert "oby_" not in result.output and "Traceback" not in result.output
