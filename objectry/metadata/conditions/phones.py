"""Phone numbers in conditions: one key per number, however it was written.

"+86 21 6299 1640", "021-62991640", "02162991640" and "0086 21 62991640" are one
number; ``phone_key`` gives them one key (the Chinese national number without its trunk
0: "2162991640"; a number of another country keeps "+" and its country code). ``eq``,
``ne``, ``in`` and ``not_in`` on a dialable field compare keys, and ``area_code`` ("021",
"0755") tests the key's start, so "mobile area_code 021" finds Shanghai's fixed lines
(seed 004's 021-62991640). The key is a few fixed string steps on ASCII digits (what a
phone field stores), so SQL computes it exactly (``runtime/query/phone_keys.py``: built-ins
on PostgreSQL, this very function on SQLite); both compilers agree on every value.
"""

from __future__ import annotations

import re
from typing import Any, Final

from objectry.metadata.problems import FieldValueError

#: Name of the SQL function on SQLite connections.
SQLITE_PHONE_KEY: Final = "objectry_phone_key"
#: Operators that compare phone keys on a dialable field.
PHONE_KEY_OPS: Final = frozenset({"eq", "ne", "in", "not_in", "area_code"})
#: The operator only dialable fields have.
AREA_CODE: Final = "area_code"
_DIGITS: Final = frozenset("0123456789")
_AREA_CODE = re.compile(r"^0?([1-9][0-9]{1,3})$")


def phone_key(text: str) -> str:
    """The number's key: ASCII digits only; an international prefix of China (+86,
    0086) and the trunk 0 dropped; another country's number keeps "+" and its code."""
    digits = "".join(c for c in text if c in _DIGITS)
    head = text.lstrip(" ")
    if digits.startswith("0086"):
        return _trunk(digits[4:])
    if head.startswith("+86"):
        return _trunk(digits[2:])
    if head.startswith("+"):
        return "+" + digits
    return _trunk(digits)


def _trunk(digits: str) -> str:
    return digits[1:] if digits.startswith("0") else digits


def area_code_operand(raw: Any) -> str:
    """An area code as written ("021", "21", "0755") -> its key prefix ("21", "755")."""
    found = _AREA_CODE.match(raw.strip()) if isinstance(raw, str) else None
    if found is None:
        raise FieldValueError("invalid_area_code")
    return found.group(1)


def sqlite_phone_key(value: Any) -> Any:
    return phone_key(value) if isinstance(value, str) else value
