"""The SQL compiler of formulas: a typed tree to one column expression.

The caller says what each input is (``column_of``: a column of the row, a correlated
sub-select through a lookup, already NULL where the reader may not read it), so the
expression can go into a select list, a WHERE clause or an ORDER BY alike and lists
filter and sort on the formula in the database. Numbers are computed as REAL on SQLite
(decimals are stored there as integer minor units, ``ScaledDecimal``) and NUMERIC on
PostgreSQL; both compare them at ``COMPARE_PLACES`` decimals, as the Python compiler
does, so the three agree (the property test in tests/analytics).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
import sqlalchemy.ext.compiler

from objectry.metadata.fieldtypes.sqltypes import ScaledDecimal
from objectry.metadata.formula.nodes import Apply, FieldRef, FormulaNode, Literal
from objectry.runtime.query.formula_python import COMPARE_PLACES

#: An input's SQL (the reader's value of that field).
ColumnOf = Callable[[FieldRef], sa.ColumnElement[Any]]

RESULT_TYPES: dict[str, Callable[[], sa.types.TypeEngine]] = {
    "number": lambda: sa.Numeric(asdecimal=True), "text": sa.Text, "boolean": sa.Boolean,
    "date": sa.Date, "null": sa.Text}


class _Num(sa.sql.expression.FunctionElement):
    """A number input as a real number: REAL on SQLite (scaled back from minor units),
    NUMERIC on PostgreSQL."""

    type = sa.Numeric()
    inherit_cache = True
    name = "formula_num"


@sa.ext.compiler.compiles(_Num, "postgresql")
def _num_pg(element: _Num, compiler: Any, **kw: Any) -> str:
    value, _scale = list(element.clauses)
    return f"CAST({compiler.process(value, **kw)} AS NUMERIC)"


@sa.ext.compiler.compiles(_Num)
def _num_default(element: _Num, compiler: Any, **kw: Any) -> str:
    value, scale = list(element.clauses)
    places = int(scale.value)
    real = f"CAST({compiler.process(value, **kw)} AS REAL)"
    return real if places == 0 else f"({real} / {10 ** places}.0)"


def as_number(value: sa.ColumnElement[Any], scale: int) -> sa.ColumnElement[Any]:
    """``value`` (a stored number, or a sum or extreme of one, at ``scale`` minor-unit
    places on SQLite) as a real number, the way formulas read numbers (roll-ups)."""
    return _Num(value, sa.literal(scale, sa.Integer))


class _Upper(sa.sql.expression.FunctionElement):
    """ASCII-only upper case (SQLite's ``upper`` without ICU; spelled out on PG)."""

    type = sa.Text()
    inherit_cache = True
    name = "formula_upper"


@sa.ext.compiler.compiles(_Upper, "postgresql")
def _upper_pg(element: _Upper, compiler: Any, **kw: Any) -> str:
    (value,) = list(element.clauses)
    return (f"translate({compiler.process(value, **kw)}, "
            "'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')")


@sa.ext.compiler.compiles(_Upper)
def _upper_default(element: _Upper, compiler: Any, **kw: Any) -> str:
    (value,) = list(element.clauses)
    return f"upper({compiler.process(value, **kw)})"


class _DaysBetween(sa.sql.expression.FunctionElement):
    """Whole days from the first day to the second."""

    type = sa.Numeric()
    inherit_cache = True
    name = "formula_days_between"


@sa.ext.compiler.compiles(_DaysBetween, "postgresql")
def _days_pg(element: _DaysBetween, compiler: Any, **kw: Any) -> str:
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST((CAST({b} AS DATE) - CAST({a} AS DATE)) AS NUMERIC)"


@sa.ext.compiler.compiles(_DaysBetween)
def _days_default(element: _DaysBetween, compiler: Any, **kw: Any) -> str:
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(round(julianday({b}) - julianday({a})) AS REAL)"


def formula_sql(node: FormulaNode, column_of: ColumnOf, *,
                today: dt.date) -> sa.ColumnElement[Any]:
    """The formula's raw value (numbers unrounded) over the inputs ``column_of`` gives."""
    return _Compiler(column_of, today).compile(node)


def formula_result(node: FormulaNode, column_of: ColumnOf, *, today: dt.date,
                   result: str, scale: int) -> sa.ColumnElement[Any]:
    """The formula's value as a field shows it: numbers rounded to ``scale``, typed so
    the database's value reads back as the result type."""
    value = formula_sql(node, column_of, today=today)
    if result == "number":
        value = sa.func.round(value, scale)
    return sa.type_coerce(value, RESULT_TYPES[result]())


class _Compiler:
    def __init__(self, column_of: ColumnOf, today: dt.date) -> None:
        self.column_of = column_of
        self.today = today

    def compile(self, node: FormulaNode, hint: str = "null") -> sa.ColumnElement[Any]:
        """``hint``: the type the context wants (a NULL literal is cast to it, which
        PostgreSQL needs to pick an operator)."""
        if isinstance(node, Literal):
            return self.literal(node, hint)
        if isinstance(node, FieldRef):
            column = self.column_of(node)
            if node.type != "number":
                return column
            scale = column.type.scale if isinstance(column.type, ScaledDecimal) else 0
            return _Num(column, sa.literal(scale, sa.Integer))
        return self.apply(node)

    @staticmethod
    def literal(node: Literal, hint: str) -> sa.ColumnElement[Any]:
        if node.value is None:
            return sa.cast(sa.null(), RESULT_TYPES[hint]())
        if node.type == "boolean":
            return sa.true() if node.value else sa.false()
        if node.type == "number":
            return _Num(sa.literal(node.value, sa.Numeric()), sa.literal(0, sa.Integer))
        return sa.literal(node.value, sa.Text())

    def apply(self, node: Apply) -> sa.ColumnElement[Any]:
        op = node.op
        if op == "today":
            return sa.literal(self.today, sa.Date())
        hints = {"and": "boolean", "or": "boolean", "not": "boolean", "concat": "text",
                 "upper": "text", "days_between": "date"}
        hint = hints.get(op, node.type if op in ("if", "coalesce") else "number")
        args = [self.compile(arg, "boolean" if op == "if" and i == 0 else hint)
                for i, arg in enumerate(node.args)]
        match op:
            case "and":
                return sa.and_(*args)
            case "or":
                return sa.or_(*args)
            case "not":
                return sa.not_(args[0])
            case "neg":
                return -args[0]
            case "+":
                return args[0] + args[1]
            case "-":
                return args[0] - args[1]
            case "*":
                return args[0] * args[1]
            case "/":
                return args[0] / sa.func.nullif(args[1], 0)
            case "if":
                return sa.case((args[0], args[1]), else_=args[2])
            case "coalesce":
                if len(args) == 1:  # SQLite wants two arguments
                    return args[0]
                return sa.func.coalesce(*args, type_=RESULT_TYPES[node.type]())
            case "concat":
                parts: list[sa.ColumnElement[Any]] = [
                    sa.func.coalesce(a, sa.literal("", sa.Text()), type_=sa.Text())
                    for a in args]
                joined = parts[0]
                for part in parts[1:]:
                    joined = joined.concat(part)
                return joined
            case "upper":
                return _Upper(args[0])
            case "days_between":
                return _DaysBetween(args[0], args[1])
        if "null" in (node.args[0].type, node.args[1].type):
            return sa.cast(sa.null(), sa.Boolean())  # a comparison with NULL is NULL
        left, right = args
        if node.args[0].type == "number" or node.args[1].type == "number":
            left = sa.func.round(left, COMPARE_PLACES)
            right = sa.func.round(right, COMPARE_PLACES)
        match op:
            case "=":
                return left == right
            case "!=":
                return left != right
            case "<":
                return left < right
            case "<=":
                return left <= right
            case ">":
                return left > right
            case ">=":
                return left >= right
        raise ValueError(f"no SQL for formula operator {op}")
