"""Define, write, read: a record reads back exactly as written, in canonical form.

Hypothesis draws an object definition (a random set of field types with valid options)
and values valid for it; after create (and update), ``get`` and ``list_records`` return
the canonical values: picklist aliases as their option, decimals exact to their scale,
instants in UTC with ``Z``, multi-picklists in option order, empty selections as null.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from objectry.platform.services import Services
from objectry.runtime import records
from tests.conftest import TenantHandle, make_tenant
from tests.runtime import support

#: A drawn value: (what the API is sent, what it must read back as).
Pair = tuple[Any, Any]
FULL_WIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}
FieldSpec = tuple[dict[str, Any], Callable[[], st.SearchStrategy[Pair]]]


def _same(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Pair]:
    return values.map(lambda v: (v, v))


def _text(kind: str, limit: int) -> st.SearchStrategy[FieldSpec]:
    chars = support.TEXT_CHARS if kind == "text" else st.one_of(
        support.TEXT_CHARS, st.sampled_from("\n\r\t"))

    def build(max_length: int | None) -> FieldSpec:
        definition: dict[str, Any] = {"type": kind}
        if max_length is not None:
            definition["max_length"] = max_length
        size = min(max_length or 40, 40)
        return definition, lambda: _same(st.text(chars, max_size=size))
    return st.one_of(st.none(), st.integers(1, limit)).map(build)


def _integer() -> st.SearchStrategy[FieldSpec]:
    def build(bounds: list[int]) -> FieldSpec:
        lo, hi = sorted(bounds) if bounds else (-(2**63), 2**63 - 1)
        definition: dict[str, Any] = {"type": "integer"}
        if bounds:
            definition.update(min=lo, max=hi)
        return definition, lambda: _same(st.integers(lo, hi))
    return st.one_of(st.just([]), st.lists(st.integers(-1000, 1000), min_size=2,
                                           max_size=2)).map(build)


def _decimal(kind: str) -> st.SearchStrategy[FieldSpec]:
    def build(precision: int, scale: int) -> FieldSpec:
        scale = min(scale, precision - 1)
        definition: dict[str, Any] = {"type": kind, "precision": precision, "scale": scale}
        if kind == "currency":
            definition["currency"] = "CNY"
        quantum = Decimal(1).scaleb(-scale)

        def values() -> st.SearchStrategy[Pair]:
            numbers = support.decimals(precision, scale)
            sent = st.one_of(numbers, numbers.map(str), numbers.map(
                lambda d: str(d.normalize()) if d else "0"))
            return sent.map(lambda v: (v, Decimal(v).quantize(quantum)))
        return definition, values
    return st.builds(build, st.integers(1, 18), st.integers(0, 10))


def _picklist(kind: str) -> st.SearchStrategy[FieldSpec]:
    def build(count: int, with_aliases: bool, max_selections: int | None) -> FieldSpec:
        options: list[Any] = []
        spellings: list[tuple[str, str]] = []  # (input, canonical value)
        for i in range(count):
            value = f"opt{i}" if i % 2 else f"选项 {i}'%"
            if with_aliases:
                aliases = [f"Alias{i}", f"别名{i}"]
                options.append({"value": value, "aliases": aliases})
                spellings += [(a, value) for a in aliases]
                spellings.append((f"ALIAS{i}".translate(FULL_WIDTH), value))
            else:
                options.append(value)
            spellings += [(value, value), (value.upper(), value)]
        order = [o if isinstance(o, str) else o["value"] for o in options]
        definition: dict[str, Any] = {"type": kind, "options": options}
        if kind == "picklist":
            return definition, lambda: st.sampled_from(spellings)
        limit = max_selections or count
        if max_selections is not None:
            definition["max_selections"] = max_selections

        def values() -> st.SearchStrategy[Pair]:
            def pair(chosen: list[tuple[str, str]]) -> Pair:
                canon = {c for _, c in chosen}
                return [s for s, _ in chosen], [v for v in order if v in canon] or None
            return st.lists(st.sampled_from(spellings), max_size=4).filter(
                lambda c: len({v for _, v in c}) <= limit).map(pair)
        return definition, values
    return st.builds(build, st.integers(1, 5), st.booleans(),
                     st.one_of(st.none(), st.integers(1, 3)))


def _phones() -> st.SearchStrategy[str]:
    digits = st.text(st.sampled_from("0123456789"), min_size=3, max_size=14)
    return st.builds(lambda plus, d, sep: plus + sep.join([d[:3], d[3:]]).strip(sep),
                     st.sampled_from(["", "+"]), digits, st.sampled_from(["", "-", " ", "."]))


def _urls() -> st.SearchStrategy[str]:
    path = st.text(st.sampled_from("abcXYZ09-_~%/.?=&#"), max_size=20)
    return st.builds(lambda s, h, p: f"{s}://{h}.example.com/{p}",
                     st.sampled_from(["http", "https"]),
                     st.text(st.sampled_from("abc123"), min_size=1, max_size=5), path)


FIELD_SPECS: dict[str, st.SearchStrategy[FieldSpec]] = {
    "text": _text("text", 300),
    "long_text": _text("long_text", 5000),
    "integer": _integer(),
    "decimal": _decimal("decimal"),
    "currency": _decimal("currency"),
    "percent": _decimal("percent"),
    "boolean": st.just(({"type": "boolean"}, lambda: _same(st.booleans()))),
    "date": st.just(({"type": "date"}, lambda: _same(support.dates()))),
    "datetime": st.just(({"type": "datetime"}, lambda: support.datetimes().map(
        lambda v: (v, support.canonical_instant(v))))),
    "email": st.just(({"type": "email"}, lambda: _same(support.emails()))),
    "phone": st.just(({"type": "phone"}, lambda: _same(_phones()))),
    "url": st.just(({"type": "url"}, lambda: _same(_urls()))),
    "picklist": _picklist("picklist"),
    "multi_picklist": _picklist("multi_picklist"),
}


@st.composite
def objects(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Callable[[], Any]]]:
    kinds = draw(st.lists(st.sampled_from(sorted(FIELD_SPECS)), min_size=1, max_size=8))
    fields, values = [], {}
    for i, kind in enumerate(kinds):
        definition, strategy = draw(FIELD_SPECS[kind])
        name = f"{kind}_{i}"
        fields.append({"api_name": name, **definition})
        values[name] = strategy
    document = {"kind": "object", "api_name": support.unique_name("rt"),
                "label": {"en": "Round trip"}, "fields": fields}
    return document, values


@st.composite
def record_values(draw: st.DrawFn, values: dict[str, Callable[[], Any]]) -> tuple[dict, dict]:
    """(data to send, expected API values); fields may be null or left out."""
    sent, expected = {}, {}
    for name, strategy in values.items():
        choice = draw(st.sampled_from(["value", "value", "value", "null", "omit"]))
        if choice == "omit":
            expected[name] = None
            continue
        value, canonical = draw(strategy()) if choice == "value" else (None, None)
        sent[name], expected[name] = value, canonical
    return sent, expected


def _assert_reads(tenant: TenantHandle, object_name: str, record_id: str,
                  expected: dict[str, Any]) -> None:
    with tenant.context(read_only=True) as ctx:
        got = records.get(ctx, object_name, record_id)
        listed = records.list_records(ctx, object_name, limit=200)["items"]
    assert [item for item in listed if item["id"] == record_id] == [got]
    for name, want in expected.items():
        assert got[name] == want, (name, got[name], want)
        if isinstance(want, Decimal):  # exact to the scale: 12.50 stays 12.50
            assert str(got[name]) == str(want), (name, got[name], want)
        assert type(got[name]) is type(want), (name, got[name], want)


@pytest.fixture(scope="module")
def shared_tenant(services: Services) -> Iterator[TenantHandle]:
    yield make_tenant(services)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data(), drawn=objects())
def test_values_read_back_exactly(shared_tenant: TenantHandle, data: st.DataObject,
                                  drawn: tuple[dict[str, Any], dict]) -> None:
    document, values = drawn
    name = document["api_name"]
    support.define(shared_tenant, document)
    first_sent, first = data.draw(record_values(values), label="create")
    with shared_tenant.context() as ctx:
        created = records.create(ctx, name, first_sent)
    for field, want in first.items():
        assert created[field] == want, (field, created[field], want)
    _assert_reads(shared_tenant, name, created["id"], first)

    second_sent, second = data.draw(record_values(values), label="update")
    with shared_tenant.context() as ctx:
        records.update(ctx, name, created["id"], second_sent)
    # a field left out of a partial update keeps its value
    _assert_reads(shared_tenant, name, created["id"],
                  {f: second[f] if f in second_sent else first[f] for f in values})
