"""The condition language: typed trees out, every culprit with its JSON Pointer."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest

from objectry.metadata.conditions.parser import (
    MAX_DEPTH,
    MAX_LEAVES,
    All,
    AnyOf,
    Leaf,
    Not,
    condition_errors,
    parse_condition,
)
from objectry.metadata.names import SYSTEM_FIELDS
from objectry.metadata.problems import Invalid
from tests.docs_objects import lead

FIELDS = {f["api_name"]: f for f in lead()["fields"]}


def lookup(name: str) -> Any:
    return FIELDS.get(name) or SYSTEM_FIELDS.get(name)


def parse(tree: Any) -> Any:
    return parse_condition(tree, lookup, object_name="lead")


def errors(tree: Any, at: str = "") -> list[tuple[str, str]]:
    return [(e.path, e.code) for e in condition_errors(tree, lookup, object_name="lead", at=at)]


def leaf(field: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


def test_typed_tree_with_values_in_storage_form() -> None:
    rid = uuid.uuid4()
    tree = parse({"all": [
        leaf("city", "in", ["上海", "北京"]),
        {"not": leaf("employees", "between", [1, 50])},
        {"any": [{"field": "email", "op": "is_empty"},
                 leaf("budget", "gte", "1000.5"),
                 leaf("created_at", "lt", "2024-01-01T08:00:00+08:00"),
                 leaf("campaign", "eq", str(rid))]},
        leaf("tags", "contains", "VIP"),
    ]})
    assert tree == All((
        Leaf("city", "picklist", "in", ("shanghai", "beijing")),
        Not(Leaf("employees", "integer", "between", (1, 50))),
        AnyOf((Leaf("email", "email", "is_empty", None),
               Leaf("budget", "currency", "gte", Decimal("1000.50")),
               Leaf("created_at", "datetime", "lt", dt.datetime(2024, 1, 1, tzinfo=dt.UTC)),
               Leaf("campaign", "lookup", "eq", rid))),
        Leaf("tags", "multi_picklist", "contains", "vip"),
    ))


def test_empty_groups_are_allowed() -> None:
    assert parse({"all": []}) == All(())
    assert parse({"any": []}) == AnyOf(())


def test_unknown_field() -> None:
    caught = condition_errors(leaf("score", "gt", 1), lookup, object_name="lead")
    assert [(e.path, e.code, dict(e.params)) for e in caught] == [
        ("/field", "unknown_field", {"object": "lead", "field": "score"})]


def test_system_fields_can_be_filtered() -> None:
    assert errors(leaf("version", "gt", 1)) == []
    assert errors(leaf("owner", "eq", str(uuid.uuid4()))) == []


def test_parse_raises_invalid_with_every_error() -> None:
    with pytest.raises(Invalid) as caught:
        parse({"any": [leaf("score", "gt", 1), leaf("employees", "gt", "many")]})
    assert caught.value.status == 422
    assert [(e.path, e.code) for e in caught.value.errors] == [
        ("/any/0/field", "unknown_field"), ("/any/1/value", "not_an_integer")]


@pytest.mark.parametrize(("field", "op"), [
    ("employees", "contains"), ("city", "gt"), ("city", "between"), ("tags", "eq"),
    ("tags", "in"), ("campaign", "gt"), ("campaign", "starts_with"), ("full_name", "between"),
])
def test_operator_not_supported_by_the_type(field: str, op: str) -> None:
    caught = condition_errors(leaf(field, op, "x"), lookup, object_name="lead")
    assert [(e.path, e.code) for e in caught] == [("/op", "operator_not_supported")]
    assert caught[0].params == {"op": op, "type": FIELDS[field]["type"]}


@pytest.mark.parametrize("op", ["like", "EQ", "=", "", 5, None])
def test_unknown_operator(op: Any) -> None:
    assert errors(leaf("employees", op, 1)) == [("/op", "unknown_operator")]


@pytest.mark.parametrize(("tree", "code"), [
    (leaf("employees", "eq", "12"), "not_an_integer"),
    (leaf("employees", "eq", True), "not_an_integer"),
    (leaf("employees", "eq", None), "required"),
    (leaf("budget", "gt", "lots"), "not_a_number"),
    (leaf("budget", "gt", "1.255"), "too_many_decimals"),
    (leaf("city", "eq", "paris"), "invalid_choice"),
    (leaf("created_at", "gt", "2024-01-01"), "not_a_datetime"),
    (leaf("campaign", "eq", "not-an-id"), "not_an_id"),
    (leaf("full_name", "contains", 5), "not_a_string"),
    (leaf("full_name", "starts_with", "a\x00"), "control_characters"),
    (leaf("tags", "contains", "gold"), "invalid_choice"),
    (leaf("employees", "in", 5), "not_a_list"),
    (leaf("employees", "in", []), "not_a_list"),
    (leaf("employees", "in", list(range(1001))), "not_a_list"),
    (leaf("employees", "between", [1]), "not_a_list"),
    (leaf("employees", "between", [1, 2, 3]), "not_a_list"),
    (leaf("employees", "in", [1, "two"]), "not_an_integer"),
])
def test_wrong_value(tree: dict[str, Any], code: str) -> None:
    assert errors(tree) == [("/value", code)]


def test_value_required_unless_the_operator_takes_none() -> None:
    assert errors({"field": "employees", "op": "gt"}) == [("", "value_required")]
    assert parse({"field": "employees", "op": "is_not_empty"}) == Leaf(
        "employees", "integer", "is_not_empty", None)


def test_bounds_of_the_field_do_not_bound_comparisons() -> None:
    # employees has min 0; full_name has max_length 80
    assert parse(leaf("employees", "gt", -5)) == Leaf("employees", "integer", "gt", -5)
    long = "x" * 120
    assert parse(leaf("full_name", "eq", long)).value == long
    assert parse(leaf("full_name", "contains", "y" * 500)).value == "y" * 500


@pytest.mark.parametrize("tree", [
    [], "city = shanghai", None, 5, {}, {"all": [], "any": []},
    {"field": "employees"}, {"op": "eq", "value": 1},
    {"field": "employees", "op": "eq", "value": 1, "extra": True},
    {"none": []},
])
def test_malformed_nodes(tree: Any) -> None:
    assert errors(tree) == [("", "invalid_condition")]


def test_group_must_hold_a_list() -> None:
    assert errors({"all": {"field": "employees", "op": "is_empty"}}) == [
        ("/all", "invalid_condition")]
    assert errors({"any": "x"}, at="/filter") == [("/filter/any", "invalid_condition")]


def test_paths_of_nested_errors_with_a_prefix() -> None:
    tree = {"any": [leaf("employees", "eq", 1),
                    {"all": [leaf("city", "eq", "shanghai"),
                             {"not": leaf("city", "eq", "paris")},
                             leaf("nowhere", "eq", 1)]}]}
    assert errors(tree, at="/rules/3/condition") == [
        ("/rules/3/condition/any/1/all/1/not/value", "invalid_choice"),
        ("/rules/3/condition/any/1/all/2/field", "unknown_field"),
    ]


def nested_nots(levels: int) -> dict[str, Any]:
    tree: dict[str, Any] = leaf("employees", "eq", 1)
    for _ in range(levels):
        tree = {"not": tree}
    return tree


def test_depth_limit() -> None:
    assert errors(nested_nots(MAX_DEPTH)) == []
    found = condition_errors(nested_nots(MAX_DEPTH + 1), lookup, object_name="lead")
    assert [(e.path, e.code) for e in found] == [
        ("/not" * (MAX_DEPTH + 1), "condition_too_deep")]
    assert found[0].params == {"max": MAX_DEPTH}


def test_very_deep_tree_is_refused_without_recursing_through_it() -> None:
    assert [code for _, code in errors(nested_nots(5000))] == ["condition_too_deep"]


def test_leaf_limit_counts_across_groups() -> None:
    many = [leaf("employees", "eq", i) for i in range(MAX_LEAVES)]
    assert errors({"all": many}) == []
    split = {"any": [{"all": many[:100]}, {"all": [*many[100:], leaf("employees", "eq", -1)]}]}
    found = condition_errors(split, lookup, object_name="lead", at="/filter")
    assert [(e.path, e.code) for e in found] == [("/filter", "condition_too_large")]
    assert found[0].params == {"max": MAX_LEAVES}
