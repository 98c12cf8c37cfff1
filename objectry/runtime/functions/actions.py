"""Functions that act on one record: buttons, workflow steps, scheduled runs, dry runs.

A successful call's ``record.set()`` changes go through ``records.update`` as the
function's ``run_as`` actor, inside the call's savepoint: a refused change undoes the
function's other writes too.
"""

from __future__ import annotations

import uuid
from typing import Any

from objectry.metadata.problems import ErrorItem, Invalid
from objectry.runtime import records
from objectry.runtime.functions import runner
from objectry.runtime.functions.definitions import FunctionDef
from objectry.runtime.functions.errors import describe_error, problem_for
from objectry.runtime.functions.values import to_plain
from objectry.runtime.kernel.context import Context
from objectry.sandbox import CallResult

BUTTON_PURPOSES = ("action", "button")
WORKFLOW_PURPOSES = ("workflow_step", "scheduled", "action", "button")


def _apply_changes(object_name: str, record_id: Any) -> runner.AfterCall:
    def apply(inner: Context, result: CallResult) -> None:
        if result.changes:
            records.update(inner, object_name, record_id, result.changes)
    return apply


def _check_params(params: Any) -> dict[str, Any]:
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise Invalid([ErrorItem("/params", "expected_object")])
    return to_plain(params)


def _answer(ctx: Context, result: CallResult) -> dict[str, Any]:
    return {"ok": result.ok, "result": result.result, "logs": result.logs,
            "limits_used": result.limits_used, "changes": result.changes,
            "duration_ms": result.duration_ms,
            "error": describe_error(result.error, ctx.locale)}


def _record_call(ctx: Context, definition: FunctionDef, purpose: str, object_name: str,
                 record_id: Any, params: Any, keep_writes: bool = True) -> runner.Call:
    if definition.object is not None and definition.object != object_name:
        raise Invalid([ErrorItem("/object", "function_wrong_object",
                                 {"function": definition.api_name,
                                  "object": definition.object})])
    record = to_plain(records.get(ctx, object_name, record_id))
    return runner.Call(definition, purpose, record, _check_params(params),
                       uuid.UUID(record["id"]), keep_writes)


def run_action(ctx: Context, object_name: str, record_id: Any, function: str,
               params: Any = None) -> dict[str, Any]:
    """A record button: run the function, apply its ``record.set()`` changes.

    The caller must be able to read the record; the function's own calls use its
    ``run_as`` rights. A failed call raises its problem (nothing changed).
    """
    definition = runner.find(ctx, function, BUTTON_PURPOSES)
    call = _record_call(ctx, definition, definition.purpose, object_name, record_id, params)
    result = runner.run(ctx, call, _apply_changes(object_name, call.record["id"]))
    if not result.ok:
        raise problem_for(function, result.error or {})
    answer = _answer(ctx, result)
    answer["record"] = records.get(ctx, object_name, call.record["id"])
    return answer


def call_function(ctx: Context, api_name: str, record_id: Any = None,
                  payload: Any = None) -> dict[str, Any]:
    """The automation engine's entry point for workflow steps and scheduled functions.

    With a ``record_id`` the function gets that record of its object and its changes are
    applied. A failed call does not raise: the answer has ``ok: false`` and the error,
    for the engine to retry or branch on; unknown functions or records still raise.
    """
    definition = runner.find(ctx, api_name, WORKFLOW_PURPOSES)
    if record_id is None:
        call = runner.Call(definition, definition.purpose, {}, _check_params(payload))
        after = None
    else:
        if definition.object is None:
            raise Invalid([ErrorItem("/record_id", "function_object_required",
                                     {"purpose": definition.purpose})])
        call = _record_call(ctx, definition, definition.purpose, definition.object,
                            record_id, payload)
        after = _apply_changes(definition.object, call.record["id"])
    return _answer(ctx, runner.run(ctx, call, after))


def test_function(ctx: Context, api_name: str, body: Any) -> dict[str, Any]:
    """The admin console's dry run: the function against a record, every write undone.

    ``body``: ``{"record": {"object", "id"}, "params": {...}}`` (record optional). The
    answer shows what the call returned, logged, used and would have changed.
    """
    definition = runner.find(ctx, api_name)
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    target = body.get("record")
    if target is None:
        call = runner.Call(definition, "test", {}, _check_params(body.get("params")),
                           keep_writes=False)
    else:
        if not isinstance(target, dict) or not isinstance(target.get("id"), str):
            raise Invalid([ErrorItem("/record/id", "required")])
        object_name = target.get("object") or definition.object
        if not isinstance(object_name, str):
            raise Invalid([ErrorItem("/record/object", "required")])
        call = _record_call(ctx, definition, "test", object_name, target["id"],
                            body.get("params"), keep_writes=False)
        after = _apply_changes(object_name, call.record["id"])  # undone with the rest
        return _answer(ctx, runner.run(ctx, call, after))
    return _answer(ctx, runner.run(ctx, call))
