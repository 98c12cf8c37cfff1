"""Web-to-lead forms: a public form routes its leads into a campaign and assignment
(seed 004: 如何把Web网站客户登记的某类线索,自动转入CRM对应战役中), refuses bots, floods,
oversize bodies and stale pages, and never shows a visitor another record."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

import pytest

from objectry.platform.services import Services
from tests.conftest import Api, TenantHandle, error_paths, problem
from tests.docs_objects import campaign, lead

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
INTAKE_ROLE = {"kind": "role", "api_name": "web_intake", "label": {"en": "Web intake"},
               "grants": {"lead": {"actions": ["read", "create"], "scope": "own",
                                   "field_groups": {"default": "edit", "contact": "edit",
                                                    "company": "edit"}},
                          "campaign": {"actions": ["read"], "scope": "all"}}}
REP_ROLE = {"kind": "role", "api_name": "rep", "label": {"en": "Rep"},
            "grants": {"lead": {"actions": ["read", "edit"], "scope": "own"}}}


@dataclasses.dataclass
class Setup:
    api: Api
    slug: str
    campaign_id: str
    form: dict[str, Any]

    @property
    def url(self) -> str:
        return f"/f/{self.slug}/{self.form['api_name']}"


def web_form(campaign_id: str, **extra: Any) -> dict[str, Any]:
    return {"kind": "web_form", "api_name": "spring_expo",
            "label": {"en": "Spring expo", "zh-CN": "春季展会"},
            "title": {"en": "Register for the spring expo", "zh-CN": "春季展会报名"},
            "object": "lead", "fields": ["full_name", "email", "mobile", "company_name", "city"],
            "campaign": {"field": "campaign", "record": campaign_id},
            "utm_fields": {"utm_source": "utm_source", "utm_campaign": "utm_campaign"},
            "values": {"status": "new"}, "consent_channels": ["email"],
            "thank_you": {"en": "Thanks, we will call you.",
                          "zh-CN": "感谢报名,我们会尽快联系您。"},
            "run_as": "webform@example.com", "assignment_rule": "expo_reps", **extra}


@pytest.fixture
def setup(api: Api, tenant: TenantHandle) -> Setup:
    api.define(campaign())
    api.define(lead(fields=[{"api_name": "utm_source", "type": "text"},
                            {"api_name": "utm_campaign", "type": "text"}]))
    for role in (INTAKE_ROLE, REP_ROLE):
        assert api.put(f"/api/v1/meta/roles/{role['api_name']}", json=role).status_code == 200
    tenant.add_user("webform@example.com", roles=["web_intake"])
    for rep in ("li@example.com", "wang@example.com"):
        tenant.add_user(rep, roles=["rep"])
    rule = {"kind": "assignment_rule", "api_name": "expo_reps", "object": "lead",
            "label": {"en": "Expo reps"},
            "entries": [{"to": [{"user": "li@example.com"}, {"user": "wang@example.com"}]}]}
    assert api.put("/api/v1/meta/assignment_rules/expo_reps", json=rule).status_code == 200
    created = api.post("/api/v1/records/campaign", json={"name": "Spring expo 2026"})
    campaign_id = str(created.get_json()["id"])
    form = web_form(campaign_id)
    saved = api.put("/api/v1/meta/web_forms/spring_expo", json=form)
    assert saved.status_code == 200, saved.get_json()
    return Setup(api, tenant.slug, campaign_id, form)


def token_of(html: str) -> str:
    found = re.search(r'name="_token" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


def open_form(s: Setup, query: str = "", language: str = "en") -> str:
    page = s.api.client.get(s.url + query, headers={"Accept-Language": language})
    assert page.status_code == 200, page.get_data(as_text=True)
    return str(page.get_data(as_text=True))


def post(s: Setup, data: dict[str, Any], language: str = "en", **kwargs: Any) -> Any:
    return s.api.client.post(s.url, data=data, headers={"Accept-Language": language},
                             **kwargs)


def visitor(token: str, **values: Any) -> dict[str, Any]:
    return {"_token": token, "full_name": "陈小明", "email": "chen@example.com",
            "mobile": "13900139000", "company_name": "华东机械", "city": "shanghai",
            **values}


def leads(s: Setup) -> list[dict[str, Any]]:
    return list(s.api.get("/api/v1/records/lead").get_json()["items"])


def test_a_submission_lands_in_its_campaign_and_is_assigned(setup: Setup) -> None:
    s = setup
    html = open_form(s, "?utm_source=baidu&utm_campaign=spring&utm_evil=x", "zh-CN")
    assert "春季展会报名" in html and "提交" in html and 'lang="zh-CN"' in html
    assert 'name="utm_source" value="baidu"' in html and "utm_evil" not in html
    assert "campaign" not in re.findall(r'name="([a-z_]+)"', html)  # never a lookup input
    answer = post(s, {**visitor(token_of(html)), "utm_source": "baidu",
                      "utm_campaign": "spring", "_consent": "email"}, "zh-CN")
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert "感谢报名,我们会尽快联系您。" in text
    assert not UUID.search(text)
    [created] = leads(s)
    assert created["campaign"] == s.campaign_id
    assert (created["utm_source"], created["utm_campaign"]) == ("baidu", "spring")
    assert created["status"] == "new" and created["full_name"] == "陈小明"
    users = {u["email"]: u["id"] for u in s.api.get("/api/v1/users").get_json()["items"]}
    assert created["owner"] in (users["li@example.com"], users["wang@example.com"])
    assert created["created_by"] == users["webform@example.com"]
    consent = s.api.get(f"/api/v1/records/lead/{created['id']}/consent").get_json()
    assert consent["email"]["status"] == "opted_in"
    assert consent["email"]["source"] == "web_form:spring_expo"

    second = post(s, visitor(token_of(open_form(s)), email="zhou@example.com"))
    assert second.status_code == 200 and "Thanks, we will call you." in second.get_data(
        as_text=True)
    owners = {lead_["owner"] for lead_ in leads(s)}
    assert owners == {users["li@example.com"], users["wang@example.com"]}  # round robin


def test_validation_errors_are_shown_on_the_form_in_the_visitors_language(
        setup: Setup) -> None:
    s = setup
    answer = post(s, visitor(token_of(open_form(s)), email="not-an-email"), "zh-CN")
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and "error-summary" in html
    assert 'value="陈小明"' in html  # the visitor's own values stay
    assert re.search(r"[\u4e00-\u9fff]", html.split("error-summary")[1])
    assert leads(s) == []


def test_no_answer_shows_another_record(setup: Setup) -> None:
    s = setup
    existing = s.api.post("/api/v1/records/lead", json={
        "full_name": "Secret Person", "email": "taken@example.com",
        "company_name": "Secret Corp", "mobile": "13700137000"})
    assert existing.status_code == 201
    secret_id = existing.get_json()["id"]
    answers = [
        post(s, visitor(token_of(open_form(s)), email="taken@example.com")),
        post(s, visitor(token_of(open_form(s)), email="bad")),
        post(s, visitor(token_of(open_form(s)), full_name="x" * 200)),
        post(s, visitor(token_of(open_form(s)), email="new@example.com")),
    ]
    for answer in answers:
        text = answer.get_data(as_text=True)
        assert "Secret" not in text and secret_id not in text and "13700137000" not in text
        assert not UUID.search(text)
        assert s.campaign_id not in text
    assert answers[0].status_code in (409, 422)
    assert [a.status_code for a in answers[1:]] == [422, 422, 200]
    assert len(leads(s)) == 2


def test_bots_stale_pages_and_oversize_bodies_are_refused(
        setup: Setup, services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    s = setup
    token = token_of(open_form(s))
    honeypot = post(s, visitor(token, _website="http://spam.example"))
    assert honeypot.status_code == 200  # a bot is told nothing ...
    assert leads(s) == []  # ... and nothing is written
    assert post(s, visitor("forged.token")).status_code == 400
    assert post(s, {k: v for k, v in visitor(token).items() if k != "_token"}
                ).status_code == 400
    big = post(s, visitor(token, company_name="x" * 40_000))
    assert big.status_code == 413
    assert leads(s) == []

    later = services.clock() + dt.timedelta(hours=3)
    monkeypatch.setattr(services, "clock", lambda: later)
    stale = post(s, visitor(token), "zh-CN")
    assert stale.status_code == 400
    html = stale.get_data(as_text=True)
    assert "页面已过期" in html and token_of(html) != token  # a fresh page to send again
    assert leads(s) == []
    assert post(s, visitor(token_of(html))).status_code == 200
    assert len(leads(s)) == 1


def test_a_token_is_bound_to_its_form(setup: Setup, tenant: TenantHandle,
                                      other_tenant: TenantHandle) -> None:
    s = setup
    other = {**s.form, "api_name": "autumn", "assignment_rule": None}
    del other["assignment_rule"]
    assert s.api.put("/api/v1/meta/web_forms/autumn", json=other).status_code == 200
    autumn_token = token_of(open_form(dataclasses.replace(s, form=other)))
    assert post(s, visitor(autumn_token)).status_code == 400
    assert leads(s) == []


def test_a_flood_from_one_address_is_stopped(setup: Setup) -> None:
    s = setup
    statuses = [post(s, {"_token": "x"}).status_code for _ in range(21)]
    assert statuses[:20] == [400] * 20 and statuses[20] == 429
    page = post(s, {"_token": "x"}, "zh-CN")
    assert page.status_code == 429 and "提交过于频繁" in page.get_data(as_text=True)
    assert open_form(s)  # reading the form is not limited


def test_unknown_tenants_forms_and_closed_forms_are_one_not_found_page(
        setup: Setup, other_tenant: TenantHandle) -> None:
    s = setup
    for url in (f"/f/nope/{s.form['api_name']}", f"/f/{s.slug}/nope",
                f"/f/{other_tenant.slug}/{s.form['api_name']}"):
        for answer in (s.api.client.get(url), s.api.client.post(url, data={"_token": "x"})):
            assert answer.status_code == 404
            assert answer.mimetype == "text/html"
            assert "This form does not exist or is closed." in answer.get_data(as_text=True)
    closed = {**s.form, "active": False}
    assert s.api.put("/api/v1/meta/web_forms/spring_expo", json=closed).status_code == 200
    assert s.api.client.get(s.url).status_code == 404


def test_a_form_document_is_checked(setup: Setup) -> None:
    s = setup
    bad = web_form(s.campaign_id, fields=["full_name", "nope", "created_at"],
                   campaign={"field": "company_name", "record": s.campaign_id},
                   utm_fields={"utm_source": "employees"}, run_as="ghost@example.com",
                   assignment_rule="missing", api_name="broken")
    answer = s.api.put("/api/v1/meta/web_forms/broken", json=bad)
    assert answer.status_code == 422
    assert error_paths(answer) == ["/fields/1", "/fields/2", "/campaign/field",
                                   "/utm_fields/utm_source", "/run_as", "/assignment_rule"]
    both = {**web_form(s.campaign_id, api_name="both"), "layout": "lead_layout"}
    assert s.api.put("/api/v1/meta/web_forms/both", json=both).status_code == 422


def test_the_snippet_for_admins(setup: Setup, tenant: TenantHandle) -> None:
    s = setup
    answer = s.api.get("/api/v1/web_forms/spring_expo/snippet")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["url"] == f"http://127.0.0.1:8000/f/{s.slug}/spring_expo"
    assert body["html"].startswith(f'<iframe src="{body["url"]}"')
    problem(s.api.get("/api/v1/web_forms/nope/snippet"), 404)
    rep = Api(s.api.client, tenant.add_user("rep3@example.com", roles=["rep"]))
    problem(rep.get("/api/v1/web_forms/spring_expo/snippet"), 403)
    page = s.api.client.get(s.url)
    assert "frame-ancestors *" in page.headers["Content-Security-Policy"]


def test_each_form_feeds_its_own_campaign(setup: Setup) -> None:
    """Seed 004: the kind of lead a web page registers decides its campaign."""
    s = setup
    webinar = s.api.post("/api/v1/records/campaign", json={"name": "Webinar"}).get_json()["id"]
    layout = {"kind": "layout", "api_name": "web_short", "object": "lead",
              "label": {"en": "Short"},
              "sections": [{"label": {"en": "You"}, "fields": ["full_name", "email"]}]}
    assert s.api.put("/api/v1/meta/layouts/web_short", json=layout).status_code == 200
    document = {**web_form(webinar, api_name="webinar", layout="web_short"),
                "campaign": {"field": "campaign", "record": webinar}}
    del document["fields"]
    saved = s.api.put("/api/v1/meta/web_forms/webinar", json=document)
    assert saved.status_code == 200, saved.get_json()
    short = dataclasses.replace(s, form=document)
    html = open_form(short)
    assert re.findall(r'id="f-([a-z_]+)"', html) == ["_website", "full_name", "email"]
    assert post(short, {"_token": token_of(html), "full_name": "Wu",
                        "email": "wu@example.com"}).status_code == 200
    assert post(s, visitor(token_of(open_form(s)))).status_code == 200
    routed = {lead_["email"]: lead_["campaign"] for lead_ in leads(s)}
    assert routed == {"wu@example.com": webinar, "chen@example.com": s.campaign_id}
