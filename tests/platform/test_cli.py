"""The ``objectry`` command as scripts use it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from tests.conftest import Api
from tests.docs_objects import campaign


def test_tenant_user_token_then_api(run, app) -> None:  # type: ignore[no-untyped-def]
    slug = "cli_" + uuid.uuid4().hex[:8]
    run("db", "upgrade")
    assert f"tenant {slug} created" in run("tenant", "create", slug).output
    assert "tenant admin" in run("user", "create", "--tenant", slug, "boss@acme.com").output
    token = run("token", "create", "--tenant", slug, "--user", "boss@acme.com").output.strip()
    assert token.startswith("oby_") and "\n" not in token
    api = Api(app.test_client(), token)
    assert api.get("/api/v1/meta/objects").status_code == 200
    again = run("tenant", "create", slug, ok=False)
    assert again.exit_code == 1 and "exists" in again.output


def test_meta_apply_dry_run_apply_export_purge(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    slug = "cli_" + uuid.uuid4().hex[:8]
    run("tenant", "create", slug)
    folder = tmp_path / "meta"
    folder.mkdir()
    document = campaign()
    document["fields"].append({"api_name": "region", "type": "text"})
    (folder / "campaign.json").write_text(json.dumps(document), encoding="utf-8")

    preview = run("meta", "apply", str(folder), "--tenant", slug, "--dry-run").output
    assert "create_table" in preview and "nothing applied" in preview
    assert "version 1" in run("meta", "apply", str(folder), "--tenant", slug).output

    (folder / "campaign.json").write_text(json.dumps(campaign()), encoding="utf-8")
    applied = run("meta", "apply", str(folder), "--tenant", slug).output
    assert "hide_field" in applied and "version 2" in applied

    exported = json.loads(run("meta", "export", "--tenant", slug).output)
    assert [d["api_name"] for d in exported] == ["campaign"]
    assert "rollback" not in run("meta", "history", "--tenant", slug).output
    purged = run("meta", "purge-field", "campaign", "region", "--tenant", slug, "--yes").output
    assert "purged campaign.region" in purged

    bad = tmp_path / "bad.json"
    bad.write_text('{"kind": "object", "api_name": "widget", "label": {"en": "X"}, '
                   '"fields": [{"api_name": "id", "type": "text"}]}', encoding="utf-8")
    refused = run("meta", "apply", str(bad), "--tenant", slug, ok=False)
    assert refused.exit_code == 1 and "/documents/0/fields/0/api_name" in refused.output
