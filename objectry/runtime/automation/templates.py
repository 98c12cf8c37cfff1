"""``{{record.owner}}``-style placeholders in step values and message templates.

A value that is exactly one placeholder takes the referenced value as it is (a number
stays a number, a lookup id stays an id); placeholders inside longer text are
replaced by their text form. Names are dotted paths into a plain-data scope
(``record``, ``trigger``, ``now``); an unknown one fails the step with a clear error
instead of writing an empty value. ``{{secret.name}}`` is left as written: the webhook
client fills it in when the request leaves (``runtime/secrets``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from objectry.runtime.automation.errors import StepError
from objectry.runtime.secrets.placeholders import PREFIX as SECRET_PREFIX

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)*)\s*\}\}")


def has_placeholders(value: Any) -> bool:
    """Whether rendering ``value`` needs a scope at all (most values are constants)."""
    if isinstance(value, str):
        return PLACEHOLDER.search(value) is not None
    if isinstance(value, list):
        return any(has_placeholders(v) for v in value)
    if isinstance(value, dict):
        return any(has_placeholders(v) for v in value.values())
    return False


#: What ``record_fields`` answers for a placeholder that may render any field: the whole
#: record, or the trigger's event data (an update's old and new values).
EVERY_FIELD = "*"
#: Parts of the trigger that hold no field value.
TRIGGER_FACTS = frozenset({"event_id", "type", "object", "record", "occurred_at", "related"})


def record_fields(value: Any) -> frozenset[str]:
    """The record's fields ``value`` renders (``{{record.email}}`` -> ``email``;
    ``EVERY_FIELD`` for ``{{record}}`` or trigger data), so what it rendered can be
    shown only to those who may read them."""
    if isinstance(value, str):
        return frozenset(_field_of(m.group(1)) for m in PLACEHOLDER.finditer(value)) - {""}
    if isinstance(value, list):
        return frozenset().union(*(record_fields(v) for v in value))
    if isinstance(value, dict):
        return frozenset().union(*(record_fields(v) for v in value.values()))
    return frozenset()


def step_recipient_fields(to: Any) -> frozenset[str]:
    """The fields a ``send_message`` step's ``to`` reads: a template's, or the one
    field it names."""
    return record_fields(to) if has_placeholders(to) else frozenset({str(to)})


def _field_of(path: str) -> str:
    head, _, rest = path.partition(".")
    if head == "record":
        return rest.split(".")[0] if rest else EVERY_FIELD
    if head == "trigger":
        return "" if rest.split(".")[0] in TRIGGER_FACTS else EVERY_FIELD
    return ""


def render(value: Any, scope: Mapping[str, Any]) -> Any:
    """``value`` with every placeholder replaced; lists and objects are walked."""
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value.strip())
        if whole and not whole.group(1).startswith(SECRET_PREFIX):
            return _lookup(whole.group(1), scope)
        return PLACEHOLDER.sub(lambda m: _kept_or_text(m, scope), value)
    if isinstance(value, list):
        return [render(v, scope) for v in value]
    if isinstance(value, dict):
        return {k: render(v, scope) for k, v in value.items()}
    return value


def _kept_or_text(match: re.Match[str], scope: Mapping[str, Any]) -> str:
    """A ``{{secret.name}}`` stays as written (it is filled in only when a webhook is
    sent, so no rendered value, step output or dry run holds it); others are looked up."""
    if match.group(1).startswith(SECRET_PREFIX):
        return match.group(0)
    return _text(_lookup(match.group(1), scope))


def _lookup(path: str, scope: Mapping[str, Any]) -> Any:
    current: Any = scope
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            raise StepError("template_unknown", name=path)
        current = current[part]
    return current


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return str(value)
