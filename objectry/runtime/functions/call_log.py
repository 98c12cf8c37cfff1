"""Rows of the ``function_calls`` log: building one from a call, reading the last N."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa

from objectry.runtime.functions.calls_table import function_calls
from objectry.runtime.functions.definitions import FunctionDef
from objectry.runtime.kernel.context import Context
from objectry.sandbox import CallResult

MAX_MESSAGE = 2000
MAX_CALLS = 200


def row_for(ctx: Context, definition: FunctionDef, purpose: str, started_at: dt.datetime,
            result: CallResult, record_id: uuid.UUID | None,
            apply_error: str | None = None) -> dict[str, Any]:
    """One log row; ``apply_error`` says why a successful call's changes were refused."""
    error = result.error or {}
    text: str | None
    if apply_error is not None:
        outcome, text = "apply_failed", apply_error
    else:
        outcome = "ok" if result.ok else str(error.get("code", "error")).removeprefix(
            "function_")
        text = error.get("message") or None
        if error.get("limit"):
            text = f"{error['limit']}: {text}"
    return {"tenant_id": ctx.tenant.id, "function": definition.api_name,
            "version": definition.version, "caller": ctx.actor.email, "purpose": purpose,
            "record_id": record_id, "started_at": started_at,
            "duration_ms": float(result.duration_ms),
            "limits_used": dict(result.limits_used), "outcome": outcome,
            "error_message": text[:MAX_MESSAGE] if text else None,
            "error_line": error.get("line")}


def recent_calls(ctx: Context, function: str, limit: int = 20) -> list[dict[str, Any]]:
    """The last ``limit`` calls of a function, newest first."""
    limit = max(1, min(limit, MAX_CALLS))
    rows = ctx.conn.execute(
        sa.select(function_calls).where(function_calls.c.tenant_id == ctx.tenant.id,
                                        function_calls.c.function == function)
        .order_by(function_calls.c.id.desc()).limit(limit)).mappings()
    return [{"id": row["id"], "function": row["function"], "version": row["version"],
             "caller": row["caller"], "purpose": row["purpose"],
             "record_id": None if row["record_id"] is None else str(row["record_id"]),
             "started_at": row["started_at"], "duration_ms": row["duration_ms"],
             "limits_used": row["limits_used"], "outcome": row["outcome"],
             "error": None if row["outcome"] == "ok" else {
                 "message": row["error_message"], "line": row["error_line"]}}
            for row in rows]
