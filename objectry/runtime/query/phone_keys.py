"""``phone_key`` in SQL: the column side of phone comparisons (``eq``, ``area_code``).

PostgreSQL computes it from built-ins (digits by ``regexp_replace``, the prefixes by
``LIKE``, the trunk 0 by an anchored ``regexp_replace``); SQLite calls the Python
``phone_key`` registered on each connection (``register_sqlite_functions``). Both equal
the Python function on every stored phone value, which a property test checks.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.ext.compiler

from objectry.metadata.conditions.phones import SQLITE_PHONE_KEY


class PhoneKey(sa.sql.expression.FunctionElement):
    """A phone column's key (``conditions.phones.phone_key``)."""

    type = sa.Text()
    inherit_cache = True
    name = "phone_key"


def _text(value: str) -> Any:
    return sa.literal(value, sa.Text)


@sa.ext.compiler.compiles(PhoneKey, "postgresql")
def _phone_key_pg(element: PhoneKey, compiler: Any, **kw: Any) -> str:
    (col,) = list(element.clauses)
    digits = sa.func.regexp_replace(col, _text("[^0-9]"), _text(""), _text("g"))
    head = sa.func.ltrim(col, _text(" "))

    def trunk(value: Any) -> Any:
        return sa.func.regexp_replace(value, _text("^0"), _text(""))

    key = sa.case(
        (digits.like(_text("0086%")), trunk(sa.func.substr(digits, 5))),
        (head.like(_text("+86%")), trunk(sa.func.substr(digits, 3))),
        (head.like(_text("+%")), sa.func.concat(_text("+"), digits)),
        else_=trunk(digits))
    return compiler.process(key, **kw)


@sa.ext.compiler.compiles(PhoneKey)
def _phone_key_default(element: PhoneKey, compiler: Any, **kw: Any) -> str:
    (col,) = list(element.clauses)
    return compiler.process(getattr(sa.func, SQLITE_PHONE_KEY)(col), **kw)
