"""The record page's merge and convert buttons (issue 16): the same services as the API,
with the user's access — a rep sees no button on what they may not edit, no candidate
they may not read, and converts only their own lead."""

from __future__ import annotations

import re
from typing import Any

from tests.admin_ui.conftest import Browser, set_password, text
from tests.conftest import Api, TenantHandle
from tests.lifecycle.support import NAME_PHONE, create, crm, opportunity, rule
from tests.lifecycle.test_conversion import LEAD_MAP


def rep_email(tenant: TenantHandle) -> str:
    return f"rep@{tenant.slug}.example.com"  # sign-in e-mails are per tenant


def signed_in(web_app: Any, tenant: TenantHandle, email: str) -> Browser:
    set_password(tenant.services, tenant.slug, email)
    browser = Browser(web_app.test_client())
    browser.sign_in(email)
    return browser


def world(web_app: Any, web_api: Api, tenant: TenantHandle) -> tuple[Browser, Browser, Api]:
    rep = rep_email(tenant)
    reps = crm(web_api, tenant, rep)
    rule(web_api, "lead_phone", NAME_PHONE)
    rule(web_api, "account_name",
         {"object": "account", "match": [{"field": "name", "as": "name"}]})
    assert web_api.put("/api/v1/meta/conversion_maps/lead_convert",
                       json=LEAD_MAP).status_code == 200
    return signed_in(web_app, tenant, tenant.admin_email), signed_in(web_app, tenant, rep), \
        reps[rep]


def test_merge_picks_the_survivors_values_per_field(web_app: Any, web_api: Api,
                                                    tenant: TenantHandle) -> None:
    admin, _, _ = world(web_app, web_api, tenant)
    first = create(web_api, "lead", full_name="Zhang San", mobile="021-62991640",
                   email="old@example.com")
    second = create(web_api, "lead", full_name="zhang  san", mobile="+86 21 6299 1640",
                    email="zs@example.com")
    buttons = text(admin.get(f"/app/o/lead/{first}/lifecycle"))
    assert f"/app/o/lead/{first}/merge" in buttons and f"/app/o/lead/{first}/convert" in buttons
    page = text(admin.get(f"/app/o/lead/{first}/merge"))
    assert f'value="{second}"' in page  # offered: the duplicate rule's match
    compare = text(admin.get(f"/app/o/lead/{first}/merge?other={second}"))
    assert 'name="pick_email" value="other"' in compare
    done = admin.post(f"/app/o/lead/{first}/merge", {"other": second, "pick_email": "other",
                                                     "pick_full_name": "this"})
    assert done.status_code == 303, text(done)
    survivor = web_api.get(f"/api/v1/records/lead/{first}").get_json()
    assert survivor["email"] == "zs@example.com" and survivor["full_name"] == "Zhang San"
    assert web_api.get(f"/api/v1/records/lead/{second}").status_code == 404


def test_convert_previews_then_converts(web_app: Any, web_api: Api,
                                       tenant: TenantHandle) -> None:
    admin, _, _ = world(web_app, web_api, tenant)
    lead = create(web_api, "lead", full_name="Li Si", company_name="ACME", email="l@x.cn")
    preview = text(admin.get(f"/app/o/lead/{lead}/convert?count_opportunity=2"
                             "&item_opportunity_0_name=Pumps&item_opportunity_0_amount=100"))
    assert preview.count("create · Opportunity: ") == 2
    assert "create · Account: <strong>ACME</strong>" in preview
    assert "create · Opportunity: <strong>Pumps</strong>" in preview
    assert "create · Opportunity: <strong>ACME</strong>" in preview  # empty: the map's name
    assert 'name="item_opportunity_1_amount"' in preview  # each opportunity its amount
    assert 'type="hidden" name="item_opportunity_0_amount" value="100"' in preview
    assert web_api.get("/api/v1/records/opportunity").get_json()["items"] == []
    items = {"map": "lead_convert", "count_opportunity": "2",
             "item_opportunity_0_name": "Pumps", "item_opportunity_0_amount": "100",
             "item_opportunity_1_name": "Valves", "item_opportunity_1_amount": "lots"}
    refused = admin.post(f"/app/o/lead/{lead}/convert", items)
    assert refused.status_code == 422 and 'role="alert"' in text(refused)
    assert web_api.get("/api/v1/records/opportunity").get_json()["items"] == []
    done = admin.post(f"/app/o/lead/{lead}/convert", {**items, "item_opportunity_1_amount": ""})
    assert done.status_code == 200 and 'id="converted"' in text(done)
    assert "(Opportunity)" in text(done) and ">Valves</a>" in text(done)
    made = web_api.get("/api/v1/records/opportunity").get_json()["items"]
    assert sorted((o["name"], o["amount"]) for o in made) == [("Pumps", 100), ("Valves", None)]
    again = admin.post(f"/app/o/lead/{lead}/convert", {"map": "lead_convert"})
    assert again.status_code == 422 or "already" in text(again).lower()


def test_convert_names_the_targets_in_the_users_language(web_app: Any, web_api: Api,
                                                        tenant: TenantHandle) -> None:
    admin, _, _ = world(web_app, web_api, tenant)
    web_api.define({**opportunity(), "label": {"en": "Opportunity", "zh-CN": "商机"}})
    lead = create(web_api, "lead", full_name="Li Si", company_name="ACME", email="l@x.cn")
    admin.post("/app/language", {"language": "zh-CN"})
    preview = text(admin.get(f"/app/o/lead/{lead}/convert"))
    assert "新建 · 商机: <strong>ACME</strong>" in preview and "商机 记录数量" in preview
    assert "· opportunity" not in preview and "· account" not in preview  # no api names


def test_a_rep_sees_nothing_more(web_app: Any, web_api: Api, tenant: TenantHandle) -> None:
    _, rep, rep_api = world(web_app, web_api, tenant)
    theirs = create(web_api, "lead", full_name="Zhang San", mobile="021-62991640",
                    email="secret@example.com")
    mine = create(rep_api, "lead", full_name="zhang san", mobile="+86 21 6299 1640")
    page = text(rep.get(f"/app/o/lead/{mine}/merge"))
    assert "Merge into zhang san" in page
    assert theirs not in page and "secret@example.com" not in page  # not a candidate
    hidden = rep_api.get(f"/api/v1/records/lead/{theirs}").status_code  # as the API says
    assert hidden in (403, 404)
    compare = rep.get(f"/app/o/lead/{mine}/merge?other={theirs}")
    assert compare.status_code == hidden and "secret@example.com" not in text(compare)
    refused = rep.post(f"/app/o/lead/{mine}/merge", {"other": theirs})
    assert refused.status_code == hidden
    assert web_api.get(f"/api/v1/records/lead/{theirs}").status_code == 200
    for path in ("lifecycle", "convert", "merge"):
        answer = rep.get(f"/app/o/lead/{theirs}/{path}")
        assert answer.status_code == hidden and "secret@example.com" not in text(answer)
    assert not re.search(r"/app/o/lead/[0-9a-f-]+/merge", text(rep.get(
        f"/app/o/lead/{theirs}/lifecycle")))
