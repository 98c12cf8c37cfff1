"""``fold_text`` in SQL: the column side of forgiving text matching.

PostgreSQL computes it from built-ins (``translate`` one character for one, then
collapse runs of spaces and trim); SQLite calls the Python ``fold_text`` registered on
each connection by ``platform.db`` (``register_sqlite_functions``). Both equal the
Python function on every string, which the compilers' property test checks.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.ext.compiler

from objectry.metadata.conditions.text import FOLD_FROM, FOLD_TO, SQLITE_FOLD


class Folded(sa.sql.expression.FunctionElement):
    """A text column folded for matching (case, width, white space)."""

    type = sa.Text()
    inherit_cache = True
    name = "folded"


@sa.ext.compiler.compiles(Folded, "postgresql")
def _folded_pg(element: Folded, compiler: Any, **kw: Any) -> str:
    (col,) = list(element.clauses)
    mapped = sa.func.translate(col, sa.literal(FOLD_FROM, sa.Text),
                               sa.literal(FOLD_TO, sa.Text))
    collapsed = sa.func.regexp_replace(mapped, sa.literal("  +", sa.Text),
                                       sa.literal(" ", sa.Text), sa.literal("g", sa.Text))
    return compiler.process(sa.func.btrim(collapsed, sa.literal(" ", sa.Text)), **kw)


@sa.ext.compiler.compiles(Folded)
def _folded_default(element: Folded, compiler: Any, **kw: Any) -> str:
    (col,) = list(element.clauses)
    return compiler.process(getattr(sa.func, SQLITE_FOLD)(col), **kw)
