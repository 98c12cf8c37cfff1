"""Shared setup of the duplicate, merge and conversion tests: leads, contacts, accounts,
opportunities and tasks, a rep role limited to their own leads."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api, TenantHandle
from tests.docs_objects import campaign, lead

REP_ROLE = {"kind": "role", "api_name": "rep", "label": {"en": "Rep"},
            "grants": {obj: {"actions": ["read", "create", "edit", "delete", "restore"],
                             "scope": "own",
                             "field_groups": ({"contact": "edit", "company": "edit"}
                                              if obj == "lead" else {}) | {"default": "edit"}}
                       for obj in ("lead", "contact", "account", "opportunity", "task")}}


def account() -> dict[str, Any]:
    return {"kind": "object", "api_name": "account", "label": {"en": "Account"},
            "name_field": "name",
            "fields": [{"api_name": "name", "type": "text", "required": True},
                       {"api_name": "phone", "type": "phone"}]}


def contact() -> dict[str, Any]:
    return {"kind": "object", "api_name": "contact", "label": {"en": "Contact"},
            "name_field": "name",
            "fields": [{"api_name": "name", "type": "text", "required": True},
                       {"api_name": "phone", "type": "phone"},
                       {"api_name": "email", "type": "email"},
                       {"api_name": "account", "type": "lookup", "target": "account",
                        "on_target_delete": "keep"}]}


def opportunity() -> dict[str, Any]:
    return {"kind": "object", "api_name": "opportunity", "label": {"en": "Opportunity"},
            "name_field": "name",
            "fields": [{"api_name": "name", "type": "text", "required": True},
                       {"api_name": "amount", "type": "integer"},
                       {"api_name": "account", "type": "lookup", "target": "account",
                        "on_target_delete": "keep"},
                       {"api_name": "contact", "type": "lookup", "target": "contact",
                        "on_target_delete": "keep"},
                       {"api_name": "campaign", "type": "lookup", "target": "campaign",
                        "on_target_delete": "keep"}]}


def task() -> dict[str, Any]:
    return {"kind": "object", "api_name": "task", "label": {"en": "Task"},
            "fields": [{"api_name": "subject", "type": "text", "required": True},
                       {"api_name": "lead", "type": "lookup", "target": "lead",
                        "on_target_delete": "keep"},
                       {"api_name": "contact", "type": "lookup", "target": "contact",
                        "on_target_delete": "keep"}]}


def crm(api: Api, tenant: TenantHandle, *reps: str) -> dict[str, Api]:
    """Every object, the rep role and a token per rep."""
    api.define(campaign())
    api.define(account())
    api.define(contact())
    api.define(lead(fields=[
        {"api_name": "converted", "type": "boolean"},
        {"api_name": "account", "type": "lookup", "target": "account",
         "on_target_delete": "keep"},
        {"api_name": "contact", "type": "lookup", "target": "contact",
         "on_target_delete": "keep"}]))
    api.define(opportunity())
    api.define(task())
    assert api.put("/api/v1/meta/roles/rep", json=REP_ROLE).status_code == 200
    return {email: Api(api.client, tenant.add_user(email, roles=["rep"])) for email in reps}


def rule(api: Api, name: str, document: dict[str, Any]) -> None:
    response = api.put(f"/api/v1/meta/duplicate_rules/{name}", json=document)
    assert response.status_code == 200, response.get_json()


NAME_PHONE = {"object": "lead", "action": "warn", "default_region": "CN",
              "match": [{"field": "mobile", "as": "phone"}],
              "fuzzy": {"field": "full_name", "threshold": 80}}


def create(api: Api, object_name: str, **values: Any) -> str:
    response = api.post(f"/api/v1/records/{object_name}", json=values)
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])
