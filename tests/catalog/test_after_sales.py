"""The after-sales pack (issue 19, pack 5; scenarios S9 and S10): installed on a fresh
tenant after core_crm, then worked the way a service team works it over the HTTP API
(closing a ticket books the follow-up visit, a complaint starts a care plan, a need found
becomes an opportunity) and in the web app (the customer's 360° timeline, as each
reader may see it)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from objectry.platform.app import create_app
from objectry.platform.services import Services
from tests.admin_ui.conftest import Browser, set_password
from tests.automation.conftest import Engine
from tests.catalog.support import create, find, get, install, lint_after, update
from tests.conftest import Api, TenantHandle

PACK = "objectry.after_sales"
CORE = "objectry.core_crm"


def is_(field: str, value: Any) -> dict[str, Any]:
    return {"field": field, "op": "eq", "value": value}


@pytest.fixture
def installed(api: Api, key: Ed25519PrivateKey, engine: Engine) -> Api:
    install(api, key, CORE, sample_data=False)
    install(api, key, PACK)
    return api


def customer(api: Api) -> tuple[str, str]:
    account = create(api, "account", name="上海华信机械有限公司", city="ShangHai",
                     phone="021-62991640", tier="key")
    contact = create(api, "contact", full_name="王建国", account=account,
                     mobile="13816629901", email="wang.jianguo@huaxin-demo.cn")
    return account, contact


def test_the_pack_lints_after_core_crm(services: Services, tenant: TenantHandle) -> None:
    assert lint_after(services, tenant, PACK, CORE) == []


def test_installs_with_its_sample_data(installed: Api, engine: Engine) -> None:
    objects = {o["api_name"] for o in installed.get("/api/v1/meta/objects").get_json()["items"]}
    assert {"service_ticket", "contract", "care_plan"} <= objects
    tickets = find(installed, "service_ticket", {"field": "subject", "op": "is_not_empty"})
    assert {t["subject"] for t in tickets} >= {"二号产线主轴异响", "灌装机交付延期投诉"}
    engine.tick()
    # the sample complaint started its care plan once the engine ran
    plans = find(installed, "care_plan", {"field": "name", "op": "contains",
                                          "value": "灌装机交付延期投诉"})
    assert len(plans) == 1


def test_closing_a_ticket_books_the_follow_up_visit(installed: Api, engine: Engine,
                                                    tenant: TenantHandle) -> None:
    account, contact = customer(installed)
    agent = Api(installed.client, tenant.add_user("li.na@example.com", name="李娜",
                                                  roles=["after_sales_agent"]))
    ticket = create(agent, "service_ticket", subject="数控机床报警 E-203", type="repair",
                    account=account, contact=contact, priority="high")
    update(agent, "service_ticket", ticket, status="in_progress")
    engine.tick()
    assert find(agent, "task", is_("account", account)) == []
    update(agent, "service_ticket", ticket, status="closed", resolution="更换伺服驱动器。")
    engine.tick()
    [visit] = find(agent, "task", is_("account", account))
    assert visit["type"] == "visit" and visit["status"] == "open"
    assert visit["contact"] == contact and "数控机床报警 E-203" in visit["subject"]
    assert visit["owner"] == get(agent, "service_ticket", ticket)["owner"]
    assert get(agent, "service_ticket", ticket)["closed_at"] is not None
    # an unrelated edit of the closed ticket books no second visit
    update(agent, "service_ticket", ticket, resolution="更换伺服驱动器并试机。")
    engine.tick()
    assert len(find(agent, "task", is_("account", account))) == 1


def test_a_complaint_starts_a_care_plan_with_its_first_tasks(installed: Api,
                                                             engine: Engine) -> None:
    account, contact = customer(installed)
    ticket = create(installed, "service_ticket", subject="备件交付延误", type="complaint",
                    account=account, contact=contact)
    engine.tick()
    [plan] = find(installed, "care_plan", is_("ticket", ticket))
    assert plan["account"] == account and plan["contact"] == contact
    assert plan["status"] == "open" and "24 小时" in plan["steps"]
    tasks = find(installed, "task", is_("account", account))
    assert sorted(t["priority"] for t in tasks) == ["high", "high"]
    assert {t["type"] for t in tasks} == {"care"}
    # a week later the plan is not done: a check-back task follows
    engine.later(days=7, minutes=1)
    tasks = find(installed, "task", is_("account", account))
    assert sorted(t["type"] for t in tasks) == ["care", "care", "survey"]
    # a question re-classified as a complaint starts its own plan too
    other = create(installed, "service_ticket", subject="发票抬头错误", type="question",
                   account=account)
    update(installed, "service_ticket", other, type="complaint")
    engine.tick()
    assert len(find(installed, "care_plan", is_("ticket", other))) == 1


def test_a_need_found_in_service_becomes_an_opportunity(installed: Api,
                                                        engine: Engine) -> None:
    account, contact = customer(installed)
    ticket = create(installed, "service_ticket", subject="网关数据不刷新", type="question",
                    account=account, contact=contact)
    engine.tick()
    assert find(installed, "opportunity", is_("account", account)) == []
    update(installed, "service_ticket", ticket,
           need_found="客户计划新建二号工厂 需要 20 套数据采集网关")
    engine.tick()
    [opportunity] = find(installed, "opportunity", is_("account", account))
    assert opportunity["source"] == "service" and opportunity["stage"] == "qualification"
    assert opportunity["contact"] == contact and "二号工厂" in opportunity["name"]
    assert get(installed, "service_ticket", ticket)["opportunity"] == opportunity["id"]
    # the ticket shows among the opportunity's related records
    related = installed.get(f"/api/v1/records/opportunity/{opportunity['id']}/related/"
                            "service_ticket").get_json()
    assert [r["id"] for r in related["items"]] == [ticket]
    # a second need on the same ticket does not open a second opportunity
    update(installed, "service_ticket", ticket, need_found="另需备件包")
    engine.tick()
    assert len(find(installed, "opportunity", is_("account", account))) == 1
    # a ticket logged with its need opens one at once
    create(installed, "service_ticket", subject="培训咨询", account=account,
           need_found="新员工需要操作培训")
    engine.tick()
    assert len(find(installed, "opportunity", is_("account", account))) == 2


def history_of(browser: Browser, object_name: str, record_id: str,
               layout: str) -> list[tuple[str, str]]:
    """(kind, title) of each item of the page's timeline, top to bottom."""
    response = browser.get(f"/app/o/{object_name}/{record_id}?layout={layout}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    section = html.split('class="record-section record-timeline"', 1)[1].split("</section>")[0]
    return re.findall(r"<strong>([^<]+)</strong></p>\s*<p><a [^>]+>([^<]+)</a>", section)


def test_the_360_timeline_lists_the_history_as_each_reader_may_see_it(
        installed: Api, services: Services, tenant: TenantHandle) -> None:
    account, contact = customer(installed)
    summit = create(installed, "campaign", name="2026 工业互联网大会", type="event")
    now = services.clock()

    def ago(days: int) -> str:
        return (now - dt.timedelta(days=days)).isoformat()

    create(installed, "activity", subject="参加 2026 工业互联网大会", type="event_attendance",
           occurred_at=ago(40), account=account, contact=contact, campaign=summit)
    create(installed, "activity", subject="下载《预测性维护白皮书》", type="download",
           document="预测性维护白皮书", occurred_at=ago(30), account=account, contact=contact)
    create(installed, "activity", subject="咨询: 能否按月付费", type="question",
           occurred_at=ago(2), account=account, contact=contact)
    create(installed, "activity", subject="内部电话记录", type="call",
           occurred_at=ago(1), account=account)
    create(installed, "contract", name="2026 年度运维合同", account=account, contact=contact,
           amount=250000, signed_on=(now - dt.timedelta(days=10)).date().isoformat())
    create(installed, "service_ticket", subject="主轴异响", type="repair", account=account)

    agent_email, reader_email = "li.na@example.com", "intern@example.com"
    tenant.add_user(agent_email, roles=["after_sales_agent"])
    assert installed.put("/api/v1/meta/roles/timeline_intern", json={
        "kind": "role", "api_name": "timeline_intern", "label": {"en": "Intern", "zh-CN": "实习生"},
        "grants": {"account": {"actions": ["read"], "scope": "all"},
                   "activity": {"actions": ["read"], "scope": "all"},
                   "service_ticket": {"actions": ["read"], "scope": "all",
                                      "fields": {"subject": "none"}}}}).status_code == 200
    tenant.add_user(reader_email, roles=["timeline_intern"])
    app = create_app(services=services)
    app.testing = True
    seen = {}
    for email in (agent_email, reader_email):
        set_password(services, tenant.slug, email)
        browser = Browser(app.test_client())
        browser.sign_in(email, workspace=tenant.slug)  # the e-mail may exist elsewhere
        seen[email] = history_of(browser, "account", account, "account_360")

    assert seen[agent_email] == [
        ("Service ticket", "主轴异响"),
        ("Question asked", "咨询: 能否按月付费"),
        ("Contract signed", "2026 年度运维合同"),
        ("Document downloaded", "下载《预测性维护白皮书》"),
        ("Campaign attended", "参加 2026 工业互联网大会"),
    ]
    # no contract right, the ticket's title hidden: neither shows at all
    assert seen[reader_email] == [
        ("Question asked", "咨询: 能否按月付费"),
        ("Document downloaded", "下载《预测性维护白皮书》"),
        ("Campaign attended", "参加 2026 工业互联网大会"),
    ]
    # the contact's view shows the same history from the contact's side
    browser = Browser(app.test_client(), language="zh-CN")
    browser.sign_in(agent_email, workspace=tenant.slug)
    assert [kind for kind, _ in history_of(browser, "contact", contact, "contact_360")] == [
        "咨询问题", "签订合同", "下载资料", "参加活动"]


def test_a_timeline_is_checked_when_its_layout_is_saved(installed: Api) -> None:
    bad = {"kind": "layout", "api_name": "account_bad", "object": "account", "sections": [
        {"fields": ["name"], "timeline": [
            {"object": "contract", "via": "name", "date": "amount", "title": "nope"},
            {"object": "nothing", "via": "account", "date": "signed_on", "title": "name"},
            {"object": "activity", "via": "account", "date": "occurred_at",
             "title": "subject", "filter": {"field": "kind", "op": "eq", "value": "x"}}]}]}
    response = installed.put("/api/v1/meta/layouts/account_bad", json=bad)
    assert response.status_code == 422, response.get_json()
    found = {(e["path"], e["code"]) for e in response.get_json()["errors"]}
    assert found == {
        ("/sections/0/timeline/0/title", "unknown_field"),
        ("/sections/0/timeline/0/via", "not_a_lookup_to"),
        ("/sections/0/timeline/0/date", "layout_timeline_not_a_date"),
        ("/sections/0/timeline/1/object", "unknown_object"),
        ("/sections/0/timeline/2/filter/field", "unknown_field")}


def test_uninstall_keeps_the_tickets_and_reinstall_brings_them_back(
        installed: Api, key: Ed25519PrivateKey) -> None:
    account, contact = customer(installed)
    ticket = create(installed, "service_ticket", subject="主轴异响", account=account,
                    contact=contact)
    gone = installed.post("/api/v1/packs/uninstall", json={"name": PACK})
    assert gone.status_code == 200, gone.get_json()
    assert installed.get("/api/v1/records/service_ticket").status_code == 404
    install(installed, key, PACK, sample_data=False)
    assert get(installed, "service_ticket", ticket)["subject"] == "主轴异响"


def test_the_layout_designer_shows_a_timeline_layout(installed: Api, services: Services,
                                                     tenant: TenantHandle) -> None:
    set_password(services, tenant.slug, tenant.admin_email)
    app = create_app(services=services)
    app.testing = True
    browser = Browser(app.test_client())
    browser.sign_in(tenant.admin_email, workspace=tenant.slug)
    response = browser.get("/app/design/layouts/account_360")
    assert response.status_code == 200
    assert "account_360" in response.get_data(as_text=True)
