"""The typed tree of a formula, which both compilers walk.

Every node knows its result type: ``number``, ``text``, ``boolean``, ``date``, or
``null`` (the literal ``null``, which fits any). ``column`` is where the node starts in
the expression (1-based), for errors found after parsing.

Semantics both compilers keep (documented for admins):

- NULL propagates through arithmetic, comparisons and functions, except ``coalesce``,
  ``if`` (a NULL condition takes the else branch) and ``concat`` (NULL is empty text);
  ``and``/``or``/``not`` are three-valued as in SQL.
- Division by zero gives NULL, never an error.
- ``upper`` changes ASCII letters only (the same on every database).
- ``days_between(a, b)`` is ``b - a`` in whole days; ``today()`` is the UTC day of the
  evaluation's clock.
- A value whose input the reader may not read is NULL (whole formula).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Result types of formulas.
TYPES = ("number", "text", "boolean", "date")


class FormulaError(Exception):
    """A formula that cannot be used: ``code`` (message catalog), 1-based ``column``."""

    def __init__(self, code: str, column: int, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.column = column
        self.params: Mapping[str, Any] = {"column": column, **params}


@dataclass(frozen=True)
class Literal:
    value: Any
    type: str
    column: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True)
class FieldRef:
    """A field of the record itself, or (``via`` set) of the record its lookup ``via``
    points at (object ``target``)."""

    name: str
    type: str
    via: str | None = None
    target: str | None = None
    column: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True)
class Apply:
    """An operator or function (``op``) over ``args``."""

    op: str
    args: tuple[FormulaNode, ...]
    type: str
    column: int = dataclasses.field(default=0, compare=False)


FormulaNode = Literal | FieldRef | Apply


def inputs(node: FormulaNode) -> list[FieldRef]:
    """Every field the formula reads, in order, once each."""
    found: dict[tuple[str | None, str], FieldRef] = {}
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, FieldRef):
            found.setdefault((current.via, current.name), current)
        elif isinstance(current, Apply):
            stack.extend(reversed(current.args))
    return list(found.values())
