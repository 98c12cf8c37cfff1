"""A record's messages as a reader of the record may see them.

A message rendered record fields into its subject and body and took its recipient from
a field. A reader who may not read one of a part's fields (hidden from them, or masked:
the body holds the value unmasked) gets that part as ``null`` and its name under
``withheld``; a recipient from one masked field is masked like that field instead.
Which fields a part used is stored with the message (``rendered_fields``); for older
messages, the subject and body fields come from their stored template and the
recipient is withheld from readers who do not see every field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from objectry.runtime.access.guard import Guard
from objectry.runtime.automation.messages import Shown, list_messages
from objectry.runtime.automation.readers import WITHHELD, Reader, without_recipient
from objectry.runtime.automation.templates import EVERY_FIELD, record_fields
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model

#: Message parts (API keys) and the ``rendered_fields`` entry of each.
PARTS = (("subject", "subject"), ("body", "body"), ("to", "to"))


def record_messages(ctx: Context, object_name: str, record_id: Any, *, status: str | None,
                    limit: int, cursor: str | None) -> dict[str, Any]:
    """The record's messages, newest first, as the caller may see them (403/404 as the
    record)."""
    guard = Guard(ctx, get_model(ctx, object_name))
    row, access = guard.load(record_id)
    reader = Reader(guard, access)
    return list_messages(ctx, guard.model.api_name, row["id"], status=status, limit=limit,
                         cursor=cursor,
                         shown=None if reader.whole else _shown(reader, ctx.locale))


def _shown(reader: Reader, locale: str) -> Shown:
    def shown(row: Mapping[Any, Any], item: dict[str, Any]) -> dict[str, Any]:
        used = used_fields(row)
        withheld = []
        for key, part in PARTS:
            if item.get(key) is None:
                continue
            seen = reader.rendered(item[key], used[part]) if part == "to" \
                else (item[key] if reader.may_read(used[part]) else WITHHELD)
            if seen is WITHHELD:
                withheld.append(key)
                seen = None
            item[key] = seen
        if not reader.may_read(used["to"]):
            item["error"] = without_recipient(item["error"], locale)
        if withheld:
            item["withheld"] = withheld
        return item
    return shown


def used_fields(row: Mapping[Any, Any]) -> dict[str, frozenset[str]]:
    """The fields each part of a message rendered (see the module docstring)."""
    stored = row["rendered_fields"]
    if isinstance(stored, Mapping):
        return {part: frozenset(stored.get(part) or ()) for _, part in PARTS}
    template = row["template"] or {}
    return {"subject": record_fields(template.get("subject")),
            "body": record_fields(template.get("body")), "to": frozenset({EVERY_FIELD})}
