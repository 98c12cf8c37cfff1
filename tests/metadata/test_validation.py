"""Validation of object and layout definitions: every refusal names its culprit."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from objectry.metadata.fieldtypes import REGISTRY
from objectry.metadata.names import INTERNAL_COLUMNS, RESERVED_FIELD_NAMES, SYSTEM_FIELDS
from objectry.metadata.problems import ErrorItem
from objectry.metadata.validation.objects import schema_errors, validate_layout, validate_object
from tests.docs_objects import campaign, lead, task


def obj(*fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"kind": "object", "api_name": "deal", "label": {"en": "Deal", "zh-CN": "商机"},
            "fields": list(fields), **extra}


def wide(text: str) -> str:
    """The full-width form of ASCII text, as typed with a Chinese input method."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def found(errors: list[ErrorItem]) -> list[tuple[str, str]]:
    return [(e.path, e.code) for e in errors]


def check(document: Any, others: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    return found(validate_object(document, others or {}))


# -- documents that are fine -------------------------------------------------------------

def test_sample_objects_are_valid() -> None:
    assert validate_object(campaign(), {}) == []
    assert validate_object(lead(), {"campaign": campaign()}) == []
    assert validate_object(task(), {"campaign": campaign(), "lead": lead()}) == []


def test_validation_does_not_modify_the_document() -> None:
    document = lead()
    before = copy.deepcopy(document)
    validate_object(document, {"campaign": campaign()})
    assert document == before


def test_every_field_type_with_no_options_is_valid() -> None:
    needs = {"lookup": {"target": "deal"}, "picklist": {"options": ["a"]},
             "multi_picklist": {"options": ["a"]},
             "formula": {"expression": "1 + 1", "result": "number"},
             "rollup": {"object": "deal", "via": ["f_lookup"], "op": "count"}}
    fields = [{"api_name": f"f_{name}", "type": name, **needs.get(name, {})}
              for name in REGISTRY]
    assert validate_object(obj(*fields), {}) == []


# -- the shape of the document -----------------------------------------------------------

def test_missing_label_and_fields_are_each_reported() -> None:
    assert check({"api_name": "deal"}) == [("/fields", "schema_required"),
                                           ("/label", "schema_required")]
    errors = validate_object({"api_name": "deal"}, {})
    assert {e.params["property"] for e in errors} == {"fields", "label"}


def test_document_must_be_a_json_object() -> None:
    assert check(["deal"]) == [("", "schema_type")]


def test_unknown_top_level_property() -> None:
    assert check(obj(colour="red")) == [("/colour", "schema_unknown_property")]


def test_empty_label_map_and_bad_language_tag() -> None:
    assert check(obj(label={})) == [("/label", "schema_too_few")]
    assert ("/label", "schema_violation") in check(obj(label={"English!": "Deal"}))


@pytest.mark.parametrize("name", [
    "Deal",            # uppercase
    "dEAL",
    "1deal",           # leading digit
    "_deal",           # leading underscore
    "d",               # too short
    "d" * 64,          # too long
    "a;drop table",    # SQL metacharacters
    "deal'--",
    'deal"',
    "deal-2",
    "deal name",
    "deal\n",          # a trailing newline
    "交易",
    "",
])
def test_invalid_object_api_name(name: str) -> None:
    assert check(obj(api_name=name)) == [("/api_name", "invalid_api_name")]


@pytest.mark.parametrize("name", ["ab", "deal", "deal_2", "a" * 63, "x_"])
def test_valid_object_api_names(name: str) -> None:
    assert check(obj(api_name=name)) == []


def test_api_name_not_a_string() -> None:
    assert check(obj(api_name=7)) == [("/api_name", "schema_type")]


def test_invalid_field_api_names_point_at_each_field() -> None:
    errors = check(obj({"api_name": "amount", "type": "integer"},
                       {"api_name": "Stage", "type": "text"},
                       {"api_name": "a;drop table", "type": "text"},
                       {"api_name": "9lives", "type": "text"}))
    assert errors == [("/fields/1/api_name", "invalid_api_name"),
                      ("/fields/2/api_name", "invalid_api_name"),
                      ("/fields/3/api_name", "invalid_api_name")]


def test_field_without_api_name_or_type() -> None:
    assert check(obj({"type": "text"}, {"api_name": "stage"})) == [
        ("/fields/0/api_name", "schema_required"),
        ("/fields/1/type", "schema_required"),
    ]


@pytest.mark.parametrize("name", sorted(RESERVED_FIELD_NAMES))
def test_reserved_field_names(name: str) -> None:
    errors = validate_object(obj({"api_name": "amount", "type": "integer"},
                                 {"api_name": name, "type": "text"}), {})
    assert found(errors) == [("/fields/1/api_name", "reserved_name")]
    assert errors[0].params == {"name": name}


def test_system_fields_and_internal_columns_are_reserved() -> None:
    assert set(SYSTEM_FIELDS) <= RESERVED_FIELD_NAMES
    assert INTERNAL_COLUMNS <= RESERVED_FIELD_NAMES
    assert {"id", "version", "owner", "created_at", "updated_at"} <= RESERVED_FIELD_NAMES


def test_duplicate_field_api_name_points_at_the_second() -> None:
    errors = validate_object(obj({"api_name": "amount", "type": "integer"},
                                 {"api_name": "stage", "type": "text"},
                                 {"api_name": "amount", "type": "decimal"}), {})
    assert found(errors) == [("/fields/2/api_name", "duplicate_name")]
    assert errors[0].params == {"name": "amount"}


def test_each_further_duplicate_is_reported() -> None:
    field = {"api_name": "amount", "type": "integer"}
    assert check(obj(field, field, field)) == [("/fields/1/api_name", "duplicate_name"),
                                               ("/fields/2/api_name", "duplicate_name")]


def test_unknown_field_type() -> None:
    errors = validate_object(obj({"api_name": "amount", "type": "integer"},
                                 {"api_name": "photo", "type": "blob"}), {})
    assert found(errors) == [("/fields/1/type", "unknown_field_type")]
    assert errors[0].params["type"] == "blob"
    assert errors[0].params["known"] == sorted(REGISTRY)


@pytest.mark.parametrize(("field", "option"), [
    ({"type": "integer", "max_length": 10}, "max_length"),
    ({"type": "text", "min": 1}, "min"),
    ({"type": "boolean", "options": ["a"]}, "options"),
    ({"type": "email", "max_length": 10}, "max_length"),
    ({"type": "picklist", "options": ["a"], "target": "deal"}, "target"),
    ({"type": "date", "scale": 2}, "scale"),
    ({"type": "text", "colour": "red"}, "colour"),
])
def test_option_not_allowed_for_the_type(field: dict[str, Any], option: str) -> None:
    errors = validate_object(obj({"api_name": "stage", "type": "text"},
                                 {"api_name": "amount", **field}), {})
    assert found(errors) == [(f"/fields/1/{option}", "schema_unknown_property")]
    assert errors[0].params == {"property": option}


@pytest.mark.parametrize(("field", "culprit", "code"), [
    ({"type": "text", "max_length": 0}, "max_length", "below_min"),
    ({"type": "text", "max_length": 10001}, "max_length", "above_max"),
    ({"type": "text", "max_length": "80"}, "max_length", "schema_type"),
    ({"type": "text", "required": "yes"}, "required", "schema_type"),
    ({"type": "decimal", "precision": 19}, "precision", "above_max"),
    ({"type": "decimal", "scale": 11}, "scale", "above_max"),
    ({"type": "currency", "currency": "rmb"}, "currency", "schema_violation"),
    ({"type": "lookup", "target": "deal", "on_target_delete": "explode"},
     "on_target_delete", "schema_enum"),
    ({"type": "integer", "min": 1.5}, "min", "schema_type"),
])
def test_option_values_are_checked(field: dict[str, Any], culprit: str, code: str) -> None:
    assert check(obj({"api_name": "amount", **field})) == [(f"/fields/0/{culprit}", code)]


def test_unknown_group() -> None:
    errors = validate_object(obj({"api_name": "stage", "type": "text", "group": "main"},
                                 {"api_name": "amount", "type": "integer", "group": "money"},
                                 field_groups=[{"api_name": "main"}]), {})
    assert found(errors) == [("/fields/1/group", "unknown_group")]
    assert errors[0].params == {"group": "money"}


def test_default_group_needs_no_declaration() -> None:
    assert check(obj({"api_name": "stage", "type": "text", "group": "default"})) == []


def test_duplicate_field_group() -> None:
    errors = check(obj({"api_name": "stage", "type": "text"},
                       field_groups=[{"api_name": "main"}, {"api_name": "extra"},
                                     {"api_name": "main"}]))
    assert errors == [("/field_groups/2/api_name", "duplicate_name")]


def test_name_field_must_be_a_field() -> None:
    errors = validate_object(obj({"api_name": "stage", "type": "text"}, name_field="title"), {})
    assert found(errors) == [("/name_field", "unknown_name_field")]
    assert errors[0].params == {"field": "title"}
    assert check(obj({"api_name": "title", "type": "text"}, name_field="title")) == []


def test_lookup_target_must_be_a_known_object() -> None:
    errors = validate_object(obj({"api_name": "stage", "type": "text"},
                                 {"api_name": "account", "type": "lookup", "target": "account"}),
                             {"campaign": campaign()})
    assert found(errors) == [("/fields/1/target", "unknown_lookup_target")]
    assert errors[0].params == {"target": "account"}


def test_lookup_to_itself_or_another_object_is_fine() -> None:
    document = obj({"api_name": "parent", "type": "lookup", "target": "deal"},
                   {"api_name": "campaign", "type": "lookup", "target": "campaign"})
    assert check(document, {"campaign": campaign()}) == []


def test_lookup_without_target() -> None:
    errors = validate_object(obj({"api_name": "stage", "type": "text"},
                                 {"api_name": "account", "type": "lookup"}), {})
    assert found(errors) == [("/fields/1/target", "schema_required")]
    assert errors[0].params == {"property": "target"}


def test_duplicate_picklist_value() -> None:
    errors = validate_object(obj({"api_name": "stage", "type": "picklist",
                                  "options": ["new", "won", "new"]}), {})
    assert found(errors) == [("/fields/0/options/2", "duplicate_option")]
    assert errors[0].params == {"value": "new"}


def test_alias_clashing_with_another_option() -> None:
    errors = validate_object(obj(
        {"api_name": "stage", "type": "text"},
        {"api_name": "city", "type": "picklist",
         "options": [{"value": "shanghai", "aliases": ["上海", "SH"]},
                     {"value": "shenzhen", "aliases": ["深圳", "sh"]}]}), {})
    assert found(errors) == [("/fields/1/options/1", "duplicate_alias")]
    assert errors[0].params == {"alias": "sh"}


@pytest.mark.parametrize("clash", [wide("SHANGHAI"), " Shang Hai ", "SHANGHAI", "上海"])
def test_alias_clash_ignores_case_width_and_spaces(clash: str) -> None:
    errors = check(obj({"api_name": "city", "type": "multi_picklist",
                        "options": [{"value": "shanghai", "aliases": ["上海"]},
                                    {"value": "beijing", "aliases": [clash]}]}))
    assert errors == [("/fields/0/options/1", "duplicate_alias")]


def test_option_values_differing_only_in_case_clash() -> None:
    assert check(obj({"api_name": "grade", "type": "picklist", "options": ["a", "A"]})) == [
        ("/fields/0/options/1", "duplicate_alias")]


def test_alias_repeating_its_own_value_is_fine() -> None:
    document = obj({"api_name": "city", "type": "picklist",
                    "options": [{"value": "shanghai", "aliases": ["Shanghai", "SHANGHAI"]}]})
    assert check(document) == []


@pytest.mark.parametrize("options", [[], [" leading"], ["a;b"], [{"label": {"en": "x"}}]])
def test_malformed_options(options: list[Any]) -> None:
    errors = check(obj({"api_name": "stage", "type": "picklist", "options": options}))
    assert errors
    assert all(path.startswith("/fields/0/options") for path, _ in errors)


@pytest.mark.parametrize("ftype", ["integer", "decimal", "currency", "percent"])
def test_min_above_max(ftype: str) -> None:
    errors = check(obj({"api_name": "stage", "type": "text"},
                       {"api_name": "amount", "type": ftype, "min": 10, "max": 5}))
    assert errors == [("/fields/1/min", "min_above_max")]


def test_min_equal_to_max_is_fine() -> None:
    assert check(obj({"api_name": "amount", "type": "integer", "min": 5, "max": 5})) == []


@pytest.mark.parametrize(("field", "reason"), [
    ({"type": "integer", "default": "ten"}, "not_an_integer"),
    ({"type": "integer", "default": 1.5}, "not_an_integer"),
    ({"type": "integer", "min": 0, "default": -1}, "below_min"),
    ({"type": "text", "max_length": 3, "default": "long"}, "too_long"),
    ({"type": "picklist", "options": ["new"], "default": "old"}, "invalid_choice"),
    ({"type": "boolean", "default": "yes"}, "not_a_boolean"),
    ({"type": "date", "default": "2024-02-30"}, "not_a_date"),
    ({"type": "email", "default": "nobody"}, "invalid_email"),
    ({"type": "decimal", "scale": 1, "default": 1.25}, "too_many_decimals"),
])
def test_invalid_default(field: dict[str, Any], reason: str) -> None:
    errors = validate_object(obj({"api_name": "stage", "type": "text"},
                                 {"api_name": "amount", **field}), {})
    assert found(errors) == [("/fields/1/default", "invalid_default")]
    assert errors[0].params == {"reason": reason}


@pytest.mark.parametrize("field", [
    {"type": "integer", "default": 3},
    {"type": "picklist", "options": [{"value": "new", "aliases": ["新"]}], "default": "新"},
    {"type": "multi_picklist", "options": ["a", "b"], "default": ["b", "a"]},
    {"type": "boolean", "default": False},
    {"type": "text", "default": None},
    {"type": "currency", "default": "12.50"},
])
def test_valid_default(field: dict[str, Any]) -> None:
    assert check(obj({"api_name": "amount", **field})) == []


def test_decimal_scale_must_be_below_precision() -> None:
    errors = validate_object(obj({"api_name": "rate", "type": "decimal", "precision": 4,
                                  "scale": 4}), {})
    assert found(errors) == [("/fields/0/scale", "scale_not_below_precision")]
    assert errors[0].params == {"scale": 4, "precision": 4}
    # the default scale (2) counts too
    assert check(obj({"api_name": "rate", "type": "percent", "precision": 2})) == [
        ("/fields/0/scale", "scale_not_below_precision")]


def test_auto_number_format_needs_a_counter() -> None:
    errors = validate_object(obj({"api_name": "ref", "type": "auto_number", "format": "LD-"}),
                             {})
    assert found(errors) == [("/fields/0/format", "auto_number_counter_missing")]
    assert check(obj({"api_name": "ref", "type": "auto_number", "format": "LD-{0000}"})) == []


# -- rules -------------------------------------------------------------------------------

def rule(condition: Any, api_name: str = "check", **extra: Any) -> dict[str, Any]:
    return {"api_name": api_name, "message": {"en": "No."}, "condition": condition, **extra}


def test_valid_rules_on_own_and_system_fields() -> None:
    document = obj({"api_name": "amount", "type": "integer"},
                   rules=[rule({"field": "amount", "op": "lt", "value": 0}, field="amount"),
                          rule({"field": "created_at", "op": "is_empty"}, "no_date")])
    assert check(document) == []


def test_rule_condition_on_unknown_field() -> None:
    errors = validate_object(obj({"api_name": "amount", "type": "integer"},
                                 rules=[rule({"field": "amount", "op": "lt", "value": 0}, "ok"),
                                        rule({"field": "price", "op": "lt", "value": 0})]), {})
    assert found(errors) == [("/rules/1/condition/field", "unknown_field")]
    assert errors[0].params == {"object": "deal", "field": "price"}


def test_rule_condition_with_unsupported_and_unknown_operators() -> None:
    errors = check(obj({"api_name": "amount", "type": "integer"},
                       {"api_name": "stage", "type": "picklist", "options": ["a"]},
                       rules=[rule({"all": [{"field": "amount", "op": "contains", "value": "1"},
                                            {"field": "stage", "op": "gt", "value": "a"},
                                            {"field": "amount", "op": "like", "value": 1}]})]))
    assert errors == [("/rules/0/condition/all/0/op", "operator_not_supported"),
                      ("/rules/0/condition/all/1/op", "operator_not_supported"),
                      ("/rules/0/condition/all/2/op", "unknown_operator")]


def test_rule_condition_value_of_wrong_type() -> None:
    errors = check(obj({"api_name": "amount", "type": "integer"},
                       rules=[rule({"not": {"field": "amount", "op": "eq", "value": "ten"}})]))
    assert errors == [("/rules/0/condition/not/value", "not_an_integer")]


def test_rule_field_must_be_a_field_and_rule_names_unique() -> None:
    errors = validate_object(obj({"api_name": "amount", "type": "integer"},
                                 rules=[rule({"field": "amount", "op": "is_empty"}),
                                        rule({"field": "amount", "op": "is_empty"},
                                             field="price")]), {})
    assert found(errors) == [("/rules/1/api_name", "duplicate_name"),
                             ("/rules/1/field", "unknown_field")]


def test_rule_without_message() -> None:
    document = obj({"api_name": "amount", "type": "integer"},
                   rules=[{"api_name": "check", "condition": {"field": "amount",
                                                               "op": "is_empty"}}])
    assert check(document) == [("/rules/0/message", "schema_required")]


def test_all_semantic_errors_come_back_at_once() -> None:
    document = obj({"api_name": "id", "type": "text"},
                   {"api_name": "stage", "type": "text", "group": "nowhere"},
                   {"api_name": "stage", "type": "integer", "min": 3, "max": 1},
                   name_field="title")
    assert sorted(check(document)) == sorted([
        ("/fields/0/api_name", "reserved_name"),
        ("/fields/1/group", "unknown_group"),
        ("/fields/2/min", "min_above_max"),
        ("/fields/2/api_name", "duplicate_name"),
        ("/name_field", "unknown_name_field"),
    ])


def test_schema_errors_sorted_by_path_and_unique() -> None:
    errors = schema_errors("object", obj({"api_name": "B", "type": "text"},
                                         {"api_name": "A", "type": "text"}, api_name="X"))
    paths = [e.path for e in errors]
    assert paths == sorted(paths) == ["/api_name", "/fields/0/api_name", "/fields/1/api_name"]


# -- layouts -----------------------------------------------------------------------------

def layout(**extra: Any) -> dict[str, Any]:
    return {"kind": "layout", "api_name": "lead_form", "object": "lead",
            "sections": [{"label": {"en": "Main"}, "columns": 2,
                          "fields": ["full_name", "email", "city"]},
                         {"fields": ["owner", "created_at"]}],
            "list_columns": ["full_name", "city", "updated_at"], **extra}


def test_valid_layout() -> None:
    assert validate_layout(layout(), {"lead": lead()}) == []


def test_layout_naming_unknown_fields() -> None:
    document = layout(sections=[{"fields": ["full_name", "fax"]},
                                {"fields": ["city", "email", "twitter"]}],
                      list_columns=["full_name", "score"])
    errors = validate_layout(document, {"lead": lead()})
    assert found(errors) == [("/sections/0/fields/1", "layout_unknown_field"),
                             ("/sections/1/fields/2", "layout_unknown_field"),
                             ("/list_columns/1", "layout_unknown_field")]
    assert errors[0].params == {"field": "fax", "object": "lead"}


def test_layout_of_unknown_object() -> None:
    errors = validate_layout(layout(object="deal"), {"lead": lead()})
    assert found(errors) == [("/object", "unknown_object")]
    assert errors[0].params == {"object": "deal"}


@pytest.mark.parametrize(("change", "expected"), [
    ({"sections": []}, [("/sections", "schema_too_few")]),
    ({"sections": [{"fields": ["Full Name"]}]}, [("/sections/0/fields/0", "invalid_api_name")]),
    ({"sections": [{"fields": [], "columns": 5}]}, [("/sections/0/columns", "above_max")]),
    ({"sections": [{"label": {"en": "x"}}]}, [("/sections/0/fields", "schema_required")]),
    ({"tabs": []}, [("/tabs", "schema_unknown_property")]),
    ({"kind": "object"}, [("/kind", "schema_enum")]),
])
def test_layout_shape(change: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert found(validate_layout(layout(**change), {"lead": lead()})) == expected
