"""What one reader may see of the values automation kept about one record.

Runs and messages record values the platform saw (a step's writes, a rendered body, a
recipient). Shown to a reader of the record, each goes through the record's ``Guard``
under the reader's access map for that record: hidden fields absent, sensitive ones
masked, exactly as on the record.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from objectry.metadata.i18n import message
from objectry.permissions.access import AccessMap
from objectry.runtime.access.guard import Guard
from objectry.runtime.automation.templates import EVERY_FIELD

#: What ``Reader.rendered`` answers for a value the reader may not see.
WITHHELD = object()
#: Parameters of a channel's error that may quote the recipient (a bad address, a mail
#: server's refusal).
RECIPIENT_PARAMS = frozenset({"recipient", "reason"})


class Reader:
    """One reader of one record: their guard and their access map for it."""

    def __init__(self, guard: Guard, access: AccessMap) -> None:
        self.guard, self.access = guard, access
        view = guard.view(access)
        self.hidden, self.masked = view.hidden, view.masked
        #: Whether the reader sees every field as stored (nothing hidden or masked).
        self.whole = access is guard.everything or not (view.hidden or view.masked)

    def values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Values keyed by field name as the reader sees them on the record."""
        return self.guard.present_values(values, self.access)

    def may_read(self, fields: Collection[str]) -> bool:
        """Whether the reader sees every one of ``fields`` unmasked."""
        return self.whole or (EVERY_FIELD not in fields
                              and not set(fields) & (self.hidden | self.masked))

    def rendered(self, value: Any, fields: Collection[str]) -> Any:
        """A value rendered from ``fields``: as is, masked like its one field, or
        ``WITHHELD`` (a hidden field, or a masked one mixed with other text)."""
        if self.may_read(fields):
            return value
        if len(fields) == 1 and EVERY_FIELD not in fields:
            [name] = fields
            seen = self.values({name: value})
            return seen.get(name, WITHHELD)
        return WITHHELD


def condition_fields(tree: Any) -> frozenset[str]:
    """The fields of the record a condition (its JSON form) tests; ``EVERY_FIELD`` for
    a related-records condition (it reads records the reader may not see) or a form
    this walk does not know."""
    if not isinstance(tree, Mapping):
        return frozenset({EVERY_FIELD})
    if "field" in tree:
        return frozenset({str(tree["field"])})
    if set(tree) == {"not"}:
        return condition_fields(tree["not"])
    for group in ("all", "any"):
        if set(tree) == {group} and isinstance(tree[group], list):
            return frozenset().union(*(condition_fields(c) for c in tree[group]))
    return frozenset({EVERY_FIELD})


def without_recipient(error: Any, locale: str) -> Any:
    """A send's error (``{code, params[, message]}`` or a step failure ``{code, message,
    message_zh, ...}``) with what may quote the recipient left out."""
    if not isinstance(error, Mapping):
        return error
    params = {k: v for k, v in (error.get("params") or {}).items()
              if k not in RECIPIENT_PARAMS}
    shown = dict(error)
    if "params" in error:
        shown["params"] = params
    if "message" in error:
        shown["message"] = message(str(error.get("code")),
                                   locale if "message_zh" not in error else "en", params)
    if "message_zh" in error:
        shown["message_zh"] = message(str(error.get("code")), "zh-CN", params)
    return shown
