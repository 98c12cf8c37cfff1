"""What the compilers need besides the tree: a clock, and other objects' records.

The runtime supplies both (``filter_sources`` builds them from a context), so the
compilers stay pure functions of their arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

#: (table or alias, field) -> the rows of it where the caller may read that field, as
#: SQL; None when that is every row. Elsewhere a condition tests the field as empty.
ReadableIn = Callable[[sa.FromClause, str], sa.ColumnElement[bool] | None]


@dataclass(frozen=True)
class RelatedSource:
    """A related object as the SQL compiler sees it: its table, and the rows the caller
    may see of it as SQL over that table (None: every live row)."""

    table: sa.Table
    visible: sa.ColumnElement[bool] | None = None
    #: Where the caller may read a field of it (None: wherever it is visible).
    readable: ReadableIn | None = None


#: object api_name -> its ``RelatedSource`` (SQL compiler).
RelatedTables = Callable[[str], RelatedSource]
#: (object, lookup field, parent id) -> the live records of ``object`` whose ``field``
#: holds ``parent id``, in storage form, that the caller may see (Python predicate).
RelatedRows = Callable[[str, str, Any], Iterable[Mapping[str, Any]]]


class ConditionInputMissing(ValueError):
    """A tree needs a ``now`` or related records that the caller did not pass: a bug in
    the caller, not a problem of the user's condition."""
