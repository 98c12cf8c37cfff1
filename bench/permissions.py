"""Permissions: what the guard costs on a list, on a cold decision, per Casbin enforce.

    python bench/permissions.py [--rows 1000000] [--database-url URL] [--tenant SLUG]
                                [--scopes team,own,condition,grant] [--lists-only]

``--tenant`` names the tenant holding the data: the first run builds it, a later
run against the same database finds it and measures at once (the 1M rows take
minutes to load). ``--scopes`` and ``--lists-only`` measure only some of the list lines.

A tenant of 200 departments, 1,000 users and 50 roles; a lead object of 30 fields in
three field groups (one sensitive field, one field-level override); ``--rows`` leads
owned across the users, and 20,000 distribution grants. Measured in the same run:

1. Warm list of 50 leads through the records service for a sales rep whose role gives
   one hidden group, one read-only group and a masked field, against the same list with
   permissions disabled (the platform actor, same service, same page), once per data
   scope: "team" (their region's subtree, ~10% of the rows), "own" (1 row in 1,000) and
   a condition on an indexed picklist (~10%); 50 leads are also distributed to the rep.
   "grant": a user who owns nothing and sees only the 100 leads distributed to them.
   Target: <= 1.3x. Wall-time medians, and the median CPU time of each page (this
   thread's plus the PostgreSQL backend's, from /proc), which other jobs on a busy
   machine do not inflate. Raw Core is printed for context.
2. Cold first decision for a new (user, object): compile the 50 roles into rules, build
   the user's enforcer, decide the access map, resolve the department tree and the
   visibility clause, each sample from an empty decision cache. Target: <= 50 ms.
3. The cost of one ``enforce`` call at the policy sizes this tenant produces: the
   user's filtered enforcer and, for comparison, one over all 50 roles' rows.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from objectry.metadata import store
from objectry.metadata.catalog_tables import tenants, users
from objectry.metadata.permission_terms import NOT_DISTRIBUTED
from objectry.permissions.access import DecisionCache
from objectry.permissions.casbin_model import build_enforcer, roles_key
from objectry.permissions.grant_tables import record_grants
from objectry.permissions.policies import group_obj
from objectry.platform import tenancy
from objectry.platform.config import Settings
from objectry.platform.services import Services
from objectry.runtime import records
from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Actor, Context, Tenant
from objectry.runtime.kernel.ids import uuid7
from objectry.runtime.model.compiled import get_model, tenant_table
from objectry.runtime.schema import metadata_service

GROUPS = ("contact", "company", "requirement")
REGIONS = 10
TEAMS_PER_REGION = 19  # 1 root + 10 regions + 190 teams = 201 departments
USERS = 1000
ROLES = 50
GRANTS = 20_000
ACTIONS = ["read", "create", "edit", "delete", "restore", "export", "import", "share",
           "view_sensitive"]


def lead_definition() -> dict[str, Any]:
    fields: list[dict[str, Any]] = []
    for g, group in enumerate(GROUPS):
        for i in range(10):
            field: dict[str, Any] = {"api_name": f"{group}_{i}", "type": "text",
                                     "group": group, "max_length": 80}
            if (g, i) == (0, 1):
                field = {"api_name": "mobile", "type": "phone", "group": group,
                         "sensitive": True}
            if (g, i) == (1, 9):
                field = {"api_name": "region", "type": "picklist", "group": group,
                         "indexed": True, "options": [f"r{r}" for r in range(REGIONS)]}
            fields.append(field)
    return {"kind": "object", "api_name": "lead", "label": {"en": "Lead", "zh-CN": "线索"},
            "name_field": "contact_0",
            "field_groups": [{"api_name": g, "label": {"en": g, "zh-CN": g}} for g in GROUPS],
            "fields": fields}


def rep_role(name: str, scope: Any) -> dict[str, Any]:
    """A measured rep's role: one hidden group, one read-only group, a masked field."""
    return {"kind": "role", "api_name": name, "label": {"en": name, "zh-CN": name},
            "grants": {"lead": {"actions": ["read", "edit", "export"], "scope": scope,
                                "field_groups": {"contact": "read", "company": "edit",
                                                 "requirement": "none"},
                                "fields": {"company_3": "read"}}}}


#: The measured reps' data scopes: their region's subtree (~10% of the rows), their own
#: rows (1 in 1,000), and a condition on an indexed picklist (~10%).
REP_SCOPES = {"rep_team": "team", "rep_own": "own",
              "rep_condition": {"field": "region", "op": "eq", "value": "r0"},
              "rep_grant": "own"}  # held by a user owning nothing: grants only
#: What each measured role's line is called.
LABELS = {"rep_team": "team", "rep_own": "own", "rep_condition": "condition",
          "rep_grant": "grant"}
#: Leads distributed to the grants-only user.
GRANTEE_GRANTS = 100


def role_documents(rng: random.Random) -> list[dict[str, Any]]:
    """50 roles of every shape; the ``rep_*`` ones are those the measured users hold."""
    documents = [rep_role(name, scope) for name, scope in REP_SCOPES.items()]
    levels = ["none", "read", "edit"]
    for n in range(len(documents), ROLES):
        actions = sorted(rng.sample(ACTIONS, rng.randint(1, len(ACTIONS))))
        grant: dict[str, Any] = {
            "actions": actions, "scope": rng.choice(["own", "team", "all"]),
            "field_groups": {g: rng.choice(levels) for g in GROUPS}}
        if n % 7 == 0:
            grant["fields"] = {f"requirement_{n % 10}": rng.choice(levels)}
        documents.append({"kind": "role", "api_name": f"role_{n:02d}",
                          "label": {"en": f"Role {n}", "zh-CN": f"角色{n}"},
                          "grants": {"lead": grant}})
    return documents


def department_documents() -> list[dict[str, Any]]:
    documents = [{"kind": "department", "api_name": "hq", "label": {"en": "HQ", "zh-CN": "总部"}}]
    for r in range(REGIONS):
        documents.append({"kind": "department", "api_name": f"region_{r}", "parent": "hq",
                          "label": {"en": f"Region {r}", "zh-CN": f"大区{r}"}})
        documents += [{"kind": "department", "api_name": f"team_{r}_{t}",
                       "parent": f"region_{r}", "label": {"en": f"Team {r}.{t}",
                                                          "zh-CN": f"小组{r}.{t}"}}
                      for t in range(TEAMS_PER_REGION)]
    return documents


def timed(action: Callable[[], Any], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return samples


def interleaved(actions: Sequence[Callable[[], Any]], n: int) -> list[list[float]]:
    """Samples of each action taken in turns, so a busy machine slows all sides alike
    and the ratio stays meaningful."""
    samples: list[list[float]] = [[] for _ in actions]
    for _ in range(n):
        for action, taken in zip(actions, samples, strict=True):
            start = time.perf_counter()
            action()
            taken.append(time.perf_counter() - start)
    return samples


def interleaved_cpu(actions: Sequence[Callable[[], float]],
                    n: int) -> tuple[list[list[float]], list[list[float]]]:
    """Like ``interleaved``, with the CPU time each action reports of each sample."""
    wall: list[list[float]] = [[] for _ in actions]
    cpu: list[list[float]] = [[] for _ in actions]
    for _ in range(n):
        for action, taken, used in zip(actions, wall, cpu, strict=True):
            start = time.perf_counter()
            used.append(action())
            taken.append(time.perf_counter() - start)
    return wall, cpu


def backend_cpu_ns(conn: sa.Connection) -> int:
    """CPU time used so far by the database backend serving ``conn``: a PostgreSQL
    backend on this host, from its process's schedstat (0 when unreadable); SQLite
    works in this thread, whose CPU time the caller counts itself."""
    if conn.dialect.name != "postgresql":
        return 0
    pid = conn.connection.dbapi_connection.info.backend_pid  # type: ignore[union-attr]
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


@contextmanager
def cpu_time(opened: Any) -> Iterator[tuple[Context, Callable[[], float]]]:
    """The context ``opened`` yields and a function giving, once the block has ended,
    the CPU seconds it used: this thread's (connection, request, transaction) and the
    backend's while the block ran its statements."""
    start = time.thread_time_ns()
    backend = 0
    with opened as ctx:
        before = backend_cpu_ns(ctx.conn)
        spent: list[int] = []
        yield ctx, lambda: spent[0] / 1e9
        backend = backend_cpu_ns(ctx.conn) - before
    spent.append(time.thread_time_ns() - start + backend)


def ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--tenant", default=None,
                        help="the tenant holding the data: built when missing, else reused")
    parser.add_argument("--scopes", default=",".join(LABELS.values()),
                        help="the list lines to measure, of: " + ", ".join(LABELS.values()))
    parser.add_argument("--lists-only", action="store_true",
                        help="measure the lists only (not the cold decision nor enforce)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="objectry-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    services = Services.start(Settings(database_url=url, data_dir=workdir), migrate=True)
    slug = args.tenant or "perm_" + uuid.uuid4().hex[:8]
    with services.connection() as conn:
        exists = conn.execute(sa.select(tenants.c.id)
                              .where(tenants.c.slug == slug)).first() is not None
    if exists:
        measured, table, tenant = reused(services, slug, args.rows)
    else:
        measured, table, tenant = build(services, slug, args.rows)
    print(f"database {services.engine.url.render_as_string(hide_password=True)}: "
          f"{args.rows:,} leads x 30 fields, {USERS} users, {ROLES} roles, "
          f"{1 + REGIONS * (1 + TEAMS_PER_REGION)} departments, {GRANTS:,} grants")

    @contextmanager
    def context(actor: Actor, decisions: DecisionCache | None = None) -> Iterator[Context]:
        with services.connection(read_only=True) as conn:
            yield Context(tenant=tenant, actor=actor, conn=conn, models=services.models,
                          keys=services.keys,
                          decisions=services.decisions if decisions is None else decisions,
                          clock=services.clock)

    scopes = [role for role, label in LABELS.items() if label in args.scopes.split(",")]
    bench_list(context, measured, table, args.samples, scopes)
    if not args.lists_only:
        bench_cold(context, measured)
        bench_enforce(context, measured)
    print(f"work dir {workdir}")


def build(services: Services, slug: str, rows: int) -> tuple[Actor, sa.Table, Tenant]:
    """A new tenant with the whole data set: the measured rep, the leads table, the tenant."""
    rng = random.Random(7)
    with services.connection() as conn:
        tenancy.create_tenant(conn, slug, None, now=services.clock())
    with services.for_tenant(slug) as ctx:
        metadata_service.apply_documents(ctx, [lead_definition(), *department_documents(),
                                               *role_documents(rng)])
    user_ids, measured = add_users(services, slug, rng)
    with services.for_tenant(slug) as ctx:
        table = tenant_table(get_model(ctx, "lead"), ctx.storage)  # raw Core: its own
        tenant = ctx.tenant
    fill(services, table, rows, user_ids, rng)
    add_grants(services, tenant, user_ids, measured, rows, rng)
    if services.engine.dialect.name == "postgresql":
        analyze(services, [table, record_grants, users])
    return measured, table, tenant


def reused(services: Services, slug: str, rows: int) -> tuple[Actor, sa.Table, Tenant]:
    """The data a previous run built into ``slug``, checked whole (a build that was
    interrupted is refused rather than measured)."""
    with services.for_tenant(slug) as ctx:
        table = tenant_table(get_model(ctx, "lead"), ctx.storage)
        tenant = ctx.tenant
        rep = ctx.conn.execute(sa.select(users.c.id, users.c.email).where(
            users.c.tenant_id == tenant.id, users.c.email == "user0@bench.example")).one()
        leads = ctx.conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        grants = ctx.conn.execute(sa.select(sa.func.count()).select_from(record_grants)
                                  .where(record_grants.c.tenant_id == tenant.id)).scalar_one()
    if (leads, grants) != (rows, GRANTS):
        raise SystemExit(f"tenant {slug} holds {leads:,} leads and {grants:,} grants, "
                         f"not {rows:,} and {GRANTS:,}: build another")
    return Actor(user_id=rep.id, email=rep.email, roles=("rep_team",),
                 department="region_0"), table, tenant


def bench_list(context: Any, measured: Actor, table: sa.Table, samples: int,
               scopes: Sequence[str]) -> None:
    """Each rep's warm page against its own interleaved unpermissioned page: wall time,
    and the CPU time of the work (this thread's and the database backend's), which a
    machine busy with other jobs does not inflate the way it inflates wall time."""
    def as_rep(actor: Actor) -> Callable[[], float]:
        def run() -> float:
            with cpu_time(context(actor)) as (ctx, spent):
                page = records.list_records(ctx, "lead", limit=50)
            first = page["items"][0]
            assert len(page["items"]) == 50 and "requirement_0" not in first
            assert "*" in first["mobile"]
            return spent()
        return run

    def unrestricted() -> float:
        with cpu_time(context(Actor.system())) as (ctx, spent):
            page = records.list_records(ctx, "lead", limit=50)
        assert len(page["items"]) == 50
        return spent()

    def raw() -> float:
        with cpu_time(context(Actor.system())) as (ctx, spent):
            rows = ctx.conn.execute(sa.select(table).where(table.c.deleted_at.is_(None))
                                    .order_by(table.c.id.desc()).limit(51)).all()
        assert len(rows) == 51
        return spent()

    grantee = dataclasses.replace(measured, user_id=grantee_id(measured), email="g@bench.example")
    for n, role in enumerate(scopes):
        rep = as_rep(dataclasses.replace(grantee if role == "rep_grant" else measured,
                                         roles=(role,)))
        for action in (rep, unrestricted, raw):  # warm every cache and the page cache
            timed(action, 20)
        (mine, everyone, core), (mine_cpu, everyone_cpu, _) = interleaved_cpu(
            (rep, unrestricted, raw), samples)
        label = LABELS[role]
        print(f"list 50 {label:<9} permissioned {ms(mine):7.2f} ms   unpermissioned "
              f"{ms(everyone):7.2f} ms   ratio {ms(mine) / ms(everyone):5.2f}x   "
              f"cpu {ms(mine_cpu):5.2f} / {ms(everyone_cpu):5.2f} ms "
              f"{ms(mine_cpu) / ms(everyone_cpu):5.2f}x (target <= 1.3x)")
        if n == 0:
            print(f"                  raw Core     {ms(core):7.2f} ms   permissioned/raw "
                  f"{ms(mine) / ms(core):5.2f}x")
    if "rep_team" not in scopes:
        return
    # filtered and sorted on fields a grant may hide (most_restrictive): the rep's
    # filter and sort test each field where they may read it, decided in SQL per row
    query = {"filter": {"field": "region", "op": "eq", "value": "r1"}, "sort": "company_0",
             "limit": 50}

    def rep_filtered() -> None:
        with context(dataclasses.replace(measured, roles=("rep_team",))) as ctx:
            assert records.list_records(ctx, "lead", **query)["items"]

    def all_filtered() -> None:
        with context(Actor.system()) as ctx:
            assert records.list_records(ctx, "lead", **query)["items"]

    for action in (rep_filtered, all_filtered):
        timed(action, 5)
    mine, everyone = interleaved((rep_filtered, all_filtered), max(samples // 5, 10))
    print(f"list 50 team, filtered and sorted on a hideable field: permissioned "
          f"{ms(mine):7.2f} ms   unpermissioned {ms(everyone):7.2f} ms")


def bench_cold(context: Any, measured: Actor) -> None:
    def first_decision() -> None:
        with context(measured, DecisionCache()) as ctx:
            guard = Guard(ctx, get_model(ctx, "lead"))
            guard.require("read")
            guard.visible()

    timed(first_decision, 3)
    samples = timed(first_decision, 30)
    print(f"cold first decision (50 roles, 201 departments, empty cache): median "
          f"{ms(samples):6.2f} ms, max {max(samples) * 1000:6.2f} ms (target <= 50 ms)")


def bench_enforce(context: Any, measured: Actor) -> None:
    with context(measured) as ctx:
        rules = Guard(ctx, get_model(ctx, "lead")).rules
    who = roles_key(measured.roles)
    obj = group_obj("lead", "company")
    own = rules.enforcer(measured.roles)
    everyone = build_enforcer([list(r) for r in rules.rows])
    for label, enforcer in (("user's enforcer", own), ("all 50 roles", everyone)):
        size = len(enforcer.get_policy())
        samples = timed(lambda e=enforcer: e.enforce(who, obj, "edit", NOT_DISTRIBUTED), 2000)
        print(f"casbin enforce, {label:<16} {size:5d} policy rows: median "
              f"{ms(samples) * 1000:7.1f} us")


def add_users(services: Services, slug: str,
              rng: random.Random) -> tuple[list[uuid.UUID], Actor]:
    """1,000 users across the teams (bulk Core; setup only) and the measured rep."""
    teams = [f"team_{r}_{t}" for r in range(REGIONS) for t in range(TEAMS_PER_REGION)]
    now = services.clock()
    with services.connection() as conn:
        tenant = tenancy.find_tenant(conn, slug)
        rows = [{"id": uuid7(), "tenant_id": tenant.id, "email": f"user{i}@bench.example",
                 "name": f"User {i}", "is_admin": False, "department": teams[i % len(teams)],
                 "roles": [f"role_{rng.randint(len(REP_SCOPES), ROLES - 1):02d}"],
                 "active": True, "created_at": now} for i in range(USERS)]
        conn.execute(users.insert(), rows)
        store.lock_tenant(conn, tenant.id)
        store.commit_version(conn, tenant.id, actor="bench", now=now, summary="users",
                             changes=[])
    rep = rows[0]
    return [r["id"] for r in rows], Actor(
        user_id=rep["id"], email=rep["email"], roles=("rep_team",),
        department="region_0")


def fill(services: Services, table: sa.Table, count: int, owners: list[uuid.UUID],
         rng: random.Random) -> None:
    start = time.perf_counter()
    now = services.clock()
    batch = 10_000
    for offset in range(0, count, batch):
        rows = []
        for j in range(min(batch, count - offset)):
            n = offset + j
            row = {f"{g}_{i}": f"{g} {i} of {n}" for g in GROUPS for i in range(10)}
            row.pop("contact_1")
            row.pop("company_9")
            row["region"] = f"r{n % REGIONS}"
            row["mobile"] = f"138{n % 100_000_000:08d}"
            rows.append({"id": uuid7(), "version": 1, "created_at": now, "updated_at": now,
                         "owner": rng.choice(owners), **row})
        with services.engine.begin() as conn:
            conn.execute(table.insert(), rows)
    print(f"filled {count:,} leads in {time.perf_counter() - start:.1f} s")


def grantee_id(measured: Actor) -> uuid.UUID:
    """The grants-only user: owns no lead (owners are the 1,000 users), derived from the
    measured rep so setup and measurement agree without passing it around."""
    return uuid.uuid5(uuid.NAMESPACE_OID, f"grantee of {measured.user_id}")


def analyze(services: Services, tables: Sequence[sa.Table]) -> None:
    """Planner statistics and the visibility map, as autovacuum leaves them after a bulk
    load (it vacuums tables after inserts too), so index-only scans can skip the heap."""
    with services.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.exec_driver_sql(
                f"VACUUM ANALYZE {conn.dialect.identifier_preparer.format_table(table)}")


def add_grants(services: Services, tenant: Tenant, user_ids: list[uuid.UUID],
               measured: Actor, count: int, rng: random.Random) -> None:
    """20,000 grants on random leads, 50 of them to the measured rep and
    ``GRANTEE_GRANTS`` to the grants-only user."""
    with services.engine.begin() as conn:
        ctx = Context(tenant=tenant, actor=Actor.system(), conn=conn,
                      models=services.models, keys=services.keys)
        table = tenant_table(get_model(ctx, "lead"), ctx.storage)
        ids = [r.id for r in conn.execute(sa.select(table.c.id).limit(min(count, 200_000)))]
        now = services.clock()
        rows = []
        for i in range(GRANTS):
            grantee = measured.user_id if i < 50 else grantee_id(measured) \
                if i < 50 + GRANTEE_GRANTS else rng.choice(user_ids)
            rows.append({"id": uuid7(), "tenant_id": tenant.id, "object": "lead",
                         "record_id": rng.choice(ids), "grantee_kind": "user",
                         "grantee": str(grantee), "created_at": now, "via": "bench",
                         "field_groups": {g: rng.choice(["read", "edit"]) for g in GROUPS}})
        conn.execute(record_grants.insert(), rows)


if __name__ == "__main__":
    main()
