"""Web app pages vs the JSON API on the same data, in one run (issue 13).

    python bench/ui.py [--rows 100000] [--n 30] [--database-url URL]

Fills ``--rows`` leads of 30 text fields (bulk insert), then times, through the Flask
test client (server time: routing, sessions, rendering, no network), for a restricted
rep (scope ``all`` here, one field group hidden, a sensitive field masked):

- the list page (50 rows, newest first, a quick filter) against the same list through
  ``GET /api/v1/records/lead?filter=...``;
- the list page without a search (newest first) against the same API list;
- a record page (layout, history, related lists, sidebar) against
  ``GET /api/v1/records/lead/{id}``;

and prints each median, the page/API ratio and the bytes of each page. Issue 13's
targets: list page <= 30 ms median and <= 2x the API; no page over 150 KB.
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
               for g in GROUPS for i in range(10)],
}
LAYOUT = {"kind": "layout", "api_name": "lead_default", "object": "lead",
          "sections": [{"label": {"en": g.title()}, "columns": 2,
                        "fields": [f"{g}_{i}" for i in range(10)]} for g in GROUPS],
          "list_columns": ["contact_0", "contact_1", "company_0", "deal_0", "deal_1"]}
REP = {"label": {"en": "Rep"}, "grants": {"lead": {
    "actions": ["read", "create", "edit"], "scope": "all",
    "field_groups": {"contact": "edit", "company": "none", "deal": "read"}}}}


def median_ms(call: Callable[[], Any], n: int) -> float:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--n", type=int, default=30)
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
        metadata_service.apply_documents(ctx, [LEAD, LAYOUT, {"kind": "role",
                                                              "api_name": "rep", **REP}])
    rep_email = f"rep@{slug}.example.com"
    with services.connection() as conn:
        tenant = tenancy.find_tenant(conn, slug)
        tenancy.create_user(conn, tenant, rep_email, roles=["rep"], now=services.clock())
        token = tenancy.create_token(conn, tenant, rep_email, now=services.clock())
        accounts.set_password(conn, tenant.id, accounts.user_id_of(conn, tenant.id, rep_email),
                              PASSWORD)
    start = time.perf_counter()
    for offset in range(0, args.rows, 10_000):
        rows = [{"id": uuid7(), "version": 1, "created_at": now, "updated_at": now,
                 **{f"{g}_{i}": f"{g} {i} of {offset + j}" for g in GROUPS for i in range(10)}}
                for j in range(min(10_000, args.rows - offset))]
        with services.for_tenant(slug) as ctx:  # the tenant's connection finds its table
            ctx.conn.execute(get_model(ctx, "lead").table.insert(), rows)
    print(f"filled {args.rows:,} leads in {time.perf_counter() - start:.1f} s")

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
    # what the page's search box sends: the readable, unmasked, searchable list columns
    condition = json.dumps({"any": [{"field": name, "op": "contains", "value": "of 1"}
                                    for name in ("contact_0", "deal_0", "deal_1")]})

    list_page = browser.get("/app/o/lead?q=of%201")
    assert list_page.status_code == 200
    record_id = re.search(r'href="/app/o/lead/([0-9a-f-]{36})"', list_page.get_data(as_text=True))
    assert record_id is not None
    record_page = browser.get(f"/app/o/lead/{record_id.group(1)}")
    assert record_page.status_code == 200
    results = {
        "list page": median_ms(lambda: browser.get("/app/o/lead?q=of%201"), args.n),
        "list API": median_ms(lambda: api.get(f"/api/v1/records/lead?filter={condition}"
                                              "&limit=50", headers=auth), args.n),
        "newest page": median_ms(lambda: browser.get("/app/o/lead"), args.n),
        "newest API": median_ms(lambda: api.get("/api/v1/records/lead?limit=50",
                                                headers=auth), args.n),
        "record page": median_ms(lambda: browser.get(f"/app/o/lead/{record_id.group(1)}"),
                                 args.n),
        "record API": median_ms(lambda: api.get(f"/api/v1/records/lead/{record_id.group(1)}",
                                                headers=auth), args.n),
    }
    for label, value in results.items():
        print(f"{label:12s} median {value:7.2f} ms")
    print(f"list page / API   {results['list page'] / results['list API']:.2f}x  (target <= 2x,"
          f" <= 30 ms)")
    print(f"newest page / API {results['newest page'] / results['newest API']:.2f}x")
    print(f"record page / API {results['record page'] / results['record API']:.2f}x")
    print(f"bytes: list page {len(list_page.data):,}, record page {len(record_page.data):,}"
          " (target <= 150,000 each)")
    services.close()


if __name__ == "__main__":
    main()
