"""Scenario test of the ``objectry.b2b_leads`` catalog pack (S1, S2, S5, S6).

The pack is installed on a fresh tenant after ``objectry.core_crm``, as an administrator
does; then its people work as they would: marketing's leads are scored, MQLs are handed
to the Shanghai or Beijing office in turn and must be accepted within 24 hours, the
pool takes back leads left idle, the regional distribution rule is checked for gaps
before it is switched on, and an owner's distribution meets the conflict strategy.
Time moves with the test clock the automation engine ticks at.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.automation.conftest import Engine
from tests.catalog.support import create, get, install, user_id
from tests.conftest import Api, TenantHandle, problem

PACK = "objectry.b2b_leads"


@dataclass
class Team:
    """The people of the scenario, each with their own API token."""

    admin: Api
    tenant: TenantHandle
    people: dict[str, Api]

    def __getitem__(self, email: str) -> Api:
        return self.people[email]

    def add(self, email: str, roles: list[str], department: str | None = None) -> Api:
        self.people[email] = Api(self.admin.client, self.tenant.add_user(
            email, roles=roles, department=department))
        return self.people[email]


def installed(api: Api, tenant: TenantHandle, key: Ed25519PrivateKey, *,
              sample_data: bool = False) -> Team:
    """core_crm, then b2b_leads with every suggested workflow, and the sales team:
    two reps in Shanghai, one in Beijing, a manager, an SDR and a marketer."""
    install(api, key, "objectry.core_crm", sample_data=sample_data)
    install(api, key, PACK, sample_data=sample_data)
    team = Team(api, tenant, {})
    team.add("sh1@example.com", ["sales_rep"], "shanghai_office")
    team.add("sh2@example.com", ["sales_rep"], "shanghai_office")
    team.add("bj1@example.com", ["sales_rep"], "beijing_office")
    team.add("boss@example.com", ["sales_manager"], "sales_management")  # over both offices
    team.add("sdr@example.com", ["sdr"])
    team.add("mkt@example.com", ["marketing"])
    return team


def new_lead(api: Api, **values: Any) -> str:
    return create(api, "lead", **{"full_name": "张三", **values})


def lead(api: Api, record_id: str) -> dict[str, Any]:
    return get(api, "lead", record_id)


def tasks_of(api: Api, record_id: str) -> list[dict[str, Any]]:
    page = api.get("/api/v1/records/task", query={"filter": json.dumps(
        {"field": "lead", "op": "eq", "value": record_id}), "sort": "created_at"})
    assert page.status_code == 200, page.get_json()
    return list(page.get_json()["items"])


def settle(engine: Engine) -> None:
    """Run the engine until the chain of events (score → MQL → hand-off) has run."""
    for _ in range(4):
        engine.tick()


def shanghai_mqls(api: Api, engine: Engine) -> tuple[str, str]:
    """Two Shanghai leads that score as MQLs, handed off once the engine has run."""
    first = new_lead(api, city="上海", employees=500, need_match="strong",
                     company_name="华东精密机械")
    second = new_lead(api, city="上海", employees=800, need_match="strong",
                      company_name="申美连锁")
    settle(engine)
    return first, second


def accept(api: Api, record_id: str) -> Any:
    return api.post(f"/api/v1/records/lead/{record_id}/actions/b2b_accept_mql", json={})


def test_s6_scoring_handoff_sla_and_escalation(api: Api, tenant: TenantHandle,
                                               key: Ed25519PrivateKey,
                                               engine: Engine) -> None:
    team = installed(api, tenant, key)
    marketing = api  # leads come in through forms and imports, owned by the admin
    # 500 employees (70 points x 30%) + a strong need (100 x 40%) = 61: an MQL
    first = new_lead(marketing, city="上海", employees=500, need_match="strong",
                     company_name="华东精密机械")
    second = new_lead(marketing, city="ShangHai", employees=1500, need_match="strong",
                      company_name="申美连锁")
    cold = new_lead(marketing, city="上海", employees=10, need_match="none",
                    company_name="星火工作室")
    settle(engine)
    hot = lead(api, first)
    assert (hot["score"], hot["status"]) == (61, "mql") and hot["mql_at"]
    assert lead(api, cold)["status"] == "new" and lead(api, cold)["score"] < 60
    # round robin among the Shanghai office's members, in turn
    owners = {lead(api, first)["owner"], lead(api, second)["owner"]}
    assert owners == {user_id(api, "sh1@example.com"), user_id(api, "sh2@example.com")}
    assert lead(api, cold)["owner"] == user_id(api, tenant.admin_email)
    reps = {user_id(api, e): team[e] for e in ("sh1@example.com", "sh2@example.com")}
    # each rep has a task asking them to accept, and their MQL waiting in their list
    for record_id in (first, second):
        owner = lead(api, record_id)["owner"]
        [ask] = tasks_of(api, record_id)
        assert ask["owner"] == owner and ask["priority"] == "high"
    waiting = reps[lead(api, first)["owner"]].post("/api/v1/records/lead/query", json={
        "filter": {"field": "status", "op": "eq", "value": "mql"}, "view": "own"})
    assert [r["id"] for r in waiting.get_json()["items"]] == [first]
    # the second lead's rep accepts in time; the first one's does not
    accepted = accept(reps[lead(api, second)["owner"]], second)
    assert accepted.status_code == 200, accepted.get_json()
    settle(engine)
    engine.later(hours=12)
    assert lead(api, second)["status"] == "accepted" and lead(api, second)["accepted_at"]
    problem(accept(reps[lead(api, second)["owner"]], second), 422)  # not twice
    kept = lead(api, second)["owner"]
    engine.later(hours=13)
    settle(engine)
    # 25 hours on: the first MQL went up to the sales manager with an escalation task
    boss = user_id(api, "boss@example.com")
    assert lead(api, first)["owner"] == boss and lead(api, first)["status"] == "mql"
    escalation = [t for t in tasks_of(api, first) if t["owner"] == boss]
    assert len(escalation) == 1 and "24" in escalation[0]["subject"]
    # accepted in time: nothing escalates
    assert lead(api, second)["owner"] == kept and len(tasks_of(api, second)) == 1
    # the manager accepts it himself
    assert accept(team["boss@example.com"], first).status_code == 200
    assert lead(api, first)["status"] == "accepted"


POOL = "/api/v1/pools/b2b_lead_pool"


def in_pool(member: Api) -> list[str]:
    page = member.get(f"{POOL}/records")
    assert page.status_code == 200, page.get_json()
    return [r["id"] for r in page.get_json()["items"]]


def test_s6_no_office_goes_to_the_pool_and_idle_claims_are_reclaimed(
        api: Api, tenant: TenantHandle, key: Ed25519PrivateKey, engine: Engine) -> None:
    team = installed(api, tenant, key)
    rep = team["sh1@example.com"]
    # MQLs from Guangzhou: no office takes them, so they wait in the pool (公海)
    idle = new_lead(api, city="广州市", employees=1200, need_match="strong",
                    mobile="020-38886666")
    busy = new_lead(api, city="GuangZhou", employees=800, need_match="strong")
    settle(engine)
    assert lead(api, idle)["status"] == "mql" and lead(api, idle)["owner"] is None
    assert set(in_pool(rep)) == {idle, busy}
    [seen] = [r for r in rep.get(f"{POOL}/records").get_json()["items"] if r["id"] == idle]
    assert seen["mobile"] != "020-38886666"  # masked until claimed
    claimed = rep.post(f"{POOL}/claim", json={"ids": [idle, busy]})
    assert claimed.status_code == 200, claimed.get_json()
    assert lead(api, idle)["owner"] == user_id(api, "sh1@example.com")
    assert lead(rep, idle)["mobile"] == "020-38886666"
    assert in_pool(rep) == []
    # day 20: the rep calls one of them; the other is left alone
    engine.later(days=20)
    called = rep.post("/api/v1/records/activity", json={
        "subject": "电话沟通需求", "type": "call", "lead": busy,
        "occurred_at": engine.clock.now.isoformat()})
    assert called.status_code == 201, called.get_json()
    settle(engine)
    assert lead(api, busy)["last_activity_at"]
    # day 31: the idle one went back to the pool; the worked one stays with the rep
    engine.later(days=11)
    assert lead(api, idle)["owner"] is None and idle in in_pool(rep)
    assert lead(api, busy)["owner"] == user_id(api, "sh1@example.com")
    # the shared view of the pool for managers lists it
    pooled = api.post("/api/v1/records/lead/query", json={
        "filter": {"field": "owner", "op": "is_empty"}}).get_json()["items"]
    assert idle in [r["id"] for r in pooled]
    # someone else claims it now (the rep lost it: a cooldown keeps them off it)
    problem(rep.post(f"{POOL}/claim", json={"ids": [idle]}), 409, "pool_cooldown")
    assert team["sh2@example.com"].post(f"{POOL}/claim",
                                        json={"ids": [idle]}).status_code == 200


def test_s6_accepted_lead_left_idle_for_30_days_goes_back_to_the_pool(
        api: Api, tenant: TenantHandle, key: Ed25519PrivateKey, engine: Engine) -> None:
    team = installed(api, tenant, key)
    # two Shanghai MQLs, routed to the two Shanghai reps in turn; both accept at once
    idle, worked = shanghai_mqls(api, engine)
    owners = {record_id: lead(api, record_id)["owner"] for record_id in (idle, worked)}
    emails = {user_id(api, e): e for e in ("sh1@example.com", "sh2@example.com")}
    for record_id, owner in owners.items():
        assert accept(team[emails[owner]], record_id).status_code == 200
    settle(engine)
    assert {lead(api, r)["status"] for r in (idle, worked)} == {"accepted"}
    # day 20: one rep logs a call on their lead; the other lead is left alone
    engine.later(days=20)
    rep = team[emails[owners[worked]]]
    called = rep.post("/api/v1/records/activity", json={
        "subject": "电话沟通需求", "type": "call", "lead": worked,
        "occurred_at": engine.clock.now.isoformat()})
    assert called.status_code == 201, called.get_json()
    settle(engine)
    # day 31: the idle lead is back in the pool with the reason; its rep got an email
    engine.later(days=11)
    settle(engine)
    assert lead(api, idle)["owner"] is None and idle in in_pool(rep)
    history = api.get(f"/api/v1/records/lead/{idle}/assignments").get_json()["items"]
    back = history[0]
    assert back["old"] == owners[idle] and back["new"] is None
    assert back["because"]["pool"] == "b2b_lead_pool"
    assert "30" in back["because"]["reason"]
    told = api.get("/api/v1/messages", query={"record": f"lead/{idle}"}).get_json()["items"]
    assert [m["to"] for m in told] == [emails[owners[idle]]]
    # the lead with a call on day 20 stays with its rep...
    assert lead(api, worked)["owner"] == owners[worked] and worked not in in_pool(rep)
    # ...and its 30 days start again from the call: day 51 it goes back too
    engine.later(days=20)
    settle(engine)
    assert lead(api, worked)["owner"] is None and worked in in_pool(rep)


def test_s6_an_escalated_mql_gives_the_manager_24_hours_too(
        api: Api, tenant: TenantHandle, key: Ed25519PrivateKey, engine: Engine) -> None:
    team = installed(api, tenant, key)
    ignored, taken = shanghai_mqls(api, engine)
    engine.later(hours=25)
    settle(engine)
    boss = user_id(api, "boss@example.com")
    assert {lead(api, r)["owner"] for r in (ignored, taken)} == {boss}
    assert all(len(tasks_of(api, r)) == 2 for r in (ignored, taken))
    # the manager accepts one of them within his own 24 hours
    engine.later(hours=10)
    assert accept(team["boss@example.com"], taken).status_code == 200
    settle(engine)
    engine.later(hours=13)
    settle(engine)
    assert len(tasks_of(api, ignored)) == 2  # 23 hours: still within his clock
    engine.later(hours=2)
    settle(engine)
    # 25 hours after the escalation: overdue, sent on to the least loaded manager (the
    # only one here) with an overdue task; the accepted one gets none
    *_, overdue = tasks_of(api, ignored)
    assert overdue["owner"] == boss and overdue["priority"] == "high"
    assert "升级后 24 小时" in overdue["subject"]
    assert lead(api, ignored)["status"] == "mql"
    assert len(tasks_of(api, taken)) == 2 and lead(api, taken)["status"] == "accepted"


def test_s5_reclaim_redistribute_tag_and_watch(api: Api, tenant: TenantHandle,
                                               key: Ed25519PrivateKey,
                                               engine: Engine) -> None:
    team = installed(api, tenant, key)
    boss, rep = team["boss@example.com"], team["sh1@example.com"]
    ids = [new_lead(api, city="广州", employees=2000, need_match="strong",
                    company_name=f"粤海食品{i}") for i in range(3)]
    settle(engine)
    assert set(in_pool(rep)) == set(ids)
    assert rep.post(f"{POOL}/claim", json={"ids": ids[:2]}).status_code == 200
    # reclaim (回收): the sales manager, the pool's admin, takes one back with a reason
    back = boss.post(f"{POOL}/reclaim", json={"ids": [ids[0]], "reason": "客户要求换人"})
    assert back.status_code == 200, back.get_json()
    assert lead(api, ids[0])["owner"] is None and ids[0] in in_pool(rep)
    problem(rep.post(f"{POOL}/reclaim", json={"ids": [ids[1]], "reason": "x"}), 403)
    # redistribute: the lead moves to the Shanghai office after all (the customer
    # moved), by the hand-off rule, with the owner-change history to show for it
    moved = api.patch(f"/api/v1/records/lead/{ids[2]}", json={"city": "ShangHai"})
    assert moved.status_code == 200, moved.get_json()
    applied = api.post("/api/v1/assignment_rules/b2b_mql_routing/apply", json={"ids": [ids[2]]})
    assert applied.status_code == 200, applied.get_json()
    assert applied.get_json()["items"][0]["decision"]["picked"] in (
        "sh1@example.com", "sh2@example.com")
    history = api.get(f"/api/v1/records/lead/{ids[2]}/assignments").get_json()["items"]
    moves = [h["because"] for h in history if h["kind"] == "owner_changed"]
    assert {"rule": "b2b_mql_routing", "entry": 0, "method": "round_robin",
            "picked": applied.get_json()["items"][0]["decision"]["picked"]} in moves
    # before: no office took it from Guangzhou, so the fallback pool did
    failed = [h for h in history if h["kind"] == "assignment_failed"]
    assert failed and failed[0]["decision"]["fallback_pool"] == "b2b_lead_pool"
    # tag in bulk, and watch how one is processed
    tagged = api.post("/api/v1/records/lead/tags", json={
        "ids": ids, "field": "tags", "add": ["key_account", "hot"]})
    assert tagged.status_code == 200 and tagged.get_json()["changed"] == 3
    assert sorted(lead(api, ids[1])["tags"]) == ["hot", "key_account"]
    watched = boss.put(f"/api/v1/records/lead/{ids[1]}/watch")
    assert watched.status_code == 200, watched.get_json()
    assert watched.get_json()["watching"] is True
    assert accept(rep, ids[1]).status_code == 200
    assert lead(boss, ids[1])["status"] == "accepted"


def test_s2_rule_catches_shanghai_spellings_and_the_check_lists_gaps(
        api: Api, tenant: TenantHandle, key: Ed25519PrivateKey, engine: Engine) -> None:
    team = installed(api, tenant, key, sample_data=True)
    rows = api.post("/api/v1/records/lead/query", json={
        "filter": {"field": "company_name", "op": "eq", "value": "华东精密机械有限公司"}})
    [careless] = rows.get_json()["items"]  # city "ShangHai", phone 021-62991640
    phone_only = new_lead(api, mobile="021-62991640", company_name="没写城市")
    nowhere = new_lead(api, city="成都", company_name="天府软件")
    rule = "/api/v1/assignment_rules/b2b_regional_distribution"
    assert api.get("/api/v1/meta/assignment_rules/b2b_regional_distribution"
                   ).get_json()["active"] is False
    # before switching it on: the dry run over every lead lists who nobody takes
    checked = api.post(f"{rule}/check", json={})
    assert checked.status_code == 200, checked.get_json()
    missed = {m["id"] for m in checked.get_json()["missed"]}
    assert nowhere in missed and careless["id"] not in missed and phone_only not in missed
    summary = api.post(f"{rule}/check", json={"summary": True})
    assert summary.status_code == 200, summary.get_json()
    # switched off, it cannot be applied yet
    problem(api.post(f"{rule}/apply", json={"ids": [careless["id"]]}), 409,
            "assignment_rule_inactive")
    document = api.get("/api/v1/meta/assignment_rules/b2b_regional_distribution").get_json()
    document["active"] = True
    for k in ("version", "updated_at", "updated_by"):
        document.pop(k, None)
    switched = api.put("/api/v1/meta/assignment_rules/b2b_regional_distribution",
                       json=document)
    assert switched.status_code == 200, switched.get_json()
    applied = api.post(f"{rule}/apply", json={"ids": [careless["id"], phone_only]})
    assert applied.status_code == 200, applied.get_json()
    # the owner keeps the lead; a Shanghai rep receives it with the rule's levels
    for item in applied.get_json()["items"]:
        assert item["assigned"] is True and item["owner"] == careless["owner"]
        assert item["decision"]["picked"] in ("sh1@example.com", "sh2@example.com")
    grants = api.get(f"/api/v1/records/lead/{phone_only}/grants").get_json()["items"]
    assert grants[0]["field_groups"]["company"] == "read"
    assert grants[0]["field_groups"]["contact"] == "edit"
    picked = applied.get_json()["items"][1]["decision"]["picked"]
    shared = team[picked].get(f"/api/v1/records/lead/{phone_only}")
    assert shared.status_code == 200
    problem(team[picked].patch(f"/api/v1/records/lead/{phone_only}",
                               json={"company_name": "改名"}), 403)
    assert team[picked].patch(f"/api/v1/records/lead/{phone_only}",
                              json={"need": "需要演示"}).status_code == 200


def test_s1_distributed_levels_follow_the_conflict_strategy(
        api: Api, tenant: TenantHandle, key: Ed25519PrivateKey, engine: Engine) -> None:
    team = installed(api, tenant, key)
    bob = team.add("bob@example.com", ["sales_rep"], "shanghai_office")
    a = team.add("a@example.com", ["marketing"])  # A's role: leads are read only
    team.add("b@example.com", ["sales_rep"], "beijing_office")
    team.add("c@example.com", ["sdr"])
    record_id = new_lead(bob, full_name="王建国", company_name="华东精密", need="设备联网",
                         city="上海")
    given = bob.post("/api/v1/records/lead/distribute", json={"ids": [record_id], "to": [
        {"grantee": "user:a@example.com",
         "field_groups": {"contact": "edit", "company": "read", "requirement": "edit"}},
        {"grantee": "user:b@example.com",
         "field_groups": {"contact": "read", "company": "edit", "requirement": "read"}},
        {"grantee": "user:c@example.com",
         "field_groups": {"contact": "read", "company": "read", "requirement": "none"}}]})
    assert given.status_code == 200, given.get_json()
    # the pack's strategy for leads: the owner's distribution decides
    assert api.get("/api/v1/meta/access_policies/lead").get_json()[
        "conflict_strategy"] == "distribution_wins"
    assert a.patch(f"/api/v1/records/lead/{record_id}",
                   json={"full_name": "王建国 总经理"}).status_code == 200
    problem(a.patch(f"/api/v1/records/lead/{record_id}", json={"company_name": "X"}), 403)
    why = a.get(f"/api/v1/records/lead/{record_id}/access",
                query={"user": "a@example.com"}).get_json()
    contact = why["field_groups"]["contact"]
    assert contact["strategy"] == "distribution_wins"
    assert contact["administrative"]["level"] == "read"
    assert contact["distribution"]["level"] == "edit"
    assert contact["decision"]["level"] == "edit"
    # the same answer in a list and the records query
    listed = a.post("/api/v1/records/lead/query", json={"view": "shared"}).get_json()
    assert [r["id"] for r in listed["items"]] == [record_id]
    # C never sees the requirement (his grant says none; his role would let him)
    assert "need" not in team["c@example.com"].get(
        f"/api/v1/records/lead/{record_id}").get_json()
    # the administrator changes the strategy: A's role wins now, no grant touched
    changed = api.put("/api/v1/meta/access_policies/lead", json={
        "object": "lead", "conflict_strategy": "administrative_wins"})
    assert changed.status_code == 200, changed.get_json()
    problem(a.patch(f"/api/v1/records/lead/{record_id}", json={"full_name": "王"}), 403)
    why = a.get(f"/api/v1/records/lead/{record_id}/access",
                query={"user": "a@example.com"}).get_json()
    assert why["field_groups"]["contact"]["decision"]["level"] == "read"
    assert why["field_groups"]["contact"]["strategy"] == "administrative_wins"
    assert team["c@example.com"].get(f"/api/v1/records/lead/{record_id}").get_json()[
        "need"] == "设备联网"  # C's role reads requirements: the role wins now


def test_sample_leads_are_scored_and_handed_off(api: Api, tenant: TenantHandle,
                                                key: Ed25519PrivateKey,
                                                engine: Engine) -> None:
    team = installed(api, tenant, key, sample_data=True)
    settle(engine)
    ours = ["华东精密机械有限公司", "申美连锁零售", "京城数科", "燕京教育集团", "粤海食品",
            "西湖医疗器械", "浦东金融信息服务", "星火创业工作室"]  # this pack's samples
    items = api.post("/api/v1/records/lead/query", json={"limit": 200, "filter": {
        "field": "company_name", "op": "in", "value": ours}}).get_json()["items"]
    by_company = {r["company_name"]: r for r in items}
    assert set(by_company) == set(ours)
    mqls = {name for name, r in by_company.items() if r["status"] == "mql"}
    assert mqls == {"华东精密机械有限公司", "京城数科", "粤海食品", "浦东金融信息服务"}
    assert by_company["申美连锁零售"]["score"] == 59  # one point short
    shanghai = {by_company[n]["owner"] for n in ("华东精密机械有限公司", "浦东金融信息服务")}
    assert shanghai <= {user_id(api, "sh1@example.com"), user_id(api, "sh2@example.com")}
    assert by_company["京城数科"]["owner"] == user_id(api, "bj1@example.com")
    assert by_company["粤海食品"]["owner"] is None  # no Guangzhou office: the pool
    assert all(by_company[n]["mql_at"] for n in mqls)
    # the SOPs, for anyone of the tenant, in their language
    sop = team["sdr@example.com"].get(f"/api/v1/packs/{PACK}/sop",
                                      query={"language": "zh-CN"})
    assert sop.status_code == 200, sop.get_json()
    assert "24 小时" in json.dumps(sop.get_json(), ensure_ascii=False)


def test_uninstall_and_reinstall_keeps_the_leads_work(api: Api, tenant: TenantHandle,
                                                      key: Ed25519PrivateKey,
                                                      engine: Engine) -> None:
    installed(api, tenant, key)
    record_id = new_lead(api, city="北京", employees=1200, need_match="strong")
    settle(engine)
    before = lead(api, record_id)
    assert before["status"] == "mql" and before["owner"] == user_id(api, "bj1@example.com")
    gone = api.post("/api/v1/packs/uninstall", json={"name": PACK})
    assert gone.status_code == 200, gone.get_json()
    assert lead(api, record_id)["status"] == "mql"  # core_crm's lead and its values stay
    install(api, key, PACK, sample_data=False)
    after = lead(api, record_id)
    assert (after["score"], after["status"], after["owner"]) == (
        before["score"], "mql", before["owner"])
    assert accept(api, record_id).status_code == 200  # the button is back



def test_the_two_mql_views_read_differently_and_sort_differently(
        api: Api, tenant: TenantHandle, key: Ed25519PrivateKey, engine: Engine) -> None:
    """core_crm's MQL view ranks marketing's qualified leads by score; b2b_leads' is the
    sales queue against the 24-hour clock, oldest first: two names, two orders."""
    installed(api, tenant, key)
    early = new_lead(api, city="北京", employees=500, need_match="strong")  # 61 points
    settle(engine)
    engine.later(hours=2)
    late = new_lead(api, city="北京", employees=5000, need_match="strong")  # more points
    settle(engine)
    assert lead(api, late)["score"] > lead(api, early)["score"]
    by_score, waiting = (api.get(f"/api/v1/meta/list_views/{name}").get_json()
                         for name in ("crm_mql_leads", "b2b_mqls_waiting"))
    for language in ("en", "zh-CN"):
        assert by_score["label"][language] != waiting["label"][language]
    assert (by_score["label"]["en"], waiting["label"]["en"]) == (
        "MQLs by score", "MQLs waiting for acceptance")

    def listed(view: dict[str, Any]) -> list[str]:
        page = api.post("/api/v1/records/lead/query", json={
            "filter": view["filter"], "sort": view["sort"]})
        assert page.status_code == 200, page.get_json()
        return [r["id"] for r in page.get_json()["items"]]

    assert listed(by_score) == [late, early]
    assert listed(waiting) == [early, late]
