"""Web app pages vs the JSON API on the same data, in one run (issue 13).

    python bench/ui.py [--rows 100000] [--n 30] [--database-url URL]

Fills ``--rows`` leads of 30 text fields (bulk insert), then times, through the Flask
test client (server time: routing, sessions, rendering, no network), for a restricted
rep (scope ``all`` here, one field group hidden, a sensitive field masked):

- the list page (50 rows, newest first, a filter on the indexed ``city`` field, as the
  filter builder writes it) against the same list through
  ``GET /api/v1/records/lead?filter=...``;
- the list page without a filter (newest first) against the same API list;
- a record page (layout, history, three related lists, sidebar) against
  ``GET /api/v1/records/lead/{id}``;
- the quick search box (``contains`` over the searchable list columns: a scan of the
  table, no index serves it; ``--search-n`` samples, 0 to skip);

and prints each median, the page/API ratio and the bytes of each page. Issue 13's
targets: list page <= 30 ms median and <= 2x the API; record page <= 30 ms; no page
over 150 KB.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from objectry.admin_ui import accounts
from objectry.platform import tenancy
from objectry.platform.app import create_app
from objectry.platform.config import Settings
from objectry.platform.services import Services
from objectry.runtime.kernel.ids import uuid7
from objectry.runtime.model.compiled import get_model
from objectry.runtime.schema import metadata_service

GROUPS = ("contact", "company", "deal")
PASSWORD = "bench password"
LEAD = {
    "kind": "object", "api_name": "lead", "label": {"en": "Lead", "zh-CN": "线索"},
    "name_field": "contact_0",
    "field_groups": [{"api_name": g, "label": {"en": g.title()}} for g in GROUPS],
    "fields": [{"api_name": f"{g}_{i}", "type": "text", "group": g,
                **({"sensitive": True} if (g, i) == ("contact", 1) else {})}
               for g in GROUPS for i in range(10) if (g, i) != ("contact", 9)]
    + [{"api_name": "city", "type": "text", "group": "contact", "indexed": True}],
}
CITIES = ("shanghai", "beijing", "shenzhen", "guangzhou", "hangzhou", "chengdu", "wuhan",
          "nanjing", "xian", "suzhou")
#: Three objects with a lookup to lead: the record page shows a related list of each.
CHILDREN = ("task", "note", "quote")
CHILD_ROWS = 20_000
LAYOUT = {"kind": "layout", "api_name": "lead_default", "object": "lead",
          "sections": [{"label": {"en": g.title()}, "columns": 2,
                        "fields": [f"{g}_{i}" if (g, i) != ("contact", 9) else "city"
                                   for i in range(10)]} for g in GROUPS],
          "list_columns": ["contact_0", "contact_1", "company_0", "deal_0", "deal_1"]}
REP = {"label": {"en": "Rep"}, "grants": {"lead": {
    "actions": ["read", "create", "edit"], "scope": "all",
    "field_groups": {"contact": "edit", "company": "none", "deal": "read"}},
    **{child: {"actions": ["read"], "scope": "all"} for child in CHILDREN}}}


def child_object(name: str) -> dict[str, Any]:
    return {"kind": "object", "api_name": name, "label": {"en": name.title()},
            "name_field": "subject",
            "fields": [{"api_name": "subject", "type": "text"},
                       {"api_name": "lead", "type": "lookup", "target": "lead"}]}


def paired(first: Callable[[], Any], second: Callable[[], Any], n: int) -> tuple[float, float]:
    """Median ms of each call, the two timed alternately so that both see the same
    machine (a busy machine slows both, not one)."""
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(n):
        for call, into in ((first, samples[0]), (second, samples[1])):
            start = time.perf_counter()
            call()
            into.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples[0]), statistics.median(samples[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--search-n", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="objectry-bench-ui-"))
    settings = Settings(database_url=args.database_url or f"sqlite:///{data_dir / 'b.db'}",
                        data_dir=data_dir)
    services = Services.start(settings, migrate=True)
    slug = f"bench_{uuid7().hex[:8]}"
    with services.connection() as conn:
        now = services.clock()
        tenant = tenancy.create_tenant(conn, slug, None, now=now)
        tenancy.create_user(conn, tenant, f"admin@{slug}.example.com", now=now)
    with services.for_tenant(slug) as ctx:
        metadata_service.apply_documents(ctx, [LEAD, LAYOUT, *map(child_object, CHILDREN),
                                               {"kind": "role", "api_name": "rep", **REP}])
    rep_email = f"rep@{slug}.example.com"
    with services.connection() as conn:
        tenant = tenancy.find_tenant(conn, slug)
        tenancy.create_user(conn, tenant, rep_email, roles=["rep"], now=services.clock())
        token = tenancy.create_token(conn, tenant, rep_email, now=services.clock())
        accounts.set_password(conn, tenant.id, accounts.user_id_of(conn, tenant.id, rep_email),
                              PASSWORD)
    start = time.perf_counter()
    lead_ids: list[Any] = []
    for offset in range(0, args.rows, 10_000):
        rows = [{"id": uuid7(), "version": 1, "created_at": now, "updated_at": now,
                 "city": CITIES[(offset + j) % len(CITIES)],
                 **{f"{g}_{i}": f"{g} {i} of {offset + j}" for g in GROUPS for i in range(10)
                    if (g, i) != ("contact", 9)}}
                for j in range(min(10_000, args.rows - offset))]
        lead_ids.extend(row["id"] for row in rows[::100])
        with services.for_tenant(slug) as ctx:  # the tenant's connection finds its table
            ctx.conn.execute(get_model(ctx, "lead").table.insert(), rows)
    # the record page's record: the newest shanghai lead, with 8 of each child
    newest = next(i for i in range(args.rows - 1, -1, -1) if CITIES[i % len(CITIES)] ==
                  "shanghai")
    with services.for_tenant(slug) as ctx:
        model = get_model(ctx, "lead")
        record = ctx.conn.execute(model.table.select().where(
            model.table.c.contact_0 == f"contact 0 of {newest}")).one()
        for child in CHILDREN:
            ctx.conn.execute(get_model(ctx, child).table.insert(), [
                {"id": uuid7(), "version": 1, "created_at": now, "updated_at": now,
                 "subject": f"{child} {n}",
                 "lead": record.id if n < 8 else lead_ids[n % len(lead_ids)]}
                for n in range(CHILD_ROWS)])
    record_id = str(record.id)
    print(f"filled {args.rows:,} leads and {len(CHILDREN)} x {CHILD_ROWS:,} related records"
          f" in {time.perf_counter() - start:.1f} s")

    app = create_app(services=services)
    browser = app.test_client()
    page = browser.get("/app/sign-in").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None
    signed = browser.post("/app/sign-in", data={"email": rep_email, "password": PASSWORD,
                                                "csrf_token": csrf.group(1)})
    assert signed.status_code == 303, signed.status_code
    api = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    city = quote(json.dumps({"field": "city", "op": "eq", "value": "shanghai"}))
    # what the page's search box sends: the readable, unmasked, searchable list columns
    search = quote(json.dumps({"any": [{"field": name, "op": "contains", "value": "of 1"}
                                       for name in ("contact_0", "deal_0", "deal_1")]}))

    list_page = browser.get(f"/app/o/lead?filter={city}")
    assert list_page.status_code == 200
    assert record_id in list_page.get_data(as_text=True)
    record_page = browser.get(f"/app/o/lead/{record_id}")
    assert record_page.status_code == 200
    shown = record_page.get_data(as_text=True)
    assert all(re.search(rf">{child} [0-7]<", shown) for child in CHILDREN), "3 related lists"
    list_api = f"/api/v1/records/lead?filter={city}&limit=50"
    results: dict[str, float] = {}
    for label, page_call, api_call, n in (
            ("list", lambda: browser.get(f"/app/o/lead?filter={city}"),
             lambda: api.get(list_api, headers=auth), args.n),
            ("newest", lambda: browser.get("/app/o/lead"),
             lambda: api.get("/api/v1/records/lead?limit=50", headers=auth), args.n),
            ("record", lambda: browser.get(f"/app/o/lead/{record_id}"),
             lambda: api.get(f"/api/v1/records/lead/{record_id}", headers=auth), args.n),
            ("search", lambda: browser.get("/app/o/lead?q=of%201"),
             lambda: api.get(f"/api/v1/records/lead?filter={search}&limit=50", headers=auth),
             args.search_n)):
        if n:
            results[f"{label} page"], results[f"{label} API"] = paired(page_call, api_call, n)
    for label, value in results.items():
        print(f"{label:12s} median {value:7.2f} ms")
    print(f"list page / API   {results['list page'] / results['list API']:.2f}x  (target <= 2x,"
          f" <= 30 ms)")
    print(f"newest page / API {results['newest page'] / results['newest API']:.2f}x")
    print(f"record page / API {results['record page'] / results['record API']:.2f}x"
          "  (target: record page <= 30 ms)")
    if "search page" in results:
        print(f"search page / API {results['search page'] / results['search API']:.2f}x"
              "  (a scan: no index serves contains)")
    print(f"bytes: list page {len(list_page.data):,}, record page {len(record_page.data):,}"
          " (target <= 150,000 each)")
    services.close()


if __name__ == "__main__":
    main()
