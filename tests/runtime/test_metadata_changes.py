"""Metadata changes never lose a stored value (README, "Metadata changes never lose data").

Adding, hiding and reviving fields, widening types, refused and converted narrowings,
dry runs, rollbacks and purges, each checked against the values stored before.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from objectry.metadata import store
from objectry.metadata.problems import Conflict, Invalid, NotFound, Problem
from objectry.runtime import records
from objectry.runtime.model.compiled import get_model
from objectry.runtime.schema import metadata_service
from tests.conftest import TenantHandle
from tests.runtime import support

OBJ = "item"
NASTY_TEXTS = ["plain", "", "line\u2028sep", "para\u2029sep", "  spaced  ", "100% _x_",
               "O'Brien", "中文", "tab\there"]


def document(*fields: dict[str, Any], name: str = OBJ) -> dict[str, Any]:
    return {"kind": "object", "api_name": name, "label": {"en": "Item"},
            "fields": [dict(f) for f in fields]}


TITLE = {"api_name": "title", "type": "text", "max_length": 20}
NOTE = {"api_name": "note", "type": "text", "max_length": 20}
QTY = {"api_name": "qty", "type": "integer"}
CODE = {"api_name": "code", "type": "text"}
COLOR = {"api_name": "color", "type": "picklist",
         "options": [{"value": "red", "aliases": ["Rot"]}, "blue"]}


def put(tenant: TenantHandle, doc: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    with tenant.context() as ctx:
        return metadata_service.put_document(ctx, "object", doc["api_name"], doc, **kwargs)


def create_all(tenant: TenantHandle, rows: list[dict[str, Any]], name: str = OBJ) -> list[str]:
    with tenant.context() as ctx:
        return [records.create(ctx, name, row)["id"] for row in rows]


def snapshot(tenant: TenantHandle, name: str = OBJ) -> dict[str, dict[str, Any]]:
    """Every live record as the API returns it, by id (system stamps left out)."""
    with tenant.context(read_only=True) as ctx:
        items = records.list_records(ctx, name, limit=200)["items"]
    return {i["id"]: {k: v for k, v in i.items() if k not in ("version", "updated_at")}
            for i in items}


def raw_column(tenant: TenantHandle, field: str, name: str = OBJ) -> dict[str, Any]:
    """The stored values of one column (hidden ones too), by id."""
    with tenant.context(read_only=True) as ctx:
        table = get_model(ctx, name).table
        rows = ctx.conn.execute(table.select()).mappings().all()
    return {str(r["id"]): r[field] for r in rows}


def meta_version(tenant: TenantHandle) -> int:
    with tenant.context(read_only=True) as ctx:
        return store.current_version(ctx.conn, ctx.tenant.id)


def current_document(tenant: TenantHandle, name: str = OBJ) -> dict[str, Any]:
    with tenant.context(read_only=True) as ctx:
        return metadata_service.get_document(ctx, "object", name)


def steps(result: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in result["plan"]["steps"] if s["action"] == action]


# -- adding, hiding, reviving -----------------------------------------------------------

def test_adding_a_field_keeps_every_value(tenant: TenantHandle) -> None:
    put(tenant, document(TITLE, QTY))
    create_all(tenant, [{"title": t, "qty": i} for i, t in enumerate(NASTY_TEXTS)])
    before = snapshot(tenant)
    result = put(tenant, document(TITLE, QTY, NOTE, COLOR))
    assert result["applied"]
    assert [s["field"] for s in steps(result, "add_column")] == ["note", "color"]
    after = snapshot(tenant)
    assert {i: {k: v for k, v in r.items() if k not in ("note", "color")}
            for i, r in after.items()} == before
    assert all(r["note"] is None and r["color"] is None for r in after.values())
    with tenant.context() as ctx:
        rid = next(iter(after))
        assert records.update(ctx, OBJ, rid, {"color": "Rot"})["color"] == "red"


def test_hiding_a_field_keeps_its_values_and_reviving_brings_them_back(
        tenant: TenantHandle) -> None:
    put(tenant, document(TITLE, NOTE))
    ids = create_all(tenant, [{"title": "a", "note": t} for t in NASTY_TEXTS]
                     + [{"title": "no note"}])
    before = snapshot(tenant)
    stored = raw_column(tenant, "note")

    hidden = put(tenant, document(TITLE))
    assert steps(hidden, "hide_field") == [
        {"action": "hide_field", "field": "note", "rows_with_values_kept": len(NASTY_TEXTS)}]
    assert all("note" not in r for r in snapshot(tenant).values())
    assert raw_column(tenant, "note") == stored
    with tenant.context(read_only=True) as ctx:
        listed = metadata_service.list_documents(ctx, "object")
        assert [d["hidden_fields"] for d in listed if d["api_name"] == OBJ] == [["note"]]
        with pytest.raises(Invalid) as refused:
            records.list_records(ctx, OBJ, filter={"field": "note", "op": "is_empty"})
        assert [e.code for e in refused.value.errors] == ["unknown_field"]
    with tenant.context() as ctx, pytest.raises(Invalid):
        records.update(ctx, OBJ, ids[0], {"note": "overwrite"})

    revived = put(tenant, document(TITLE, NOTE))
    assert [s["field"] for s in steps(revived, "unhide_field")] == ["note"]
    assert snapshot(tenant) == before


def test_reviving_with_another_storage_type_is_refused(tenant: TenantHandle) -> None:
    put(tenant, document(TITLE, NOTE))
    create_all(tenant, [{"note": "keep me"}])
    put(tenant, document(TITLE))
    version = meta_version(tenant)
    with pytest.raises(Conflict) as refused:
        put(tenant, document(TITLE, {"api_name": "note", "type": "integer"}))
    assert [e.code for e in refused.value.errors] == ["hidden_field_type_clash"]
    assert meta_version(tenant) == version
    put(tenant, document(TITLE, NOTE))
    assert [r["note"] for r in snapshot(tenant).values()] == ["keep me"]


# -- widening ---------------------------------------------------------------------------

def test_widening_changes_keep_every_value(tenant: TenantHandle) -> None:
    put(tenant, document(TITLE, QTY, COLOR, CODE))
    create_all(tenant, [
        {"title": t, "qty": q, "color": c, "code": t}
        for t, q, c in zip(NASTY_TEXTS, [0, 1, -1, 2**40, -(2**40), None, 7, 8, 9],
                           ["red", "Rot", "blue", None, "red", "blue", None, "red", "blue"],
                           strict=True)])
    before = snapshot(tenant)
    wider = document(
        {**TITLE, "max_length": 200},
        {"api_name": "qty", "type": "decimal", "precision": 18, "scale": 2},
        {**COLOR, "options": [*COLOR["options"], "green", {"value": "gelb", "aliases": ["黄"]}]},
        {"api_name": "code", "type": "long_text"})
    result = put(tenant, wider)
    assert result["applied"]
    for step in steps(result, "change_type") + steps(result, "change_constraints"):
        assert step["not_convertible"] == 0 and step["lossy"] == 0, step
    after = snapshot(tenant)
    assert after.keys() == before.keys()
    for rid, old in before.items():
        new = after[rid]
        assert new["title"] == old["title"] and new["code"] == old["code"]
        assert new["color"] == old["color"]
        assert new["qty"] == (None if old["qty"] is None else Decimal(old["qty"]))
    with tenant.context() as ctx:
        made = records.create(ctx, OBJ, {"title": "x" * 150, "qty": "1.25", "color": "黄"})
    assert (made["qty"], made["color"]) == (Decimal("1.25"), "gelb")


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(texts=st.lists(support.texts(20), min_size=1, max_size=6),
       limits=st.tuples(st.integers(20, 60), st.integers(20, 300)))
@example(texts=["line\u2028sep", "para\u2029sep", " x "], limits=(20, 40))
def test_any_max_length_change_that_fits_keeps_text_exactly(
        tenant: TenantHandle, texts: list[str], limits: tuple[int, int]) -> None:
    name = support.unique_name("wide")
    first, second = limits
    put(tenant, document({**TITLE, "max_length": first}, name=name))
    create_all(tenant, [{"title": t} for t in texts], name=name)
    before = raw_column(tenant, "title", name=name)
    result = put(tenant, document({**TITLE, "max_length": second}, name=name))
    assert result["applied"] == (first != second)
    assert raw_column(tenant, "title", name=name) == before


# -- narrowing: refused, converted, previewed ------------------------------------------

NARROW_ROWS = [{"code": "12"}, {"code": "abc"}, {"code": "-7"}, {"code": "x1"},
               {"code": None}, {"code": "3.5"}]
AS_INTEGER = {"api_name": "code", "type": "integer"}


def test_a_lossy_narrowing_is_refused_with_counts_and_examples(tenant: TenantHandle) -> None:
    put(tenant, document(TITLE, CODE))
    create_all(tenant, NARROW_ROWS)
    before, version = snapshot(tenant), meta_version(tenant)
    definition = current_document(tenant)

    with pytest.raises((Invalid, Conflict)) as refused:
        put(tenant, document(TITLE, AS_INTEGER))
    problem: Problem = refused.value
    assert [(e.path, e.code) for e in problem.errors] == [("/fields/1/type",
                                                           "type_change_lossy")]
    params = problem.errors[0].params
    assert params["count"] == 3
    assert sorted(x["value"] for x in params["examples"]) == ["3.5", "abc", "x1"]
    [step] = [s for p in problem.extra["plans"] for s in p["steps"]
              if s["action"] == "change_type"]
    assert (step["rows"], step["not_convertible"]) == (5, 3)

    assert snapshot(tenant) == before
    assert meta_version(tenant) == version
    assert current_document(tenant) == definition


def test_a_named_conversion_applies_and_audits_what_it_nulled(tenant: TenantHandle) -> None:
    put(tenant, document(TITLE, CODE))
    ids = create_all(tenant, NARROW_ROWS)
    version = meta_version(tenant)

    result = put(tenant, document(TITLE, AS_INTEGER), conversions={"code": "null_invalid"})
    assert result["applied"] and result["version"] == version + 1
    [step] = steps(result, "change_type")
    assert (step["lossy"], step["policy"]) == (3, "null_invalid")
    after = snapshot(tenant)
    assert [after[i]["code"] for i in ids] == [12, None, -7, None, None, None]
    with tenant.context(read_only=True) as ctx:
        for rid, row in zip(ids, NARROW_ROWS, strict=True):
            trail = records.audit_trail(ctx, OBJ, rid)
            converted = [t for t in trail if t["action"] == "converted"]
            if row["code"] in ("abc", "x1", "3.5"):
                assert [t["changes"] for t in converted] == [
                    [{"field": "code", "old": row["code"], "new": None}]]
            else:
                assert converted == []


def test_truncate_policy_keeps_the_originals_in_the_audit_trail(tenant: TenantHandle) -> None:
    put(tenant, document({**TITLE, "max_length": 20}))
    ids = create_all(tenant, [{"title": "short"}, {"title": "a much longer title"}])
    with pytest.raises(Invalid):
        put(tenant, document({**TITLE, "max_length": 6}))
    put(tenant, document({**TITLE, "max_length": 6}), conversions={"title": "truncate"})
    after = snapshot(tenant)
    assert [after[i]["title"] for i in ids] == ["short", "a much"]
    with tenant.context(read_only=True) as ctx:
        trail = records.audit_trail(ctx, OBJ, ids[1])
    assert trail[0]["action"] == "converted"
    assert trail[0]["changes"] == [{"field": "title", "old": "a much longer title",
                                    "new": "a much"}]


def test_a_decimal_scale_cut_that_would_round_is_refused(tenant: TenantHandle) -> None:
    price = {"api_name": "price", "type": "decimal", "precision": 12, "scale": 3}
    put(tenant, document(TITLE, price))
    ids = create_all(tenant, [{"price": "1.235"}, {"price": "2.500"}, {"price": None}])
    before, version = snapshot(tenant), meta_version(tenant)
    cut = document(TITLE, {**price, "scale": 2})
    with pytest.raises(Invalid) as refused:
        put(tenant, cut)
    assert refused.value.errors[0].params["count"] == 1
    assert refused.value.errors[0].params["examples"][0]["value"] == Decimal("1.235")
    assert (snapshot(tenant), meta_version(tenant)) == (before, version)

    put(tenant, cut, conversions={"price": "null_invalid"})
    after = snapshot(tenant)
    assert [after[i]["price"] for i in ids] == [None, Decimal("2.50"), None]
    with tenant.context(read_only=True) as ctx:
        assert records.audit_trail(ctx, OBJ, ids[0])[0]["changes"] == [
            {"field": "price", "old": Decimal("1.235"), "new": None}]


def test_dry_run_changes_nothing(tenant: TenantHandle) -> None:
    put(tenant, document(TITLE, CODE, NOTE))
    ids = create_all(tenant, NARROW_ROWS)
    before, version = snapshot(tenant), meta_version(tenant)
    definition = current_document(tenant)

    changed = document({**TITLE, "max_length": 3}, AS_INTEGER, COLOR)  # hides note too
    result = put(tenant, changed, dry_run=True, conversions={"code": "null_invalid",
                                                              "title": "truncate"})
    assert result["applied"] is False and result["version"] == version
    actions = [s["action"] for s in result["plan"]["steps"]]
    assert {"change_type", "add_column", "hide_field"} <= set(actions)
    assert snapshot(tenant) == before
    assert meta_version(tenant) == version
    assert current_document(tenant) == definition
    with tenant.context(read_only=True) as ctx:
        model = get_model(ctx, OBJ)
        assert "color" not in model.table.c and dict(model.hidden) == {}
        assert all(t["action"] == "created"
                   for rid in ids for t in records.audit_trail(ctx, OBJ, rid))


# -- rollback and purge -----------------------------------------------------------------

def test_rollback_restores_the_definition_and_loses_no_value(tenant: TenantHandle) -> None:
    v1 = put(tenant, document(TITLE, CODE))["version"]
    first = document(TITLE, CODE)
    ids = create_all(tenant, [{"title": "a", "code": "1"}, {"title": "b", "code": "xyz"}])
    v2 = put(tenant, document({**TITLE, "max_length": 200}, CODE, NOTE, QTY))["version"]
    with tenant.context() as ctx:
        records.update(ctx, OBJ, ids[0], {"note": "n1", "qty": 5, "code": "changed"})
    at_v2 = snapshot(tenant)

    with tenant.context() as ctx:
        result = metadata_service.rollback(ctx, v1)
    assert result["applied"] and result["version"] == v2 + 1
    assert current_document(tenant) == first
    with tenant.context(read_only=True) as ctx:
        assert sorted(get_model(ctx, OBJ).hidden) == ["note", "qty"]
    assert raw_column(tenant, "note")[ids[0]] == "n1"  # hidden, not dropped
    after_rollback = snapshot(tenant)
    assert {i: {k: r[k] for k in ("title", "code")} for i, r in after_rollback.items()} == \
        {i: {k: r[k] for k in ("title", "code")} for i, r in at_v2.items()}

    with tenant.context() as ctx:
        metadata_service.rollback(ctx, v2)
    assert snapshot(tenant) == at_v2


def test_rollback_that_would_lose_values_is_refused(tenant: TenantHandle) -> None:
    v1 = put(tenant, document({**TITLE, "max_length": 5}))["version"]
    put(tenant, document({**TITLE, "max_length": 50}))
    create_all(tenant, [{"title": "longer than five"}])
    version, before = meta_version(tenant), snapshot(tenant)
    with tenant.context() as ctx, pytest.raises((Invalid, Conflict)) as refused:
        metadata_service.rollback(ctx, v1)
    assert [e.code for e in refused.value.errors] == ["type_change_lossy"]
    assert (meta_version(tenant), snapshot(tenant)) == (version, before)


def test_purge_field_drops_only_that_field(tenant: TenantHandle) -> None:
    put(tenant, document(TITLE, NOTE, CODE, {**QTY, "indexed": True}))
    ids = create_all(tenant, [{"title": f"t{i}", "note": f"n{i}", "code": f"c{i}", "qty": i}
                              for i in range(4)])
    before = snapshot(tenant)
    put(tenant, document(TITLE))  # hides note, code and qty
    with tenant.context() as ctx, pytest.raises(NotFound):
        metadata_service.purge_field(ctx, OBJ, "title")  # only hidden fields are purged
    with tenant.context() as ctx:
        purged = metadata_service.purge_field(ctx, OBJ, "qty")
    assert purged["step"] == {"action": "purge_field", "field": "qty",
                              "rows_with_values_dropped": 4}
    with tenant.context() as ctx:
        metadata_service.purge_field(ctx, OBJ, "note")
    with tenant.context(read_only=True) as ctx:
        model = get_model(ctx, OBJ)
        assert "note" not in model.table.c and "qty" not in model.table.c
        assert sorted(model.hidden) == ["code"]

    put(tenant, document(TITLE, NOTE, CODE, QTY))  # re-adds note and qty as new columns
    after = snapshot(tenant)
    expected = copy.deepcopy(before)
    for rid in ids:
        expected[rid]["note"] = expected[rid]["qty"] = None
    assert after == expected
