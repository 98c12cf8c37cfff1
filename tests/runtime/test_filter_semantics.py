"""What the new operators mean, pinned by example: changes on updates, relative dates
at an explicit ``now`` (UTC days), forgiving text, related records, missing inputs."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from objectry.metadata.conditions.parser import parse_condition
from objectry.metadata.conditions.text import WHITESPACE, fold_text
from objectry.metadata.names import SYSTEM_FIELDS
from objectry.metadata.problems import Invalid
from objectry.runtime.query.compile import ConditionInputMissing, to_predicate, to_sql

FIELDS: dict[str, dict[str, Any]] = {
    "name": {"type": "text"},
    "stage": {"type": "picklist", "options": [
        "new", "won", {"value": "shanghai", "aliases": ["上海"]}]},
    "due": {"type": "date"},
    "seen_at": {"type": "datetime"},
    "tags": {"type": "multi_picklist", "options": ["vip", "cold"]},
}
ACTIVITY = {"lead": {"type": "lookup", "target": "lead"}, "kind": {"type": "text"},
            "at": {"type": "datetime"}}
NOW = dt.datetime(2024, 6, 15, 13, 30, tzinfo=dt.UTC)


def fields(name: str) -> Any:
    return FIELDS.get(name) or SYSTEM_FIELDS.get(name)


def objects(name: str) -> Any:
    if name == "activity":
        return lambda f: ACTIVITY.get(f) or SYSTEM_FIELDS.get(f)
    return None


def parse(tree: Any) -> Any:
    return parse_condition(tree, fields, object_name="lead", objects=objects)


def holds(tree: Any, record: dict[str, Any], old: dict[str, Any] | None = None,
          **inputs: Any) -> bool:
    return to_predicate(parse(tree), now=NOW)(record, old, **inputs)


# -- changes ----------------------------------------------------------------------------

def test_changed_needs_the_old_values_of_an_update() -> None:
    tree = {"field": "stage", "op": "changed"}
    assert holds(tree, {"stage": "won"}, {"stage": "new"})
    assert not holds(tree, {"stage": "won"}, {"stage": "won"})
    assert not holds(tree, {"stage": "won"}, {"name": "x"})  # absent from old: unchanged
    assert not holds(tree, {"stage": "won"})                  # not an update
    assert holds({"not": tree}, {"stage": "won"})


def test_changed_to_and_from_resolve_spellings() -> None:
    to = {"field": "stage", "op": "changed_to", "value": "上海"}
    came = {"field": "stage", "op": "changed_from", "value": "NEW"}
    assert holds(to, {"stage": "shanghai"}, {"stage": "new"})
    assert holds(came, {"stage": "shanghai"}, {"stage": "new"})
    assert not holds(to, {"stage": "shanghai"}, {"stage": "shanghai"})
    assert not holds(came, {"stage": "won"}, {"stage": "shanghai"})
    assert holds({"field": "stage", "op": "changed"}, {"stage": None}, {"stage": "new"})


def test_an_emptied_multi_picklist_is_one_empty_value() -> None:
    tree = {"field": "tags", "op": "changed"}
    assert not holds(tree, {"tags": None}, {"tags": []})
    assert holds(tree, {"tags": ["vip"]}, {"tags": None})


def test_sql_refuses_changes_naming_each_one() -> None:
    table = sa.table("lead", *(sa.column(n) for n in FIELDS))
    node = parse({"any": [{"field": "name", "op": "eq", "value": "x"},
                          {"not": {"field": "stage", "op": "changed_to", "value": "won"}}]})
    with pytest.raises(Invalid) as caught:
        to_sql(node, table)
    assert [(e.path, e.code, dict(e.params)) for e in caught.value.errors] == [
        ("/any/1/not/op", "operator_needs_update", {"op": "changed_to"})]


def test_where_there_is_no_update_changes_are_refused_when_parsed() -> None:
    tree = {"all": [{"field": "stage", "op": "changed"}]}
    with pytest.raises(Invalid) as caught:
        parse_condition(tree, fields, object_name="lead", at="/filter", changes=False)
    assert [(e.path, e.code) for e in caught.value.errors] == [
        ("/filter/all/0/op", "operator_needs_update")]


# -- relative dates ---------------------------------------------------------------------

@pytest.mark.parametrize(("op", "days", "inside", "outside"), [
    ("today", None, ["2024-06-15"], ["2024-06-14", "2024-06-16"]),
    ("last_n_days", 0, ["2024-06-15"], ["2024-06-14", "2024-06-16"]),
    ("last_n_days", 7, ["2024-06-08", "2024-06-15"], ["2024-06-07", "2024-06-16"]),
    ("next_n_days", 7, ["2024-06-15", "2024-06-22"], ["2024-06-14", "2024-06-23"]),
    ("older_than_days", 30, ["2024-05-15", "0001-01-01"], ["2024-05-16", "2024-07-01"]),
    ("older_than_days", 36500, ["1924-07-09"], ["1924-07-10", "2024-06-15"]),
])
def test_relative_dates_on_dates(op: str, days: int | None, inside: list[str],
                                 outside: list[str]) -> None:
    tree = {"field": "due", "op": op, **({} if days is None else {"value": days})}
    for day in inside:
        assert holds(tree, {"due": dt.date.fromisoformat(day)}), day
    for day in outside:
        assert not holds(tree, {"due": dt.date.fromisoformat(day)}), day
    assert not holds(tree, {"due": None})


def test_datetimes_are_compared_by_their_utc_day() -> None:
    tree = {"field": "seen_at", "op": "today"}
    at = dt.datetime.fromisoformat
    assert holds(tree, {"seen_at": at("2024-06-15T00:00:00+00:00")})
    assert holds(tree, {"seen_at": at("2024-06-16T07:59:59+08:00")})  # 23:59:59 UTC
    assert not holds(tree, {"seen_at": at("2024-06-16T08:00:00+08:00")})
    assert not holds(tree, {"seen_at": at("2024-06-14T23:59:59.999999+00:00")})


def test_the_clock_comes_from_the_caller() -> None:
    tree = parse({"field": "due", "op": "today"})
    record = {"due": dt.date(2024, 7, 15)}
    assert not to_predicate(tree, now=NOW)(record)
    assert to_predicate(tree, now=NOW)(record, now=NOW + dt.timedelta(days=30))
    with pytest.raises(ConditionInputMissing):
        to_predicate(tree)(record)
    with pytest.raises(ConditionInputMissing):
        to_sql(tree, sa.table("lead", sa.column("due")))


@pytest.mark.parametrize("value", [-1, 36501, "7", 1.5, True, None])
def test_day_counts(value: Any) -> None:
    with pytest.raises(Invalid) as caught:
        parse({"field": "due", "op": "last_n_days", "value": value})
    assert [(e.path, e.code) for e in caught.value.errors] == [("/value", "invalid_day_count")]


def test_relative_dates_only_on_dates() -> None:
    with pytest.raises(Invalid) as caught:
        parse({"field": "name", "op": "today"})
    assert caught.value.errors[0].code == "operator_not_supported"


# -- text -------------------------------------------------------------------------------

def test_fold_text() -> None:
    wide = "".join(chr(ord(c) + 0xFEE0) for c in "ShangHai")
    assert fold_text(f"\u3000 {wide}\t\u00a0City ") == "shanghai city"
    assert fold_text("Äpfel") == "Äpfel"  # non-ASCII case is not folded (see the module)
    assert set(WHITESPACE) == {chr(c) for c in range(0x110000)
                               if chr(c).isspace() and chr(c) != " "}


@pytest.mark.parametrize(("op", "value"), [
    ("contains", "shanghai"), ("contains", " SHANGHAI   city"), ("starts_with", "上海"),
    ("ends_with", "\uff23\uff49\uff54\uff59"), ("contains", "hai\u3000ci")])
def test_text_matching_forgives_case_width_and_spaces(op: str, value: str) -> None:
    assert holds({"field": "name", "op": op, "value": value},
                 {"name": "上海  ShangHai\u3000City "})


def test_picklists_resolve_every_spelling_when_parsed() -> None:
    wide = "".join(chr(ord(c) + 0xFEE0) for c in "SHANGHAI")
    for spelling in ["上海", "ShangHai", " shanghai ", wide]:
        assert parse({"field": "stage", "op": "eq", "value": spelling}).value == "shanghai"
        assert holds({"field": "stage", "op": "in", "value": [spelling]}, {"stage": "shanghai"})


# -- related records --------------------------------------------------------------------

LEAD = uuid.uuid4()
ACTS = [{"lead": LEAD, "kind": "whitepaper_download", "at": NOW - dt.timedelta(days=3)},
        {"lead": LEAD, "kind": "call", "at": NOW - dt.timedelta(days=40)}]


def rows(obj: str, via: str, parent: Any) -> list[dict[str, Any]]:
    assert (obj, via) == ("activity", "lead")
    return [a for a in ACTS if a[via] == parent]


def related(**spec: Any) -> dict[str, Any]:
    return {"related": {"object": "activity", "via": "lead", **spec}}


@pytest.mark.parametrize(("tree", "expected"), [
    (related(), True),
    (related(exists=False), False),
    (related(where={"all": [{"field": "kind", "op": "eq", "value": "whitepaper_download"},
                            {"field": "at", "op": "last_n_days", "value": 30}]}), True),
    (related(where={"all": [{"field": "kind", "op": "eq", "value": "call"},
                            {"field": "at", "op": "last_n_days", "value": 30}]}), False),
    (related(count={"gte": 2}), True),
    (related(count={"gt": 2}), False),
    (related(count={"gte": 1, "lt": 2}, where={"field": "kind", "op": "contains",
                                               "value": "CALL"}), True),
])
def test_related_records(tree: Any, expected: bool) -> None:
    assert holds(tree, {"id": LEAD}, related=rows) is expected
    assert holds(tree, {"id": uuid.uuid4()}, related=rows) is (
        tree["related"].get("exists") is False)  # a lead without activities


def test_related_needs_its_rows() -> None:
    with pytest.raises(ConditionInputMissing):
        holds(related(), {"id": LEAD})


@pytest.mark.parametrize(("spec", "path", "code"), [
    ({"object": "activity"}, "/related", "invalid_related"),
    ({"object": "activity", "via": "lead", "extra": 1}, "/related", "invalid_related"),
    ({"object": "nothing", "via": "lead"}, "/related/object", "unknown_object"),
    ({"object": "activity", "via": "kind"}, "/related/via", "related_via_not_lookup"),
    ({"object": "activity", "via": "created_by"}, "/related/via", "related_via_not_lookup"),
    ({"object": "activity", "via": "lead", "exists": "yes"}, "/related/exists", "schema_type"),
    ({"object": "activity", "via": "lead", "exists": False, "count": {"gte": 1}},
     "/related", "related_exists_and_count"),
    ({"object": "activity", "via": "lead", "count": {"ne": 1}}, "/related/count/ne",
     "invalid_count"),
    ({"object": "activity", "via": "lead", "count": {"gte": -1}}, "/related/count/gte",
     "invalid_count"),
    ({"object": "activity", "via": "lead", "count": {}}, "/related/count", "invalid_count"),
    ({"object": "activity", "via": "lead", "where": {"field": "score", "op": "is_empty"}},
     "/related/where/field", "unknown_field"),
    ({"object": "activity", "via": "lead", "where": {"field": "kind", "op": "changed"}},
     "/related/where/op", "operator_needs_update"),
])
def test_related_errors_point_into_the_tree(spec: Any, path: str, code: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_condition({"any": [{"related": spec}]}, fields, object_name="lead",
                        at="/filter", objects=objects)
    assert [(e.path, e.code) for e in caught.value.errors] == [("/filter/any/0" + path, code)]


def test_related_conditions_need_other_objects() -> None:
    with pytest.raises(Invalid) as caught:
        parse_condition(related(), fields, object_name="lead")
    assert [(e.path, e.code) for e in caught.value.errors] == [
        ("/related", "related_not_available")]
