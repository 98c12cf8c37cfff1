"""Run one call of a tenant function: who it runs as, its savepoint, its log row.

Every call runs inside a SAVEPOINT of the caller's transaction. When the call fails
(an error in the code, a governor limit, a timeout, a crashed worker) or is a dry run,
the savepoint rolls back, so none of its writes remain; the log row is written
afterwards and is kept either way.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from objectry.metadata.problems import NotFound, Problem
from objectry.runtime.access.people import actor_for
from objectry.runtime.functions.call_log import row_for
from objectry.runtime.functions.definitions import FunctionDef
from objectry.runtime.functions.platform_api import RuntimeHost
from objectry.runtime.functions.session import FunctionSession
from objectry.runtime.kernel.context import Actor, Context
from objectry.sandbox import CallResult, FunctionKey

RUN_AS_UNKNOWN = "function_run_as_unknown"
#: After a successful call: apply its effects (record changes) as the run_as context.
AfterCall = Callable[[Context, CallResult], None]


@dataclass
class Call:
    """One invocation: which function, why (logged as purpose), with what input."""

    definition: FunctionDef
    purpose: str
    record: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    record_id: uuid.UUID | None = None
    keep_writes: bool = True  # False: validation functions and dry runs change nothing


def session_of(ctx: Context) -> FunctionSession:
    """The context's function session; contexts built outside ``Services`` have none."""
    session = ctx.record_hooks
    if not isinstance(session, FunctionSession):
        raise RuntimeError("this context cannot run functions (no FunctionSession)")
    return session


def find(ctx: Context, api_name: str, purposes: tuple[str, ...] | None = None) -> FunctionDef:
    """A function of the tenant by name, optionally restricted to some purposes (404)."""
    definition = session_of(ctx).runtime.tenant(ctx).functions.get(api_name)
    if definition is None or (purposes is not None and definition.purpose not in purposes):
        raise NotFound(detail_code="unknown_function", function=api_name)
    return definition


def run_as(ctx: Context, definition: FunctionDef) -> Actor | None:
    """The actor a function runs as (None: its named user no longer exists)."""
    if definition.run_as == "caller":
        return ctx.actor
    if definition.run_as == "system":
        return Actor.system()
    return actor_for(ctx.conn, ctx.tenant.id, email=definition.run_as)


def inner_context(ctx: Context, actor: Actor) -> Context:
    """The context host calls run in. It has no function session: writes made by a
    function do not run validation functions again (no recursion, no second worker)."""
    return replace(ctx, actor=actor, record_hooks=None)


def run(ctx: Context, call: Call, after: AfterCall | None = None) -> CallResult:
    """Run ``call`` in a savepoint; roll back on failure; log it. Problems raised by
    ``after`` (changes the records service refuses) roll back and propagate."""
    session = session_of(ctx)
    runtime = session.runtime
    definition = call.definition
    started_at = ctx.now()
    actor = run_as(ctx, definition)
    if actor is None:
        result = CallResult(error={"code": RUN_AS_UNKNOWN, "line": None,
                                   "user": definition.run_as,
                                   "message": f"no active user {definition.run_as}"})
        session.record_call(ctx, row_for(ctx, definition, call.purpose, started_at, result,
                                         call.record_id))
        return result
    inner = inner_context(ctx, actor)
    compiled = runtime.compiled.get(
        FunctionKey(ctx.tenant.slug, definition.api_name, definition.version), definition.code)
    tenant = runtime.tenant(ctx)
    timeout = min(definition.timeout_ms, runtime.config.max_http_timeout_ms)
    host = RuntimeHost(inner, tenant.settings, runtime.http, timeout)
    result = CallResult()
    savepoint = ctx.conn.begin_nested()
    try:
        result = runtime.pool.run(compiled, host, record=call.record, params=call.params,
                                  limits=definition.limits(), tenant=ctx.tenant.slug)
        if result.ok and after is not None:
            after(inner, result)
    except Problem as exc:
        savepoint.rollback()
        session.record_call(ctx, row_for(ctx, definition, call.purpose, started_at, result,
                                         call.record_id, apply_error=_summary(exc)))
        raise
    except BaseException:
        savepoint.rollback()
        raise
    if result.ok and call.keep_writes:
        savepoint.commit()
    else:
        savepoint.rollback()
    session.record_call(ctx, row_for(ctx, definition, call.purpose, started_at, result,
                                     call.record_id))
    return result


def _summary(problem: Problem) -> str:
    culprits = ", ".join(f"{e.path or '/'} {e.code}" for e in problem.errors)
    return f"{problem.detail_code}: {culprits}" if culprits else problem.detail_code
