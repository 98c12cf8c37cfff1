"""A batch create stores, audits and announces each value as a single create does.

On PostgreSQL a batch reaches the tables as one ``COPY`` whose values the batch writer
turns into text itself where it can (a value the same for every row once, ids as hex):
the records, audit entries and events read back must be those of the same values
created one at a time, texts with tabs, newlines and backslashes included.
"""

from __future__ import annotations

import uuid
from typing import Any

from objectry.runtime import records
from objectry.runtime.records import batch
from objectry.runtime.records.journal_tables import events, record_audit
from objectry.runtime.schema import metadata_service
from tests.conftest import TenantHandle

DOCUMENT = {"kind": "object", "api_name": "sample", "label": {"en": "Sample"},
            "fields": [{"api_name": "name", "type": "text"},
                       {"api_name": "notes", "type": "long_text"},
                       {"api_name": "count", "type": "integer"},
                       {"api_name": "amount", "type": "currency"},
                       {"api_name": "day", "type": "date"},
                       {"api_name": "at", "type": "datetime"},
                       {"api_name": "done", "type": "boolean"},
                       {"api_name": "tags", "type": "multi_picklist",
                        "options": ["a", "b", "c"]}]}
SHARED = {"notes": "tab\there\nline\\slash 中文", "count": 7, "amount": "12.50",
          "day": "2026-03-01", "at": "2026-03-01T08:30:00Z", "done": True, "tags": ["a", "c"]}
FIELDS = [f["api_name"] for f in DOCUMENT["fields"]]


def _item(i: int) -> dict[str, Any]:
    """Values shared by every item of the batch, plus some of its own (one with none)."""
    if i == 2:
        return {"name": None}
    return {**SHARED, "name": f"row {i}\t\\{i}", "count": i if i % 2 else 7}


def _stored(ctx: Any, record_id: Any) -> tuple[dict[str, Any], Any, Any]:
    """The record as read back, its audit changes and its event's data."""
    record = records.get(ctx, "sample", record_id)
    audit = ctx.conn.execute(record_audit.select().where(
        record_audit.c.record_id == record_id)).one()
    event = ctx.conn.execute(events.select().where(events.c.record_id == record_id)).one()
    return ({k: record[k] for k in FIELDS}, audit.changes, event.data)


def test_a_batch_stores_audits_and_announces_values_as_single_creates(
        tenant: TenantHandle) -> None:
    with tenant.context() as ctx:
        metadata_service.put_document(ctx, "object", "sample", DOCUMENT)
    items = [_item(i) for i in range(5)]
    with tenant.context() as ctx:
        created = batch.create_many(ctx, "sample", items)
    assert all(c.problem is None for c in created)
    with tenant.context() as ctx:
        singles = [uuid.UUID(records.create(ctx, "sample", item)["id"]) for item in items]
    with tenant.context() as ctx:
        for one, other in zip(created, singles, strict=True):
            assert _stored(ctx, one.id) == _stored(ctx, other)
        name, changes, data = _stored(ctx, created[0].id)
        assert name["notes"] == SHARED["notes"] and name["name"] == "row 0\t\\0"
        assert data["changes"] == changes
