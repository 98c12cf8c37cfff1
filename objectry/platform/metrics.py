"""``/metrics`` in the Prometheus text format: what an operator watches per process.

Caches (estimated bytes, entries, hits, misses, evictions and hit ratio of the model and
decision caches), request latency by route (the URL rule, never a concrete path, so no
id or tenant shows), the sandbox pool (calls waiting, workers busy) and the automation
lag (age of the oldest event not yet dispatched). Aggregates only, no tenant's data:
still, serve it to the monitoring network only.

Each app has its own registry (no module-level state), filled at scrape time from the
``Services`` the app runs on.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import sqlalchemy as sa
from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from objectry.platform.db import READ_ONLY
from objectry.platform.services import Services
from objectry.runtime.records.journal_tables import events

METRICS_KEY = "objectry.metrics"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class PlatformCollector(Collector):
    """Reads the process's caches, pool and the automation backlog at each scrape."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterator[Metric]:
        models, decisions = self.services.models, self.services.decisions
        caches = {"model": (models.bytes, len(models), models.hits, models.misses,
                            models.evictions),
                  "decision": (decisions.bytes, len(decisions), decisions.hits,
                               decisions.misses, decisions.evictions)}
        families: dict[str, GaugeMetricFamily | CounterMetricFamily] = {
            "bytes": GaugeMetricFamily("objectry_cache_bytes",
                                       "Estimated bytes a cache holds", labels=["cache"]),
            "entries": GaugeMetricFamily("objectry_cache_entries", "Entries a cache holds",
                                         labels=["cache"]),
            "hits": CounterMetricFamily("objectry_cache_hits", "Lookups answered from a cache",
                                        labels=["cache"]),
            "misses": CounterMetricFamily("objectry_cache_misses",
                                          "Lookups that built the value", labels=["cache"]),
            "evictions": CounterMetricFamily("objectry_cache_evictions",
                                             "Entries pushed out by the cache's bound",
                                             labels=["cache"]),
            "ratio": GaugeMetricFamily("objectry_cache_hit_ratio",
                                       "Hits over lookups since the process started",
                                       labels=["cache"]),
        }
        for name, (size, entries, hits, misses, evictions) in caches.items():
            families["bytes"].add_metric([name], size)
            families["entries"].add_metric([name], entries)
            families["hits"].add_metric([name], hits)
            families["misses"].add_metric([name], misses)
            families["evictions"].add_metric([name], evictions)
            families["ratio"].add_metric([name], hits / (hits + misses) if hits + misses else 0)
        yield from families.values()
        yield models_shared(models.shared_models)
        yield from self._sandbox()
        yield from self._automation()

    def _sandbox(self) -> Iterator[Metric]:
        functions = self.services.functions
        waiting = busy = 0
        if functions is not None and functions.started:
            pool = functions.pool
            waiting, busy = pool.stats.waiting, pool.busy
        yield GaugeMetricFamily("objectry_sandbox_queue",
                                "Function calls waiting for a turn or a free worker",
                                value=waiting)
        yield GaugeMetricFamily("objectry_sandbox_busy_workers",
                                "Sandbox workers running a call", value=busy)

    def _automation(self) -> Iterator[Metric]:
        """Seconds since the oldest event still to be matched to workflows occurred."""
        try:
            with self.services.engine.connect() as conn:
                conn = conn.execution_options(**{READ_ONLY: True})
                oldest = conn.execute(sa.select(sa.func.min(events.c.occurred_at))
                                      .where(events.c.dispatched_at.is_(None))).scalar()
        except sa.exc.SQLAlchemyError:  # the database is unreachable: no figure
            return
        lag = 0.0
        if oldest is not None:
            lag = max(0.0, (self.services.clock() - oldest).total_seconds())
        yield GaugeMetricFamily("objectry_automation_lag_seconds",
                                "Age of the oldest event automation has not dispatched yet",
                                value=lag)


def models_shared(count: int) -> Metric:
    return GaugeMetricFamily("objectry_shared_models",
                             "Compiled models held, each shared by every tenant with "
                             "the same object definition", value=count)


def install(app: Flask, services: Services) -> None:
    """Time every request by route and serve ``GET /metrics``."""
    registry = CollectorRegistry(auto_describe=True)
    registry.register(PlatformCollector(services))
    latency = Histogram("objectry_request_seconds", "Request latency by route",
                        ["route", "method"], registry=registry, buckets=LATENCY_BUCKETS)
    app.extensions[METRICS_KEY] = registry

    @app.before_request
    def start_timer() -> None:
        g.objectry_started = time.perf_counter()

    @app.after_request
    def observe(response: Response) -> Response:
        started = g.get("objectry_started")
        if started is not None:
            rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
            latency.labels(rule, request.method).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
