"""The messages table as the steps write it and people read it.

A message row is written once per step visit and updated by its retries, so a step
retried after a failure keeps one row (``attempts`` counts the tries) and a step that
already sent finds its row by idempotency key instead of sending again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa

from objectry.metadata.i18n import message
from objectry.metadata.problems import BadRequest, ErrorItem
from objectry.runtime.automation.message_tables import messages
from objectry.runtime.kernel.context import Context
from objectry.runtime.kernel.ids import uuid7

#: (row, the message as the API shows it) -> what one reader may see of it.
Shown = Callable[[Mapping[Any, Any], dict[str, Any]], dict[str, Any]]

STATUSES = ("sent", "outbox", "failed", "capped", "suppressed")
#: Statuses a repeated step takes as done: sending again would duplicate the message.
SETTLED = ("sent", "outbox", "capped", "suppressed")


def find_by_key(ctx: Context, key: str) -> dict[str, Any] | None:
    row = ctx.conn.execute(sa.select(messages).where(
        messages.c.tenant_id == ctx.tenant.id, messages.c.idempotency_key == key)
    ).mappings().first()
    return dict(row) if row is not None else None


def new_id(ctx: Context) -> uuid.UUID:
    """A time-ordered message id (the list's order and cursor)."""
    return uuid7(int(ctx.now().timestamp() * 1000))


def save(ctx: Context, existing: Mapping[str, Any] | None, values: Mapping[str, Any],
         message_id: uuid.UUID | None = None) -> uuid.UUID:
    """Insert the message, or update the row of an earlier attempt; its id."""
    now = ctx.now()
    if existing is not None:
        ctx.conn.execute(sa.update(messages).where(messages.c.id == existing["id"]).values(
            {**values, "attempts": existing["attempts"] + 1, "updated_at": now}))
        return existing["id"]
    message_id = message_id or new_id(ctx)
    ctx.conn.execute(messages.insert(), {
        **values, "id": message_id, "tenant_id": ctx.tenant.id, "attempts": 1,
        "created_at": now, "updated_at": now})
    return message_id


def list_messages(ctx: Context, object_name: str | None, record_id: uuid.UUID | None, *,
                  status: str | None = None, limit: int = 50, cursor: str | None = None,
                  shown: Shown | None = None) -> dict[str, Any]:
    """Newest first; ``next_cursor`` continues after the last item (None at the end).
    ``shown`` turns each (row, item) into what the reader may see of it."""
    query = sa.select(messages).where(messages.c.tenant_id == ctx.tenant.id)
    if object_name is not None:
        query = query.where(messages.c.object == object_name,
                            messages.c.record_id == record_id)
    if status is not None:
        query = query.where(messages.c.status == status)
    if cursor:
        try:
            last = uuid.UUID(cursor)
        except ValueError as exc:
            raise BadRequest([ErrorItem("/cursor", "invalid_cursor")],
                             detail_code="invalid_cursor") from exc
        query = query.where(messages.c.id < last)
    rows = ctx.conn.execute(query.order_by(messages.c.id.desc()).limit(limit + 1)).mappings()
    items = [message_json(ctx, row) if shown is None else shown(row, message_json(ctx, row))
             for row in rows]
    more = len(items) > limit
    items = items[:limit]
    return {"items": items, "next_cursor": items[-1]["id"] if more else None}


def message_json(ctx: Context, row: Mapping[Any, Any]) -> dict[str, Any]:
    """A message as the API shows it; its error in the caller's language."""
    def instant(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    error = row["error"]
    if error is not None:
        error = {"code": error["code"], "params": error.get("params", {}),
                 "message": message(error["code"], ctx.locale, error.get("params"))}
    return {"id": str(row["id"]), "object": row["object"],
            "record": str(row["record_id"]) if row["record_id"] else None,
            "channel": row["channel"], "to": row["recipient"], "template": row["template"],
            "subject": row["subject"], "body": row["body"], "locale": row["locale"],
            "marketing": row["marketing"], "status": row["status"], "error": error,
            "attempts": row["attempts"], "workflow": row["workflow"],
            "run": str(row["run_id"]) if row["run_id"] else None, "step": row["step"],
            "created_at": instant(row["created_at"]), "sent_at": instant(row["sent_at"]),
            "updated_at": instant(row["updated_at"])}
