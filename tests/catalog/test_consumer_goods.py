"""The consumer goods pack (issue 19, pack 6; scenario S10): installed on a fresh tenant
after core_crm, then a new product launch driven through its stages over the HTTP API
the way a brand manager and a channel manager do, each stage handing its SOP tasks to
the launch's owner."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from objectry.platform.automation import tick_at
from objectry.platform.services import Services
from tests.automation.conftest import Engine
from tests.catalog.support import create, find, install, lint_after, update
from tests.conftest import Api, TenantHandle

PACK = "objectry.consumer_goods"
CORE = "objectry.core_crm"


@pytest.fixture
def installed(api: Api, key: Ed25519PrivateKey, engine: Engine) -> Api:
    """Both packs on a fresh tenant, under the ``engine`` fixture's clock."""
    install(api, key, CORE, sample_data=False)
    install(api, key, PACK)
    return api


def tasks_of(api: Api, launch: str) -> dict[str, list[str]]:
    """The launch's SOP tasks by stage."""
    found: dict[str, list[str]] = {}
    for task in find(api, "launch_task", {"field": "launch", "op": "eq", "value": launch}):
        found.setdefault(task["stage"], []).append(task["subject"])
    return found


def test_the_pack_lints_after_core_crm(services: Services, tenant: TenantHandle) -> None:
    assert lint_after(services, tenant, PACK, CORE) == []


def test_installs_with_its_sample_data(installed: Api, services: Services) -> None:
    objects = {o["api_name"] for o in installed.get("/api/v1/meta/objects").get_json()["items"]}
    assert {"product", "product_launch", "distributor", "store", "channel_allocation",
            "promotion", "launch_task"} <= objects
    # "ShangHai" in the sample is the shanghai option, as everywhere else
    [distributor] = find(installed, "distributor", {
        "field": "name", "op": "contains", "value": "沪联"})
    assert distributor["city"] == "shanghai"
    tick_at(services)
    [launch] = find(installed, "product_launch", {"field": "stage", "op": "eq",
                                                  "value": "planning"})
    assert len(tasks_of(installed, launch["id"])["planning"]) == 3


def test_a_launch_moving_through_its_stages_gets_each_stages_sop_tasks(
        installed: Api, services: Services, tenant: TenantHandle) -> None:
    brand = Api(installed.client, tenant.add_user("zhao.min@example.com", name="赵敏",
                                                  roles=["cg_brand_manager"]))
    channel = Api(installed.client, tenant.add_user("sun.hao@example.com", name="孙浩",
                                                    roles=["cg_channel_manager"]))
    product = create(brand, "product", name="晨露玻尿酸面膜 5 片装", sku="CL-MK-05",
                     category="beauty", retail_price=89)
    launch = create(brand, "product_launch", name="晨露面膜华南上市", product=product,
                    target_units=40000, budget=500000,
                    launch_date=(services.clock() + dt.timedelta(days=30)).date().isoformat())
    tick_at(services)
    assert list(tasks_of(brand, launch)) == ["planning"]
    assert "确定建议零售价与首 90 天目标销量" in tasks_of(brand, launch)["planning"]
    # the tasks are the launch owner's to work
    mine = brand.get("/api/v1/records/launch_task", query={"view": "own"}).get_json()["items"]
    assert len(mine) == 3

    update(brand, "product_launch", launch, stage="channel_distribution")
    tick_at(services)
    assert len(tasks_of(brand, launch)["channel_distribution"]) == 3
    distributor = create(channel, "distributor", name="广州粤佳日化批发有限公司",
                         channel="regional", city="GuangZhou", phone="020-83326710")
    store = create(channel, "store", name="华润万家天河店", distributor=distributor,
                   city="guangzhou", format="hypermarket")
    allocation = create(channel, "channel_allocation", name="粤佳首批铺货", launch=launch,
                        distributor=distributor, quantity=15000)
    update(channel, "channel_allocation", allocation, status="on_shelf")

    update(brand, "product_launch", launch, stage="in_store_promotion")
    tick_at(services)
    assert len(tasks_of(brand, launch)["in_store_promotion"]) == 3
    promotion = create(channel, "promotion", name="天河店试用推广", launch=launch, store=store,
                       mechanic="tasting", budget=15000)
    update(channel, "promotion", promotion, units_sold=620, result="below_target")
    tick_at(services)
    assert any("未达标" in subject for subject in tasks_of(brand, launch)["in_store_promotion"])

    update(brand, "product_launch", launch, stage="review")
    tick_at(services)
    stages = tasks_of(brand, launch)
    assert {stage: len(subjects) for stage, subjects in stages.items()} == {
        "planning": 3, "channel_distribution": 3, "in_store_promotion": 4, "review": 2}
    shown = brand.get(f"/api/v1/records/product_launch/{launch}").get_json()
    assert shown["stage"] == "review" and shown["stage_entered_at"] is not None
    # the channel manager reads the launch but cannot move its stage
    refused = channel.patch(f"/api/v1/records/product_launch/{launch}",
                            json={"stage": "planning"})
    assert refused.status_code == 403


def test_the_launch_dashboard_counts_the_launches_by_stage(installed: Api) -> None:
    for name, stage in (("A 上市", "planning"), ("B 上市", "channel_distribution"),
                        ("C 上市", "channel_distribution")):
        create(installed, "product_launch", name=name, stage=stage)
    assert installed.get("/api/v1/meta/dashboards/cg_launch_dashboard").status_code == 200
    page = installed.get("/api/v1/meta/dashboards/cg_launch_dashboard").get_json()
    by_stage = page["charts"][0]  # the funnel the dashboard draws, asked as it asks
    response = installed.post("/api/v1/records/product_launch/aggregate", json={
        "group_by": by_stage["group_by"], "measures": by_stage["measures"]})
    assert response.status_code == 200, response.get_json()
    counts = {i["stage"]: i["count"] for i in response.get_json()["items"]}
    assert counts == {"planning": 2, "channel_distribution": 2}  # one is the sample launch
