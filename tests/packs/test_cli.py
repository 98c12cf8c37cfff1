"""``objectry pack``: key, lint, build, sign, trust, install (plan first), list."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from objectry.packs import signing
from tests.conftest import TenantHandle
from tests.packs.support import SERVICE_DESK


def test_a_partner_builds_signs_and_an_operator_installs(run: Any, tmp_path: Path,
                                                         tenant: TenantHandle) -> None:
    key_file = tmp_path / "acme.pem"
    public = run("pack", "key", "create", str(key_file)).output.strip()
    assert run("pack", "lint", str(SERVICE_DESK)).output.strip().endswith("no problems found")
    opack = tmp_path / "desk.opack"
    run("pack", "build", str(SERVICE_DESK), "--out", str(opack))
    refused = run("pack", "install", str(opack), "--tenant", tenant.slug, ok=False)
    assert refused.exit_code == 1 and "not signed" in refused.output
    run("pack", "sign", str(opack), "--key", str(key_file))
    untrusted = run("pack", "install", str(opack), "--tenant", tenant.slug, ok=False)
    assert untrusted.exit_code == 1 and "does not trust" in untrusted.output
    assert "trusted key" in run("pack", "trust", "add", public, "--publisher", "Acme").output
    assert signing.key_id(public) in run("pack", "trust", "list").output
    plan = run("pack", "install", str(opack), "--tenant", tenant.slug, "--dry-run").output
    assert "dry run: nothing applied" in plan and "ticket" in plan
    assert "escalate on ticket: inactive (suggested" in plan
    done = run("pack", "install", str(opack), "--tenant", tenant.slug,
               "--activate", "escalate").output
    assert "installed as metadata version" in done and "escalate on ticket: ACTIVE" in done
    listed = run("pack", "list", "--tenant", tenant.slug).output
    assert "acme.service_desk" in listed and "1.0.0" in listed and "installed" in listed


def test_lint_reports_every_problem_and_fails(run: Any, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(SERVICE_DESK, broken)
    (broken / "functions" / "check_ticket.py").write_text("def main(:\n", encoding="utf-8")
    (broken / "sop" / "en" / "intake.md").unlink()
    result = run("pack", "lint", str(broken), ok=False)
    assert result.exit_code == 1
    assert "functions/check_ticket.py#" in result.output
    assert "pack.json#/sop/0/en" in result.output


def test_an_unsigned_directory_installs_only_with_allow_unsigned(
        run: Any, tenant: TenantHandle) -> None:
    run("pack", "install", str(SERVICE_DESK), "--tenant", tenant.slug, "--allow-unsigned",
        "--dry-run")


def test_upgrade_from_the_command_line_with_a_choice(run: Any, tmp_path: Path,
                                                     tenant: TenantHandle) -> None:
    import json as json_
    run("pack", "install", str(SERVICE_DESK), "--tenant", tenant.slug, "--allow-unsigned")
    with tenant.context() as ctx:
        from objectry.runtime.schema import metadata_service
        ticket = metadata_service.get_document(ctx, "object", "ticket")
        ticket["label"]["en"] = "Case"
        metadata_service.put_document(ctx, "object", "ticket", ticket)
    newer = tmp_path / "desk"
    shutil.copytree(SERVICE_DESK, newer)
    manifest = json_.loads((newer / "pack.json").read_text(encoding="utf-8"))
    manifest["version"] = "1.1.0"
    (newer / "pack.json").write_text(json_.dumps(manifest), encoding="utf-8")
    ticket_file = newer / "objects" / "ticket.json"
    document = json_.loads(ticket_file.read_text(encoding="utf-8"))
    document["label"]["en"] = "Support ticket"
    ticket_file.write_text(json_.dumps(document), encoding="utf-8")
    plan = run("pack", "upgrade", str(newer), "--tenant", tenant.slug, "--allow-unsigned",
               "--dry-run").output
    assert "conflict c-ticket:/label/en" in plan and "dry run" in plan
    refused = run("pack", "upgrade", str(newer), "--tenant", tenant.slug, "--allow-unsigned",
                  ok=False)
    assert refused.exit_code == 1
    done = run("pack", "upgrade", str(newer), "--tenant", tenant.slug, "--allow-unsigned",
               "--choose", "c-ticket:/label/en=pack").output
    assert "upgraded as metadata version" in done
    assert "1.1.0" in run("pack", "list", "--tenant", tenant.slug).output
