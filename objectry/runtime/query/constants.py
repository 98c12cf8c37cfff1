"""Constants written into a statement's SQL text instead of bound at each execution.

A cached page statement runs on every list request; each bound parameter is processed
by SQLAlchemy and sent by the driver at every run (14 of them cost a restricted
PostgreSQL page 0.1 ms of CPU against none). What is the same for every actor a
statement serves (its limits, the names of grantee kinds, the object) goes into the
text, which SQLAlchemy compiles once per shape; what varies by actor or tenant (ids,
departments, the clock) stays a parameter, so actors and tenants share one compiled
statement and PostgreSQL one prepared plan.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

#: What may be written into SQL text as it is, between quotes: an API name's alphabet.
_PLAIN = re.compile(r"[A-Za-z0-9_]*")


def sql_int(value: int) -> sa.ColumnElement[Any]:
    """A whole number as SQL text (``LIMIT 51``)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"not a whole number: {value!r}")
    return sa.literal_column(str(value), sa.Integer)


def sql_name(value: str) -> sa.ColumnElement[Any]:
    """A string of letters, digits and underscores (an API name, a grantee kind) as a SQL
    string literal; anything else is refused rather than quoted."""
    if not isinstance(value, str) or _PLAIN.fullmatch(value) is None:
        raise ValueError(f"not a plain name: {value!r}")
    return sa.literal_column(f"'{value}'", sa.String)
