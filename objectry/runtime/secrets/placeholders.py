"""``{{secret.name}}`` in URLs and headers: kept as written everywhere (definitions,
dry runs, run steps, call logs) and filled in only for the request that leaves."""

from __future__ import annotations

import re
from collections.abc import Mapping

from objectry.runtime.kernel.context import Context
from objectry.runtime.secrets import store

SECRET_PLACEHOLDER = re.compile(r"\{\{\s*secret\.([a-z][a-z0-9_]{0,62})\s*\}\}")
#: The path prefix templates leave alone (``{{secret.x}}`` is no scope value).
PREFIX = "secret."


def has_secrets(text: str) -> bool:
    return SECRET_PLACEHOLDER.search(text) is not None


def fill(ctx: Context, text: str, used: list[str] | None = None) -> str:
    """``text`` with every ``{{secret.name}}`` replaced by its value (UnknownSecret names
    the first missing one); the values filled in are added to ``used`` so a caller can
    scrub them from an error's text."""
    if "{{" not in text:
        return text

    def one(match: re.Match[str]) -> str:
        found = store.value(ctx, match.group(1))
        if used is not None:
            used.append(found)
        return found

    return SECRET_PLACEHOLDER.sub(one, text)


def scrub(text: str, used: list[str]) -> str:
    """``text`` with every value in ``used`` shown as ``***``."""
    for found in sorted(used, key=len, reverse=True):
        if found:
            text = text.replace(found, "***")
    return text


def fill_headers(ctx: Context, headers: Mapping[str, str]) -> dict[str, str]:
    return {str(k): fill(ctx, str(v)) for k, v in headers.items()}
