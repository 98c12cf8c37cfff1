"""The engine: match events to workflows, then advance due runs one step at a time.

Both halves work in short transactions over rows, which is what makes them safe to
run in many processes at once and to kill at any moment:

- an event is claimed by setting ``dispatched_at`` where it is still NULL, in the same
  transaction that creates its runs; a second worker's claim finds nothing to do;
- a run is claimed with a lease (``lease_owner`` until ``lease_until``), taken only if
  free or expired; each step commits together with the run's move past it, so a worker
  killed mid-step leaves the run at its last committed step, and the next worker to
  take the expired lease repeats only the uncommitted step.

``tick`` does both until nothing is due at the engine's clock: the embedded loop calls
it every second, ``objectry automation tick --at`` calls it once (catch-up after
downtime, time travel in tests), Celery workers call the same functions.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa

from objectry.metadata.problems import Problem
from objectry.metadata.tables import meta_documents
from objectry.runtime.automation.definitions import (
    RECORD_TRIGGERS,
    Workflow,
    workflow_index,
)
from objectry.runtime.automation.errors import StepError, describe
from objectry.runtime.automation.runs import is_paused, start_run
from objectry.runtime.automation.steps import Hooks, Outcome, StepCall, execute
from objectry.runtime.automation.sweeps import sweep
from objectry.runtime.automation.tables import run_steps, workflow_runs, workflow_state
from objectry.runtime.automation.webhooks import DEFAULT_RETRY
from objectry.runtime.context import Context
from objectry.runtime.filter_sources import FilterSources
from objectry.runtime.filters import to_predicate
from objectry.runtime.model import get_model
from objectry.runtime.tables import events

BATCH = 100
MAX_STEPS_PER_CLAIM = 200  # a run loops at most this many steps before yielding


class EngineHost(Protocol):
    """What the engine needs from the platform: connections, tenant contexts, a clock."""

    hooks: Hooks
    #: How long a claimed run stays claimed without progress (a dead worker's runs
    #: are taken over after this).
    lease: dt.timedelta

    def now(self) -> dt.datetime: ...

    def connection(self) -> AbstractContextManager[sa.Connection]: ...

    def system_context(self, tenant_id: int) -> AbstractContextManager[Context]: ...


@dataclass
class TickReport:
    events: int = 0
    steps: int = 0
    runs_started: int = 0  # by clock-driven triggers

    def __bool__(self) -> bool:
        return bool(self.events or self.steps)


def tick(host: EngineHost, owner: str | None = None, *, max_rounds: int = 1000) -> TickReport:
    """Dispatch every pending event and advance every due run, until none is left."""
    owner = owner or f"tick-{uuid.uuid4().hex[:12]}"
    total = TickReport(runs_started=sweep_all(host))
    for _ in range(max_rounds):
        done = TickReport(dispatch_pending(host), advance_due(host, owner))
        total.events += done.events
        total.steps += done.steps
        if not done:
            break
    return total


def sweep_all(host: EngineHost) -> int:
    """Sweep the clock-driven triggers of every tenant that has workflows."""
    with host.connection() as conn:
        tenants = conn.execute(sa.select(meta_documents.c.tenant_id).where(
            meta_documents.c.kind == "workflow").distinct()).scalars().all()
    started = 0
    for tenant_id in tenants:
        with host.system_context(tenant_id) as ctx:
            started += sweep(ctx)
    return started


# -- events ------------------------------------------------------------------------------

def dispatch_pending(host: EngineHost, limit: int = BATCH) -> int:
    """Match up to ``limit`` undispatched events, oldest first; returns how many."""
    with host.connection() as conn:
        pending = conn.execute(sa.select(events.c.id, events.c.tenant_id)
                               .where(events.c.dispatched_at.is_(None))
                               .order_by(events.c.id).limit(limit)).all()
    by_tenant: dict[int, list[uuid.UUID]] = {}
    for event_id, tenant_id in pending:
        by_tenant.setdefault(tenant_id, []).append(event_id)
    done = 0
    for tenant_id, ids in by_tenant.items():  # one transaction per tenant's batch
        with host.system_context(tenant_id) as ctx:
            done += sum(dispatch_event(ctx, event_id) for event_id in ids)
    return done


def dispatch_event(ctx: Context, event_id: uuid.UUID) -> int:
    """Claim one event and start the runs it triggers (all in the caller's transaction)."""
    claimed = ctx.conn.execute(sa.update(events).where(
        events.c.id == event_id, events.c.dispatched_at.is_(None)).values(
        dispatched_at=ctx.now()))
    if claimed.rowcount != 1:
        return 0
    event = ctx.conn.execute(sa.select(events).where(events.c.id == event_id)).mappings().one()
    for workflow, record_id, trigger in _matches(ctx, event):
        if not is_paused(ctx, workflow.name):
            start_run(ctx, workflow, record_id, trigger, f"event:{event_id}")
    return 1


def _matches(ctx: Context, event: Mapping[str, Any]) -> Iterator[tuple[Workflow, Any, dict]]:
    index, kind = workflow_index(ctx), event["type"]
    data = event["data"] or {}
    trigger = {"event_id": str(event["id"]), "type": kind, "object": event["object"],
               "record": str(event["record_id"]) if event["record_id"] else None,
               "occurred_at": event["occurred_at"].isoformat(), "data": data}
    if kind in RECORD_TRIGGERS:
        changed = {c.get("field") for c in data.get("changes", [])}
        for workflow in index.listening(event["object"], RECORD_TRIGGERS[kind]):
            wanted = set(workflow.trigger.get("changed", ()))
            if wanted and not wanted & changed:
                continue
            old = _old_values(ctx, event) if kind == "record.updated" else None
            if _holds(ctx, workflow, event["object"], event["record_id"], old):
                yield workflow, event["record_id"], trigger
        if kind == "record.created":
            for workflow in index.listening(event["object"], "related_created"):
                parent = _parent(ctx, workflow, event["object"], event["record_id"])
                if parent and _holds(ctx, workflow, event["object"], event["record_id"]):
                    yield workflow, parent, {**trigger, "related": trigger["record"]}
        return
    for workflow in index.listening(event["object"], f"event:{kind}"):
        if event["record_id"] is None or _holds(ctx, workflow, event["object"],
                                                event["record_id"]):
            yield workflow, event["record_id"], trigger


def _holds(ctx: Context, workflow: Workflow, object_name: str, record_id: Any,
           old: Mapping[str, Any] | None = None) -> bool:
    """The trigger condition on the record as it is now (deleted records included);
    ``old`` holds the values an update replaced, for changed / changed_to / changed_from."""
    if workflow.condition is None:
        return True
    table = get_model(ctx, object_name).table
    row = ctx.conn.execute(sa.select(table).where(table.c.id == record_id)).mappings().first()
    if row is None:
        return False
    return to_predicate(workflow.condition)(row, old, now=ctx.now(),
                                            related=FilterSources(ctx).rows)


def _old_values(ctx: Context, event: Mapping[str, Any]) -> dict[str, Any]:
    """The replaced values of an update event, back in storage form."""
    model = get_model(ctx, event["object"])
    old: dict[str, Any] = {}
    for change in (event["data"] or {}).get("changes", []):
        field = model.fields.get(change.get("field"))
        if field is None:
            continue
        try:
            old[field.name] = None if change.get("old") is None else \
                field.type.deserialize(field.definition, change["old"])
        except (ValueError, TypeError):
            continue  # a value the field no longer accepts: treated as unchanged
    return old


def _parent(ctx: Context, workflow: Workflow, child: str, record_id: Any) -> Any:
    table = get_model(ctx, child).table
    return ctx.conn.execute(sa.select(table.c[workflow.via]).where(
        table.c.id == record_id)).scalar()


# -- runs --------------------------------------------------------------------------------

def advance_due(host: EngineHost, owner: str, limit: int = BATCH) -> int:
    """Claim up to ``limit`` due runs and advance each as far as it goes; steps run."""
    steps = 0
    for run_id, tenant_id in claim_due(host, owner, limit):
        steps += advance_run(host, tenant_id, run_id, owner)
    return steps


def claim_due(host: EngineHost, owner: str, limit: int) -> list[tuple[uuid.UUID, int]]:
    """Lease due runs of unpaused workflows, earliest due first (catch-up in order)."""
    now = host.now()
    runs = workflow_runs
    paused = sa.select(workflow_state.c.workflow).where(
        workflow_state.c.tenant_id == runs.c.tenant_id,
        workflow_state.c.workflow == runs.c.workflow, workflow_state.c.paused.is_(True))
    free = sa.or_(runs.c.lease_until.is_(None), runs.c.lease_until < now)
    with host.connection() as conn:
        query = (sa.select(runs.c.id, runs.c.tenant_id)
                 .where(runs.c.status.in_(("running", "waiting")), runs.c.due_at <= now, free,
                        ~sa.exists(paused))
                 .order_by(runs.c.due_at, runs.c.id).limit(limit))
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=runs)
        candidates = conn.execute(query).all()
        claimed = []
        for run_id, tenant_id in candidates:
            taken = conn.execute(sa.update(runs).where(runs.c.id == run_id, free).values(
                lease_owner=owner, lease_until=now + host.lease))
            if taken.rowcount == 1:
                claimed.append((run_id, tenant_id))
    return claimed


def advance_run(host: EngineHost, tenant_id: int, run_id: uuid.UUID, owner: str) -> int:
    """Run the leased run's due steps, one transaction each. The step that leaves the
    run not due (waiting, finished) releases the lease in its own transaction."""
    steps, more = 0, True
    try:
        while more and steps < MAX_STEPS_PER_CLAIM:
            with host.system_context(tenant_id) as ctx:
                ran, more = _one_step(ctx, run_id, owner, host.hooks, host.lease)
            steps += ran
    finally:
        if more:  # stopped early (a limit, an error): let any worker take it again
            with host.connection() as conn:
                conn.execute(sa.update(workflow_runs).where(
                    workflow_runs.c.id == run_id, workflow_runs.c.lease_owner == owner)
                    .values(lease_owner=None, lease_until=None))
    return steps


def _one_step(ctx: Context, run_id: uuid.UUID, owner: str, hooks: Hooks,
              lease: dt.timedelta) -> tuple[bool, bool]:
    """Execute the run's current step if it is due and still ours: (ran, due again now)."""
    now = ctx.now()
    query = sa.select(workflow_runs).where(workflow_runs.c.id == run_id,
                                           workflow_runs.c.lease_owner == owner)
    if ctx.conn.dialect.name == "postgresql":
        query = query.with_for_update()
    run = ctx.conn.execute(query).mappings().first()
    if run is None:
        return False, False
    if run["status"] not in ("running", "waiting") or run["due_at"] is None \
            or run["due_at"] > now:
        _release(ctx, run_id, owner)
        return False, False
    steps = run["definition"]["steps"]
    position = {s["id"]: i for i, s in enumerate(steps)}
    step = steps[position[run["step"]]]
    attempt = run["step_attempt"] + 1
    call = StepCall(ctx, run["object"], run["record_id"], step, run["trigger"], run["wait"],
                    hooks, run_id=run["id"], attempt=attempt, workflow=run["workflow"])
    started = time.perf_counter()
    try:
        with ctx.conn.begin_nested():
            outcome = execute(call)
    except (Problem, StepError, Exception) as exc:
        values = _failed(ctx, run, step, attempt, exc, started)
    else:
        _record(ctx, run, step, attempt, "waiting" if outcome.sleep_until else "done",
                outcome.output, None, started)
        values = _move(ctx, run, steps, position, outcome)
    status, due = values.get("status", run["status"]), values.get("due_at", run["due_at"])
    more = status in ("running", "waiting") and due is not None and due <= now
    if more:
        values.update(lease_until=now + lease)
    else:
        values.update(lease_owner=None, lease_until=None)
    ctx.conn.execute(sa.update(workflow_runs).where(workflow_runs.c.id == run["id"])
                     .values(values))
    return True, more


def _release(ctx: Context, run_id: uuid.UUID, owner: str) -> None:
    ctx.conn.execute(sa.update(workflow_runs).where(
        workflow_runs.c.id == run_id, workflow_runs.c.lease_owner == owner).values(
        lease_owner=None, lease_until=None))


def _move(ctx: Context, run: Mapping[str, Any], steps: list[dict[str, Any]],
          position: Mapping[str, int], outcome: Outcome) -> dict[str, Any]:
    """The run's next state after a step that did its work."""
    now, step_id = ctx.now(), run["step"]
    values: dict[str, Any] = {"updated_at": now}
    if outcome.sleep_until is not None:
        values.update(status="waiting", due_at=outcome.sleep_until, wait=dict(outcome.wait or {}))
        return values
    target = outcome.goto or steps[position[step_id]].get("next")
    if target is None:
        following = position[step_id] + 1
        target = steps[following]["id"] if following < len(steps) else "end"
    if outcome.end or target == "end":
        values.update(status="completed", finished_at=now, due_at=None, wait=None,
                      step=None, step_attempt=0)
    else:
        values.update(status="running", step=target, due_at=now, wait=None, step_attempt=0)
    return values


def _failed(ctx: Context, run: Mapping[str, Any], step: Mapping[str, Any], attempt: int,
            exc: BaseException, started: float) -> dict[str, Any]:
    """The run's next state after a failed step: retry with backoff, then go to
    ``on_failure.then``, else the run fails."""
    policy = step.get("on_failure") or (DEFAULT_RETRY if step.get("action") == "call_webhook"
                                        else {})
    now, error = ctx.now(), describe(exc)
    if attempt <= policy.get("retry", 0):
        backoff = dt.timedelta(seconds=policy.get("backoff_seconds", 60) * 2 ** (attempt - 1))
        _record(ctx, run, step, attempt, "retry", None, error, started)
        return {"step_attempt": attempt, "due_at": now + backoff, "updated_at": now}
    _record(ctx, run, step, attempt, "failed", None, error, started)
    fallback = policy.get("then")
    if fallback and fallback != "end":
        return {"step": fallback, "step_attempt": 0, "status": "running", "due_at": now,
                "wait": None, "updated_at": now}
    if fallback == "end":
        return {"status": "completed", "finished_at": now, "due_at": None, "updated_at": now}
    return {"status": "failed", "finished_at": now, "due_at": None, "updated_at": now,
            "error": {**error, "step": step["id"]}}


def _record(ctx: Context, run: Mapping[str, Any], step: Mapping[str, Any], attempt: int,
            outcome: str, output: Mapping[str, Any] | None, error: Mapping[str, Any] | None,
            started: float) -> None:
    ctx.conn.execute(run_steps.insert(), {
        "run_id": run["id"], "step": step["id"], "attempt": attempt, "outcome": outcome,
        "input": {k: v for k, v in step.items() if k not in ("id", "label")},
        "output": _plain(output), "error": _plain(error), "started_at": ctx.now(),
        "duration_ms": round((time.perf_counter() - started) * 1000, 3)})


def _plain(value: Any) -> Any:
    """JSON-safe copy (ids and instants as text) for the history tables."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)
