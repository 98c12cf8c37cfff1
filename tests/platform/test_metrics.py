"""``GET /metrics``: Prometheus text with the caches, request latency by route, the
sandbox queue and the automation lag; aggregates only, nothing of a tenant's."""

from __future__ import annotations

from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Api, TenantHandle
from tests.docs_objects import campaign


def scrape(app: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def test_metrics_show_caches_latency_sandbox_and_automation(
        app: Any, api: Api, tenant: TenantHandle) -> None:
    api.define(campaign())
    assert api.post("/api/v1/records/campaign", json={"name": "Spring"}).status_code == 201
    before = scrape(app)
    for _ in range(3):
        assert api.get("/api/v1/records/campaign").status_code == 200
    after = scrape(app)

    model_hits = ("objectry_cache_hits_total", (("cache", "model"),))
    assert after[model_hits] >= before[model_hits] + 3  # each list found its model cached
    assert after[("objectry_cache_entries", (("cache", "model"),))] >= 1
    assert 0 < after[("objectry_cache_hit_ratio", (("cache", "model"),))] <= 1
    assert ("objectry_cache_bytes", (("cache", "decision"),)) in after
    route = (("method", "GET"), ("route", "/api/v1/records/<object_name>"))
    count = ("objectry_request_seconds_count", route)
    assert after[count] - before.get(count, 0) == 3
    assert after[("objectry_sandbox_queue", ())] == 0
    assert after[("objectry_automation_lag_seconds", ())] >= 0

    text = app.test_client().get("/metrics").get_data(as_text=True)
    assert tenant.slug not in text and "Spring" not in text
