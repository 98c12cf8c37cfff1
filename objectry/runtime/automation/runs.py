"""Runs as people see and steer them: start, history, pause, resume, cancel.

Pausing a workflow keeps its runs where they are (seed 001: a manual intervention
point); resuming lets them go on, overdue waits first. Cancelling a run ends it for
good. Every one of these is a row change, so all processes see it at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from objectry.metadata.problems import Conflict, ErrorItem, Invalid, NotFound
from objectry.runtime.access.filter_sources import list_filter
from objectry.runtime.access.guard import Guard
from objectry.runtime.automation.definitions import Workflow, workflow_index
from objectry.runtime.automation.run_tables import run_steps, workflow_runs, workflow_state
from objectry.runtime.kernel.context import Context
from objectry.runtime.kernel.ids import uuid7
from objectry.runtime.model.compiled import get_model
from objectry.runtime.model.rows import parse_id

LIVE = ("running", "waiting", "paused")
FINISHED = ("completed", "failed", "cancelled")
MAX_MANUAL = 10_000
#: The columns of the unique trigger key (one run per workflow and trigger).
TRIGGER_KEY = ("tenant_id", "workflow", "trigger_key")


def start_run(ctx: Context, workflow: Workflow, record_id: uuid.UUID | None,
              trigger: Mapping[str, Any], trigger_key: str) -> uuid.UUID | None:
    """A new run at the workflow's first step, due now; None if this trigger already
    started one (the same event delivered twice starts nothing new)."""
    values = new_run(ctx, workflow, record_id, trigger, trigger_key)
    dialect = "postgresql" if ctx.conn.dialect.name == "postgresql" else "sqlite"
    return ctx.conn.execute(_START_ONE[dialect], values).scalar()


def new_run(ctx: Context, workflow: Workflow, record_id: uuid.UUID | None,
            trigger: Mapping[str, Any], trigger_key: str) -> dict[str, Any]:
    """The row of a run at the workflow's first step, due now."""
    now = ctx.now()
    return {"id": uuid7(int(now.timestamp() * 1000)), "tenant_id": ctx.tenant.id,
            "workflow": workflow.name, "definition": dict(workflow.document),
            "definition_version": workflow.version, "object": workflow.object,
            "record_id": record_id, "status": "running",
            "step": workflow.document["steps"][0]["id"], "step_attempt": 0, "due_at": now,
            "trigger": dict(trigger), "trigger_key": trigger_key, "started_at": now,
            "updated_at": now}


def insert_runs(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
    """Insert new runs in one statement; a run whose trigger already started one (a
    redelivered event, a second worker) is skipped by the database, not by a savepoint."""
    if rows:
        conn.execute(_insert_new(conn), rows)


def _insert_new(conn: sa.Connection) -> sa.Insert:
    return _INSERT_NEW["postgresql" if conn.dialect.name == "postgresql" else "sqlite"]


#: ``INSERT ... ON CONFLICT (tenant, workflow, trigger key) DO NOTHING``, built once.
_INSERT_NEW = MappingProxyType({
    "postgresql": postgresql.insert(workflow_runs).on_conflict_do_nothing(
        index_elements=TRIGGER_KEY),
    "sqlite": sqlite.insert(workflow_runs).on_conflict_do_nothing(index_elements=TRIGGER_KEY)})
#: The same for one run, returning its id (no row: the trigger had started one).
_START_ONE = MappingProxyType({name: statement.returning(workflow_runs.c.id)
                               for name, statement in _INSERT_NEW.items()})


def paused_workflows(ctx: Context) -> frozenset[str]:
    """The tenant's paused workflows, read once for a batch of events."""
    return frozenset(ctx.conn.execute(sa.select(workflow_state.c.workflow).where(
        workflow_state.c.tenant_id == ctx.tenant.id,
        workflow_state.c.paused.is_(True))).scalars())


def is_paused(ctx: Context, workflow: str) -> bool:
    return bool(ctx.conn.execute(sa.select(workflow_state.c.paused).where(
        workflow_state.c.tenant_id == ctx.tenant.id,
        workflow_state.c.workflow == workflow)).scalar())


def set_paused(ctx: Context, name: str, paused: bool) -> dict[str, Any]:
    _known(ctx, name)
    now = ctx.now()
    table = workflow_state
    found = ctx.conn.execute(sa.update(table).where(
        table.c.tenant_id == ctx.tenant.id, table.c.workflow == name).values(
        paused=paused, changed_at=now, changed_by=ctx.actor.email))
    if found.rowcount == 0:
        ctx.conn.execute(table.insert(), {"tenant_id": ctx.tenant.id, "workflow": name,
                                          "paused": paused, "changed_at": now,
                                          "changed_by": ctx.actor.email})
    return {"workflow": name, "paused": paused}


def start_manual(ctx: Context, name: str, body: Any) -> dict[str, Any]:
    """Start a manual workflow for listed records, or for every record a filter matches.

    Only records the caller may see (the records list's ``visible()``) are started: a
    listed one they may not see is an unknown record (422), and the filter tests only
    what the caller reads in each row (a field hidden there tests as empty), as the
    records list's filter does; otherwise the runs started would tell them.
    """
    workflow = _known(ctx, name)
    if workflow.trigger["on"] != "manual":
        raise Conflict([ErrorItem("", "not_manual", {"workflow": name})],
                       detail_code="not_manual", workflow=name)
    if workflow.document.get("active", True) is False:
        raise Conflict([ErrorItem("", "workflow_inactive", {"workflow": name})],
                       detail_code="workflow_inactive", workflow=name)
    if not isinstance(body, dict) or not ({"records", "filter"} & set(body)):
        raise Invalid([ErrorItem("/records", "required")])
    guard = Guard(ctx, get_model(ctx, workflow.object))
    if "records" in body:
        raw = body["records"]
        if not isinstance(raw, list) or not raw or len(raw) > 1000:
            raise Invalid([ErrorItem("/records", "invalid_parameter",
                                     {"name": "records", "reason": "1 to 1000 ids"})])
        ids = _existing(ctx, guard, raw)
    else:
        model = guard.model
        ids = list(ctx.conn.execute(sa.select(model.table.c.id).where(
            model.table.c.deleted_at.is_(None), *_seen(guard),
            list_filter(guard, body["filter"]))
            .order_by(model.table.c.id).limit(MAX_MANUAL)).scalars())
    batch = uuid7()
    started = [start_run(ctx, workflow, rid, {"type": "manual", "by": ctx.actor.email},
                         f"manual:{batch}:{rid}") for rid in ids]
    return {"workflow": name, "started": len([s for s in started if s]),
            "runs": [str(s) for s in started if s]}


def _seen(guard: Guard) -> list[sa.ColumnElement[bool]]:
    """The caller's ``visible()`` as a list of conditions (none: they see every row)."""
    visible = guard.visible()
    return [] if visible is None else [visible]


def _existing(ctx: Context, guard: Guard, raw: list[Any]) -> list[uuid.UUID]:
    """The listed ids, each of a live record of the object the caller may see; 422
    naming every other one (one they may not see as if it did not exist)."""
    model, object_name = guard.model, guard.model.api_name
    ids: list[uuid.UUID | None] = []
    for value in raw:
        try:
            ids.append(uuid.UUID(str(value)))
        except ValueError:
            ids.append(None)
    existing = set(ctx.conn.execute(sa.select(model.table.c.id).where(
        model.table.c.id.in_([i for i in ids if i]), model.table.c.deleted_at.is_(None),
        *_seen(guard))).scalars())
    missing = [ErrorItem(f"/records/{i}", "unknown_record",
                         {"object": object_name, "id": str(raw[i])[:64]})
               for i, rid in enumerate(ids) if rid not in existing]
    if missing:
        raise Invalid(missing)
    return [rid for rid in ids if rid is not None]


def cancel(ctx: Context, run_id: Any) -> dict[str, Any]:
    run = _load(ctx, run_id)
    if run["status"] in FINISHED:
        raise Conflict([ErrorItem("", "run_finished", {"state": run["status"]})],
                       detail_code="run_finished", state=run["status"])
    now = ctx.now()
    ctx.conn.execute(sa.update(workflow_runs).where(
        workflow_runs.c.tenant_id == ctx.tenant.id, workflow_runs.c.id == run["id"]).values(
        status="cancelled", finished_at=now, updated_at=now, due_at=None,
        error={"code": "cancelled", "by": ctx.actor.email}))
    return run_json(ctx, {**run, "status": "cancelled", "finished_at": now})


def pause_run(ctx: Context, run_id: Any) -> dict[str, Any]:
    """Hold one record's run where it is (seed 001: a manual intervention point). Its
    step, wait and due time are kept; claims take only running and waiting runs."""
    run = _live(ctx, run_id)
    if run["status"] == "paused":
        return run_json(ctx, run)
    return _set_status(ctx, run, "paused")


def resume_run(ctx: Context, run_id: Any) -> dict[str, Any]:
    """Let a paused run go on: a wait goes on waiting, anything overdue runs at once."""
    run = _live(ctx, run_id)
    if run["status"] != "paused":
        return run_json(ctx, run)
    return _set_status(ctx, run, "waiting" if run["wait"] else "running")


def _live(ctx: Context, run_id: Any) -> dict[str, Any]:
    run = _load(ctx, run_id)
    if run["status"] in FINISHED:
        raise Conflict([ErrorItem("", "run_finished", {"state": run["status"]})],
                       detail_code="run_finished", state=run["status"])
    return run


def _set_status(ctx: Context, run: Mapping[str, Any], status: str) -> dict[str, Any]:
    """Change a live run's status unless a worker leased it meanwhile (then 409)."""
    now = ctx.now()
    free = sa.or_(workflow_runs.c.lease_until.is_(None), workflow_runs.c.lease_until <= now)
    changed = ctx.conn.execute(sa.update(workflow_runs).where(
        workflow_runs.c.tenant_id == ctx.tenant.id, workflow_runs.c.id == run["id"],
        workflow_runs.c.status == run["status"], free)
        .values(status=status, updated_at=now))
    if changed.rowcount != 1:
        raise Conflict([ErrorItem("", "run_in_progress")], detail_code="run_in_progress")
    return run_json(ctx, {**run, "status": status, "updated_at": now})


def get_run(ctx: Context, run_id: Any) -> dict[str, Any]:
    run = _load(ctx, run_id)
    return {**run_json(ctx, run), "steps": _steps(ctx, run["id"])}


def list_runs(ctx: Context, *, workflow: str | None = None, object_name: str | None = None,
              record_id: Any = None, status: str | None = None, limit: int = 50,
              records: sa.Select[Any] | None = None) -> list[dict[str, Any]]:
    """Runs, newest first; ``records`` (a select of ids) keeps the runs on those records
    and the runs without one (so a limited page is filled in SQL, not cut after)."""
    query = sa.select(workflow_runs).where(workflow_runs.c.tenant_id == ctx.tenant.id)
    if records is not None:
        query = query.where(sa.or_(workflow_runs.c.record_id.is_(None),
                                   workflow_runs.c.record_id.in_(records)))
    if workflow is not None:
        _known(ctx, workflow)
        query = query.where(workflow_runs.c.workflow == workflow)
    if record_id is not None:
        query = query.where(workflow_runs.c.object == object_name,
                            workflow_runs.c.record_id == parse_id(str(object_name), record_id))
    if status is not None:
        query = query.where(workflow_runs.c.status == status)
    rows = ctx.conn.execute(query.order_by(workflow_runs.c.id.desc()).limit(limit)).mappings()
    result = []
    for run in rows:
        result.append({**run_json(ctx, run), "steps": _steps(ctx, run["id"])})
    return result


def run_json(ctx: Context, run: Mapping[Any, Any]) -> dict[str, Any]:
    def instant(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {"id": str(run["id"]), "workflow": run["workflow"],
            "workflow_version": run["definition_version"], "object": run["object"],
            "record": str(run["record_id"]) if run["record_id"] else None,
            "status": run["status"], "step": run["step"], "due_at": instant(run["due_at"]),
            "trigger": run["trigger"], "started_at": instant(run["started_at"]),
            "finished_at": instant(run["finished_at"]), "error": run["error"]}


def _steps(ctx: Context, run_id: uuid.UUID) -> list[dict[str, Any]]:
    """The run's history, oldest first (by tenant and run: the tenant names the node)."""
    rows = ctx.conn.execute(sa.select(run_steps).where(
        run_steps.c.tenant_id == ctx.tenant.id, run_steps.c.run_id == run_id)
        .order_by(run_steps.c.id)).mappings()
    return [_step_json(row) for row in rows]


def _step_json(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {"step": row["step"], "attempt": row["attempt"], "outcome": row["outcome"],
            "input": row["input"], "output": row["output"], "error": row["error"],
            "started_at": row["started_at"].isoformat(), "duration_ms": row["duration_ms"]}


def workflow_object(ctx: Context, name: str) -> str:
    """The object a workflow's runs are about (404 for an unknown workflow)."""
    return _known(ctx, name).object


def _known(ctx: Context, name: str) -> Workflow:
    workflow = workflow_index(ctx).by_name.get(name)
    if workflow is None:
        raise NotFound(detail_code="unknown_workflow", workflow=name)
    return workflow


def _load(ctx: Context, run_id: Any) -> dict[str, Any]:
    try:
        rid = uuid.UUID(str(run_id))
    except ValueError as exc:
        raise NotFound(detail_code="unknown_run", run=str(run_id)[:64]) from exc
    run = ctx.conn.execute(sa.select(workflow_runs).where(
        workflow_runs.c.id == rid, workflow_runs.c.tenant_id == ctx.tenant.id)).mappings().first()
    if run is None:
        raise NotFound(detail_code="unknown_run", run=str(run_id)[:64])
    return dict(run)
