"""``objectry user set-password`` and ``objectry user invite``: web sign-in passwords."""

from __future__ import annotations

import re
import uuid
from typing import Any

from click.testing import CliRunner

from objectry.platform.app import create_app
from objectry.platform.cli import main
from tests.admin_ui.conftest import Browser


def browser_on(services: Any) -> Browser:
    """A browser on a fresh app (its own sign-in rate-limit counts)."""
    return Browser(create_app(services=services).test_client())


def test_set_password_from_stdin_then_sign_in(run, settings, tmp_path, services: Any) -> None:  # type: ignore[no-untyped-def]
    slug = "pw_" + uuid.uuid4().hex[:8]
    email = f"boss@{slug}.example.com"
    run("tenant", "create", slug)
    run("user", "create", "--tenant", slug, email)
    env = {"OBJECTRY_DATABASE_URL": settings.database_url, "OBJECTRY_DATA_DIR": str(tmp_path)}
    short = CliRunner().invoke(main, ["user", "set-password", email, "--tenant", slug,
                                      "--password-stdin"], input="short\n", env=env)
    assert short.exit_code == 1 and "at least 8 characters" in short.output
    done = CliRunner().invoke(main, ["user", "set-password", email, "--tenant", slug,
                                     "--password-stdin"], input="a long password\n", env=env)
    assert done.exit_code == 0 and f"Password set for {email}" in done.output
    browser = browser_on(services)
    assert browser.sign_in(email, "a long password").status_code == 303
    assert browser.get("/app/").status_code == 200
    prompted = CliRunner().invoke(main, ["user", "set-password", email, "--tenant", slug],
                                  input="another password\nanother password\n", env=env)
    assert prompted.exit_code == 0, prompted.output
    assert browser.get("/app/").status_code == 303  # the new password ended the session
    unknown = run("user", "set-password", "ghost@x.com", "--tenant", slug,
                  "--password-stdin", ok=False)
    assert unknown.exit_code == 1


def test_invite_prints_a_link_that_sets_the_password(run, settings, services: Any) -> None:  # type: ignore[no-untyped-def]
    slug = "inv_" + uuid.uuid4().hex[:8]
    email = f"new@{slug}.example.com"
    run("tenant", "create", slug)
    run("user", "create", "--tenant", slug, email)
    # the server's data directory: links are signed with the installation's key
    env = {"OBJECTRY_DATABASE_URL": settings.database_url,
           "OBJECTRY_DATA_DIR": str(settings.data_dir)}
    output = CliRunner().invoke(main, ["user", "invite", email, "--tenant", slug, "--url",
                                       "https://crm.example.com/"], env=env).output
    link = re.search(r"https://crm\.example\.com(/app/invitation/\S+)", output)
    assert link is not None and "7 days" in output
    browser = browser_on(services)
    assert browser.get(link.group(1)).status_code == 200
    assert browser.post(link.group(1), {"password": "welcome aboard",
                                        "password_again": "welcome aboard"}).status_code == 303
    assert browser.get("/app/").status_code == 200
