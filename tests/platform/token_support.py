"""A reader and their lead list, for the token tests (lookup and cache)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.conftest import Api, TenantHandle
from tests.docs_objects import campaign, lead

REP = "rep@example.com"


@pytest.fixture
def rep(app: Flask, api: Api, tenant: TenantHandle) -> Api:
    """A user whose role reads every lead, with a token used a few times already."""
    api.define(campaign())
    api.define(lead())
    response = api.put("/api/v1/meta/roles/reader", json={
        "kind": "role", "api_name": "reader", "label": {"en": "reader"},
        "grants": {"lead": {"actions": ["read"], "scope": "all"}}})
    assert response.status_code == 200, response.get_json()
    assert api.post("/api/v1/records/lead", json={"full_name": "Ann"}).status_code == 201
    client = Api(app.test_client(), tenant.add_user(REP, roles=["reader"]))
    for _ in range(3):
        assert len(leads(client)) == 1
    return client


def leads(client: Api) -> list[dict[str, Any]]:
    response = client.get("/api/v1/records/lead")
    assert response.status_code == 200, response.get_json()
    items: list[dict[str, Any]] = response.get_json()["items"]
    return items
