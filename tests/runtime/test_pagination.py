"""Keyset pagination: walking every page returns every record once, in sort order.

The expected order is a plain Python sort of the same keys: NULLs last in both
directions, ``id`` (ascending) breaking ties unless the sort names it, or in the
direction of ``created_at`` when that is the only key
(``objectry/runtime/pagination.py``). Data has many ties and NULLs on purpose.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from objectry.platform.services import Services
from objectry.runtime import records
from objectry.runtime.model.compiled import get_model
from tests.conftest import TenantHandle, make_tenant
from tests.runtime import support

OBJECT = "paged"
POOLS: dict[str, tuple[dict[str, Any], list[Any]]] = {
    "f_text": ({"type": "text"}, ["", "a", "A", "b", "a b", "a\u2028b", "a\u2029b", "ä",
                                  "中", "%", "_", "'", "a\u00a0b", " a"]),
    "f_int": ({"type": "integer"}, [0, 1, -1, 2**63 - 1, -(2**63)]),
    "f_dec": ({"type": "decimal", "scale": 3}, ["0", "0.001", "-0.001", "1.5", "-1.5",
                                                "999999999999999.999"]),
    "f_bool": ({"type": "boolean"}, [True, False]),
    "f_date": ({"type": "date"}, ["2024-01-01", "2024-01-02", "0001-01-01", "9999-12-31"]),
    "f_ts": ({"type": "datetime"}, ["2024-01-01T00:00:00Z", "2024-01-01T08:00:00+08:00",
                                    "2024-01-01T00:00:00.000001Z", "1900-01-01T00:00:00Z"]),
    "f_pick": ({"type": "picklist", "options": ["b", "a", "Z", "中"]}, ["b", "a", "Z", "中"]),
    "f_email": ({"type": "email"}, ["a@b.cn", "A@b.cn", "b@a.cn"]),
}
DOCUMENT = {"kind": "object", "api_name": OBJECT, "label": {"en": "Paged"},
            "fields": [{"api_name": n, **d} for n, (d, _) in POOLS.items()]}
SORTABLE = [*POOLS, "id", "version", "created_at"]


@pytest.fixture(scope="module")
def paged_tenant(services: Services) -> Iterator[TenantHandle]:
    tenant = make_tenant(services)
    support.define(tenant, DOCUMENT)
    yield tenant


def _records() -> st.SearchStrategy[list[dict[str, Any]]]:
    record = st.fixed_dictionaries(
        {}, optional={n: st.one_of(st.none(), st.sampled_from(pool))
                      for n, (_, pool) in POOLS.items()})
    return st.lists(record, max_size=25)


def _sorts() -> st.SearchStrategy[list[str] | None]:
    keys = st.lists(st.tuples(st.sampled_from(SORTABLE), st.booleans()), min_size=1,
                    max_size=3, unique_by=lambda key: key[0])
    spec = keys.map(lambda ks: [("-" if descending else "") + k for k, descending in ks])
    return st.one_of(st.none(), spec)


def _expected_order(rows: list[dict[str, Any]], spec: list[str] | None) -> list[str]:
    keys = [("id", True)] if spec is None else [(k.lstrip("-"), k.startswith("-"))
                                                 for k in spec]
    if keys[0][0] == "created_at" and all(k == ("id", keys[0][1]) for k in keys[1:]):
        keys = [("created_at", keys[0][1]), ("id", keys[0][1])]  # ties: the id's way
    if "id" not in [k for k, _ in keys]:
        keys.append(("id", False))

    def compare(a: dict[str, Any], b: dict[str, Any]) -> int:
        for name, descending in keys:
            va, vb = a[name], b[name]
            if va == vb:
                continue
            if va is None or vb is None:  # NULLs last, whatever the direction
                return 1 if va is None else -1
            result = -1 if va < vb else 1
            return -result if descending else result
        return 0

    return [str(r["id"]) for r in sorted(rows, key=functools.cmp_to_key(compare))]


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=_records(), spec=_sorts(), limit=st.integers(1, 7))
@example(data=[{"f_text": "a\u2028b"}, {"f_text": "a\u2028b"}, {"f_text": "a b"}],
         spec=["f_text"], limit=1)
@example(data=[{"f_bool": True}, {"f_bool": False}, {}, {"f_bool": True}],
         spec=["-f_bool"], limit=1)
def test_pages_cover_every_record_once_in_order(paged_tenant: TenantHandle,
                                                data: list[dict[str, Any]],
                                                spec: list[str] | None, limit: int) -> None:
    with support.rolled_back(paged_tenant) as ctx:
        ctx.conn.execute(get_model(ctx, OBJECT).table.delete())
        for record in data:
            records.create(ctx, OBJECT, record)
        rows = support.stored_rows(ctx, OBJECT)
        walked: list[str] = []
        cursor = None
        for _ in range(len(data) + 2):
            page = records.list_records(ctx, OBJECT, sort=spec, limit=limit, cursor=cursor)
            assert len(page["items"]) <= limit
            walked += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert cursor is None, "pagination did not end"
        assert walked == _expected_order(rows, spec)
        first = records.list_records(ctx, OBJECT, sort=spec, limit=200)["items"]
        assert [item["id"] for item in first] == walked
