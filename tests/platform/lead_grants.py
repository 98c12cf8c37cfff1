"""Helpers the restricted-list tests share: metadata writes and record grants."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api


def put(api: Api, path: str, body: dict[str, Any]) -> None:
    """PUT a document the test needs in place; anything but 200 fails the test."""
    response = api.put(path, json=body)
    assert response.status_code == 200, response.get_json()


def grant(api: Api, record_id: str, grantee: str, levels: dict[str, str]) -> str:
    """Grant a lead's field groups to a user or department and return the grant's id."""
    response = api.post(f"/api/v1/records/lead/{record_id}/grants",
                        json={"grantee": grantee, "field_groups": levels})
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])
