"""The SQL and the Python compilers of the condition language agree on every tree.

``records.list_records(filter=...)`` runs the SQL compiler; ``filters.to_predicate`` is
what rules, data scopes and workflows use in memory. For random condition trees over
records holding NULLs, empty strings, SQL and LIKE metacharacters, non-ASCII case pairs,
full-width and white-space variants, dates around a fixed ``now`` and related records,
both must select exactly the same records, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from objectry.metadata.conditions.nodes import CHANGE_OPS
from objectry.metadata.conditions.parser import parse_condition
from objectry.metadata.conditions.text import fold_text
from objectry.metadata.fieldtypes import REGISTRY
from objectry.platform.services import Services
from objectry.runtime import records
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model
from objectry.runtime.query.compile import to_predicate
from tests.conftest import TenantHandle, make_tenant
from tests.runtime import support

OBJECT = "thing"
CHILD = "act"
#: The context clock of every test here: relative dates are evaluated at this instant.
NOW = dt.datetime(2024, 6, 15, 13, 30, tzinfo=dt.UTC)


def wide(text: str) -> str:
    """The full-width (全角) spelling of ASCII text, spaces as ideographic spaces."""
    return "".join("\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c
                   for c in text)


FIELDS: dict[str, dict[str, Any]] = {
    "f_text": {"type": "text", "max_length": 40},
    "f_int": {"type": "integer"},
    "f_dec": {"type": "decimal", "precision": 10, "scale": 2},
    "f_bool": {"type": "boolean"},
    "f_date": {"type": "date"},
    "f_ts": {"type": "datetime"},
    "f_pick": {"type": "picklist", "options": [
        {"value": "red", "aliases": ["Rot", "红"]}, "green",
        {"value": "blue", "aliases": ["BLAU"]}, "o'neil%",
        {"value": "shanghai", "label": {"en": "Shanghai"}, "aliases": ["上海", "SH"]}]},
    "f_multi": {"type": "multi_picklist", "options": ["vip", "partner", "cold", "a_b%"]},
    "f_email": {"type": "email"},
}
CHILD_FIELDS: dict[str, dict[str, Any]] = {
    "thing": {"type": "lookup", "target": OBJECT},
    "a_kind": {"type": "picklist", "options": [
        "call", {"value": "whitepaper_download", "aliases": ["白皮书下载"]}, "visit"]},
    "at": {"type": "datetime"},
    "note": {"type": "text"},
}
DOCUMENT = {"kind": "object", "api_name": OBJECT, "label": {"en": "Thing"},
            "fields": [{"api_name": n, **d} for n, d in FIELDS.items()]}
CHILD_DOCUMENT = {"kind": "object", "api_name": CHILD, "label": {"en": "Activity"},
                  "fields": [{"api_name": n, **d} for n, d in CHILD_FIELDS.items()]}

#: Stored values worth meeting: NULLs, empties, metacharacters, case pairs, extremes,
#: full-width and white-space variants, days at the edges of the windows around NOW.
POOLS: dict[str, list[Any]] = {
    "f_text": [None, "", "a", "A", "abc", "ABC%", "100%", "a_b", "a%b", "axb", "O'Brien",
               "o'brien", "x\\y", "x/y", "x//y", "[ab]", "  padded ", "Äpfel", "äpfel",
               "İstanbul", "istanbul", "straße", "STRASSE", "中文测试", "上海市",
               "'; DROP TABLE x; --", "%", "_", "'", '"quoted"', "line\u2028sep",
               "ΣΊΣΥΦΟΣ", "σίσυφος", "ǅemal", wide("ABC"), wide("Shanghai City"),
               "  New   York ", "new york", "\t上海\u3000市 ", wide("a_b"), wide("100%"),
               "New\u00a0York", "shang\u2003hai"],
    "f_int": [None, 0, 1, -1, 42, 2**63 - 1, -(2**63), 1000],
    "f_dec": [None, "0", "0.01", "-0.01", "12.50", "99999999.99", "-99999999.99", "1",
              "3.14"],
    "f_bool": [None, True, False],
    "f_date": [None, "2024-01-01", "2024-12-31", "0001-01-01", "9999-12-31", "1999-02-28",
               "2024-06-15", "2024-06-14", "2024-06-16", "2024-06-08", "2024-05-16",
               "2024-05-15", "2024-06-22", "2024-07-15"],
    "f_ts": [None, "2024-01-01T00:00:00Z", "2024-01-01T08:00:00+08:00",
             "2023-12-31T23:59:59.999999Z", "1900-01-01T00:00:00Z",
             "2199-12-31T23:59:59+05:30", "2024-06-15T12:30:00.5-05:30",
             "2024-06-15T00:00:00Z", "2024-06-14T23:59:59.999999Z", "2024-06-16T00:00:00Z",
             "2024-06-16T07:59:59+08:00", "2024-05-16T00:00:00Z", "2024-05-15T23:59:59Z",
             "2024-06-22T23:59:59Z", "2024-06-23T00:00:00Z"],
    "f_pick": [None, "red", "Rot", "红", "green", "BLAU", "o'neil%", "shanghai", "上海"],
    "f_multi": [None, [], ["vip"], ["cold", "vip"], ["partner"], ["a_b%"],
                ["vip", "partner", "cold", "a_b%"]],
    "f_email": [None, "a@b.cn", "A@B.CN", "o'brien@x.com", "100%@x.com", "a_b@x.org",
                "张三@例子.中国", "x@y.co", "ab@b.cn"],
}
CHILD_POOLS: dict[str, list[Any]] = {
    "a_kind": [None, "call", "whitepaper_download", "visit"],
    "at": POOLS["f_ts"],
    "note": POOLS["f_text"],
}
RECORDS = 90
ACTIVITIES = 80
#: Spellings a user may type for picklist options: aliases, case, width, spaces.
SPELLINGS = ["red", "Rot", "红", " RED ", wide("Red"), "green", "BLAU", "blau", "o'neil%",
             "shanghai", "上海", "ShangHai", " shanghai ", wide("SHANGHAI"), "SH", "s h"]
CHILD_SPELLINGS = ["call", "CALL", "whitepaper_download", "白皮书下载", "visit", wide("visit")]
#: White space, full width and case pairs, for text operands and generated values.
FOLDABLE = st.sampled_from(["\u3000", "\u00a0", "\t", "  ", "\uff21", "\uff41", "\uff05",
                            "\uff3f", "\u2003", "\u2028"])


def _fixed_records(pools: Mapping[str, list[Any]], count: int, seed: int
                   ) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    result = []
    for _ in range(count):
        record = {}
        for name, pool in pools.items():
            if rng.random() < 0.9:  # otherwise the field is left out
                record[name] = rng.choice(pool)
        result.append(record)
    return result


def _texts() -> st.SearchStrategy[str]:
    return st.one_of(support.texts(), st.lists(st.one_of(FOLDABLE, support.texts(3)),
                                               max_size=4).map("".join))


def _value_strategy(name: str) -> st.SearchStrategy[Any]:
    """Records' values: the pool, or anything valid for the field."""
    kind = FIELDS[name]["type"]
    pool = st.sampled_from(POOLS[name])
    anything = {
        "text": _texts().map(lambda t: t[:40]), "integer": support.integers(),
        "decimal": support.decimals(10, 2), "boolean": st.booleans(),
        "date": support.dates(), "datetime": support.datetimes(),
        "picklist": st.sampled_from(SPELLINGS),
        "multi_picklist": st.lists(st.sampled_from(["vip", "VIP", "cold", "a_b%"]),
                                   max_size=3),
        "email": support.emails(),
    }[kind]
    return st.one_of(pool, anything, st.none())


def _fragments(words: list[Any]) -> st.SearchStrategy[str]:
    """Operands of contains / starts_with / ends_with: slices of stored text, case-swapped,
    made full-width, padded with white space."""
    present = [w for w in words if w]

    def cut(word: str) -> st.SearchStrategy[str]:
        return st.integers(0, len(word)).flatmap(
            lambda i: st.integers(i, len(word)).map(lambda j: word[i:j]))

    slices = st.sampled_from(present).flatmap(cut)
    padded = st.tuples(FOLDABLE, slices, FOLDABLE).map("".join)
    return st.one_of(slices, slices.map(str.swapcase), slices.map(str.upper),
                     slices.map(wide), padded, _texts().map(lambda t: t[:4]))


DAYS = st.one_of(st.integers(0, 40), st.sampled_from([0, 1, 7, 30, 36500]))


def _operand(name: str) -> st.SearchStrategy[Any]:
    return _value_strategy(name).filter(lambda v: v is not None and v != [])


def _leaf(name: str, op: str, fields: Mapping[str, Mapping[str, Any]],
          pools: Mapping[str, list[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    kind = fields[name]["type"]
    if op in ("is_empty", "is_not_empty", "today"):
        return st.just({"field": name, "op": op})
    if kind == "multi_picklist":
        value: st.SearchStrategy[Any] = st.sampled_from(
            ["vip", "VIP", "partner", "cold", "a_b%", "A_B%", wide("Vip")])
    elif op in ("last_n_days", "next_n_days", "older_than_days"):
        value = DAYS
    elif op in ("contains", "starts_with", "ends_with"):
        value = _fragments(pools[name])
    elif name not in FIELDS:  # a field of the related object
        one = (st.sampled_from(CHILD_SPELLINGS) if kind == "picklist"
               else st.sampled_from([v for v in pools[name] if v is not None]))
        value = st.lists(one, min_size=1, max_size=3) if op in ("in", "not_in") else (
            st.lists(one, min_size=2, max_size=2) if op == "between" else one)
    elif op in ("in", "not_in"):
        value = st.lists(_operand(name), min_size=1, max_size=4)
    elif op == "between":
        value = st.lists(_operand(name), min_size=2, max_size=2)
    else:
        value = _operand(name)
    return value.map(lambda v: {"field": name, "op": op, "value": v})


def _leaves(fields: Mapping[str, Mapping[str, Any]], pools: Mapping[str, list[Any]]
            ) -> st.SearchStrategy[dict[str, Any]]:
    """Every operator of every field but changed*, which only an update can answer."""
    return st.one_of(*(_leaf(name, op, fields, pools) for name, d in fields.items()
                       if name in pools
                       for op in sorted(REGISTRY[d["type"]].operators - CHANGE_OPS)))


def _groups(leaves: st.SearchStrategy[Any], max_leaves: int) -> st.SearchStrategy[Any]:
    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.lists(children, max_size=4).map(lambda c: {"all": c}),
            st.lists(children, max_size=4).map(lambda c: {"any": c}),
            children.map(lambda c: {"not": c}),
        )
    return st.recursive(leaves, extend, max_leaves=max_leaves)


COUNTS = st.dictionaries(st.sampled_from(["eq", "gt", "gte", "lt", "lte"]),
                         st.integers(0, 3), min_size=1, max_size=2)
RELATED = st.builds(
    lambda where, how: {"related": {"object": CHILD, "via": "thing", **where, **how}},
    st.one_of(st.just({}), _groups(_leaves(CHILD_FIELDS, CHILD_POOLS), 3).map(
        lambda w: {"where": w})),
    st.one_of(st.just({}), st.booleans().map(lambda b: {"exists": b}),
              COUNTS.map(lambda c: {"count": c})))
LEAVES = st.one_of(_leaves(FIELDS, POOLS), RELATED)


def trees() -> st.SearchStrategy[Any]:
    return _groups(LEAVES, 10)


def at_now(ctx: Context) -> Context:
    return dataclasses.replace(ctx, clock=lambda: NOW)


def _check_agreement(ctx: Context, tree: Any, rows: list[dict[str, Any]],
                     children: list[dict[str, Any]]) -> None:
    model = get_model(ctx, OBJECT)
    node = parse_condition(tree, model.field_definition, object_name=OBJECT,
                           objects=lambda name: get_model(ctx, name).field_definition)
    by_parent: dict[Any, list[dict[str, Any]]] = {}
    for child in children:
        by_parent.setdefault(child["thing"], []).append(child)

    def related(obj: str, via: str, parent: Any) -> list[dict[str, Any]]:
        assert (obj, via) == (CHILD, "thing")
        return by_parent.get(parent, [])

    predicate = to_predicate(node, now=NOW, related=related)
    expected = {str(r["id"]) for r in rows if predicate(r)}
    page = records.list_records(at_now(ctx), OBJECT, filter=tree, limit=200)
    assert page["next_cursor"] is None
    got = {item["id"] for item in page["items"]}
    if got != expected:
        by_id = {str(r["id"]): r for r in rows}
        fields = sorted({leaf for leaf in FIELDS if leaf in repr(tree)})
        only_sql = [{f: by_id[i][f] for f in fields} for i in sorted(got - expected)][:5]
        only_py = [{f: by_id[i][f] for f in fields} for i in sorted(expected - got)][:5]
        pytest.fail(f"SQL and predicate disagree on {tree!r}\n"
                    f"only SQL: {only_sql}\nonly predicate: {only_py}")


def _create_children(ctx: Context, parents: list[Any], data: list[dict[str, Any]],
                     seed: int) -> None:
    rng = random.Random(seed)
    for record in data:
        records.create(ctx, CHILD, {**record, "thing": rng.choice(parents)} if parents
                       else record)


@pytest.fixture(scope="module")
def filled(services: Services) -> Iterator[TenantHandle]:
    tenant = make_tenant(services)
    support.define(tenant, DOCUMENT)
    support.define(tenant, CHILD_DOCUMENT)
    with tenant.context() as ctx:
        ids = [records.create(ctx, OBJECT, r)["id"]
               for r in _fixed_records(POOLS, RECORDS, 20240611)]
        _create_children(ctx, [*ids, None], _fixed_records(CHILD_POOLS, ACTIVITIES, 7), 7)
    yield tenant


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(tree=trees())
def test_sql_and_predicate_agree_on_fixed_records(filled: TenantHandle, tree: Any) -> None:
    with filled.context(read_only=True) as ctx:
        _check_agreement(ctx, tree, support.stored_rows(ctx, OBJECT),
                         support.stored_rows(ctx, CHILD))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.lists(st.fixed_dictionaries({}, optional={
    n: _value_strategy(n) for n in FIELDS}), max_size=12),
       acts=st.lists(st.fixed_dictionaries({}, optional={
           "a_kind": st.sampled_from(CHILD_SPELLINGS),
           "at": st.one_of(st.sampled_from(POOLS["f_ts"][1:]), support.datetimes()),
           "note": _texts().map(lambda t: t[:40])}), max_size=12),
       seed=st.integers(0, 1000),
       conditions=st.lists(trees(), min_size=1, max_size=5))
def test_sql_and_predicate_agree_on_random_records(filled: TenantHandle,
                                                   data: list[dict[str, Any]],
                                                   acts: list[dict[str, Any]], seed: int,
                                                   conditions: list[Any]) -> None:
    with support.rolled_back(filled) as ctx:
        ctx.conn.execute(get_model(ctx, CHILD).table.delete())
        ctx.conn.execute(get_model(ctx, OBJECT).table.delete())
        ids = [records.create(ctx, OBJECT, record)["id"] for record in data]
        _create_children(ctx, [*ids, None], acts, seed)
        rows, children = support.stored_rows(ctx, OBJECT), support.stored_rows(ctx, CHILD)
        assert len(rows) == len(data)
        for tree in conditions:
            _check_agreement(ctx, tree, rows, children)


def test_metacharacters_match_literally(filled: TenantHandle) -> None:
    """A few pinned cases: LIKE wildcards and quotes in operands are plain characters
    (full-width ones fold to them: U+FF05 matches "%")."""
    with filled.context(read_only=True) as ctx:
        rows, children = support.stored_rows(ctx, OBJECT), support.stored_rows(ctx, CHILD)
        for op, value in [("contains", "%"), ("contains", "_"), ("starts_with", "'"),
                          ("ends_with", "%"), ("contains", "\\"), ("contains", "/"),
                          ("eq", "'; DROP TABLE x; --"), ("contains", "[ab]")]:
            tree = {"field": "f_text", "op": op, "value": value}
            _check_agreement(ctx, tree, rows, children)
            got = records.list_records(ctx, OBJECT, filter=tree, limit=200)["items"]
            for item in got:
                text = fold_text(item["f_text"])
                assert {"contains": value in text, "starts_with": text.startswith(value),
                        "ends_with": text.endswith(value),
                        "eq": item["f_text"] == value}[op], item
