"""Scenario test of the ``objectry.campaign_roi`` catalog pack (S3, S4, S9 attribution).

``objectry.core_crm`` then the pack are installed on a fresh tenant, as an administrator
does; then the marketing manager runs campaigns over the HTTP API the way the pack's
SOPs tell them: expenses and hours booked while the campaign runs show its cost, won
revenue and ROI at once (one lead growing into two opportunities); deleting a lead loses
none of the work it cost; won revenue is shared among the campaigns that touched each
customer by first touch, last touch and linear side by side; a visitor's sign-up on the
public web form becomes a lead of the campaign its link names; a participant works on
the campaigns shared with them, at the level each share gives, and sees no other.
Opportunities are booked by sales (the administrator here: the pack's manager reads
them). Time moves with a test clock (records are stamped with it: touches come before
the opportunity they lead to).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from objectry.platform.services import Services
from tests.automation.conftest import MovableClock
from tests.catalog.support import create, engine_at, get, install, user_id
from tests.conftest import Api, TenantHandle

ROLLUPS = ("leads", "opportunities", "wins", "won_revenue", "pipeline", "expenses",
           "workload", "total_cost", "roi", "cost_per_lead", "cost_per_opportunity",
           "cost_per_win", "revenue_gap")
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@dataclass
class World:
    admin: Api
    manager: Api
    tenant: TenantHandle
    clock: MovableClock

    def later(self, **delta: float) -> None:
        self.clock.advance(**delta)

    def person(self, email: str, role: str) -> Api:
        return Api(self.admin.client, self.tenant.add_user(email, roles=[role]))


@pytest.fixture
def world(api: Api, key: Ed25519PrivateKey, services: Services, tenant: TenantHandle,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    clock = engine_at(services, monkeypatch, START).clock
    install(api, key, "objectry.core_crm", sample_data=False)
    install(api, key, "objectry.campaign_roi", sample_data=False)
    manager = Api(api.client, tenant.add_user("manager@example.com",
                                              roles=["campaign_manager"]))
    yield World(api, manager, tenant, clock)


def figures(api: Api, campaign: str) -> dict[str, Decimal | None]:
    body = get(api, "campaign", campaign)
    return {name: None if body.get(name) is None
            else Decimal(str(body[name])).quantize(Decimal("0.0001")) for name in ROLLUPS}


def d(text: str) -> Decimal:
    return Decimal(text).quantize(Decimal("0.0001"))


def query(api: Api, object_name: str, condition: dict[str, Any]) -> list[dict[str, Any]]:
    response = api.post(f"/api/v1/records/{object_name}/query",
                        json={"filter": condition, "limit": 200})
    assert response.status_code == 200, response.get_json().get("errors")
    return list(response.get_json()["items"])


@pytest.fixture
def launch(world: World) -> dict[str, str]:
    """A running webinar: two leads, a follow-up task, rates for the SDR role and for
    Zhang Xiao herself, two expenses and hours logged on the campaign, on its task and
    on one of its leads (each hour counted once, at the rate valid on its day)."""
    m, admin = world.manager, world.admin
    ids = {"webinar": create(m, "campaign", name="春季新品线上发布会", type="webinar",
                             status="active", start_date="2026-03-01",
                             end_date="2026-03-31", budget="20000",
                             expected_revenue="100000")}
    ids["wang"] = create(m, "lead", full_name="王芳", mobile="13916882045",
                         source="web_form", campaign=ids["webinar"])
    ids["li"] = create(m, "lead", full_name="李强", mobile="13816250031",
                       source="web_form", campaign=ids["webinar"])
    ids["call"] = create(m, "task", subject="回访报名客户", type="call", status="open",
                         lead=ids["li"], campaign=ids["webinar"])
    create(admin, "labour_rate", role="sdr", valid_from="2026-01-01", hourly_rate="120")
    create(admin, "labour_rate", person="zhang.xiao@example.com", valid_from="2026-01-01",
           hourly_rate="150")
    create(admin, "labour_rate", person="zhang.xiao@example.com", valid_from="2026-03-01",
           hourly_rate="200")
    create(m, "expense", what="直播信息流推广", amount="8000", category="ads",
           spent_on="2026-03-02", campaign=ids["webinar"])
    create(m, "expense", what="嘉宾伴手礼", amount="4000", category="gifts",
           spent_on="2026-03-03", campaign=ids["webinar"])
    # 5 h on the task at Zhang Xiao's March rate (200), 2 h on the campaign and 1 h on
    # Wang Fang's lead at the SDR rate (120): 1000 + 240 + 120
    ids["task_log"] = create(m, "time_log", person="zhang.xiao@example.com", role="sdr",
                             logged_on="2026-03-05", hours="5", task=ids["call"])
    create(m, "time_log", person="li.ming@example.com", role="sdr", logged_on="2026-03-04",
           hours="2", campaign=ids["webinar"])
    create(m, "time_log", person="li.ming@example.com", role="sdr", logged_on="2026-03-06",
           hours="1", lead=ids["wang"])
    return ids


def test_s4_roi_is_live_while_the_campaign_runs(world: World, launch: dict[str, str]) -> None:
    m, webinar = world.manager, launch["webinar"]
    won = create(world.admin, "opportunity", name="王芳 会员营销平台", lead=launch["wang"],
                 amount="30000", stage="won")
    create(world.admin, "opportunity", name="王芳 二期门店系统", lead=launch["wang"],
           amount="20000", stage="proposal")  # one lead, two opportunities
    assert figures(m, webinar) == {
        "leads": d("2"), "opportunities": d("2"), "wins": d("1"),
        "won_revenue": d("30000"), "pipeline": d("20000"), "expenses": d("12000"),
        "workload": d("1360"), "total_cost": d("13360"),
        "roi": d("1.2455"),  # (30000 - 13360) / 13360
        "cost_per_lead": d("6680"), "cost_per_opportunity": d("6680"),
        "cost_per_win": d("13360"), "revenue_gap": d("70000")}
    # a deal the sales team books on the campaign directly counts as well, once
    create(world.admin, "opportunity", name="渠道直签", campaign=webinar, amount="10000",
           stage="won")
    assert world.admin.patch(f"/api/v1/records/opportunity/{won}",
                             json={"amount": "35000"}).status_code == 200
    now = figures(m, webinar)
    assert (now["opportunities"], now["wins"], now["won_revenue"]) == (
        d("3"), d("2"), d("45000"))
    assert now["roi"] == d("2.3683") and now["revenue_gap"] == d("55000")
    # a late rate for the task's day re-costs its 5 hours (5 x 260 instead of 5 x 200)
    create(world.admin, "labour_rate", person="zhang.xiao@example.com",
           valid_from="2026-03-04", hourly_rate="260")
    assert figures(m, webinar)["workload"] == d("1660")


def test_the_over_budget_list_shows_the_campaign_once_hours_tip_it_over(
        world: World, launch: dict[str, str]) -> None:
    view = world.admin.get("/api/v1/meta/list_views/roi_campaigns_over_budget").get_json()
    assert [c["name"] for c in query(world.manager, "campaign", view["filter"])] == []
    create(world.manager, "expense", what="加场直播", amount="7000", category="ads",
           campaign=launch["webinar"])  # 19000 + 1360 of hours > 20000
    over = query(world.manager, "campaign", view["filter"])
    assert [c["name"] for c in over] == ["春季新品线上发布会"]
    assert over[0]["over_budget"] is True


def test_s3_deleting_a_lead_keeps_its_work_in_the_campaign_cost(
        world: World, launch: dict[str, str]) -> None:
    m, webinar = world.manager, launch["webinar"]
    create(world.admin, "opportunity", name="王芳 会员营销平台", lead=launch["wang"],
           amount="30000", stage="won")
    before = figures(m, webinar)
    # Li Qiang's lead is deleted: his follow-up task and its 5 hours stay with the campaign
    assert world.admin.delete(f"/api/v1/records/lead/{launch['li']}").status_code == 204
    task = m.get(f"/api/v1/records/task/{launch['call']}").get_json()
    assert task["campaign"] == webinar and task["lead"] == launch["li"]
    assert m.get(f"/api/v1/records/time_log/{launch['task_log']}").status_code == 200
    after = figures(m, webinar)
    assert after["leads"] == d("1") and after["workload"] == before["workload"] == d("1360")
    assert after["total_cost"] == d("13360") and after["cost_per_lead"] == d("13360")
    # Wang Fang's lead goes too: her opportunity and her hour still count for the campaign
    assert world.admin.delete(f"/api/v1/records/lead/{launch['wang']}").status_code == 204
    gone = figures(m, webinar)
    assert (gone["leads"], gone["won_revenue"], gone["workload"]) == (
        d("0"), d("30000"), d("1360"))
    assert gone["cost_per_lead"] is None  # no lead left: no cost per lead, not an error
    # restored from the recycle bin, the lead counts again
    restored = world.admin.post(f"/api/v1/records/lead/{launch['wang']}/restore")
    assert restored.status_code == 200, restored.get_json()
    assert figures(m, webinar)["leads"] == d("1")


def test_s9_won_revenue_by_first_last_and_linear_touch_side_by_side(world: World) -> None:
    """Wang Jianhua came from the expo (day 0), downloaded the whitepaper (day 4) and
    joined the webinar (day 8); his 900,000 deal opened on day 9. Liu Fang came from the
    whitepaper and her 300,000 deal opened the next day. A touch after the deal opened
    (the expo's follow-up visit) does not count."""
    m = world.manager
    expo = create(m, "campaign", name="上海工业自动化展", type="trade_show")
    paper = create(m, "campaign", name="智能制造白皮书", type="content")
    webinar = create(m, "campaign", name="春季发布会", type="webinar")
    create(m, "expense", what="展位费", amount="100000", category="venue", campaign=expo)
    wang = create(m, "lead", full_name="王建华", mobile="021-62991640", city="ShangHai",
                  source="trade_show", campaign=expo)
    world.later(days=1)
    liu = create(m, "lead", full_name="刘芳", mobile="13810235567", source="web_form",
                 campaign=paper)
    world.later(days=1)
    create(world.admin, "opportunity", name="智远软件 销售线索管理", lead=liu, amount="300000",
           stage="won")
    for day, subject, kind, campaign in ((4, "下载白皮书", "download", paper),
                                         (8, "观看发布会直播", "event_attendance", webinar),
                                         (12, "展会后上门拜访", "visit", expo)):
        create(m, "activity", subject=subject, type=kind, lead=wang, campaign=campaign,
               occurred_at=(START + dt.timedelta(days=day)).isoformat())
    world.later(days=7)  # day 9
    create(world.admin, "opportunity", name="金桥精工 设备联网", lead=wang, amount="900000",
           stage="won")
    create(world.admin, "opportunity", name="金桥精工 二期", lead=wang, amount="500000",
           stage="negotiation")  # not won: not shared out
    dashboard = world.admin.get("/api/v1/meta/dashboards/campaign_roi").get_json()
    chart = next(c for c in dashboard["charts"] if c["type"] == "attribution")
    assert chart["attribution"]["models"] == ["first_touch", "last_touch", "linear"]
    ran = m.post("/api/v1/attribution/run", json=chart["attribution"])
    assert ran.status_code == 201, ran.get_json()
    names = {expo: "expo", paper: "paper", webinar: "webinar"}
    revenue = {names[row["campaign"]]: {model: v["revenue"] for model, v in row["models"].items()}
               for row in ran.get_json()["campaigns"]}
    assert revenue == {
        "expo": {"first_touch": "900000.00", "last_touch": "0.00", "linear": "300000.00"},
        "paper": {"first_touch": "300000.00", "last_touch": "300000.00",
                  "linear": "600000.00"},
        "webinar": {"first_touch": "0.00", "last_touch": "900000.00",
                    "linear": "300000.00"}}
    costs = {names[row["campaign"]]: row["cost"] for row in ran.get_json()["campaigns"]}
    assert costs["expo"] == "100000.00"
    expo_first = next(r for r in ran.get_json()["campaigns"] if r["campaign"] == expo)
    assert expo_first["models"]["first_touch"]["roi"] == "8.0000"  # (900000 - 100000) / 100000
    assert ran.get_json()["opportunities"] == 2


def token_of(html: str) -> str:
    found = re.search(r'name="_token" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


def test_a_web_form_sign_up_becomes_a_lead_of_the_campaign_its_link_names(
        world: World) -> None:
    m, client = world.manager, world.admin.client
    webinar = create(m, "campaign", name="春季新品线上发布会", type="webinar",
                     status="active")
    url = f"/f/{world.tenant.slug}/roi_event_signup"
    page = client.get(f"{url}?campaign={webinar}", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "立即报名" in html and f'name="_campaign" value="{webinar}"' in html
    visitor = {"_token": token_of(html), "_campaign": webinar, "full_name": "陈晓东",
               "mobile": "13916882045", "email": "chen.xiaodong@dongfang-auto.example.cn",
               "company_name": "上海东方汽配有限公司", "city": "ShangHai",
               "need": "三个车间的MES升级", "_consent": "email"}
    answer = client.post(url, data=visitor, headers={"Accept-Language": "zh-CN"})
    assert answer.status_code == 200 and "感谢报名" in answer.get_data(as_text=True)
    lead = query(m, "lead", {"field": "full_name", "op": "eq", "value": "陈晓东"})
    assert len(lead) == 1
    assert (lead[0]["campaign"], lead[0]["source"], lead[0]["status"], lead[0]["city"]) == (
        webinar, "web_form", "new", "shanghai")
    consent = m.get(f"/api/v1/records/lead/{lead[0]['id']}/consent").get_json()
    assert consent["email"]["status"] == "opted_in"
    assert figures(m, webinar)["leads"] == d("1")
    # the sign-up is the campaign owner's to follow up, not left without an owner
    assert lead[0]["owner"] == user_id(m, "manager@example.com")
    # a link naming no campaign (a typo) still keeps the sign-up, without a campaign,
    # and a marketing manager gets it
    other = client.get(f"{url}?campaign=0190a0a0-0000-7000-8000-000000000000")
    client.post(url, data={"_token": token_of(other.get_data(as_text=True)),
                           "_campaign": "0190a0a0-0000-7000-8000-000000000000",
                           "full_name": "刘芳", "mobile": "13810235567"})
    typo = query(m, "lead", {"field": "full_name", "op": "eq", "value": "刘芳"})
    assert len(typo) == 1 and typo[0]["campaign"] is None
    assert typo[0]["owner"] == user_id(m, "manager@example.com")


def sign_up(client: Any, url: str, campaign: str, name: str) -> None:
    page = client.get(f"{url}?campaign={campaign}").get_data(as_text=True)
    answer = client.post(url, data={"_token": token_of(page), "_campaign": campaign,
                                    "full_name": name, "mobile": "13916882045"})
    assert answer.status_code == 200


def test_each_campaigns_sign_ups_go_to_that_campaigns_owner(world: World) -> None:
    other = world.person("li.na@example.com", "campaign_manager")
    expo = create(world.manager, "campaign", name="上海工业自动化展", type="trade_show")
    paper = create(other, "campaign", name="智能制造白皮书", type="content")
    for form, campaign, name in (("roi_event_signup", expo, "王建华"),
                                 ("roi_content_download", paper, "刘芳")):
        sign_up(world.admin.client, f"/f/{world.tenant.slug}/{form}", campaign, name)
    owners = {row["full_name"]: row["owner"] for row in query(
        world.admin, "lead", {"field": "source", "op": "eq", "value": "web_form"})}
    assert owners == {"王建华": user_id(world.admin, "manager@example.com"),
                      "刘芳": user_id(world.admin, "li.na@example.com")}


def test_a_participant_works_on_the_campaigns_shared_with_them_only(world: World) -> None:
    m = world.manager
    shared = create(m, "campaign", name="老客户答谢会", type="event", budget="60000")
    create(m, "campaign", name="搜索引擎广告投放", type="ad", budget="80000")
    create(m, "expense", what="场地", amount="20000", category="venue", campaign=shared)
    helper = world.person("helper@example.com", "campaign_participant")
    viewer = world.person("viewer@example.com", "campaign_participant")
    for email, levels in (("helper@example.com", {"default": "edit", "budget": "read"}),
                          ("viewer@example.com", {"default": "read", "budget": "none"})):
        granted = m.post(f"/api/v1/records/campaign/{shared}/grants",
                         json={"grantee": f"user:{email}", "field_groups": levels})
        assert granted.status_code == 201, granted.get_json()
    for person in (helper, viewer):
        listed = person.get("/api/v1/records/campaign").get_json()["items"]
        assert [c["name"] for c in listed] == ["老客户答谢会"]  # not the ad campaign
    # the helper edits the details and reads the budget and results, never edits them
    mine = helper.get(f"/api/v1/records/campaign/{shared}").get_json()
    assert Decimal(str(mine["budget"])) == 60000 and Decimal(str(mine["expenses"])) == 20000
    assert helper.patch(f"/api/v1/records/campaign/{shared}",
                        json={"status": "active"}).status_code == 200
    assert helper.patch(f"/api/v1/records/campaign/{shared}",
                        json={"budget": "90000"}).status_code == 403
    # and logs their hours on it
    create(helper, "time_log", person="helper@example.com", logged_on="2026-03-02",
           hours="3", campaign=shared)
    # the viewer reads the campaign without its money and changes nothing
    theirs = viewer.get(f"/api/v1/records/campaign/{shared}").get_json()
    assert theirs["status"] == "active" and "budget" not in theirs and "roi" not in theirs
    assert viewer.patch(f"/api/v1/records/campaign/{shared}",
                        json={"name": "x"}).status_code == 403


def test_sample_data_fills_the_dashboard(api: Api, key: Ed25519PrivateKey,
                                         tenant: TenantHandle) -> None:
    """Installed with sample data (over core_crm's), the campaigns have costs, wins and
    touches: the whitepaper campaign is over budget and the models disagree."""
    install(api, key, "objectry.core_crm")
    assert install(api, key, "objectry.campaign_roi")
    manager = Api(api.client, tenant.add_user("manager@example.com",
                                              roles=["campaign_manager"]))
    view = api.get("/api/v1/meta/list_views/roi_campaigns_over_budget").get_json()
    over = [c["name"] for c in query(manager, "campaign", view["filter"])]
    assert "智能制造白皮书下载" in over
    webinar = query(manager, "campaign",
                    {"field": "name", "op": "eq", "value": "春季新品线上发布会"})[0]
    assert Decimal(str(webinar["expenses"])) == 43000 and webinar["roi"] is not None
    chart = next(c for c in api.get("/api/v1/meta/dashboards/campaign_roi")
                 .get_json()["charts"] if c["type"] == "attribution")
    ran = manager.post("/api/v1/attribution/run", json=chart["attribution"]).get_json()
    credited = {row["campaign"] for row in ran["campaigns"]
                if Decimal(row["models"]["linear"]["revenue"]) > 0}
    assert len(credited) >= 3
    first = {r["campaign"]: r["models"]["first_touch"]["revenue"] for r in ran["campaigns"]}
    last = {r["campaign"]: r["models"]["last_touch"]["revenue"] for r in ran["campaigns"]}
    assert first != last
