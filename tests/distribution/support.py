"""Shared setup of the distribution tests: leads, a rep role, a Shanghai office."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api, TenantHandle
from tests.docs_objects import campaign, lead

REP_ROLE = {"kind": "role", "api_name": "rep", "label": {"en": "Rep"},
            "grants": {"lead": {"actions": ["read", "create", "edit"], "scope": "own",
                                "field_groups": {"contact": "edit", "company": "edit",
                                                 "default": "edit"}}}}


def leads(api: Api, tenant: TenantHandle, *reps: str, **user_options: Any) -> dict[str, Api]:
    """The lead object, the rep role and a token per rep (``user_options`` for all)."""
    api.define(campaign())
    api.define(lead(fields=[{"api_name": "city_text", "type": "text", "group": "company"}]))
    assert api.put("/api/v1/meta/roles/rep", json=REP_ROLE).status_code == 200
    return {email: Api(api.client, tenant.add_user(email, roles=["rep"], **user_options))
            for email in reps}


def office(api: Api, name: str, parent: str | None = None) -> None:
    body: dict[str, Any] = {"label": {"en": name}}
    if parent:
        body["parent"] = parent
    response = api.put(f"/api/v1/meta/departments/{name}", json=body)
    assert response.status_code == 200, response.get_json()


def new_lead(api: Api, **values: Any) -> str:
    response = api.post("/api/v1/records/lead", json={"full_name": "Zhang", **values})
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])


def user_id(api: Api, email: str) -> str:
    return str(api.get(f"/api/v1/users/{email}").get_json()["id"])
