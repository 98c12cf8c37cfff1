"""``objectry role ...`` and ``objectry grant ...`` as a script would use them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import Api, TenantHandle, problem
from tests.docs_objects import campaign, lead


def role_document(name: str, actions: list[str], scope: str, level: str) -> dict[str, Any]:
    return {"kind": "role", "api_name": name, "label": {"en": name, "zh-CN": name},
            "grants": {"lead": {"actions": actions, "scope": scope,
                                "field_groups": {"contact": level, "company": level}}}}


def write(folder: Path, name: str, document: Any) -> Path:
    path = folder / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_roles_from_the_command_line(run, api: Api, tenant: TenantHandle,  # type: ignore[no-untyped-def]
                                     tmp_path: Path) -> None:
    api.define(campaign())
    api.define(lead())
    tenant.add_user("rep@example.com")
    path = write(tmp_path, "rep.json", role_document("sales_rep", ["read"], "own", "read"))

    assert "applied as metadata version" in run("role", "apply", str(path),
                                                "--tenant", tenant.slug).output
    shown = json.loads(run("role", "show", "sales_rep", "--tenant", tenant.slug).output)
    assert shown["grants"]["lead"]["scope"] == "own"
    assert "holds: sales_rep" in run("role", "assign", "rep@example.com", "sales_rep",
                                     "--tenant", tenant.slug).output
    assert api.get("/api/v1/users/rep@example.com").get_json()["roles"] == ["sales_rep"]
    listed = run("role", "list", "--tenant", tenant.slug).output
    assert "sales_rep" in listed and "lead" in listed

    refused = run("role", "delete", "sales_rep", "--tenant", tenant.slug, ok=False)
    assert refused.exit_code == 1 and "rep@example.com" in refused.output
    assert api.get("/api/v1/meta/roles/sales_rep").status_code == 200

    assert "(no role)" in run("role", "unassign", "rep@example.com", "sales_rep",
                              "--tenant", tenant.slug).output
    assert "deleted" in run("role", "delete", "sales_rep", "--tenant", tenant.slug).output
    problem(api.get("/api/v1/meta/roles/sales_rep"), 404, "unknown_document")

    unknown = run("role", "assign", "rep@example.com", "no_such_role",
                  "--tenant", tenant.slug, ok=False)
    assert unknown.exit_code == 1 and "no_such_role" in unknown.output

    wrong_kind = run("role", "apply", str(write(tmp_path, "obj.json", campaign())),
                     "--tenant", tenant.slug, ok=False)
    assert wrong_kind.exit_code == 1 and "/0/kind" in wrong_kind.output


def test_grants_from_the_command_line(run, api: Api, tenant: TenantHandle,  # type: ignore[no-untyped-def]
                                      tmp_path: Path) -> None:
    api.define(campaign())
    api.define(lead())
    for name, document in (("owner", role_document("owner", ["read", "create", "edit", "share"],
                                                   "own", "edit")),
                           ("rep", role_document("rep", ["read"], "own", "read"))):
        assert api.put(f"/api/v1/meta/roles/{name}", json=document).status_code == 200
    assert api.put("/api/v1/meta/access_policies/lead", json={
        "kind": "access_policy", "object": "lead",
        "conflict_strategy": "distribution_wins"}).status_code == 200
    bob = Api(api.client, tenant.add_user("bob@example.com", roles=["owner"]))
    alice = Api(api.client, tenant.add_user("alice@example.com", roles=["rep"]))
    record = bob.post("/api/v1/records/lead", json={"full_name": "Zhang San"}).get_json()["id"]
    assert "Zhang San" not in str(problem(alice.get(f"/api/v1/records/lead/{record}"), 403,
                                          "record_not_accessible"))

    granted = run("grant", "add", "lead", record, "--to", "user:alice@example.com",
                  "--level", "contact=edit", "--level", "company=none",
                  "--as", "bob@example.com", "--tenant", tenant.slug).output.strip()
    assert "\n" not in granted
    seen = alice.get(f"/api/v1/records/lead/{record}").get_json()
    assert seen["full_name"] == "Zhang San" and "company_name" not in seen
    edited = alice.patch(f"/api/v1/records/lead/{record}", json={"full_name": "Li Si"})
    assert edited.status_code == 200, edited.get_json()

    listed = run("grant", "list", "lead", record, "--tenant", tenant.slug).output
    assert granted in listed and "alice@example.com" in listed
    explained = run("grant", "explain", "lead", record, "--user", "alice@example.com",
                    "--tenant", tenant.slug).output
    assert "visible" in explained and "distribution_wins" in explained
    as_json = json.loads(run("grant", "explain", "lead", record, "--user", "alice@example.com",
                             "--json", "--tenant", tenant.slug).output)
    assert as_json["field_groups"]["contact"]["decision"]["level"] == "edit"

    run("grant", "change", "lead", record, granted, "--level", "contact=read",
        "--tenant", tenant.slug)
    refused = alice.patch(f"/api/v1/records/lead/{record}", json={"full_name": "Wang Wu"})
    assert problem(refused, 403)["errors"][0]["path"] == "/full_name"
    assert bob.get(f"/api/v1/records/lead/{record}").get_json()["full_name"] == "Li Si"

    # Alice holds no share right: she cannot pass the record on.
    passed_on = run("grant", "add", "lead", record, "--to", "user:bob@example.com",
                    "--level", "contact=read", "--as", "alice@example.com",
                    "--tenant", tenant.slug, ok=False)
    assert passed_on.exit_code == 1 and "share" in passed_on.output
    bad_level = run("grant", "add", "lead", record, "--to", "user:alice@example.com",
                    "--level", "contact=write", "--tenant", tenant.slug, ok=False)
    assert bad_level.exit_code == 1 and "/field_groups/contact" in bad_level.output
    assert len(bob.get(f"/api/v1/records/lead/{record}/grants").get_json()["items"]) == 1

    assert "revoked" in run("grant", "revoke", "lead", record, granted,
                            "--as", "bob@example.com", "--tenant", tenant.slug).output
    assert "Li Si" not in str(problem(alice.get(f"/api/v1/records/lead/{record}"), 403,
                                      "record_not_accessible"))
    history = run("grant", "list", "lead", record, "--all", "--tenant", tenant.slug).output
    assert granted in history
