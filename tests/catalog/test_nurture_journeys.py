# ruff: noqa: RUF001  (the assertions quote the Chinese wording, full-width punctuation included)
"""S7 and S8 from the installed ``objectry.nurture_journeys`` pack (on top of
``objectry.core_crm``), driven as marketers, sales and service use it: records and
events over the HTTP API, time moved with the automation tests' clock, messages read
from ``GET /messages`` and the email sink, follow-ups read from the task list."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from objectry.packs.content import load_pack
from objectry.packs.lint import lint
from tests.automation.channel_support import Sink, messages_of
from tests.automation.conftest import Engine, engine, sink  # noqa: F401  (fixtures)
from tests.catalog.support import catalog_files, install, manifest
from tests.conftest import Api, TenantHandle

PACKS = ("objectry.core_crm", "objectry.nurture_journeys")


@pytest.fixture
def crm(api: Api, key: Ed25519PrivateKey, engine: Engine) -> Api:  # noqa: F811
    """A fresh tenant with both packs installed (no sample rows) and every suggested
    workflow active; the engine swept once so timed triggers count from now."""
    for name in PACKS:
        install(api, key, name, sample_data=False)
    engine.tick()
    return api


def create(api: Api, object_name: str, **values: Any) -> dict[str, Any]:
    created = api.post(f"/api/v1/records/{object_name}", json=values)
    assert created.status_code == 201, created.get_json()["errors"]
    return dict(created.get_json())


def contact(api: Api, name: str, *, consent: bool = True, **values: Any) -> str:
    """A contact who agreed to marketing on every channel (``consent=False``: never
    asked), as the sign-up form records it."""
    slug = name.lower().replace(" ", ".")
    record = create(api, "contact", full_name=name, email=f"{slug}@example.cn",
                    mobile=values.pop("mobile", "13800138000"), wecom_id=f"wx_{slug}",
                    **values)
    if consent:
        given = api.put(f"/api/v1/records/contact/{record['id']}/consent",
                        json={"email": "opted_in", "sms": "opted_in", "wecom": "opted_in"})
        assert given.status_code == 200, given.get_json()
    return str(record["id"])


def related(api: Api, object_name: str, field: str, record_id: str) -> list[dict[str, Any]]:
    condition = {"field": field, "op": "eq", "value": record_id}
    listed = api.get(f"/api/v1/records/{object_name}",
                     query={"filter": json.dumps(condition), "sort": "created_at"})
    assert listed.status_code == 200, listed.get_json()
    return list(listed.get_json()["items"])


def tasks(api: Api, contact_id: str, field: str = "contact") -> list[dict[str, Any]]:
    return related(api, "task", field, contact_id)


def sent(api: Api, object_name: str, record_id: str) -> list[tuple[str, str, str]]:
    """(step, channel, status) of a record's messages, oldest first."""
    return [(m["step"], m["channel"], m["status"])
            for m in messages_of(api, object_name, record_id)]


def log(api: Api, contact_id: str, kind: str, **values: Any) -> None:
    create(api, "activity", subject=values.pop("subject", kind), type=kind,
           contact=contact_id, **values)


# -- S7 rule A -----------------------------------------------------------------------

def test_rule_a_whitepaper_edm_then_wecom_task_unless_they_reply(
        crm: Api, engine: Engine, sink: Sink) -> None:  # noqa: F811
    quiet = contact(crm, "Chen Jing")
    replied = contact(crm, "Liu Yang")
    for who in (quiet, replied):
        log(crm, who, "download", subject="下载《2026 制造业数字化白皮书》",
            document="2026 制造业数字化白皮书")
    engine.tick()
    [edm] = sink.to("chen.jing@example.cn")
    assert edm["Subject"] == "您下载的白皮书：要点解读与客户案例"
    assert sent(crm, "contact", quiet) == [("edm", "email", "sent")]
    assert len(sink.to("liu.yang@example.cn")) == 1

    engine.later(days=1)
    log(crm, replied, "email", subject="Re: 白皮书解读 — 想了解落地案例")
    engine.later(days=1, hours=23)
    assert tasks(crm, quiet) == []
    engine.later(hours=1, minutes=1)  # three days without a reply
    [task] = tasks(crm, quiet)
    assert task["type"] == "wecom_followup" and task["status"] == "open"
    assert task["subject"] == "企微跟进：Chen Jing 下载白皮书 3 天未回复（发送解读+案例）"
    assert tasks(crm, replied) == []
    engine.later(days=3)
    assert tasks(crm, replied) == []

    # the designer's dry run walks the same path without writing anything
    dry = crm.post("/api/v1/workflows/nurture_rule_a_whitepaper/dry_run", json={"limit": 5})
    assert dry.status_code == 200, dry.get_json()
    assert len(tasks(crm, quiet)) == 1


# -- S7 rule B -----------------------------------------------------------------------

def test_rule_b_survey_30_days_after_purchase_routes_reviews(
        crm: Api, engine: Engine, sink: Sink, tenant: TenantHandle) -> None:  # noqa: F811
    agent = Api(crm.client, tenant.add_user("agent@example.cn", roles=["service_agent"]))
    unhappy = contact(crm, "Zhao Min", mobile="13602245518")
    happy = contact(crm, "Sun Hao", mobile="13757193360")
    for who in (unhappy, happy):
        create(crm, "purchase", product="智能仓储系统 标准版", contact=who, amount=128000)
    engine.tick()
    today = engine.clock.now.date().isoformat()
    assert crm.get(f"/api/v1/records/contact/{happy}").get_json()["last_purchase_on"] == today
    engine.later(days=29)
    assert sink.to("zhao.min@example.cn") == []
    engine.later(days=1)  # 30 days after the purchase
    [survey] = sink.to("zhao.min@example.cn")
    assert survey["Subject"] == "购买满月回访：您对我们满意吗？"
    [message] = messages_of(crm, "contact", unhappy)
    assert message["step"] == "survey" and message["marketing"] is False

    create(crm, "survey_response", survey="购买满月回访", contact=unhappy, rating=1,
           comment="安装调试拖了两周")
    create(crm, "survey_response", survey="购买满月回访", contact=happy, rating=5, comment="很好用")
    engine.later(hours=1)
    [follow_up] = tasks(crm, unhappy)
    assert follow_up["type"] == "survey" and follow_up["priority"] == "high"
    assert follow_up["subject"] == "差评回访：Zhao Min（购买 30 天满意度调研）"
    mine = agent.get("/api/v1/records/task", query={"view": "own"}).get_json()["items"]
    assert [t["id"] for t in mine] == [follow_up["id"]]  # the service team has it
    assert related(crm, "coupon", "contact", unhappy) == []

    [coupon] = related(crm, "coupon", "contact", happy)
    assert coupon["purpose"] == "repurchase" and coupon["status"] == "issued"
    assert coupon["code"].startswith("CPN-")
    assert sent(crm, "contact", happy) == [("survey", "email", "sent"),
                                           ("coupon_message", "sms", "outbox")]
    assert tasks(crm, happy) == []


# -- the welcome series: day 1 / 3 / 7, email failing over to SMS ------------------

def test_sign_up_day_1_welcome_day_3_tutorial_day_7_sales(
        crm: Api, engine: Engine, sink: Sink) -> None:  # noqa: F811
    new = contact(crm, "Wang Lei", signed_up_at=engine.clock.now.isoformat())
    imported = contact(crm, "Imported Person", signed_up_at=(
        engine.clock.now - dt.timedelta(days=30)).isoformat())  # an old customer
    engine.tick()
    assert [m["Subject"] for m in sink.to("wang.lei@example.cn")] == [
        "欢迎加入：您的账号已开通"]
    engine.later(days=1, hours=23)
    assert len(sink.to("wang.lei@example.cn")) == 1
    engine.later(hours=1)  # day 3
    assert [m["Subject"] for m in sink.to("wang.lei@example.cn")][-1] == "第 3 天：5 分钟上手教程"
    engine.later(days=3, hours=23)
    assert tasks(crm, new) == []
    engine.later(hours=1)  # day 7
    [call] = tasks(crm, new)
    assert call["type"] == "call" and call["subject"] == "新注册第 7 天销售跟进：Wang Lei"
    assert sent(crm, "contact", new) == [("welcome", "email", "sent"),
                                         ("tutorial", "email", "sent")]
    assert messages_of(crm, "contact", imported) == []


def test_welcome_email_failing_goes_out_by_sms(
        crm: Api, engine: Engine, sink: Sink) -> None:  # noqa: F811
    sink.refuse = 2  # the mailbox refuses the welcome and its retry
    new = contact(crm, "Liu Fang", signed_up_at=engine.clock.now.isoformat(),
                  mobile="13916620381")
    engine.tick()
    engine.later(minutes=10)
    welcome, sms = messages_of(crm, "contact", new)
    assert (welcome["channel"], welcome["status"], welcome["attempts"]) == ("email", "failed", 2)
    assert (sms["step"], sms["channel"], sms["status"]) == ("welcome_sms", "sms", "outbox")
    assert sms["body"].startswith("欢迎您，Liu Fang！账号已开通")
    engine.later(days=2)  # the series goes on: day 3's tutorial by email
    assert [m["Subject"] for m in sink.to("liu.fang@example.cn")] == ["第 3 天：5 分钟上手教程"]


# -- S7 wake-up ----------------------------------------------------------------------

def test_dormant_90_days_coupon_used_becomes_a_sales_task(
        crm: Api, engine: Engine, sink: Sink) -> None:  # noqa: F811
    dormant = contact(crm, "Zhou Qiang")
    active = contact(crm, "Wu Ting")
    engine.later(days=60)
    log(crm, active, "call", subject="季度回访电话")
    engine.later(days=29, hours=23)
    assert related(crm, "coupon", "contact", dormant) == []
    engine.later(hours=1, minutes=1)  # 90 days without any activity
    [coupon] = related(crm, "coupon", "contact", dormant)
    assert coupon["purpose"] == "wake_up" and coupon["status"] == "issued"
    [offer] = sink.to("zhou.qiang@example.cn")
    assert offer["Subject"] == "好久不见：回归有礼"
    assert related(crm, "coupon", "contact", active) == []

    engine.later(days=3)
    assert tasks(crm, dormant) == []
    used = crm.patch(f"/api/v1/records/coupon/{coupon['id']}",
                     json={"status": "used", "used_at": engine.clock.now.isoformat()})
    assert used.status_code == 200, used.get_json()
    engine.later(hours=1)
    [follow_up] = tasks(crm, dormant)
    assert follow_up["type"] == "call" and follow_up["priority"] == "high"
    assert follow_up["subject"] == "唤醒客户已用券，请销售跟进：Zhou Qiang"


# -- S8 high intent and the pricing page -------------------------------------------

INTENT_MODEL = {"kind": "scoring_model", "api_name": "test_intent", "object": "lead",
                "target_field": "score",
                "dimensions": [{"weight": 100, "criteria": [
                    {"if": {"field": "need_match", "op": "eq", "value": "strong"},
                     "points": 90},
                    {"if": {"field": "need_match", "op": "eq", "value": "partial"},
                     "points": 50}]}]}


def test_high_intent_lead_gets_three_touches_in_three_days(
        crm: Api, engine: Engine, sink: Sink) -> None:  # noqa: F811
    assert crm.put("/api/v1/meta/scoring_models/test_intent",
                   json=INTENT_MODEL).status_code == 200
    hot = create(crm, "lead", full_name="Qian Jun", company_name="上海华信机械",
                 email="qian.jun@huaxin.example.cn", mobile="021-62991640",
                 need_match="strong")["id"]
    warm = create(crm, "lead", full_name="Hu Yan", company_name="杭州西湖教育",
                  email="hu.yan@xihu.example.cn", need_match="partial")["id"]
    for lead_id in (hot, warm):
        consent = crm.put(f"/api/v1/records/lead/{lead_id}/consent",
                          json={"email": "opted_in", "sms": "opted_in"})
        assert consent.status_code == 200, consent.get_json()
    scored = crm.post("/api/v1/scoring_models/test_intent/run", json={})
    assert scored.status_code == 200, scored.get_json()
    engine.tick()
    [case] = sink.to("qian.jun@huaxin.example.cn")
    assert case["Subject"] == "为上海华信机械准备的客户案例"
    engine.later(days=1)
    assert sent(crm, "lead", hot) == [("touch_1", "email", "sent"),
                                      ("touch_2", "sms", "outbox")]
    assert tasks(crm, hot, "lead") == []
    engine.later(days=1)
    [call] = tasks(crm, hot, "lead")
    assert call["type"] == "call"
    assert call["subject"] == "高意向线索第 3 天电话跟进：Qian Jun（评分 90）"
    assert messages_of(crm, "lead", warm) == [] and tasks(crm, warm, "lead") == []
    [note] = related(crm, "activity", "lead", hot)
    assert note["subject"] == "高意向培育：3 天 3 次触达（评分 90）"

    # the score dips and comes back within the month: no second series
    for need in ("partial", "strong"):
        assert crm.patch(f"/api/v1/records/lead/{hot}",
                         json={"need_match": need}).status_code == 200
        assert crm.post("/api/v1/scoring_models/test_intent/run", json={}).status_code == 200
        engine.tick()
    assert crm.get(f"/api/v1/records/lead/{hot}").get_json()["score"] == 90
    assert len(sink.to("qian.jun@huaxin.example.cn")) == 1


def test_pricing_page_view_tags_the_contact_price_sensitive(
        crm: Api, engine: Engine) -> None:  # noqa: F811
    who = contact(crm, "Ma Li")
    log(crm, who, "web_visit", subject="浏览博客", page="/blog/crm-roi")
    engine.tick()
    assert crm.get(f"/api/v1/records/contact/{who}").get_json()["tags"] in (None, [])
    log(crm, who, "web_visit", subject="浏览价格页", page="/pricing")
    engine.tick()
    assert crm.get(f"/api/v1/records/contact/{who}").get_json()["tags"] == ["price_sensitive"]


def test_duplicates_by_name_and_mobile_are_found_and_merged(
        crm: Api, engine: Engine) -> None:  # noqa: F811
    first = contact(crm, "Chen Jing", mobile="13916620381")
    again = crm.post("/api/v1/records/contact", json={
        "full_name": "chen jing", "mobile": "+86 139 1662 0381", "email": "cj@huaxin.example.cn"})
    assert again.status_code == 201, again.get_json()  # core_crm's rule warns
    second = again.get_json()["id"]
    assert first in again.headers["Objectry-Duplicates"]
    found = crm.get(f"/api/v1/records/contact/{first}/duplicates").get_json()["items"]
    assert second in {d["id"] for d in found}
    log(crm, second, "download", subject="下载白皮书")
    merged = crm.post("/api/v1/records/contact/merge", json={
        "survivor": first, "merged": [second], "values": {"email": second}})
    assert merged.status_code == 200, merged.get_json()
    survivor = crm.get(f"/api/v1/records/contact/{first}").get_json()
    assert survivor["email"] == "cj@huaxin.example.cn"
    assert [a["subject"] for a in related(crm, "activity", "contact", first)] == ["下载白皮书"]
    assert crm.get(f"/api/v1/records/contact/{second}").status_code in (404, 410)


# -- the cap across channels, and consent ------------------------------------------

def start_news(api: Api, contact_id: str) -> None:
    started = api.post("/api/v1/workflows/nurture_product_news/runs",
                       json={"records": [contact_id]})
    assert started.status_code in (200, 201, 202), started.get_json()


def test_five_marketing_messages_in_a_day_make_three_and_no_consent_none(
        crm: Api, engine: Engine, sink: Sink) -> None:  # noqa: F811
    settings = crm.get("/api/v1/messages/settings").get_json()
    assert settings["marketing_daily_cap"] == 3 and settings["consent_required"] is True
    assert "consent_required" in settings["from_document"]
    engine.clock.now = engine.clock.now.replace(hour=8, minute=0, second=0)
    busy = contact(crm, "Lin Na")
    silent = contact(crm, "He Jun", consent=False)
    for who in (busy, silent):
        log(crm, who, "download", subject="下载白皮书 A")  # rule A: an EDM
        engine.later(minutes=5)
        log(crm, who, "download", subject="下载白皮书 B")  # another EDM
        engine.later(minutes=5)
        start_news(crm, who)  # email + SMS + WeCom
        engine.later(minutes=5)
    marketing = [m for m in messages_of(crm, "contact", busy) if m["marketing"]]
    assert len(marketing) == 5
    outcome = {(m["step"], m["channel"], m["status"]) for m in marketing}
    assert sorted(m["status"] for m in marketing) == ["capped", "capped", "sent", "sent", "sent"]
    assert {o for o in outcome if o[2] == "capped"} == {("news_sms", "sms", "capped"),
                                                         ("news_wecom", "wecom", "capped")}
    capped = [m for m in marketing if m["status"] == "capped"]
    assert {m["error"]["code"] for m in capped} == {"message_capped_recipient"}
    assert len(sink.to("lin.na@example.cn")) == 3

    nothing = messages_of(crm, "contact", silent)
    assert len(nothing) == 5 and {m["status"] for m in nothing} == {"suppressed"}
    assert {m["error"]["code"] for m in nothing} == {"consent_missing"}
    assert sink.to("he.jun@example.cn") == []

    engine.later(days=1)  # a new day counts afresh
    start_news(crm, busy)
    engine.tick()
    fresh = messages_of(crm, "contact", busy)[-3:]
    assert sorted((m["channel"], m["status"]) for m in fresh) == [
        ("email", "sent"), ("sms", "outbox"), ("wecom", "outbox")]


def test_the_pack_ships_what_its_manifest_says() -> None:
    shipped = manifest("objectry.nurture_journeys")
    assert shipped["requires"] == {"objectry.core_crm": ">=1.0,<2"}
    assert len(shipped["sop"]) == 5


def test_installs_with_its_sample_data_and_sop(api: Api, key: Ed25519PrivateKey,
                                               engine: Engine, sink: Sink) -> None:  # noqa: F811
    for name in PACKS:
        install(api, key, name)
    engine.tick()
    people = {c["full_name"]: c for c in api.get(
        "/api/v1/records/contact", query={"limit": 200}).get_json()["items"]}
    assert {"郑雅婷", "韩志远", "Emily Zhou"} <= set(people)
    assert "price_sensitive" in (people["韩志远"]["tags"] or [])  # the pricing page visit
    [purchase] = related(api, "purchase", "contact", people["郑雅婷"]["id"])
    assert purchase["product"] == "智能仓储系统 标准版"
    # the sample contacts agreed to marketing, as the sign-up form records it: the
    # whitepaper download started rule A and its EDM went out
    [edm] = messages_of(api, "contact", people["冯晓东"]["id"])
    assert (edm["step"], edm["status"]) == ("edm", "sent")
    assert len(sink.to("feng.xiaodong@pengcheng-tech.example.cn")) == 1
    sop = api.get("/api/v1/packs/objectry.nurture_journeys/sop",
                  headers={"Accept-Language": "zh-CN"})
    assert sop.status_code == 200, sop.get_json()
    assert "每日上限" in json.dumps(sop.get_json(), ensure_ascii=False)


def test_sample_product_news_reaches_each_contact_on_the_channels_they_agreed_to(
        api: Api, key: Ed25519PrivateKey, engine: Engine, sink: Sink) -> None:  # noqa: F811
    for name in PACKS:
        install(api, key, name)
    engine.tick()
    people = {c["full_name"]: c["id"] for c in api.get(
        "/api/v1/records/contact", query={"limit": 200}).get_json()["items"]}
    consent = api.get(f"/api/v1/records/contact/{people['许慧']}/consent").get_json()
    assert {channel: c["status"] for channel, c in consent.items()} == {
        "email": "opted_in", "sms": "opted_out", "wecom": "opted_in"}
    for who in ("许慧", "宋立群"):
        start_news(api, people[who])
    engine.tick()
    # Xu Hui opted out of SMS: her text is suppressed, email and WeCom go out
    assert sorted(sent(api, "contact", people["许慧"])) == [
        ("news_email", "email", "sent"), ("news_sms", "sms", "suppressed"),
        ("news_wecom", "wecom", "outbox")]
    [sms] = [m for m in messages_of(api, "contact", people["许慧"]) if m["channel"] == "sms"]
    assert sms["error"]["code"] == "consent_opted_out"
    assert sorted(sent(api, "contact", people["宋立群"])) == [
        ("news_email", "email", "sent"), ("news_sms", "sms", "outbox"),
        ("news_wecom", "wecom", "outbox")]
    assert len(sink.to("xu.hui@yuexiu-foods.example.cn")) == 1


def test_uninstall_keeps_the_data_and_reinstall_brings_the_rules_back(
        crm: Api, key: Ed25519PrivateKey, engine: Engine) -> None:  # noqa: F811
    who = contact(crm, "Xu Hui")
    create(crm, "purchase", product="门店会员小程序 年度订阅", contact=who, amount=36000)
    detached = crm.post("/api/v1/packs/uninstall", json={"name": "objectry.nurture_journeys"})
    assert detached.status_code == 200, detached.get_json()
    settings = crm.get("/api/v1/messages/settings").get_json()
    assert settings["consent_required"] is False and settings["from_document"] == []
    install(crm, key, "objectry.nurture_journeys", sample_data=False)
    assert crm.get("/api/v1/messages/settings").get_json()["consent_required"] is True
    [kept] = related(crm, "purchase", "contact", who)
    assert kept["product"] == "门店会员小程序 年度订阅"


def test_lint_points_at_a_sample_consent_cell_that_is_no_status() -> None:
    files = catalog_files("objectry.nurture_journeys")
    contacts = files["sample_data/contacts.csv"].decode("utf-8")
    files["sample_data/contacts.csv"] = contacts.replace("opted_out", "unsubscribed").encode()
    findings = lint(files, None, [load_pack(catalog_files("objectry.core_crm"))])
    assert [(f.path, f.code) for f in findings] == [
        ("sample_data/contacts.csv#/4/consent:sms", "schema_enum")]
