"""What a pack locks, a tenant's ordinary edit (PUT /meta) cannot change."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.conftest import Api, error_paths, problem
from tests.packs.support import body, fixture_files, with_json, with_manifest

INSTALL, UPGRADE = "/api/v1/packs/install", "/api/v1/packs/upgrade"
RULES = {"c-ticket": {"/fields/priority/type": "locked", "/fields/hours": "locked"}}
TICKET = "/api/v1/meta/objects/ticket"


@pytest.fixture
def ticket(api: Api, key: Ed25519PrivateKey) -> dict[str, Any]:
    files = with_manifest(fixture_files(), rules=RULES)
    assert api.post(INSTALL, json=body(files, key)).status_code == 200
    return dict(api.get(TICKET).get_json())


def test_changing_a_locked_property_is_refused_with_a_pointer(
        api: Api, ticket: dict[str, Any]) -> None:
    changed = copy.deepcopy(ticket)
    changed["fields"][2]["type"] = "text"
    changed["fields"][2].pop("options")
    refused = api.put(TICKET, json=changed)
    problem(refused, 409, "pack_property_locked")
    assert error_paths(refused) == ["/fields/2/type"]
    assert "acme.service_desk" in refused.get_json()["errors"][0]["message"]
    relabelled = copy.deepcopy(ticket)
    relabelled["fields"][3]["label"]["en"] = "Effort"  # inside the locked field
    problem(api.put(TICKET, json=relabelled), 409, "pack_property_locked")
    assert api.get(TICKET).get_json() == ticket


def test_removing_a_locked_field_is_refused(api: Api, ticket: dict[str, Any]) -> None:
    changed = copy.deepcopy(ticket)
    del changed["fields"][3]
    refused = api.put(TICKET, json=changed)
    problem(refused, 409, "pack_property_locked")
    assert error_paths(refused) == ["/fields"]


def test_what_is_not_locked_stays_the_tenants_and_upgrades_change_locks(
        api: Api, key: Ed25519PrivateKey, ticket: dict[str, Any]) -> None:
    changed = copy.deepcopy(ticket)
    changed["fields"][2]["label"]["en"] = "Urgency"
    api.define(changed)

    def relabel(document: dict[str, Any]) -> None:
        document["fields"][3]["label"]["en"] = "Hours worked"
    v2 = with_manifest(with_json(fixture_files(), "objects/ticket.json", relabel),
                       version="1.1.0", rules=RULES)
    answer = api.post(UPGRADE, json=body(v2, key))
    assert answer.status_code == 200, answer.get_json()
    fields = {f["api_name"]: f for f in api.get(TICKET).get_json()["fields"]}
    assert fields["hours"]["label"]["en"] == "Hours worked"
    assert fields["priority"]["label"]["en"] == "Urgency"
