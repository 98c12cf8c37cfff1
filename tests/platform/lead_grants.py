"""Helpers the restricted-list tests share: metadata writes and record grants."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api, TenantHandle


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


def own_scope_rep(api: Api, tenant: TenantHandle, default: str) -> Api:
    """A rep in department ``east`` whose role reads their own leads: contact fields
    editable, company fields read-only, the other groups at ``default``."""
    put(api, "/api/v1/meta/roles/rep", {
        "kind": "role", "api_name": "rep", "label": {"en": "rep"},
        "grants": {"lead": {"actions": ["read", "create"], "scope": "own",
                            "field_groups": {"contact": "edit", "company": "read",
                                             "default": default}}}})
    return Api(api.client, tenant.add_user("rep@example.com", department="east",
                                           roles=["rep"]))
