"""One step of one run: execute it under a savepoint, then work out where the run goes.

The step's writes are undone alone if it fails (its savepoint), and the failure is
then handled by the step's ``on_failure``: retry with backoff, go to another step, or
fail the run. A group may first try its steps without savepoints: if one fails, the
whole transaction is rolled back and done again with them, so the outcome is the same.

What comes out is the run's next state and the history row (``run_steps``) to record;
the caller writes them, together with the other runs of its transaction.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from objectry.runtime.automation.errors import describe
from objectry.runtime.automation.steps import Hooks, Outcome, StepCall, execute
from objectry.runtime.automation.webhooks import DEFAULT_RETRY
from objectry.runtime.kernel.context import Context

#: Actions whose effects all stay in the database: a crash rolls them back whole, so
#: they can share a transaction with other steps. Every other action (a webhook, a
#: message, a sandbox function, an assignment rule's hook, anything added later)
#: reaches outside and runs in a transaction of its own.
DATABASE_ONLY = frozenset({"update_record", "create_record", "add_tag", "remove_tag", "end"})

#: PostgreSQL errors that say "this transaction lost a race", not "this step is wrong":
#: deadlock, serialization failure, lock not available. They abort the whole batch,
#: which is then redone run by run, instead of counting as a failure of the step.
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001", "55P03"})

#: The run columns a step may change; every run update writes all of them, so one
#: ``executemany`` updates a whole batch.
STATE_COLUMNS = ("status", "step", "step_attempt", "due_at", "wait", "lease_owner",
                 "lease_until", "updated_at", "finished_at", "error")


def is_external(step: Mapping[str, Any]) -> bool:
    """Whether the step has effects outside the database (it gets its own commit)."""
    if "wait" in step or "branch" in step:
        return False
    action = step.get("action")
    if action == "assign":
        return bool(step.get("rule"))  # an assigner is a plugged-in hook
    return action not in DATABASE_ONLY


def current_step(run: Mapping[str, Any]) -> Mapping[str, Any]:
    for step in run["definition"]["steps"]:
        if step["id"] == run["step"]:
            return step
    raise KeyError(run["step"])


def is_due(run: Mapping[str, Any], now: dt.datetime) -> bool:
    return run["status"] in ("running", "waiting") and run["due_at"] is not None \
        and run["due_at"] <= now


@dataclass(frozen=True)
class StepResult:
    values: dict[str, Any]  # the run's changed columns
    history: dict[str, Any]  # its run_steps row


class UnsavedFailure(Exception):
    """A step failed where it ran without a savepoint: the caller rolls back the whole
    transaction and does its steps again, each under a savepoint."""


def run_step(ctx: Context, run: Mapping[str, Any], hooks: Hooks, *,
             savepoint: bool = True) -> StepResult:
    """Execute the run's current step and say what becomes of the run.

    ``savepoint=False`` spares the two statements of a savepoint for a step that
    succeeds (most do); one that fails raises ``UnsavedFailure`` instead of being
    recorded, since its partial writes can then only be undone with the transaction.
    """
    step = current_step(run)
    attempt = run["step_attempt"] + 1
    call = StepCall(ctx, run["object"], run["record_id"], step, run["trigger"], run["wait"],
                    hooks, run_id=run["id"], attempt=attempt, workflow=run["workflow"])
    started = time.perf_counter()
    try:
        if savepoint:
            with ctx.conn.begin_nested():
                outcome = execute(call)
        else:
            outcome = execute(call)
    except Exception as exc:
        if _transient(exc):
            raise
        if not savepoint:
            raise UnsavedFailure(f"step {step['id']} of run {run['id']}") from exc
        return _failed(ctx, run, step, attempt, exc, started)
    history = _history(ctx, run, step, attempt,
                       "waiting" if outcome.sleep_until else "done", outcome.output, None,
                       started)
    return StepResult(_move(ctx, run, outcome), history)


def _transient(exc: BaseException) -> bool:
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    return getattr(exc.orig, "sqlstate", None) in TRANSIENT_SQLSTATES


def _move(ctx: Context, run: Mapping[str, Any], outcome: Outcome) -> dict[str, Any]:
    """The run's next state after a step that did its work."""
    now, step_id = ctx.now(), run["step"]
    steps = run["definition"]["steps"]
    position = {s["id"]: i for i, s in enumerate(steps)}
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
            exc: BaseException, started: float) -> StepResult:
    """After a failed step: retry with backoff, then go to ``on_failure.then``, else the
    run fails."""
    policy = step.get("on_failure") or (DEFAULT_RETRY if step.get("action") == "call_webhook"
                                        else {})
    now, error = ctx.now(), describe(exc)
    if attempt <= policy.get("retry", 0):
        backoff = dt.timedelta(seconds=policy.get("backoff_seconds", 60) * 2 ** (attempt - 1))
        return StepResult({"step_attempt": attempt, "due_at": now + backoff, "updated_at": now},
                          _history(ctx, run, step, attempt, "retry", None, error, started))
    history = _history(ctx, run, step, attempt, "failed", None, error, started)
    fallback = policy.get("then")
    if fallback and fallback != "end":
        return StepResult({"step": fallback, "step_attempt": 0, "status": "running",
                           "due_at": now, "wait": None, "updated_at": now}, history)
    if fallback == "end":
        return StepResult({"status": "completed", "finished_at": now, "due_at": None,
                           "updated_at": now}, history)
    return StepResult({"status": "failed", "finished_at": now, "due_at": None,
                       "updated_at": now, "error": {**error, "step": step["id"]}}, history)


def _history(ctx: Context, run: Mapping[str, Any], step: Mapping[str, Any], attempt: int,
             outcome: str, output: Mapping[str, Any] | None, error: Mapping[str, Any] | None,
             started: float) -> dict[str, Any]:
    return {"tenant_id": run["tenant_id"], "run_id": run["id"], "step": step["id"],
            "attempt": attempt, "outcome": outcome,
            "input": {k: v for k, v in step.items() if k not in ("id", "label")},
            "output": _plain(output), "error": _plain(error), "started_at": ctx.now(),
            "duration_ms": round((time.perf_counter() - started) * 1000, 3)}


def _plain(value: Any) -> Any:
    """JSON-safe copy (ids and instants as text) for the history tables."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)
