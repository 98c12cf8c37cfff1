"""Match keys: a record's values normalised the way a duplicate rule compares them.

Phones become E.164 (``021-62991640`` and ``+86 21 6299 1640`` are one number in
region CN), e-mails lower case, names folded for case, width and spaces (the fold the
condition language uses), anything else its text. A key is a digest of the normalised
parts, so the key table holds short, fixed-width values whatever the fields.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import phonenumbers

from objectry.metadata.conditions.text import fold_text

METHODS = ("phone", "email", "name", "exact")


def normalise(method: str, value: Any, region: str) -> str | None:
    """The comparable form of one value; None when there is nothing to compare."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if method == "phone":
        return _phone(text, region)
    if method == "email":
        return text.lower()
    if method == "name":
        return fold_text(text) or None
    return text


def _phone(text: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_possible_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    digits = "".join(c for c in text if c.isdigit())  # not a number we know: its digits
    return digits or None


def match_key(parts: Sequence[tuple[str, Any]], region: str) -> str | None:
    """The key of (method, value) pairs; None when any part is empty (no match on
    missing values: two leads without a phone are not duplicates by phone)."""
    found = []
    for method, value in parts:
        normal = normalise(method, value, region)
        if normal is None:
            return None
        found.append(normal)
    return hashlib.sha256("\x1f".join(found).encode()).hexdigest()[:40]


def fuzzy_text(value: Any) -> str:
    """What fuzzy name similarity compares (folded, so case and width do not count)."""
    return fold_text(str(value)) if value is not None else ""


def values_of(row: Mapping[str, Any], fields: Sequence[str]) -> list[Any]:
    return [row.get(f) for f in fields]
