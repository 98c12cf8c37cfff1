"""The rule entry index: looking a record's entries up by value picks what trying every
entry in order picks (property test over random entries and records)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from objectry.metadata.conditions.nodes import All, AnyOf, Leaf, Node, Not
from objectry.runtime.distribution.entry_index import build_index
from objectry.runtime.query.compile import to_predicate

CITIES = ["shanghai", "beijing", "shenzhen", "Shanghai"]
NUMBERS: list[Any] = [0, 1, 2, 1.0, Decimal("1"), Decimal("2.0"), True, False]
PHONES = ["021-62991640", "+86 21 6299 1640", "010-12345678"]
TAGS = ["vip", "new"]


def _leaf(field: str, type_name: str, op: str, value: Any) -> Leaf:
    return Leaf(field, type_name, op, value)


def leaves() -> st.SearchStrategy[Node]:
    city, number = st.sampled_from(CITIES), st.sampled_from(NUMBERS)
    return st.one_of(
        city.map(lambda v: _leaf("city", "picklist", "eq", v)),
        st.lists(city, max_size=3).map(lambda v: _leaf("city", "picklist", "in", tuple(v))),
        city.map(lambda v: _leaf("city", "picklist", "ne", v)),
        st.lists(city, max_size=2).map(
            lambda v: _leaf("city", "picklist", "not_in", tuple(v))),
        number.map(lambda v: _leaf("n", "decimal", "eq", v)),
        st.lists(number, max_size=3).map(lambda v: _leaf("n", "integer", "in", tuple(v))),
        number.map(lambda v: _leaf("n", "decimal", "gt", v)),
        st.sampled_from(PHONES).map(lambda v: _leaf("mobile", "phone", "eq", v)),
        st.sampled_from(TAGS).map(lambda v: _leaf("tags", "multi_picklist", "contains", v)),
        st.just(_leaf("city", "picklist", "is_empty", None)),
    )


def conditions() -> st.SearchStrategy[Node | None]:
    tree = st.recursive(leaves(), lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda c: All(tuple(c))),
        st.lists(inner, min_size=1, max_size=3).map(lambda c: AnyOf(tuple(c))),
        inner.map(Not)), max_leaves=4)
    return st.one_of(st.none(), tree)


records = st.fixed_dictionaries({
    "city": st.one_of(st.none(), st.sampled_from(CITIES), st.just(["shanghai"])),
    "n": st.one_of(st.none(), st.sampled_from(NUMBERS)),
    "mobile": st.one_of(st.none(), st.sampled_from(PHONES)),
    "tags": st.one_of(st.none(), st.lists(st.sampled_from(TAGS), max_size=2)),
})


@settings(max_examples=400, deadline=None)
@given(st.lists(conditions(), min_size=1, max_size=20), st.lists(records, max_size=8))
def test_indexed_pick_is_the_linear_pick(entries: list[Node | None],
                                         rows: list[dict[str, Any]]) -> None:
    tests = [None if c is None else to_predicate(c) for c in entries]
    index = build_index(entries)

    def holds(position: int, row: dict[str, Any]) -> bool:
        test = tests[position]
        return test is None or test(row)

    for row in rows:
        linear = [i for i in range(len(entries)) if holds(i, row)]
        candidates = list(index.candidates(row))
        assert candidates == sorted(set(candidates))  # entry order, each once
        indexed = [i for i in candidates if holds(i, row)]
        assert indexed == linear  # hence the same first match: the same pick
        assert (indexed[:1] or [None]) == (linear[:1] or [None])


def test_equality_entries_are_looked_up() -> None:
    """20 ``city eq`` entries and a catch-all: a record is tested against its city's
    entry and the catch-all only."""
    cities = [f"city{i:02d}" for i in range(20)]
    entries: list[Node | None] = [_leaf("city", "picklist", "eq", c) for c in cities]
    entries.append(None)
    index = build_index(entries)
    assert list(index.candidates({"city": "city07"})) == [7, 20]
    assert list(index.candidates({"city": None})) == [20]
    assert list(index.candidates({"city": ["city07"]})) == list(range(21))
