"""One web form for every campaign (issue 19): the campaign comes from the form's link
(``"campaign": {"field": "campaign", "from_url": true}``), a link naming no live
campaign keeps the sign-up without one, the fixed record is the fallback; a form can
create as the platform (``"run_as": "system"``: a pack's form knows no user), leaving
the record without an owner; bad definitions are refused with a pointer."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import Api, TenantHandle, error_paths
from tests.docs_objects import campaign, lead


def form(**extra: Any) -> dict[str, Any]:
    return {"kind": "web_form", "api_name": "signup", "label": {"en": "Sign-up"},
            "object": "lead", "fields": ["full_name", "email"],
            "campaign": {"field": "campaign", "from_url": True},
            "thank_you": {"en": "Thanks."}, "run_as": "system", **extra}


@pytest.fixture
def campaigns(api: Api) -> dict[str, str]:
    api.define(campaign())
    api.define(lead())
    return {name: str(api.post("/api/v1/records/campaign", json={"name": name})
                      .get_json()["id"]) for name in ("expo", "webinar", "gone")}


def sign_up(api: Api, slug: str, query: str, name: str) -> dict[str, Any]:
    url = f"/f/{slug}/signup"
    page = api.client.get(url + query).get_data(as_text=True)
    token = re.search(r'name="_token" value="([^"]+)"', page)
    assert token is not None, page
    data = {"_token": token.group(1), "full_name": name, "email": f"{name}@example.com"}
    hidden = re.search(r'name="_campaign" value="([^"]+)"', page)
    if hidden:
        data["_campaign"] = hidden.group(1)
    assert api.client.post(url, data=data).status_code == 200
    found = api.post("/api/v1/records/lead/query", json={
        "filter": {"field": "full_name", "op": "eq", "value": name}}).get_json()["items"]
    assert len(found) == 1
    return dict(found[0])


def test_the_link_names_the_campaign(api: Api, tenant: TenantHandle,
                                     campaigns: dict[str, str]) -> None:
    saved = api.put("/api/v1/meta/web_forms/signup", json=form())
    assert saved.status_code == 200, saved.get_json()
    assert api.delete(f"/api/v1/records/campaign/{campaigns['gone']}").status_code == 204
    expo = sign_up(api, tenant.slug, f"?campaign={campaigns['expo']}", "ann")
    assert expo["campaign"] == campaigns["expo"] and expo["owner"] is None
    assert sign_up(api, tenant.slug, f"?campaign={campaigns['webinar']}",
                   "bob")["campaign"] == campaigns["webinar"]
    assert sign_up(api, tenant.slug, f"?campaign={campaigns['gone']}", "cid")["campaign"] is None
    assert sign_up(api, tenant.slug, "?campaign=not-an-id", "dan")["campaign"] is None
    # with a fixed record as well, a link without a campaign falls back to it
    both = form(campaign={"field": "campaign", "from_url": True,
                          "record": campaigns["expo"]})
    assert api.put("/api/v1/meta/web_forms/signup", json=both).status_code == 200
    assert sign_up(api, tenant.slug, "", "eve")["campaign"] == campaigns["expo"]
    assert sign_up(api, tenant.slug, f"?campaign={campaigns['webinar']}",
                   "fay")["campaign"] == campaigns["webinar"]


@pytest.mark.parametrize(("change", "path"), [
    ({"campaign": {"field": "campaign"}}, "/campaign"),
    ({"campaign": {"field": "campaign", "from_url": False}}, "/campaign"),
    ({"run_as": "systems"}, "/run_as"),
])
def test_bad_forms_are_refused(api: Api, campaigns: dict[str, str], change: dict[str, Any],
                               path: str) -> None:
    refused = api.put("/api/v1/meta/web_forms/signup", json=form(**change))
    assert refused.status_code == 422
    assert any(p.startswith(path) for p in error_paths(refused)), error_paths(refused)
