"""Formula fields and the aggregate API against baselines, in one run.

    python bench/analytics.py [--campaigns 1000] [--leads 20000] [--n 100] [--database-url URL]
                              [--tenant SLUG]

``--tenant`` names the tenant holding the data: the first run builds it, a later run
against the same database with the same sizes finds it and measures at once (1M leads
take minutes to load).

1. List 50 campaigns with a formula field (ROI over two inputs and a lookup) through the
   records service, against the same list of an object without the formula.
2. Aggregate lead count by status and month (``POST /records/lead/aggregate``'s service)
   against the same GROUP BY in raw Core.
3. Roll-ups (``--opportunities``, default leads / 5): list 50 campaigns with three
   roll-ups (leads; won revenue and opportunities through lead -> campaign) and a
   formula over them, against the plain list; and an opportunity created (and its
   stage updated) through the records service with two roll-ups over it, against the
   same writes of an object nothing rolls up. Leads are spread over the campaigns
   (``--campaigns``), so ``--leads`` / ``--campaigns`` is the per-campaign density.
4. ``--attribution``: ``POST /attribution/run`` with its five models over the won
   opportunities (a third of them), three touches each.

Scaled down (issue 17 targets 1,000,000 leads on PostgreSQL): pass ``--leads`` and
``--database-url`` for the full figure. Prints medians and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from objectry.metadata.catalog_tables import tenants
from objectry.platform import tenancy
from objectry.platform.config import Settings
from objectry.platform.services import Services
from objectry.runtime import records
from objectry.runtime.analytics.aggregate import aggregate
from objectry.runtime.analytics.attribution import run_attribution
from objectry.runtime.kernel.context import Actor, Context, Tenant
from objectry.runtime.kernel.ids import uuid7
from objectry.runtime.model.compiled import get_model, tenant_table
from objectry.runtime.query.rollup_sql import recompute_all
from objectry.runtime.schema import metadata_service

STATUSES = ["new", "working", "mql", "lost"]


def campaign(name: str, formula: bool) -> dict[str, Any]:
    fields: list[dict[str, Any]] = [
        {"api_name": "name", "type": "text"},
        {"api_name": "expected_revenue", "type": "currency"},
        {"api_name": "won_revenue", "type": "currency"},
        {"api_name": "total_cost", "type": "currency"},
        {"api_name": "owner_region", "type": "lookup", "target": "region"}]
    if formula:
        fields.append({"api_name": "roi", "type": "formula", "result": "number",
                       "expression": "if(total_cost > 0, (won_revenue - total_cost) / "
                                     "total_cost, null)"})
        fields.append({"api_name": "label_text", "type": "formula", "result": "text",
                       "expression": "concat(upper(name), ' ', "
                                     "coalesce(owner_region.name, '-'))"})
    return {"kind": "object", "api_name": name, "label": {"en": name}, "fields": fields}


REGION = {"kind": "object", "api_name": "region", "label": {"en": "Region"},
          "fields": [{"api_name": "name", "type": "text"}]}
LEAD = {"kind": "object", "api_name": "lead", "label": {"en": "Lead"}, "fields": [
    {"api_name": "status", "type": "picklist", "options": STATUSES, "indexed": True},
    {"api_name": "came_on", "type": "date"},
    {"api_name": "campaign", "type": "lookup", "target": "rolled"}]}
STAGES = ["open", "won", "lost"]
MEMBER: dict[str, Any] = {"kind": "object", "api_name": "campaign_member",
                          "label": {"en": "Member"},
          "fields": [{"api_name": "lead", "type": "lookup", "target": "lead"},
                     {"api_name": "campaign", "type": "lookup", "target": "rolled"},
                     {"api_name": "touched_on", "type": "date"}]}


def opportunity(name: str) -> dict[str, Any]:
    return {"kind": "object", "api_name": name, "label": {"en": name}, "fields": [
        {"api_name": "stage", "type": "picklist", "options": STAGES},
        {"api_name": "amount", "type": "currency"},
        {"api_name": "lead", "type": "lookup", "target": "lead"}]}


#: Three roll-ups over the leads and their opportunities, and a formula over them.
ROLLUPS: list[dict[str, Any]] = [
    {"api_name": "lead_count", "type": "rollup", "object": "lead", "via": ["campaign"],
     "op": "count"},
    {"api_name": "won_amount", "type": "rollup", "object": "opportunity",
     "via": ["lead", "campaign"], "op": "sum", "field": "amount",
     "filter": {"field": "stage", "op": "eq", "value": "won"}},
    {"api_name": "opportunities", "type": "rollup", "object": "opportunity",
     "via": ["lead", "campaign"], "op": "count"},
    {"api_name": "won_share", "type": "formula", "result": "number",
     "expression": "won_amount / expected_revenue"},
]


def timed(measured: Callable[[], Any], baseline: Callable[[], Any],
          n: int) -> tuple[list[float], list[float]]:
    """Samples of both sides taken in turns, so a busy machine slows both alike."""
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(n):
        for action, taken in zip((measured, baseline), samples, strict=True):
            start = time.perf_counter()
            action()
            taken.append(time.perf_counter() - start)
    return samples


def report(label: str, measured: list[float], baseline: list[float]) -> None:
    a, b = statistics.median(measured) * 1000, statistics.median(baseline) * 1000
    print(f"{label:<44} {a:8.2f} ms   baseline {b:8.2f} ms   ratio {a / b:5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--campaigns", type=int, default=1000)
    parser.add_argument("--leads", type=int, default=20000)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--opportunities", type=int, default=None)
    parser.add_argument("--attribution", action="store_true",
                        help="also time POST /attribution/run (3 touches per lead with "
                             "opportunities)")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--tenant", default=None,
                        help="the tenant holding the data: built when missing, else reused")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="objectry-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    services = Services.start(Settings(database_url=url, data_dir=workdir), migrate=True)
    slug = args.tenant or "bench_" + uuid.uuid4().hex[:8]
    with services.connection() as conn:
        exists = conn.execute(sa.select(tenants.c.id)
                              .where(tenants.c.slug == slug)).first() is not None
    rebuilt: float | None = None
    if exists:
        tables, tenant, lead_ids, opportunities = reused(services, slug, args)
    else:
        tables, tenant, lead_ids, opportunities, rebuilt = build(services, slug, args)

    @contextmanager
    def context() -> Iterator[Context]:
        with services.connection(read_only=True) as conn:
            yield Context(tenant=tenant, actor=Actor.system(), conn=conn,
                          models=services.models, keys=services.keys,
                          decisions=services.decisions, clock=services.clock)

    def listing(name: str) -> Callable[[], None]:
        def run() -> None:
            with context() as ctx:
                assert len(records.list_records(ctx, name, limit=50)["items"]) == 50
        return run

    print(f"database {services.engine.url.render_as_string(hide_password=True)}, "
          f"{args.campaigns:,} campaigns, {args.leads:,} leads, "
          f"{opportunities:,} opportunities")
    if rebuilt is not None:
        print(f"{'recompute the 3 roll-ups of every campaign':<44} {rebuilt:8.2f} ms")
    report("list 50 campaigns, 2 formulas (vs none)",
           *timed(listing("campaign"), listing("plain"), args.n))
    sorted_by_roi: dict[str, Any] = {"sort": "-roi"}

    def list_by_roi() -> None:
        with context() as ctx:
            records.list_records(ctx, "campaign", limit=50, **sorted_by_roi)

    report("  sorted by the formula (vs unsorted plain)",
           *timed(list_by_roi, listing("plain"), max(10, args.n // 5)))
    body = {"group_by": ["status", {"field": "came_on", "bucket": "month"}],
            "measures": [{"op": "count"}], "limit": 1000}
    lead = tables["lead"]
    month = sa.func.strftime("%Y-%m-01", lead.c.came_on) \
        if services.engine.dialect.name == "sqlite" \
        else sa.func.date_trunc("month", sa.cast(lead.c.came_on, sa.DateTime()))

    def service_aggregate() -> None:
        with context() as ctx:
            assert aggregate(ctx, "lead", body)["items"]

    def raw_aggregate() -> None:
        with services.connection(read_only=True) as conn:
            assert conn.execute(sa.select(lead.c.status, month, sa.func.count())
                                .where(lead.c.deleted_at.is_(None))
                                .group_by(lead.c.status, month)).all()

    report("aggregate leads by status x month (vs raw)",
           *timed(service_aggregate, raw_aggregate, max(5, args.n // 10)))
    rollup_benchmarks(services, slug, lead_ids, args.n)
    if args.attribution:
        with services.for_tenant(slug) as ctx:
            started = time.perf_counter()
            answer = run_attribution(ctx, {
                "opportunities": {"created": "created_at"},
                "touchpoints": [{"object": "campaign_member", "date": "touched_on"}],
                "campaigns": {"object": "rolled", "cost": "total_cost"}})
            taken = time.perf_counter() - started
        print(f"{'attribution, 5 models':<44} {taken * 1000:8.2f} ms   over "
              f"{answer['opportunities']:,} won opportunities")
    print(f"work dir {workdir}")


Tables = dict[str, sa.Table]


def build(services: Services, slug: str, args: argparse.Namespace
          ) -> tuple[Tables, Tenant, list[uuid.UUID], int, float]:
    """A new tenant with the whole data set: its tables, the tenant, the lead ids, the
    number of opportunities and the time the first full recompute of the roll-ups took."""
    with services.connection() as conn:
        tenancy.create_tenant(conn, slug, None, now=services.clock())
    with services.for_tenant(slug) as ctx:
        for document in (REGION, campaign("campaign", True), campaign("plain", False),
                         campaign("rolled", True), LEAD, opportunity("opportunity"),
                         opportunity("plain_opportunity"), MEMBER):
            metadata_service.put_document(ctx, "object", str(document["api_name"]), document)
    with services.for_tenant(slug) as ctx:
        rolled = campaign("rolled", True)
        rolled["fields"] += ROLLUPS
        metadata_service.put_document(ctx, "object", "rolled", rolled)
    tables, tenant = tables_of(services, slug)
    now = services.clock()
    stamp = {"version": 1, "created_at": now, "updated_at": now}
    with services.engine.begin() as conn:
        regions = [uuid7() for _ in range(10)]
        conn.execute(tables["region"].insert(), [
            {"id": r, "name": f"region {i}", **stamp} for i, r in enumerate(regions)])
        campaign_ids: list[uuid.UUID] = []
        for name in ("campaign", "plain", "rolled"):
            ids = [uuid7() for _ in range(args.campaigns)]
            campaign_ids = ids  # the leads' campaigns: the last, "rolled"
            conn.execute(tables[name].insert(), [{
                "id": ids[i], "name": f"campaign {i}", "expected_revenue": Decimal(5000),
                "won_revenue": Decimal(i * 7 % 9000), "total_cost": Decimal(i % 50 * 10),
                "owner_region": regions[i % 10], **stamp} for i in range(args.campaigns)])
        start_day = dt.date(2025, 1, 1)
        lead_ids = [uuid7() for _ in range(args.leads)]
        for first in range(0, args.leads, 5000):
            conn.execute(tables["lead"].insert(), [{
                "id": lead_ids[i], "status": STATUSES[i % 4],
                "came_on": start_day + dt.timedelta(days=i % 700),
                "campaign": campaign_ids[i % args.campaigns], **stamp}
                for i in range(first, min(first + 5000, args.leads))])
        opportunities = args.leads // 5 if args.opportunities is None else args.opportunities
        for first in range(0, opportunities, 5000):
            for name in ("opportunity", "plain_opportunity"):  # the same rows in each
                conn.execute(tables[name].insert(), [{
                    "id": uuid7(), "stage": STAGES[i % 3], "amount": Decimal(i % 997 * 10),
                    "lead": lead_ids[i * 7919 % args.leads], **stamp}
                    for i in range(first, min(first + 5000, opportunities))])
        if args.attribution:  # three touches of each lead with an opportunity
            touched = sorted({i * 7919 % args.leads for i in range(opportunities)})
            for first in range(0, len(touched), 5000):
                conn.execute(tables["campaign_member"].insert(), [{
                    "id": uuid7(), "lead": lead_ids[j], "touched_on": start_day
                    + dt.timedelta(days=j % 700 - 30 * k),
                    "campaign": campaign_ids[(j + k) % args.campaigns], **stamp}
                    for j in touched[first:first + 5000] for k in range(3)])
    with services.for_tenant(slug) as ctx:  # rows loaded in bulk: roll-ups rebuilt once
        started = time.perf_counter()
        recompute_all(ctx, "rolled")
        rebuilt = (time.perf_counter() - started) * 1000
    if services.engine.dialect.name == "postgresql":
        with services.engine.begin() as conn:
            for table in tables.values():
                conn.execute(sa.text(f'ANALYZE "{table.schema}"."{table.name}"'
                                     if table.schema else f'ANALYZE "{table.name}"'))
    return tables, tenant, lead_ids, opportunities, rebuilt


def tables_of(services: Services, slug: str) -> tuple[Tables, Tenant]:
    """The bench objects' tables (raw Core) and the tenant."""
    with services.for_tenant(slug) as ctx:
        return {name: tenant_table(get_model(ctx, name), ctx.storage) for name in (
            "region", "campaign", "plain", "rolled", "lead", "opportunity",
            "plain_opportunity", "campaign_member")}, ctx.tenant


def reused(services: Services, slug: str, args: argparse.Namespace
           ) -> tuple[Tables, Tenant, list[uuid.UUID], int]:
    """The data a previous run built into ``slug``, checked (a build of other sizes,
    or one that was interrupted, is refused rather than measured)."""
    tables, tenant = tables_of(services, slug)
    with services.engine.connect() as conn:
        def count(name: str) -> int:
            return int(conn.execute(sa.select(sa.func.count())
                                    .select_from(tables[name])).scalar_one())

        leads, campaigns = count("lead"), count("rolled")
        if (leads, campaigns) != (args.leads, args.campaigns) or (
                args.attribution and not count("campaign_member")):
            raise SystemExit(f"tenant {slug} holds {leads:,} leads and {campaigns:,} "
                             "campaigns (or no touches): build another")
        lead = tables["lead"]
        lead_ids = list(conn.execute(sa.select(lead.c.id).order_by(lead.c.id)
                                     .limit(10_000)).scalars())
        return tables, tenant, lead_ids, count("plain_opportunity")


def rollup_benchmarks(services: Services, slug: str, lead_ids: list[uuid.UUID],
                      n: int) -> None:
    """Lists with roll-ups, and child writes with and without roll-ups over them."""
    @contextmanager
    def context(read_only: bool) -> Iterator[Context]:
        with services.for_tenant(slug, read_only=read_only) as ctx:
            yield ctx

    def listing(name: str) -> Callable[[], None]:
        def run() -> None:
            with context(True) as ctx:
                items = records.list_records(ctx, name, limit=50)["items"]
                assert len(items) == 50 and (name == "plain" or "won_share" in items[0])
        return run

    report("list 50 campaigns, 3 roll-ups + 3 formulas",
           *timed(listing("rolled"), listing("plain"), n))
    turn = iter(range(10**9))

    def write(name: str) -> Callable[[], None]:
        def run() -> None:
            i = next(turn)
            with context(False) as ctx:
                made = records.create(ctx, name, {
                    "stage": "open", "amount": "120.00",
                    "lead": str(lead_ids[i * 31 % len(lead_ids)])})
                records.update(ctx, name, made["id"], {"stage": "won"})
        return run

    report("opportunity create+update, 2 roll-ups over it",
           *timed(write("opportunity"), write("plain_opportunity"), n))


if __name__ == "__main__":
    main()
