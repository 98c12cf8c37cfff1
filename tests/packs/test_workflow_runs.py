"""Runs in flight of a workflow an upgrade changes: kept on the version they started
with, or moved to the new one as ``migrate_runs`` does."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.automation.conftest import Engine, engine  # noqa: F401 (fixture)
from tests.conftest import Api
from tests.packs.support import body, fixture_files, with_json, with_manifest

PLAN, INSTALL, UPGRADE = "/api/v1/packs/plan", "/api/v1/packs/install", "/api/v1/packs/upgrade"


def escalate(priority: str) -> Any:
    def change(document: dict[str, Any]) -> None:
        document["steps"] = [{"id": "wait", "wait": {"hours": 1}},
                             {"id": "raise", "action": "update_record",
                              "values": {"priority": priority}}]
    return change


def version(text: str, priority: str) -> dict[str, bytes]:
    files = with_json(fixture_files(), "workflows/escalate.json", escalate(priority))
    return with_manifest(files, version=text)


@pytest.fixture
def waiting(api: Api, key: Ed25519PrivateKey, engine: Engine) -> str:  # noqa: F811
    installed = api.post(INSTALL, json=body(version("1.0.0", "high"), key,
                                            activate_workflows=["escalate"]))
    assert installed.status_code == 200, installed.get_json()
    ticket = api.post("/api/v1/records/ticket", json={"subject": "Printer"})
    assert ticket.status_code == 201, ticket.get_json()
    engine.tick()
    return str(ticket.get_json()["id"])


@pytest.mark.parametrize("policy, priority", [("migrate", "low"), ("keep", "high")])
def test_runs_in_flight_follow_the_chosen_policy(api: Api, key: Ed25519PrivateKey,
                                                 engine: Engine,  # noqa: F811
                                                 waiting: str, policy: str,
                                                 priority: str) -> None:
    v2 = version("1.1.0", "low")
    plan = api.post(PLAN, json=body(v2, key, migrate_runs=policy)).get_json()
    assert plan["workflows"] == [{"api_name": "escalate", "runs_in_flight": 1,
                                  "runs": policy}]
    answer = api.post(UPGRADE, json=body(v2, key, migrate_runs=policy))
    assert answer.status_code == 200, answer.get_json()
    [workflow] = answer.get_json()["workflows"]
    if policy == "migrate":
        assert workflow["moved"] == 1 and workflow["skipped"] == []
    engine.later(hours=1)
    assert api.get(f"/api/v1/records/ticket/{waiting}").get_json()["priority"] == priority


def test_an_unknown_policy_is_refused(api: Api, key: Ed25519PrivateKey) -> None:
    answer = api.post(PLAN, json=body(fixture_files(), key, migrate_runs="drop"))
    assert answer.status_code == 422
    assert answer.get_json()["errors"][0]["path"] == "/migrate_runs"
