"""Forgiving text matching: the one folding both condition compilers apply.

``fold_text`` makes look-alike spellings compare equal: ASCII case ("ShangHai"),
full-width ASCII and the ideographic space (全角/半角: U+FF33 U+FF28 U+3000 U+FF10 is
"sh 0") and white space (trimmed, inner runs collapsed to one space). It is a fixed one-character
mapping plus a collapse, so SQL can compute it exactly: ``translate`` and
``regexp_replace`` on PostgreSQL, and on SQLite, which has neither, this very function
registered on each connection (``register_sqlite_functions``). Both compilers therefore
give the same answer on every value.

Deliberately not folded (no portable SQL for it): case outside ASCII ("Ä"/"ä", Greek,
Cyrillic), other NFKC compatibility forms ("①", "ﬁ", half-width katakana). Picklists need none of
this in SQL: a spelling or alias is resolved to the option's stored value when the
condition is parsed (``picklist.match_key``, full NFKC + casefold).
"""

from __future__ import annotations

import string
from types import MappingProxyType
from typing import Any, Final

from objectry.metadata.conditions.phones import SQLITE_PHONE_KEY, sqlite_phone_key

#: Name of the SQL function on SQLite connections.
SQLITE_FOLD: Final = "objectry_fold"

#: Every character ``str.isspace`` accepts except the space itself.
WHITESPACE: Final = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680"
                     + "".join(map(chr, range(0x2000, 0x200B)))
                     + "\u2028\u2029\u202f\u205f\u3000")


def _fold_pairs() -> tuple[str, str]:
    full_width = "".join(map(chr, range(0xFF01, 0xFF5F)))  # U+FF01..U+FF5E -> ! .. ~
    ascii_of = "".join(chr(ord(c) - 0xFEE0) for c in full_width)
    source = full_width + WHITESPACE + string.ascii_uppercase
    target = ascii_of.lower() + " " * len(WHITESPACE) + string.ascii_lowercase
    return source, target


#: ``translate(text, FOLD_FROM, FOLD_TO)``: one character for one, in SQL as in Python.
FOLD_FROM, FOLD_TO = _fold_pairs()
_TABLE: Final = MappingProxyType(str.maketrans(FOLD_FROM, FOLD_TO))


def fold_text(text: str) -> str:
    """Case (A-Z), width (full-width ASCII) and white space folded; see the module."""
    return " ".join(part for part in text.translate(_TABLE).split(" ") if part)


def _sqlite_fold(value: Any) -> Any:
    return fold_text(value) if isinstance(value, str) else value


def register_sqlite_functions(dbapi_connection: Any) -> None:
    """Give a SQLite connection the functions the condition compiler emits."""
    dbapi_connection.create_function(SQLITE_FOLD, 1, _sqlite_fold, deterministic=True)
    dbapi_connection.create_function(SQLITE_PHONE_KEY, 1, sqlite_phone_key,
                                     deterministic=True)
