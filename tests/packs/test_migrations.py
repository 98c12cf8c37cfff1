"""Data migrations of an upgrade: sandbox functions by phase, chained over skipped
versions, each run once and recorded; a failing one refuses the whole upgrade."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.conftest import Api, error_paths, problem
from tests.packs.support import body, fixture_files, with_json, with_manifest

PLAN, INSTALL, UPGRADE = "/api/v1/packs/plan", "/api/v1/packs/install", "/api/v1/packs/upgrade"

APPEND = """
def main(record, params):
    for row in records.query('ticket', limit=100):
        records.update('ticket', row['id'], {'subject': row['subject'] + '{suffix}'})
    return params['version']
"""
FILL_CHANNEL = """
def main(record, params):
    for row in records.query('ticket', limit=100):
        if row.get('channel') is None:
            records.update('ticket', row['id'], {'channel': 'email'})
"""
BROKEN = """
def main(record, params):
    records.update('ticket', 'no-such-id', {'subject': 'x'})
"""


def upgraded(version: str, migrations: list[dict[str, Any]],
             code: dict[str, str]) -> dict[str, bytes]:
    def ticket(document: dict[str, Any]) -> None:
        document["fields"].append({"api_name": "channel", "type": "text",
                                   "label": {"en": "Channel", "zh-CN": "渠道"}})
    files = with_json(fixture_files(), "objects/ticket.json", ticket)
    files = {**files, **{name: text.encode() for name, text in code.items()}}
    return with_manifest(files, version=version, migrations=migrations)


def version_3() -> dict[str, bytes]:
    """Ships 2.0's migrations and its own: 1.0 -> 3.0 runs both, 2.0's first."""
    return upgraded("3.0.0", [
        {"version": "3.0.0", "phase": "after_schema", "function": "migrations/v3.py"},
        {"version": "2.0.0", "phase": "before_schema", "function": "migrations/v2a.py"},
        {"version": "2.0.0", "phase": "after_schema", "function": "migrations/v2b.py"},
        {"version": "2.0.0", "phase": "after_data", "function": "migrations/v2c.py"},
    ], {"migrations/v2a.py": APPEND.replace("{suffix}", "-2a"),
        "migrations/v2b.py": FILL_CHANNEL,
        "migrations/v2c.py": APPEND.replace("{suffix}", "-2c"),
        "migrations/v3.py": APPEND.replace("{suffix}", "-3")})


@pytest.fixture
def installed(api: Api, key: Ed25519PrivateKey) -> str:
    assert api.post(INSTALL, json=body(fixture_files(), key)).status_code == 200
    created = api.post("/api/v1/records/ticket", json={"subject": "Printer", "hours": 2})
    assert created.status_code == 201, created.get_json()
    return str(created.get_json()["id"])


def test_migrations_chain_over_skipped_versions_by_phase(api: Api, key: Ed25519PrivateKey,
                                                         installed: str) -> None:
    plan = api.post(PLAN, json=body(version_3(), key)).get_json()
    assert [(m["version"], m["phase"]) for m in plan["migrations"]] == [
        ("2.0.0", "before_schema"), ("2.0.0", "after_schema"), ("3.0.0", "after_schema"),
        ("2.0.0", "after_data")]
    assert api.get(f"/api/v1/records/ticket/{installed}").get_json()["subject"] == "Printer"
    answer = api.post(UPGRADE, json=body(version_3(), key))
    assert answer.status_code == 200, answer.get_json()
    ran = answer.get_json()["migrations"]
    assert [m["function"] for m in ran] == ["migrations/v2a.py", "migrations/v2b.py",
                                            "migrations/v3.py", "migrations/v2c.py"]
    ticket = api.get(f"/api/v1/records/ticket/{installed}").get_json()
    assert ticket["subject"] == "Printer-2a-3-2c"
    assert ticket["channel"] == "email"  # after_schema saw the new field
    history = api.get("/api/v1/packs/acme.service_desk/migrations").get_json()["items"]
    assert [(h["version"], h["phase"], h["upgrade_from"]) for h in history] == [
        ("2.0.0", "before_schema", "1.0.0"), ("2.0.0", "after_schema", "1.0.0"),
        ("3.0.0", "after_schema", "1.0.0"), ("2.0.0", "after_data", "1.0.0")]
    # each runs once: 3.1 (shipping the same list) runs none of them again
    again = api.post(UPGRADE, json=body(with_manifest(version_3(), version="3.1.0"), key))
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["migrations"] == []
    assert api.get(f"/api/v1/records/ticket/{installed}").get_json()[
        "subject"] == "Printer-2a-3-2c"


def test_a_failing_migration_rolls_the_upgrade_back(api: Api, key: Ed25519PrivateKey,
                                                    installed: str) -> None:
    files = upgraded("2.0.0", [
        {"version": "2.0.0", "phase": "before_schema", "function": "migrations/a.py"},
        {"version": "2.0.0", "phase": "after_schema", "function": "migrations/broken.py"},
    ], {"migrations/a.py": APPEND.replace("{suffix}", "-a"),
        "migrations/broken.py": BROKEN})
    refused = api.post(UPGRADE, json=body(files, key))
    problem(refused, 409, "pack_migration_failed")
    assert error_paths(refused)[0].startswith("migrations/broken.py#")
    ticket = api.get(f"/api/v1/records/ticket/{installed}").get_json()
    assert ticket["subject"] == "Printer" and "channel" not in ticket
    packs = {p["name"]: p for p in api.get("/api/v1/packs").get_json()["items"]}
    assert packs["acme.service_desk"]["version"] == "1.0.0"
    assert api.get("/api/v1/packs/acme.service_desk/migrations").get_json()["items"] == []


def test_lint_names_a_migration_that_does_not_compile(api: Api) -> None:
    from objectry.packs.lint import lint
    files = upgraded("2.0.0", [
        {"version": "2.0.0", "phase": "after_schema", "function": "migrations/bad.py"},
        {"version": "9.0.0", "phase": "after_schema", "function": "migrations/missing.py"},
    ], {"migrations/bad.py": "def main(record, params):\n    return (\n"})
    paths = {e.path: e.code for e in lint(files)}
    assert any(p.startswith("migrations/bad.py#") for p in paths)
    assert paths["pack.json#/migrations/1/function"] == "pack_component_file_missing"
