"""The SQL and the Python compilers of the condition language agree on every tree.

``records.list_records(filter=...)`` runs the SQL compiler; ``filters.to_predicate`` is
what rules, data scopes and workflows use in memory. For random condition trees over
records holding NULLs, empty strings, SQL and LIKE metacharacters, non-ASCII case pairs
and the extreme values of every type, both must select exactly the same records.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from objectry.metadata.conditions import parse_condition
from objectry.metadata.fieldtypes import REGISTRY
from objectry.platform.services import Services
from objectry.runtime import records
from objectry.runtime.context import Context
from objectry.runtime.filters import to_predicate
from objectry.runtime.model import get_model
from tests.conftest import TenantHandle, make_tenant
from tests.runtime import support

OBJECT = "thing"
FIELDS: dict[str, dict[str, Any]] = {
    "f_text": {"type": "text", "max_length": 40},
    "f_int": {"type": "integer"},
    "f_dec": {"type": "decimal", "precision": 10, "scale": 2},
    "f_bool": {"type": "boolean"},
    "f_date": {"type": "date"},
    "f_ts": {"type": "datetime"},
    "f_pick": {"type": "picklist", "options": [
        {"value": "red", "aliases": ["Rot", "红"]}, "green",
        {"value": "blue", "aliases": ["BLAU"]}, "o'neil%"]},
    "f_multi": {"type": "multi_picklist", "options": ["vip", "partner", "cold", "a_b%"]},
    "f_email": {"type": "email"},
}
DOCUMENT = {"kind": "object", "api_name": OBJECT, "label": {"en": "Thing"},
            "fields": [{"api_name": n, **d} for n, d in FIELDS.items()]}

#: Stored values worth meeting: NULLs, empties, metacharacters, case pairs, extremes.
POOLS: dict[str, list[Any]] = {
    "f_text": [None, "", "a", "A", "abc", "ABC%", "100%", "a_b", "a%b", "axb", "O'Brien",
               "o'brien", "x\\y", "x/y", "x//y", "[ab]", "  padded ", "Äpfel", "äpfel",
               "İstanbul", "istanbul", "straße", "STRASSE", "中文测试", "上海市",
               "'; DROP TABLE x; --", "%", "_", "'", '"quoted"', "line\u2028sep",
               "ΣΊΣΥΦΟΣ", "σίσυφος", "ǅemal"],
    "f_int": [None, 0, 1, -1, 42, 2**63 - 1, -(2**63), 1000],
    "f_dec": [None, "0", "0.01", "-0.01", "12.50", "99999999.99", "-99999999.99", "1",
              "3.14"],
    "f_bool": [None, True, False],
    "f_date": [None, "2024-01-01", "2024-12-31", "0001-01-01", "9999-12-31", "1999-02-28"],
    "f_ts": [None, "2024-01-01T00:00:00Z", "2024-01-01T08:00:00+08:00",
             "2023-12-31T23:59:59.999999Z", "1900-01-01T00:00:00Z",
             "2199-12-31T23:59:59+05:30", "2024-06-15T12:30:00.5-05:30"],
    "f_pick": [None, "red", "Rot", "红", "green", "BLAU", "o'neil%"],
    "f_multi": [None, [], ["vip"], ["cold", "vip"], ["partner"], ["a_b%"],
                ["vip", "partner", "cold", "a_b%"]],
    "f_email": [None, "a@b.cn", "A@B.CN", "o'brien@x.com", "100%@x.com", "a_b@x.org",
                "张三@例子.中国", "x@y.co", "ab@b.cn"],
}
RECORDS = 90


def _fixed_records() -> list[dict[str, Any]]:
    rng = random.Random(20240611)
    result = []
    for _ in range(RECORDS):
        record = {}
        for name, pool in POOLS.items():
            if rng.random() < 0.9:  # otherwise the field is left out
                record[name] = rng.choice(pool)
        result.append(record)
    return result


def _value_strategy(name: str) -> st.SearchStrategy[Any]:
    """Records' values: the pool, or anything valid for the field."""
    kind = FIELDS[name]["type"]
    pool = st.sampled_from(POOLS[name])
    anything = {
        "text": support.texts(), "integer": support.integers(),
        "decimal": support.decimals(10, 2), "boolean": st.booleans(),
        "date": support.dates(), "datetime": support.datetimes(),
        "picklist": st.sampled_from(POOLS[name][1:]),
        "multi_picklist": st.lists(st.sampled_from(["vip", "VIP", "cold", "a_b%"]),
                                   max_size=3),
        "email": support.emails(),
    }[kind]
    return st.one_of(pool, anything, st.none())


def _fragments(name: str) -> st.SearchStrategy[str]:
    """Operands of contains / starts_with / ends_with: slices of stored text, case-swapped."""
    words = [w for w in POOLS[name] if w]

    def cut(word: str) -> st.SearchStrategy[str]:
        return st.integers(0, len(word)).flatmap(
            lambda i: st.integers(i, len(word)).map(lambda j: word[i:j]))

    slices = st.sampled_from(words).flatmap(cut)
    return st.one_of(slices, slices.map(str.swapcase), slices.map(str.upper),
                     support.texts(4))


def _operand(name: str) -> st.SearchStrategy[Any]:
    return _value_strategy(name).filter(lambda v: v is not None and v != [])


def _leaf(name: str, op: str) -> st.SearchStrategy[dict[str, Any]]:
    kind = FIELDS[name]["type"]
    if op in ("is_empty", "is_not_empty"):
        return st.just({"field": name, "op": op})
    if kind == "multi_picklist":
        value = st.sampled_from(["vip", "VIP", "partner", "cold", "a_b%", "A_B%"])
    elif op in ("contains", "starts_with", "ends_with"):
        value = _fragments(name)
    elif op in ("in", "not_in"):
        value = st.lists(_operand(name), min_size=1, max_size=4)
    elif op == "between":
        value = st.lists(_operand(name), min_size=2, max_size=2)
    else:
        value = _operand(name)
    return value.map(lambda v: {"field": name, "op": op, "value": v})


LEAVES = st.one_of(*(_leaf(name, op) for name, d in FIELDS.items()
                     for op in sorted(REGISTRY[d["type"]].operators)))


def trees() -> st.SearchStrategy[Any]:
    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.lists(children, max_size=4).map(lambda c: {"all": c}),
            st.lists(children, max_size=4).map(lambda c: {"any": c}),
            children.map(lambda c: {"not": c}),
        )
    return st.recursive(LEAVES, extend, max_leaves=10)


def _check_agreement(ctx: Context, tree: Any, rows: list[dict[str, Any]]) -> None:
    model = get_model(ctx, OBJECT)
    node = parse_condition(tree, model.field_definition, object_name=OBJECT)
    predicate = to_predicate(node)
    expected = {str(r["id"]) for r in rows if predicate(r)}
    page = records.list_records(ctx, OBJECT, filter=tree, limit=200)
    assert page["next_cursor"] is None
    got = {item["id"] for item in page["items"]}
    if got != expected:
        by_id = {str(r["id"]): r for r in rows}
        fields = sorted({leaf for leaf in FIELDS if leaf in repr(tree)})
        only_sql = [{f: by_id[i][f] for f in fields} for i in sorted(got - expected)][:5]
        only_py = [{f: by_id[i][f] for f in fields} for i in sorted(expected - got)][:5]
        pytest.fail(f"SQL and predicate disagree on {tree!r}\n"
                    f"only SQL: {only_sql}\nonly predicate: {only_py}")


@pytest.fixture(scope="module")
def filled(services: Services) -> Iterator[TenantHandle]:
    tenant = make_tenant(services)
    support.define(tenant, DOCUMENT)
    with tenant.context() as ctx:
        for record in _fixed_records():
            records.create(ctx, OBJECT, record)
    yield tenant


@settings(max_examples=600, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(tree=trees())
def test_sql_and_predicate_agree_on_fixed_records(filled: TenantHandle, tree: Any) -> None:
    with filled.context(read_only=True) as ctx:
        _check_agreement(ctx, tree, support.stored_rows(ctx, OBJECT))


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.lists(st.fixed_dictionaries({}, optional={
    n: _value_strategy(n) for n in FIELDS}), max_size=12),
       conditions=st.lists(trees(), min_size=1, max_size=5))
def test_sql_and_predicate_agree_on_random_records(filled: TenantHandle,
                                                   data: list[dict[str, Any]],
                                                   conditions: list[Any]) -> None:
    with support.rolled_back(filled) as ctx:
        ctx.conn.execute(get_model(ctx, OBJECT).table.delete())
        for record in data:
            records.create(ctx, OBJECT, record)
        rows = support.stored_rows(ctx, OBJECT)
        assert len(rows) == len(data)
        for tree in conditions:
            _check_agreement(ctx, tree, rows)


def test_metacharacters_match_literally(filled: TenantHandle) -> None:
    """A few pinned cases: LIKE wildcards and quotes in operands are plain characters."""
    with filled.context(read_only=True) as ctx:
        rows = support.stored_rows(ctx, OBJECT)
        for op, value in [("contains", "%"), ("contains", "_"), ("starts_with", "'"),
                          ("ends_with", "%"), ("contains", "\\"), ("contains", "/"),
                          ("eq", "'; DROP TABLE x; --"), ("contains", "[ab]")]:
            tree = {"field": "f_text", "op": op, "value": value}
            _check_agreement(ctx, tree, rows)
            got = records.list_records(ctx, OBJECT, filter=tree, limit=200)["items"]
            for item in got:
                text = item["f_text"].lower()
                assert {"contains": value in text, "starts_with": text.startswith(value),
                        "ends_with": text.endswith(value),
                        "eq": item["f_text"] == value}[op], item
