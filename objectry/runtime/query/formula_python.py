"""The Python compiler of formulas: a typed tree and a record's values to a value.

Forms and workflows compute a formula here; lists compute it in SQL
(``formula_sql``). A property test holds the two to the same value on SQLite and
PostgreSQL. The semantics are those of ``metadata.formula.nodes`` (NULLs propagate,
three-valued logic, division by zero is NULL, ASCII-only ``upper``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from objectry.metadata.formula.nodes import Apply, FieldRef, FormulaNode, Literal

#: Places numbers are compared at (both compilers), so binary floats on SQLite and
#: exact decimals elsewhere agree on equality.
COMPARE_PLACES = 10
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def input_key(ref: FieldRef) -> str:
    """The key of an input in the values mapping: ``name`` or ``lookup.name``."""
    return ref.name if ref.via is None else f"{ref.via}.{ref.name}"


def evaluate(node: FormulaNode, values: Mapping[str, Any], *, today: dt.date) -> Any:
    """The formula's value over ``values`` (input key -> stored value; a missing key is
    NULL); numbers come back as unrounded Decimals."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, FieldRef):
        value = values.get(input_key(node))
        return _number(value) if node.type == "number" else value
    return _apply(node, values, today)


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None if value is None else Decimal(int(value))
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _rounded(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.quantize(Decimal(1).scaleb(-COMPARE_PLACES), rounding=ROUND_HALF_UP)
    return value


def _apply(node: Apply, values: Mapping[str, Any], today: dt.date) -> Any:
    op = node.op
    if op == "if":
        condition = evaluate(node.args[0], values, today=today)
        return evaluate(node.args[1 if condition is True else 2], values, today=today)
    if op == "today":
        return today
    args = [evaluate(arg, values, today=today) for arg in node.args]
    if op == "and":
        return False if False in args else None if None in args else True
    if op == "or":
        return True if True in args else None if None in args else False
    if op == "coalesce":
        return next((a for a in args if a is not None), None)
    if op == "concat":
        return "".join(a or "" for a in args)
    if None in args:
        return None
    match op:
        case "not":
            return not args[0]
        case "neg":
            return -args[0]
        case "+":
            return args[0] + args[1]
        case "-":
            return args[0] - args[1]
        case "*":
            return args[0] * args[1]
        case "/":
            return None if args[1] == 0 else args[0] / args[1]
        case "upper":
            return str(args[0]).translate(_ASCII_UPPER)
        case "days_between":
            return Decimal((args[1] - args[0]).days)
    left, right = (_rounded(a) for a in args)
    match op:
        case "=":
            return bool(left == right)
        case "!=":
            return bool(left != right)
        case "<":
            return bool(left < right)
        case "<=":
            return bool(left <= right)
        case ">":
            return bool(left > right)
        case ">=":
            return bool(left >= right)
    raise ValueError(f"no Python for formula operator {op}")
