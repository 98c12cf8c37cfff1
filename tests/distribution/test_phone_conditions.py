"""Phone conditions (issue 15 part 4): ``eq`` compares numbers however written and
``area_code`` finds a city's fixed lines; the SQL and the Python compilers agree on
every spelling (hypothesis), on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from objectry.metadata import store
from objectry.metadata.conditions.parser import parse_condition
from objectry.metadata.conditions.phones import phone_key
from objectry.runtime import records
from objectry.runtime.model.compiled import get_model
from objectry.runtime.query.compile import to_predicate, to_sql
from tests.conftest import Api, TenantHandle, problem
from tests.distribution.support import leads, new_lead

NATIONAL = ["2162991640", "13800138000", "75512345678", "1062345678", "57188886666",
            "2112345", "212", "8621629916", "62991640", "0"]
PREFIXES = ["", "0", "+86 ", "+86", "0086 ", "0086", "+1 ", "+", "+86-", "(0", "86"]
AREA_CODES = ["021", "21", "0755", "010", "0571", "755", "10", "0862", "86"]


@st.composite
def spellings(draw: st.DrawFn) -> str:
    """A phone number as people write it: prefixes, separators, brackets."""
    digits = draw(st.sampled_from(NATIONAL))
    prefix = draw(st.sampled_from(PREFIXES))
    cuts = sorted(draw(st.lists(st.integers(1, max(1, len(digits) - 1)), max_size=3)))
    parts, last = [], 0
    for cut in cuts:
        parts.append(digits[last:cut])
        last = cut
    parts.append(digits[last:])
    body = draw(st.sampled_from([" ", "-", "."])).join(p for p in parts if p)
    text = prefix + body + (")" if prefix.endswith("(0") else "")
    return text if sum(c.isdigit() for c in text) >= 3 else text + "000"


def spelled(rng: random.Random) -> str:
    """One of the spellings seen in the wild (stored values of the property test)."""
    return rng.choice([
        "+86 21 6299 1640", "021-62991640", "02162991640", "0086 21 62991640",
        "+86 138 0013 8000", "13800138000", "(0755) 1234-5678", "+1 212 555 0100",
        "+12125550100", "010 6234 5678", "0571-88886666", "62991640", "021 1234 5",
        "+86-21-62991640", "021.6299.1640", "00862162991640", "86 21 62991640"])


def test_shanghai_spellings_meet_one_condition(api: Api, tenant: TenantHandle) -> None:
    leads(api, tenant)
    same = [new_lead(api, mobile=m) for m in
            ("+86 21 6299 1640", "021-62991640", "02162991640", "0086 21 6299 1640")]
    other = [new_lead(api, mobile="13800138000"), new_lead(api, mobile="0755-12345678"),
             new_lead(api)]

    def found(condition: dict[str, Any]) -> set[str]:
        page = api.get("/api/v1/records/lead", query={"filter": json.dumps(condition)})
        assert page.status_code == 200, page.get_json()
        return {r["id"] for r in page.get_json()["items"]}

    assert found({"field": "mobile", "op": "eq", "value": "021 6299 1640"}) == set(same)
    assert found({"field": "mobile", "op": "area_code", "value": "021"}) == set(same)
    assert found({"field": "mobile", "op": "ne", "value": "+862162991640"}) == set(other)
    assert found({"field": "mobile", "op": "area_code", "value": "0755"}) == {other[1]}
    bad = problem(api.get("/api/v1/records/lead", query={"filter": json.dumps(
        {"field": "mobile", "op": "area_code", "value": "shanghai"})}), 422)
    assert bad["errors"][0]["path"].endswith("/value")
    assert bad["errors"][0]["code"] == "invalid_area_code"
    wrong = problem(api.get("/api/v1/records/lead", query={"filter": json.dumps(
        {"field": "full_name", "op": "area_code", "value": "021"})}), 422)
    assert wrong["errors"][0]["code"] == "operator_not_supported"


def test_phone_key_spellings() -> None:
    assert {phone_key(s) for s in ("+86 21 6299 1640", "021-62991640", "02162991640",
                                   "0086 21 62991640", "+86-21-62991640")} == {"2162991640"}
    assert phone_key("+1 212 555 0100") == "+12125550100"
    assert phone_key("+86 138 0013 8000") == phone_key("13800138000") == "13800138000"


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_both_compilers_agree_on_phones(api: Api, tenant: TenantHandle,
                                        data: st.DataObject) -> None:
    with tenant.context() as ctx:
        model = get_model(ctx, "lead") if "lead" in _objects(ctx) else None
    if model is None:
        leads(api, tenant)
        rng = random.Random(15)
        with tenant.context() as ctx:
            for _ in range(60):
                records.create(ctx, "lead", {"full_name": "P", "mobile": spelled(rng)})
            for text in ("+86 21 6299 1640", "+1 212 555 0100", "0086 21 62991640"):
                records.create(ctx, "lead", {"full_name": "P", "mobile": text})
            records.create(ctx, "lead", {"full_name": "P"})
    op = data.draw(st.sampled_from(["eq", "ne", "in", "not_in", "area_code"]))
    if op == "area_code":
        value: Any = data.draw(st.sampled_from(AREA_CODES))
    elif op in ("in", "not_in"):
        value = data.draw(st.lists(spellings(), min_size=1, max_size=3))
    else:
        value = data.draw(spellings())
    condition = {"field": "mobile", "op": op, "value": value}
    with tenant.context() as ctx:
        model = get_model(ctx, "lead")
        definition = model.definition
        node = parse_condition(condition, lambda n: next(
            (f for f in definition["fields"] if f["api_name"] == n), None), object_name="lead")
        table = model.table
        by_sql = set(ctx.conn.execute(
            table.select().with_only_columns(table.c.id).where(to_sql(node, table))
        ).scalars())
        rows = ctx.conn.execute(table.select()).mappings().all()
        test = to_predicate(node)
        by_python = {r["id"] for r in rows if test(r)}
    assert by_sql == by_python, condition


def _objects(ctx: Any) -> set[str]:
    return set(store.documents(ctx.conn, ctx.tenant.id, "object"))
