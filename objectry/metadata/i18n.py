"""Languages: language maps for labels and the message catalog for errors.

Every message a user can see exists in each of ``LANGUAGES``; a test keeps it so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from objectry.metadata.messages.catalog import MESSAGES

LANGUAGES: Final = ("en", "zh-CN")
DEFAULT_LANGUAGE: Final = "en"


def negotiate(accept_language: str | None) -> str:
    """Pick ``zh-CN`` or ``en`` from an Accept-Language header (q-values honoured)."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    best, best_q = DEFAULT_LANGUAGE, -1.0
    for part in accept_language.split(","):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            continue
        tag = tag.strip().lower()
        lang = "zh-CN" if tag.startswith("zh") else "en" if tag.startswith("en") else None
        if lang and weight > best_q:
            best, best_q = lang, weight
    return best


def pick(label: Mapping[str, str] | str | None, locale: str, fallback: str = "") -> str:
    """The text of a language map in ``locale``, else English, else any language."""
    if label is None:
        return fallback
    if isinstance(label, str):
        return label
    return label.get(locale) or label.get("en") or next(iter(label.values()), fallback)


class _Lenient(dict):
    """Leave ``{unknown}`` placeholders as they are rather than failing to render."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def message(code: str, locale: str, params: Mapping[str, Any] | None = None) -> str:
    """Render the catalog message ``code`` in ``locale``; unknown codes render as the code."""
    entry = MESSAGES.get(code)
    if entry is None:
        return code
    template = entry.get(locale) or entry[DEFAULT_LANGUAGE]
    values = _Lenient({k: _display(v) for k, v in (params or {}).items()})
    return template.format_map(values)


def _display(value: Any) -> str:
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(v) for v in value)
    return str(value)
