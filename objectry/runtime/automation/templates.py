"""``{{record.owner}}``-style placeholders in step values and message templates.

A value that is exactly one placeholder takes the referenced value as it is (a number
stays a number, a lookup id stays an id); placeholders inside longer text are
replaced by their text form. Names are dotted paths into a plain-data scope
(``record``, ``trigger``, ``now``); an unknown one fails the step with a clear error
instead of writing an empty value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from objectry.runtime.automation.errors import StepError

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


def render(value: Any, scope: Mapping[str, Any]) -> Any:
    """``value`` with every placeholder replaced; lists and objects are walked."""
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value.strip())
        if whole:
            return _lookup(whole.group(1), scope)
        return PLACEHOLDER.sub(lambda m: _text(_lookup(m.group(1), scope)), value)
    if isinstance(value, list):
        return [render(v, scope) for v in value]
    if isinstance(value, dict):
        return {k: render(v, scope) for k, v in value.items()}
    return value


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
