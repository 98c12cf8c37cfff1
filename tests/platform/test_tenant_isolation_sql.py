"""Citus-ready layout: every statement of one tenant's requests stays in that tenant.

Citus schema-based sharding puts each tenant's schema on one node; the shared per-tenant
tables (audit, events, sequences, grants, metadata, ...) are distributed by ``tenant_id``.
A statement can then be routed to one node only if it names no other tenant's schema and
filters every shared table it touches by the tenant's id. This test captures every SQL
statement of a request mix (objects, users, roles, create, read, list, query, update,
audit, grants, delete, restore, a workflow run) with an SQLAlchemy event listener,
parses each with PostgreSQL's own parser (pglast) and checks exactly that, with the
values bound to the ``tenant_id`` comparisons and inserts.

The catalog that stays on the coordinator (``tenants``, ``users``, ``api_tokens``,
``alembic_version``: who a token is, which tenant a slug names) may be read without a
tenant id, but never in a statement that also names a tenant's schema. See
docs/scaling.md.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa

from objectry.metadata.catalog_tables import CATALOG
from objectry.platform import tenancy
from objectry.platform.automation import tick_at
from objectry.platform.services import Services
from objectry.runtime.automation.claims import claim_events, release_runs, take_runs
from objectry.runtime.automation.run_tables import workflow_runs
from objectry.runtime.records.journal_tables import events
from tests.conftest import Api, TenantHandle
from tests.docs_objects import campaign, lead, task

pglast = pytest.importorskip("pglast")

#: Shared tables that hold no tenant's data of their own: stay on the coordinator.
COORDINATOR = frozenset({"tenants", "users", "api_tokens", "alembic_version"})
PARAMETER = re.compile(r"%\((\w+)\)s")
#: The automation engine serves every tenant: besides its queue claims (``SKIP LOCKED``)
#: it asks "which tenants have due work" (timed workflows, pool timers) with a discovery
#: that reads tenant ids alone; everything it then does is per tenant and must route.
#: No other gap is known: every statement of a tick below is checked.


@dataclass
class Captured:
    statement: str
    parameters: list[dict[str, Any]]


@contextmanager
def captured(engine: sa.Engine) -> Iterator[list[Captured]]:
    """Every statement the engine sends while the block runs, with its parameters."""
    seen: list[Captured] = []

    def on_execute(_conn: Any, _cursor: Any, statement: str, parameters: Any,
                   _context: Any, executemany: bool) -> None:
        rows = parameters if executemany else [parameters]
        seen.append(Captured(statement, [dict(r) if isinstance(r, dict) else {}
                                         for r in rows or [{}]]))

    sa.event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_execute)


@dataclass
class Scope:
    """What one statement names: tables (by alias), tenant_id comparisons."""

    tables: dict[str, tuple[str | None, str]] = field(default_factory=dict)
    bound: dict[str, set[str]] = field(default_factory=dict)  # alias -> param names
    equal: list[tuple[str, str]] = field(default_factory=list)  # alias.tenant_id pairs
    unqualified: set[str] = field(default_factory=set)  # params of bare tenant_id = ...
    tenant_keys: set[str] = field(default_factory=set)  # params of tenants.id / slug
    ctes: set[str] = field(default_factory=set)  # WITH names, not tables
    skip_locked: bool = False  # a queue claim (FOR UPDATE ... SKIP LOCKED)


def is_discovery(statement: Any) -> bool:
    """``SELECT DISTINCT x.tenant_id FROM <shared> WHERE ...``: which tenants have due
    work, nothing of theirs. Under Citus it fans out to every node (a multi-shard read
    of an index); the engine then serves each tenant with statements bound to its id."""
    if not isinstance(statement, pglast.ast.SelectStmt) or not statement.distinctClause \
            or not statement.targetList or statement.fromClause is None:
        return False
    for target in statement.targetList:
        column = column_of(target.val)
        if column is None or column[1] != "tenant_id":
            return False
    return all(isinstance(source, pglast.ast.RangeVar) and source.schemaname is None
               for source in statement.fromClause)


def parse(statement: str) -> tuple[Any, dict[int, str]]:
    """The statement's AST, and ``$n`` -> the SQLAlchemy parameter name it stands for."""
    names: dict[int, str] = {}

    def number(match: re.Match[str]) -> str:
        names[len(names) + 1] = match[1]
        return f"${len(names)}"

    text = PARAMETER.sub(number, statement).replace("%%", "%")
    return pglast.parse_sql(text), names


def uncast(node: Any) -> Any:
    """``%(p)s::INTEGER`` is the parameter itself."""
    while isinstance(node, pglast.ast.TypeCast):
        node = node.arg
    return node


def column_of(node: Any) -> tuple[str | None, str] | None:
    node = uncast(node)
    if not isinstance(node, pglast.ast.ColumnRef):
        return None
    parts = [getattr(f, "sval", None) for f in node.fields]
    if not parts or parts[-1] is None:
        return None
    return (parts[-2] if len(parts) > 1 else None, parts[-1])


def walk(node: Any, scope: Scope, names: dict[int, str]) -> None:
    if isinstance(node, list | tuple):
        for item in node:
            walk(item, scope, names)
        return
    if not isinstance(node, pglast.ast.Node):
        return
    if isinstance(node, pglast.ast.LockingClause):
        # FOR UPDATE OF <alias>: names a table already in FROM
        scope.skip_locked |= node.waitPolicy == pglast.enums.LockWaitPolicy.LockWaitSkip
        return
    if isinstance(node, pglast.ast.CommonTableExpr):
        scope.ctes.add(node.ctename)
    if isinstance(node, pglast.ast.RangeVar):
        alias = node.alias.aliasname if node.alias is not None else node.relname
        scope.tables[alias] = (node.schemaname, node.relname)
    if isinstance(node, pglast.ast.A_Expr) and node.kind == pglast.enums.A_Expr_Kind.AEXPR_OP \
            and [n.sval for n in node.name] == ["="]:
        for left, right in ((node.lexpr, node.rexpr), (node.rexpr, node.lexpr)):
            column = column_of(left)
            if column is None:
                continue
            qualifier, name = column
            right = uncast(right)
            if isinstance(right, pglast.ast.ParamRef):
                param = names[right.number]
                if name == "tenant_id":
                    if qualifier is None:
                        scope.unqualified.add(param)
                    else:
                        scope.bound.setdefault(qualifier, set()).add(param)
                elif name in ("id", "slug") and qualifier in (None, "tenants"):
                    scope.tenant_keys.add(param)
            other = column_of(right)
            if name == "tenant_id" and other is not None and other[1] == "tenant_id" \
                    and qualifier and other[0]:
                scope.equal.append((qualifier, other[0]))
    if isinstance(node, pglast.ast.InsertStmt):
        target = node.relation.relname
        columns = [c.name for c in node.cols or ()]
        select = node.selectStmt
        if "tenant_id" in columns and select is not None and select.valuesLists:
            at = columns.index("tenant_id")
            for row in select.valuesLists:
                value = uncast(row.items[at] if hasattr(row, "items") else row[at])
                if isinstance(value, pglast.ast.ParamRef):
                    scope.bound.setdefault(target, set()).add(names[value.number])
    for attribute in node:
        walk(getattr(node, attribute), scope, names)


def problems_of(item: Captured, tenant_id: int, slug: str, *,
                claims: bool = False) -> list[str]:
    """Why this statement could not be routed to the tenant's node (empty: it can).
    With ``claims``, a queue claim (``SKIP LOCKED``) or a discovery of the tenants
    with due work (``is_discovery``) of the automation engine passes: it serves every
    tenant by design."""
    tree, names = parse(item.statement)
    scope = Scope()
    walk([raw.stmt for raw in tree], scope, names)
    if claims and scope.skip_locked:
        return []
    if claims and all(is_discovery(raw.stmt) for raw in tree) and not any(
            (schema or "").startswith("t_") for schema, _ in scope.tables.values()):
        return []
    for alias, (schema, name) in list(scope.tables.items()):
        if schema is None and name in scope.ctes:
            del scope.tables[alias]
    own = f"t_{slug}"
    shared = {alias: name for alias, (schema, name) in scope.tables.items()
              if (schema in (None, "public") and name in CATALOG.tables)
              or name == "alembic_version"}
    tenant_tables = {alias for alias, (schema, _) in scope.tables.items()
                     if schema is not None and schema.startswith("t_")}
    found: list[str] = []
    for alias in tenant_tables:
        if scope.tables[alias][0] != own:
            found.append(f"names another tenant's schema {scope.tables[alias][0]}")
    unknown = set(scope.tables) - set(shared) - tenant_tables
    found += [f"names {scope.tables[a]}, neither shared nor the tenant's" for a in unknown
              if scope.tables[a][1] not in ("pg_namespace", "pg_class")]

    def values(params: set[str]) -> set[Any]:
        return {row.get(p) for row in item.parameters for p in params}

    bound = {alias for alias, params in scope.bound.items()
             if params and values(params) == {tenant_id}}
    data_tables = {a for a, name in shared.items() if name not in COORDINATOR}
    if scope.unqualified and values(scope.unqualified) == {tenant_id} \
            and len(data_tables | {a for a in shared if shared[a] in COORDINATOR}) == 1:
        bound |= set(shared)
    changed = True
    while changed:  # a.tenant_id = b.tenant_id carries the binding across a join
        changed = False
        for left, right in scope.equal:
            for one, other in ((left, right), (right, left)):
                if one in bound and other not in bound:
                    bound.add(other)
                    changed = True
    for alias in data_tables:
        if alias not in bound:
            found.append(f"touches {shared[alias]} without tenant_id = {tenant_id}")
    coordinator = {a for a, name in shared.items() if name in COORDINATOR}
    if coordinator and tenant_tables:
        found.append(f"joins the catalog {sorted(shared[a] for a in coordinator)} "
                     "with a tenant table")
    if "tenants" in shared.values() and not coordinator - {
            a for a, n in shared.items() if n == "tenants"} and scope.tenant_keys:
        keys = values(scope.tenant_keys)
        if keys - {tenant_id, slug}:
            found.append(f"reads another tenant's catalog row {keys}")
    return found


def request_mix(api: Api, tenant: TenantHandle) -> str:
    """What a tenant does in a day, through the HTTP API; the id of a lead that started
    a workflow run."""
    api.define(campaign())
    api.define(lead())
    api.define(task())
    assert api.put("/api/v1/meta/roles/rep", json={
        "kind": "role", "api_name": "rep", "label": {"en": "Rep", "zh-CN": "销售"},
        "grants": {"lead": {"actions": ["read", "create", "edit"], "scope": "own",
                            "field_groups": {"contact": "edit", "company": "edit",
                                             "default": "edit"}}}}).status_code == 200
    assert api.put("/api/v1/meta/workflows/follow_up", json={
        "kind": "workflow", "api_name": "follow_up", "label": {"en": "F", "zh-CN": "跟进"},
        "object": "lead", "trigger": {"on": "created"},
        "steps": [{"id": "task", "action": "create_record", "object": "task",
                   "values": {"subject": "call {{record.full_name}}",
                              "lead": "{{record.id}}"}}]}).status_code == 200
    rep = Api(api.client, tenant.add_user("rep@example.com", roles=["rep"]))
    created = api.post("/api/v1/records/lead", json={"full_name": "Zhang San"})
    assert created.status_code == 201, created.get_json()
    lead_id = created.get_json()["id"]
    mine = rep.post("/api/v1/records/lead", json={"full_name": "Li Si"})
    assert mine.status_code == 201, mine.get_json()
    for caller in (api, rep):
        assert caller.get(f"/api/v1/records/lead/{mine.get_json()['id']}").status_code == 200
        assert caller.get("/api/v1/records/lead").status_code == 200
        assert caller.get("/api/v1/records/lead", query={
            "filter": json.dumps({"field": "full_name", "op": "contains", "value": "Li"}),
            "count": "true"}).status_code == 200
    assert api.patch(f"/api/v1/records/lead/{lead_id}",
                     json={"full_name": "Zhang Wu"}).status_code == 200
    assert api.get(f"/api/v1/records/lead/{lead_id}/audit").status_code == 200
    granted = api.post(f"/api/v1/records/lead/{lead_id}/grants", json={
        "grantee": "user:rep@example.com", "field_groups": {"contact": "read"}})
    assert granted.status_code == 201, granted.get_json()
    assert rep.get(f"/api/v1/records/lead/{lead_id}").status_code == 200
    assert api.get("/api/v1/users").status_code == 200
    assert api.delete(f"/api/v1/records/lead/{lead_id}").status_code == 204
    assert api.post(f"/api/v1/records/lead/{lead_id}/restore").status_code == 200
    return lead_id


def unroutable(statements: list[Captured], tenant_id: int, slug: str, *,
               claims: bool = False) -> dict[str, list[str]]:
    found = {item.statement: problems_of(item, tenant_id, slug, claims=claims)
             for item in statements}
    return {statement: why for statement, why in found.items() if why}


def report(wrong: dict[str, list[str]]) -> str:
    return "\n".join(f"{s[:400]}\n  -> {r}" for s, r in wrong.items())


def test_a_tenants_statements_stay_in_the_tenant(services: Services, api: Api,
                                                 tenant: TenantHandle,
                                                 other_tenant: TenantHandle) -> None:
    if services.engine.dialect.name != "postgresql":
        pytest.skip("Citus routing is about PostgreSQL statements")
    with services.connection() as conn:
        tenant_id = tenancy.find_tenant(conn, tenant.slug).id
    with captured(services.engine) as requests:
        lead_id = request_mix(api, tenant)
    assert len(requests) > 100
    wrong = unroutable(requests, tenant_id, tenant.slug)
    assert not wrong, report(wrong)

    with captured(services.engine) as ticked:
        tick_at(services)
        runs = api.get(f"/api/v1/records/lead/{lead_id}/runs").get_json()["items"]
    assert runs and runs[0]["status"] == "completed", runs
    # The engine serves every tenant: a tick also does other tenants' due work (earlier
    # tests' tenants share this database). Such a statement is fine when it routes to
    # the tenant it names; what routes to no single tenant is a gap.
    with services.connection() as conn:
        others = [(r.id, r.slug) for r in conn.execute(
            sa.select(CATALOG.tables["tenants"].c.id, CATALOG.tables["tenants"].c.slug)
            .where(CATALOG.tables["tenants"].c.id != tenant_id))]
    left: dict[str, list[str]] = {}
    # an executemany is one statement per row, each routed by its own tenant id
    for item in (Captured(one.statement, [row]) for one in ticked for row in one.parameters):
        why = problems_of(item, tenant_id, tenant.slug, claims=True)
        if why and not any(not problems_of(item, other_id, other_slug, claims=True)
                           for other_id, other_slug in others):
            left.setdefault(item.statement, []).extend(why)
    assert not left, report(left)


def test_a_claims_continuation_and_release_route_to_each_runs_tenant(
        services: Services, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    """Runs and events a claim took from two tenants are taken again, released and
    dispatched with one statement per tenant, each bound to that tenant's id; a key
    naming the wrong tenant touches nothing."""
    if services.engine.dialect.name != "postgresql":
        pytest.skip("Citus routing is about PostgreSQL statements")
    now = services.clock()
    until = now + dt.timedelta(minutes=5)
    with services.connection() as conn:
        ids = {h.slug: tenancy.find_tenant(conn, h.slug).id for h in (tenant, other_tenant)}
        keys = [(tenant_id, uuid.uuid4()) for tenant_id in ids.values()]
        event_keys = [(tenant_id, uuid.uuid4()) for tenant_id in ids.values()]
        conn.execute(workflow_runs.insert(), [
            {"id": run_id, "tenant_id": tenant_id, "workflow": "w", "definition": {},
             "definition_version": 1, "object": "lead", "status": "running",
             "trigger": {}, "trigger_key": run_id.hex, "started_at": now,
             "updated_at": now, "lease_owner": "worker", "lease_until": until}
            for tenant_id, run_id in keys])
        conn.execute(events.insert(), [
            {"id": event_id, "tenant_id": tenant_id, "object": "lead", "type": "created",
             "occurred_at": now, "data": {}} for tenant_id, event_id in event_keys])
    with captured(services.engine) as sent, services.connection() as conn:
        taken = take_runs(conn, "worker", now, until, keys)
        assert sorted(row["id"] for row in taken) == sorted(run_id for _, run_id in keys)
        (mine, _), (theirs, their_run) = keys
        release_runs(conn, "worker", [(mine, their_run)])  # the wrong tenant: nothing
        assert conn.scalar(sa.select(workflow_runs.c.lease_owner)
                           .where(workflow_runs.c.id == their_run)) == "worker"
        release_runs(conn, "worker", keys)
        assert claim_events(conn, now, [(theirs, event_keys[0][1])]) == []
        assert len(claim_events(conn, now, event_keys)) == 2
    slugs = {tenant_id: slug for slug, tenant_id in ids.items()}
    claims = [item for item in sent if item.statement.startswith("UPDATE")]
    assert len(claims) == 8, [item.statement for item in claims]  # 2 + 1 + 2 + 1 + 2
    for item in claims:
        routed = [t for t in slugs if not problems_of(item, t, slugs[t])]
        assert len(routed) == 1, f"{item.statement} {item.parameters}"


def test_the_check_sees_a_statement_that_leaves_the_tenant(tenant: TenantHandle,
                                                          other_tenant: TenantHandle) -> None:
    """The checker itself: a shared table without the tenant id, another tenant's
    schema, a foreign tenant id, a catalog join, are all reported."""
    mine, theirs = tenant.slug, other_tenant.slug
    cases: dict[str, dict[str, Any]] = {
        "SELECT * FROM record_audit WHERE record_audit.object = %(o)s": {"o": "lead"},
        f"SELECT * FROM t_{theirs}.lead": {},
        "SELECT * FROM events WHERE events.tenant_id = %(t)s": {"t": 999_999},
        f"SELECT * FROM t_{mine}.lead JOIN users ON users.id = t_{mine}.lead.owner_id "
        "WHERE users.tenant_id = %(t)s": {"t": 7},
    }
    for statement, parameters in cases.items():
        assert problems_of(Captured(statement, [parameters]), 7, mine), statement
    fine = (f"SELECT * FROM t_{mine}.lead JOIN record_grants ON record_grants.record_id = "
            f"t_{mine}.lead.id WHERE record_grants.tenant_id = %(t)s")
    assert problems_of(Captured(fine, [{"t": 7}]), 7, mine) == []
    swept = "SELECT DISTINCT pool_entries.tenant_id FROM pool_entries WHERE state = %(s)s"
    assert problems_of(Captured(swept, [{"s": "claimed"}]), 7, mine)  # not in a request
    assert problems_of(Captured(swept, [{"s": "claimed"}]), 7, mine, claims=True) == []
    leaked = ("SELECT DISTINCT pool_entries.tenant_id, pool_entries.holder FROM pool_entries "
              "WHERE state = %(s)s")
    assert problems_of(Captured(leaked, [{"s": "claimed"}]), 7, mine, claims=True)
    inserted = "INSERT INTO events (tenant_id, kind) VALUES (%(t)s, %(k)s)"
    assert problems_of(Captured(inserted, [{"t": 7, "k": "x"}]), 7, mine) == []
    assert problems_of(Captured(inserted, [{"t": 8, "k": "x"}]), 7, mine)
