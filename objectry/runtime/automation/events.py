"""External events (``POST /events``): a page view, a download, an opened email.

They join the same outbox the records service writes, so one dispatcher matches both
kinds to workflows. A client that retries may send an idempotency ``key``: the same
key twice records one event and answers with the first one's id.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from objectry.metadata.fieldtypes.datetime import parse_instant
from objectry.metadata.problems import ErrorItem, FieldValueError, Invalid, NotFound
from objectry.runtime.access.guard import Guard
from objectry.runtime.automation.run_tables import event_keys
from objectry.runtime.kernel.context import Context
from objectry.runtime.kernel.ids import uuid7
from objectry.runtime.model.compiled import get_model
from objectry.runtime.records.journal_tables import events

EVENT_TYPE = re.compile(r"[a-z][a-z0-9_.]{0,62}")
ALLOWED = frozenset({"object", "record", "type", "occurred_at", "data", "key"})
MAX_DATA_BYTES = 16_000


def post_event(ctx: Context, body: Any) -> tuple[dict[str, Any], bool]:
    """Record an external event about a record the caller can see; (event, created)."""
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    errors = [ErrorItem(f"/{k}", "unknown_parameter", {"name": k})
              for k in sorted(set(body) - ALLOWED)]
    kind = body.get("type")
    if not isinstance(kind, str) or not EVENT_TYPE.fullmatch(kind) or kind.startswith("record."):
        errors.append(ErrorItem("/type", "invalid_event_type"))
    data = body.get("data", {})
    if not isinstance(data, dict) or len(repr(data)) > MAX_DATA_BYTES:
        errors.append(ErrorItem("/data", "expected_object"))
    key = body.get("key")
    if key is not None and (not isinstance(key, str) or not 0 < len(key) <= 200):
        errors.append(ErrorItem("/key", "invalid_parameter",
                                {"name": "key", "reason": "1 to 200 characters"}))
    now, occurred = ctx.now(), ctx.now()
    if body.get("occurred_at") is not None:
        try:
            occurred = parse_instant(body["occurred_at"])
        except FieldValueError as exc:
            errors.append(ErrorItem("/occurred_at", exc.code, exc.params))
    if errors:
        raise Invalid(errors)
    named = body.get("object")
    object_name = named if isinstance(named, str) else ""
    try:
        model = get_model(ctx, object_name)
    except NotFound as exc:
        raise Invalid([ErrorItem("/object", "unknown_object",
                                 {"object": str(object_name)[:63]})]) from exc
    try:
        row, _ = Guard(ctx, model).load(body.get("record"))
    except NotFound as exc:
        raise Invalid([ErrorItem("/record", "unknown_record",
                                 {"object": object_name, "id": str(body.get("record"))[:64]})]
                      ) from exc
    if key is not None:
        seen = ctx.conn.execute(sa.select(event_keys.c.event_id).where(
            event_keys.c.tenant_id == ctx.tenant.id, event_keys.c.key == key)).scalar()
        if seen is not None:
            return {"id": str(seen), "type": kind, "duplicate": True}, False
    event_id = uuid7(int(now.timestamp() * 1000))
    ctx.conn.execute(events.insert(), {
        "id": event_id, "tenant_id": ctx.tenant.id, "object": model.api_name,
        "record_id": row["id"], "type": kind, "occurred_at": occurred,
        "actor_id": ctx.actor.user_id, "data": data})
    if key is not None:
        ctx.conn.execute(event_keys.insert(), {"tenant_id": ctx.tenant.id, "key": key,
                                               "event_id": event_id})
    return {"id": str(event_id), "type": kind, "object": model.api_name,
            "record": str(row["id"]), "occurred_at": occurred.isoformat(),
            "duplicate": False}, True
