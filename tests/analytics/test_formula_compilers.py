"""The SQL and Python formula compilers give the same value (SQLite and PostgreSQL),
NULLs and division by zero (NULL) included."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from objectry.metadata.fieldtypes import REGISTRY
from objectry.metadata.formula.nodes import Apply, FieldRef, FormulaNode, Literal
from objectry.platform.services import Services
from objectry.runtime.query.formula_python import evaluate
from objectry.runtime.query.formula_sql import formula_sql

TODAY = dt.date(2026, 12, 3)
FIELDS = {"n1": ("decimal", "number"), "n2": ("integer", "number"), "t1": ("text", "text"),
          "t2": ("text", "text"), "b1": ("boolean", "boolean"), "d1": ("date", "date"),
          "d2": ("date", "date")}
BY_TYPE = {kind: [name for name, (_t, k) in FIELDS.items() if k == kind]
           for kind in ("number", "text", "boolean", "date")}


@pytest.fixture(scope="module")
def table(services: Services) -> Iterator[sa.Table]:
    meta = sa.MetaData()
    columns = [sa.Column("id", sa.Integer, primary_key=True)]
    for name, (type_name, _kind) in FIELDS.items():
        definition = {"api_name": name, "type": type_name, "scale": 2}
        columns.append(sa.Column(name, REGISTRY[type_name].column_type(definition)))
    made = sa.Table(f"formula_prop_{uuid.uuid4().hex[:8]}", meta, *columns)
    meta.create_all(services.engine)
    yield made
    meta.drop_all(services.engine)


numbers = st.one_of(st.none(), st.integers(-1000, 1000).map(Decimal),
                    st.decimals(-1000, 1000, places=2, allow_nan=False))
texts = st.one_of(st.none(), st.text("abcXYZ é", max_size=4))
days = st.one_of(st.none(), st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31)))
rows = st.fixed_dictionaries({
    "n1": numbers, "n2": st.one_of(st.none(), st.integers(-1000, 1000)), "t1": texts,
    "t2": texts, "b1": st.one_of(st.none(), st.booleans()), "d1": days, "d2": days})


def literal(kind: str) -> st.SearchStrategy[FormulaNode]:
    values: dict[str, st.SearchStrategy[Any]] = {
        "number": st.one_of(st.integers(-5, 5).map(Decimal),
                            st.decimals(-100, 100, places=2, allow_nan=False)),
        "text": st.text("abcé", max_size=3), "boolean": st.booleans(),
        "date": st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31))}
    if kind == "date":  # no date literals in the language: today() instead
        return st.just(Apply("today", (), "date"))
    return st.one_of(values[kind].map(lambda v: Literal(v, kind)), st.just(Literal(None, "null")))


def leaf(kind: str) -> st.SearchStrategy[FormulaNode]:
    return st.one_of(literal(kind), st.sampled_from(BY_TYPE[kind]).map(
        lambda name: FieldRef(name, kind)))


def tree(kind: str, depth: int) -> st.SearchStrategy[FormulaNode]:
    if depth == 0:
        return leaf(kind)
    sub = lambda k: tree(k, depth - 1)  # noqa: E731
    options: list[st.SearchStrategy[FormulaNode]] = [
        leaf(kind),
        st.tuples(sub("boolean"), sub(kind), sub(kind)).map(
            lambda a: Apply("if", a, kind)),
        st.lists(sub(kind), min_size=1, max_size=3).map(
            lambda a: Apply("coalesce", tuple(a), kind))]
    if kind == "number":
        options += [
            st.tuples(st.sampled_from("+-*/"), sub("number"), sub("number")).map(
                lambda a: Apply(a[0], (a[1], a[2]), "number")),
            sub("number").map(lambda a: Apply("neg", (a,), "number")),
            st.tuples(sub("date"), sub("date")).map(
                lambda a: Apply("days_between", a, "number"))]
    if kind == "text":
        options += [st.lists(sub("text"), min_size=1, max_size=3).map(
                        lambda a: Apply("concat", tuple(a), "text")),
                    sub("text").map(lambda a: Apply("upper", (a,), "text"))]
    if kind == "boolean":
        compared = st.sampled_from(["number", "text", "boolean", "date"]).flatmap(
            lambda k: st.tuples(
                st.sampled_from(["=", "!="] + (["<", "<=", ">", ">="]
                                               if k in ("number", "date") else [])),
                sub(k), sub(k)))
        options += [
            compared.map(lambda a: Apply(a[0], (a[1], a[2]), "boolean")),
            st.tuples(st.sampled_from(["and", "or"]), sub("boolean"), sub("boolean")).map(
                lambda a: Apply(a[0], (a[1], a[2]), "boolean")),
            sub("boolean").map(lambda a: Apply("not", (a,), "boolean"))]
    return st.one_of(*options)


formulas = st.sampled_from(["number", "text", "boolean", "date"]).flatmap(
    lambda kind: tree(kind, 3))


def same(sql_value: Any, py_value: Any) -> bool:
    if sql_value is None or py_value is None:
        return sql_value is None and py_value is None
    if isinstance(py_value, Decimal):
        a, b = Decimal(str(sql_value)), py_value
        return abs(a - b) <= Decimal("1e-6") * max(Decimal(1), abs(b))
    if isinstance(py_value, bool):
        return bool(sql_value) == py_value
    if isinstance(py_value, dt.date) and isinstance(sql_value, str):
        return dt.date.fromisoformat(sql_value) == py_value
    return bool(sql_value == py_value)


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(node=formulas, values=rows)
def test_sql_and_python_agree(services: Services, table: sa.Table, node: FormulaNode,
                              values: dict[str, Any]) -> None:
    expression = formula_sql(node, lambda ref: table.c[ref.name], today=TODAY)
    with services.engine.begin() as conn:
        conn.execute(table.delete())
        conn.execute(table.insert().values(id=1, **values))
        stored = conn.execute(sa.select(*(table.c[n] for n in FIELDS))).mappings().one()
        from_sql = conn.execute(sa.select(expression)).scalar_one_or_none()
    from_python = evaluate(node, dict(stored), today=TODAY)
    assert same(from_sql, from_python), (node, values, from_sql, from_python)


def test_division_by_zero_is_null(services: Services, table: sa.Table) -> None:
    node = Apply("/", (FieldRef("n1", "number"), FieldRef("n2", "number")), "number")
    with services.engine.begin() as conn:
        conn.execute(table.delete())
        conn.execute(table.insert().values(id=1, n1=Decimal("5.50"), n2=0))
        assert conn.execute(sa.select(formula_sql(node, lambda r: table.c[r.name],
                                                  today=TODAY))).scalar_one() is None
    assert evaluate(node, {"n1": Decimal("5.5"), "n2": 0}, today=TODAY) is None
