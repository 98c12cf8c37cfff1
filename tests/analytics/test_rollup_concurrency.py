"""Roll-ups under concurrent child writes (PostgreSQL; SQLite runs one writer at a
time): threads creating, changing, deleting and re-parenting children of the same
campaigns in random orders see no deadlock, and the stored sums, counts, averages and
extremes are those a recompute gives."""

from __future__ import annotations

import random
import threading
from decimal import Decimal
from typing import Any

import pytest

from tests.analytics.objects import campaign, campaign_rollups, label, lead_object, opportunity
from tests.analytics.test_rollups import create
from tests.conftest import Api, TenantHandle

THREADS, STEPS = 6, 10
AVERAGE = {"api_name": "average", "type": "rollup", "label": label("Average"),
           "object": "opportunity", "via": ["lead", "campaign"], "op": "avg",
           "field": "amount"}
SMALLEST = {"api_name": "smallest_lead", "type": "rollup", "label": label("Smallest"),
            "object": "opportunity", "via": ["lead", "campaign"], "op": "min",
            "field": "amount", "filter": {"field": "stage", "op": "ne", "value": "lost"}}


@pytest.fixture
def postgres(tenant: TenantHandle) -> None:
    if tenant.services.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time")


def stored(api: Api) -> dict[str, tuple[Any, ...]]:
    response = api.get("/api/v1/records/campaign", query={"limit": 200})
    assert response.status_code == 200, response.get_json()

    def number(value: Any) -> Decimal | None:
        return None if value is None else Decimal(str(value))

    return {item["name"]: (item["leads"], number(item["won_revenue"]),
                           number(item["biggest"]), number(item["average"]),
                           number(item["smallest_lead"]))
            for item in response.get_json()["items"]}


def writer(app: Any, token: str, campaigns: list[str], leads: list[str], mine: list[str],
           seed: int, start: threading.Barrier, failures: list[Any]) -> None:
    """One client's random child writes: its own leads re-parented, opportunities on
    any lead created, and its own opportunities changed and deleted."""
    api = Api(app.test_client(), token)
    rng = random.Random(seed)
    own: list[str] = []
    start.wait()
    for _ in range(STEPS):
        action = rng.choice(["create", "create", "update", "delete", "reparent"])
        amount = str(rng.randint(1, 999))
        stage = rng.choice(["open", "won", "lost"])
        if action == "reparent" or (action != "create" and not own):
            response = api.patch(f"/api/v1/records/lead/{rng.choice(mine)}",
                                 json={"campaign": rng.choice(campaigns)})
        elif action == "create":
            response = api.post("/api/v1/records/opportunity", json={
                "name": "o", "stage": stage, "amount": amount, "lead": rng.choice(leads)})
            if response.status_code == 201:
                own.append(response.get_json()["id"])
        elif action == "update":
            response = api.patch(f"/api/v1/records/opportunity/{rng.choice(own)}",
                                 json={"stage": stage, "amount": amount})
        else:
            response = api.delete(f"/api/v1/records/opportunity/{own.pop()}")
        if response.status_code >= 300:
            failures.append((action, response.status_code, response.get_json()))


def test_concurrent_child_writes_keep_rollups_exact(app: Any, api: Api, tenant: TenantHandle,
                                                    postgres: None) -> None:
    api.define(campaign())
    api.define(lead_object())
    api.define(opportunity())
    api.define(campaign(*campaign_rollups(), AVERAGE, SMALLEST))
    campaigns = [create(api, "campaign", {"name": f"c{i}", "expected_revenue": "100"})
                 for i in range(3)]
    leads = [[create(api, "lead", {"name": f"l{t}{i}", "campaign": campaigns[(t + i) % 3]})
              for i in range(2)] for t in range(THREADS)]
    everyone = [lead for mine in leads for lead in mine]
    start, failures = threading.Barrier(THREADS), []
    threads = [threading.Thread(target=writer, args=(
        app, tenant.token, campaigns, everyone, leads[t], t, start, failures))
        for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []  # no deadlock (nor anything else) reached a caller
    kept = stored(api)
    assert sum(figures[0] for figures in kept.values()) == len(everyone)
    assert api.post("/api/v1/rollups/recompute").status_code == 200
    assert stored(api) == kept
