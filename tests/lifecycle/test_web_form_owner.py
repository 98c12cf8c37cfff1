"""A web form's default owner (``"owner": "<email>"``): a form that creates as the
platform (``"run_as": "system"``) gives each new record to that user when neither the
object's auto rules nor the form's assignment rule gave it to anyone, so no sign-up waits
without an owner; a rule that picks someone still decides; the user must exist."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, TenantHandle, error_paths
from tests.lifecycle.test_web_form_campaign_link import campaigns, form, sign_up

__all__ = ["campaigns"]  # the fixture, used by name


@pytest.fixture
def people(api: Api, tenant: TenantHandle, campaigns: dict[str, str]) -> dict[str, str]:
    for email in ("desk@example.com", "li@example.com"):
        tenant.add_user(email)
    return {u["email"]: u["id"] for u in api.get("/api/v1/users").get_json()["items"]}


def test_a_sign_up_no_rule_takes_goes_to_the_forms_owner(
    api: Api, tenant: TenantHandle, campaigns: dict[str, str], people: dict[str, str]
) -> None:
    saved = api.put("/api/v1/meta/web_forms/signup", json=form(owner="Desk@example.com"))
    assert saved.status_code == 200, saved.get_json()
    lead = sign_up(api, tenant.slug, f"?campaign={campaigns['expo']}", "ann")
    assert lead["owner"] == people["desk@example.com"]
    history = api.get(f"/api/v1/records/lead/{lead['id']}/assignments").get_json()["items"]
    assert history[0]["because"] == {"reason": "web form default owner"}


def test_a_rule_that_picks_someone_decides_before_the_default(
    api: Api, tenant: TenantHandle, campaigns: dict[str, str], people: dict[str, str]
) -> None:
    rule = {
        "kind": "assignment_rule",
        "api_name": "desk_li",
        "object": "lead",
        "label": {"en": "Li takes the expo"},
        "entries": [
            {
                "condition": {"field": "campaign", "op": "eq", "value": campaigns["expo"]},
                "to": [{"user": "li@example.com"}],
            }
        ],
    }
    assert api.put("/api/v1/meta/assignment_rules/desk_li", json=rule).status_code == 200
    with_rule = form(owner="desk@example.com", assignment_rule="desk_li")
    assert api.put("/api/v1/meta/web_forms/signup", json=with_rule).status_code == 200
    picked = sign_up(api, tenant.slug, f"?campaign={campaigns['expo']}", "bob")
    assert picked["owner"] == people["li@example.com"]
    missed = sign_up(api, tenant.slug, f"?campaign={campaigns['webinar']}", "cid")
    assert missed["owner"] == people["desk@example.com"]  # the rule matched nobody


def test_without_a_default_owner_the_sign_up_stays_ownerless_and_ghosts_are_refused(
    api: Api, tenant: TenantHandle, campaigns: dict[str, str], people: dict[str, str]
) -> None:
    assert api.put("/api/v1/meta/web_forms/signup", json=form()).status_code == 200
    assert sign_up(api, tenant.slug, "", "dan")["owner"] is None
    refused: Any = api.put("/api/v1/meta/web_forms/signup", json=form(owner="ghost@example.com"))
    assert refused.status_code == 422 and error_paths(refused) == ["/owner"]
