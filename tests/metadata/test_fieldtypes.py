"""Field types: what the API accepts, what it stores, how it reads back and is masked."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from objectry.metadata.fieldtypes import REGISTRY, field_type
from objectry.metadata.fieldtypes.auto_number import render_auto_number
from objectry.metadata.fieldtypes.picklist import match_key
from objectry.metadata.problems import FieldValueError
from tests.docs_objects import lead

UTC = dt.UTC


def accept(type_name: str, value: Any, field: dict[str, Any] | None = None, *,
           lenient: bool = False) -> Any:
    return REGISTRY[type_name].deserialize(field or {}, value, lenient=lenient)


def refuse(type_name: str, value: Any, field: dict[str, Any] | None = None, *,
           lenient: bool = False) -> FieldValueError:
    with pytest.raises(FieldValueError) as caught:
        REGISTRY[type_name].deserialize(field or {}, value, lenient=lenient)
    return caught.value


def wide(text: str) -> str:
    """The full-width form of ASCII text, as typed with a Chinese input method."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def lead_field(name: str) -> dict[str, Any]:
    return next(f for f in lead()["fields"] if f["api_name"] == name)


def test_registry_lists_every_type_once_under_its_name() -> None:
    assert sorted(REGISTRY) == sorted([
        "text", "long_text", "integer", "decimal", "currency", "percent", "boolean", "date",
        "datetime", "email", "phone", "url", "picklist", "multi_picklist", "lookup",
        "auto_number", "formula", "rollup"])
    for name, ftype in REGISTRY.items():
        assert ftype.name == name
        assert field_type(name) is ftype
    with pytest.raises(KeyError):
        field_type("blob")


# -- integer -----------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "stored"), [
    (0, 0), (42, 42), (-7, -7), (2.0, 2), (Decimal("5"), 5),
    (2**63 - 1, 2**63 - 1), (-(2**63), -(2**63)),
])
def test_integer_accepts(value: Any, stored: int) -> None:
    result = accept("integer", value)
    assert result == stored
    assert type(result) is int


@pytest.mark.parametrize("value", [True, False, 1.5, "3", "", None, [1], {"n": 1},
                                   float("nan"), float("inf")])
def test_integer_refuses(value: Any) -> None:
    assert refuse("integer", value).code == "not_an_integer"


def test_integer_out_of_64_bits() -> None:
    assert refuse("integer", 2**63).code == "integer_out_of_range"
    assert refuse("integer", -(2**63) - 1).code == "integer_out_of_range"


def test_integer_text_only_when_lenient() -> None:
    assert accept("integer", " 12 ", lenient=True) == 12
    assert accept("integer", "3.0", lenient=True) == 3
    assert refuse("integer", "3.5", lenient=True).code == "not_an_integer"
    assert refuse("integer", True, lenient=True).code == "not_an_integer"


def test_integer_range() -> None:
    field = {"min": 0, "max": 10}
    assert accept("integer", 0, field) == 0
    assert accept("integer", 10, field) == 10
    low = refuse("integer", -1, field)
    assert (low.code, low.params) == ("below_min", {"min": 0})
    high = refuse("integer", 11, field)
    assert (high.code, high.params) == ("above_max", {"max": 10})


# -- decimal, currency, percent ----------------------------------------------------------

@pytest.mark.parametrize("type_name", ["decimal", "currency", "percent"])
@pytest.mark.parametrize(("value", "stored"), [
    (1, "1.00"), (1.25, "1.25"), ("1.25", "1.25"), (" 3.1 ", "3.10"), (Decimal("-9999.99"),
                                                                       "-9999.99"),
    (9999.99, "9999.99"), ("1e3", "1000.00"), (0, "0.00"),
])
def test_decimal_accepts_and_keeps_the_scale(type_name: str, value: Any, stored: str) -> None:
    result = accept(type_name, value, {"precision": 6, "scale": 2})
    assert isinstance(result, Decimal)
    assert str(result) == stored


@pytest.mark.parametrize("value", [True, "abc", "NaN", "Infinity", "-inf", None, [1], ""])
def test_decimal_refuses_non_numbers(value: Any) -> None:
    assert refuse("decimal", value).code == "not_a_number"


def test_decimal_precision_limits_the_integer_digits() -> None:
    field = {"precision": 6, "scale": 2}
    error = refuse("decimal", 10000, field)
    assert (error.code, error.params) == ("too_many_digits", {"digits": 4})
    assert refuse("decimal", "-10000.5", field).code == "too_many_digits"
    assert refuse("decimal", 1e20, field).code == "too_many_digits"
    # the default precision is 18 with 2 decimals
    assert accept("decimal", "9999999999999999.99") == Decimal("9999999999999999.99")
    assert refuse("decimal", "10000000000000000").params == {"digits": 16}


@pytest.mark.parametrize("value", [1.255, "1.255", "0.001", "1E-10", Decimal("2.345")])
def test_decimal_strict_refuses_extra_decimals(value: Any) -> None:
    error = refuse("decimal", value, {"scale": 2})
    assert (error.code, error.params) == ("too_many_decimals", {"scale": 2})


@pytest.mark.parametrize(("value", "stored"), [
    ("1.255", "1.26"), ("1.245", "1.25"), ("-1.255", "-1.26"), (1.005, "1.01"),
    ("2.344", "2.34"), ("0.005", "0.01"),
])
def test_decimal_lenient_rounds_half_up(value: Any, stored: str) -> None:
    assert str(accept("decimal", value, {"scale": 2}, lenient=True)) == stored


def test_rounding_up_can_overflow_the_precision() -> None:
    field = {"precision": 6, "scale": 2}
    assert refuse("decimal", "9999.995", field, lenient=True).code == "too_many_digits"
    assert accept("decimal", "9999.994", field, lenient=True) == Decimal("9999.99")


def test_percent_with_one_decimal() -> None:
    assert refuse("percent", 12.55, {"scale": 1}).code == "too_many_decimals"
    assert accept("percent", 12.55, {"scale": 1}, lenient=True) == Decimal("12.6")
    assert accept("percent", 12.5, {"scale": 1}) == Decimal("12.5")


def test_decimal_range() -> None:
    field = {"min": 0, "max": 100.5}
    assert accept("currency", "100.50", field) == Decimal("100.50")
    assert refuse("currency", "100.51", field).params == {"max": 100.5}
    assert refuse("currency", -0.01, field).code == "below_min"


def test_decimal_to_json_keeps_every_digit() -> None:
    value = accept("currency", "12000.50", {"currency": "CNY"})
    out = REGISTRY["currency"].to_json({}, value)
    assert out == Decimal("12000.50") and str(out) == "12000.50"


def test_scale_zero_decimal_is_whole() -> None:
    assert str(accept("decimal", 7, {"precision": 3, "scale": 0})) == "7"
    assert refuse("decimal", "7.5", {"precision": 3, "scale": 0}).code == "too_many_decimals"


# -- boolean -----------------------------------------------------------------------------

def test_boolean_strict() -> None:
    assert accept("boolean", True) is True
    assert accept("boolean", False) is False
    for value in (1, 0, "true", "false", None, "yes"):
        assert refuse("boolean", value).code == "not_a_boolean"


@pytest.mark.parametrize(("value", "stored"), [
    ("yes", True), ("TRUE", True), (" y ", True), ("是", True), (1, True),
    ("no", False), ("False", False), ("否", False), (0, False), ("0", False),
])
def test_boolean_lenient_words(value: Any, stored: bool) -> None:
    assert accept("boolean", value, lenient=True) is stored


def test_boolean_lenient_still_refuses_other_words() -> None:
    assert refuse("boolean", "maybe", lenient=True).code == "not_a_boolean"
    assert refuse("boolean", 2, lenient=True).code == "not_a_boolean"


# -- text --------------------------------------------------------------------------------

@pytest.mark.parametrize("type_name", ["text", "long_text", "email", "phone", "url",
                                       "auto_number"])
@pytest.mark.parametrize("value", ["a\x00b", "a\x1bb", "bell\x07", "\x7f", "a\x85b",
                                   "lone \ud800 surrogate"])
def test_control_characters_refused(type_name: str, value: str) -> None:
    assert refuse(type_name, value).code == "control_characters"


@pytest.mark.parametrize("type_name", ["text", "long_text", "email", "phone", "url",
                                       "picklist", "lookup"])
@pytest.mark.parametrize("value", [5, 1.5, True, None, ["a"], {"a": 1}])
def test_text_like_types_refuse_non_strings(type_name: str, value: Any) -> None:
    field = {"options": ["a"]} if type_name == "picklist" else {}
    assert refuse(type_name, value, field).code in {"not_a_string", "not_an_id"}


def test_text_default_and_custom_max_length() -> None:
    assert accept("text", "a" * 255) == "a" * 255
    error = refuse("text", "a" * 256)
    assert (error.code, error.params) == ("too_long", {"max_length": 255})
    assert accept("text", "上海市", {"max_length": 3}) == "上海市"  # characters, not bytes
    assert refuse("text", "上海市区", {"max_length": 3}).params == {"max_length": 3}


def test_text_is_one_line_long_text_is_not() -> None:
    assert refuse("text", "a\nb").code == "control_characters"
    assert accept("text", "a\tb") == "a\tb"
    assert accept("long_text", "line 1\nline 2\r\n\tindented") == "line 1\nline 2\r\n\tindented"
    assert accept("long_text", "x" * 100000) == "x" * 100000
    assert refuse("long_text", "x" * 100001).params == {"max_length": 100000}


def test_text_lenient_joins_lines_and_takes_numbers() -> None:
    assert accept("text", "a\nb", lenient=True) == "a b"
    assert accept("text", 12, lenient=True) == "12"
    assert accept("text", Decimal("1.50"), lenient=True) == "1.50"
    assert refuse("text", True, lenient=True).code == "not_a_string"


def test_text_keeps_what_was_written() -> None:
    assert accept("text", "  张三  ") == "  张三  "
    assert accept("text", "emoji 🙂") == "emoji 🙂"


# -- email, phone, url -------------------------------------------------------------------

@pytest.mark.parametrize("value", ["zhang@example.com", "a.b+tag@mail.example.cn",
                                   "张三@例子.中国"])
def test_email_accepts(value: str) -> None:
    assert accept("email", value) == value


@pytest.mark.parametrize("value", ["zhang", "zhang@example", "a b@example.com", "a@@b.com",
                                   "@example.com", "a@example..com", " a@example.com",
                                   "x" * 65 + "@example.com", ""])
def test_email_refuses(value: str) -> None:
    assert refuse("email", value).code == "invalid_email"


def test_email_lenient_trims_and_length() -> None:
    assert accept("email", " a@example.com ", lenient=True) == "a@example.com"
    long_address = "a@" + "b" * 250 + ".cn"
    assert refuse("email", long_address).params == {"max_length": 254}


@pytest.mark.parametrize("value", ["13812341234", "+86 138 0013 8000", "021-62991640",
                                   "(021) 6299.1640", "021-62991640 ext 12",
                                   "021-62991640转123", "123"])
def test_phone_accepts_as_entered(value: str) -> None:
    assert accept("phone", value) == value


@pytest.mark.parametrize("value", ["12", "abc", "+", "138-CALL-NOW", "1" * 21, "",
                                   "+86 138 0013 8000 #5"])
def test_phone_refuses(value: str) -> None:
    assert refuse("phone", value).code == "invalid_phone"


@pytest.mark.parametrize(("value", "masked"), [
    ("13812341234", "138****1234"),
    ("138 1234 1234", "138****1234"),
    ("021-62991640", "021****1640"),
    ("1234567", "*******"),
])
def test_phone_mask(value: str, masked: str) -> None:
    assert REGISTRY["phone"].mask({}, value) == masked


@given(st.lists(st.tuples(st.sampled_from(["", " ", "-", "(", ")", "+", "."]),
                          st.text("0123456789", min_size=1, max_size=4)),
                min_size=1, max_size=6))
def test_phone_mask_reads_the_digits_alone(parts: list[tuple[str, str]]) -> None:
    """However a number is written, its mask is that of its digits (a number stored as
    digits only takes a shorter path to them)."""
    written = "".join(separator + digits for separator, digits in parts)
    digits = "".join(digits for _, digits in parts)
    assert REGISTRY["phone"].mask({}, written) == REGISTRY["phone"].mask({}, digits)
    assert len(REGISTRY["phone"].mask({}, written)) == len(digits)


@pytest.mark.parametrize("value", ["http://example.com", "https://example.com/a?b=1#c",
                                   "https://例子.中国/路径", "HTTP://EXAMPLE.COM"])
def test_url_accepts(value: str) -> None:
    assert accept("url", value) == value


@pytest.mark.parametrize("value", ["example.com", "ftp://example.com", "http://",
                                   "javascript:alert(1)", "http://exa mple.com",
                                   "http://[::1", "mailto:a@example.com", ""])
def test_url_refuses(value: str) -> None:
    assert refuse("url", value).code == "invalid_url"


def test_url_lenient_trims() -> None:
    assert accept("url", "  https://example.com  ", lenient=True) == "https://example.com"
    assert refuse("url", "  https://example.com  ").code == "invalid_url"


def test_masks_of_text_types() -> None:
    assert REGISTRY["email"].mask({}, "zhang@example.com") == "z***@example.com"
    assert REGISTRY["text"].mask({}, "张三丰") == "张***"
    assert REGISTRY["integer"].mask({}, 123456) == "****"
    assert REGISTRY["currency"].mask({}, Decimal("12000.50")) == "****"


# -- date and datetime -------------------------------------------------------------------

def test_date_accepts_iso_dates() -> None:
    assert accept("date", "2024-02-29") == dt.date(2024, 2, 29)
    assert accept("date", dt.date(2024, 1, 5)) == dt.date(2024, 1, 5)


@pytest.mark.parametrize("value", ["2023-02-29", "2024-13-01", "2024-1-5", "20240105",
                                   "2024-01-05T10:00:00", "2024-W01-1", "05/01/2024",
                                   wide("2024-01-05"), "", 20240105, None,
                                   dt.datetime(2024, 1, 5, tzinfo=UTC)])
def test_date_refuses(value: Any) -> None:
    assert refuse("date", value).code == "not_a_date"


def test_date_lenient_drops_the_time() -> None:
    assert accept("date", "2024-01-05T23:30:00+08:00", lenient=True) == dt.date(2024, 1, 5)
    assert accept("date", "2024-01-05 10:00", lenient=True) == dt.date(2024, 1, 5)
    assert accept("date", dt.datetime(2024, 1, 5, 3), lenient=True) == dt.date(2024, 1, 5)


def test_date_to_json() -> None:
    assert REGISTRY["date"].to_json({}, dt.date(2024, 1, 5)) == "2024-01-05"


@pytest.mark.parametrize(("value", "utc"), [
    ("2024-01-05T10:00:00Z", dt.datetime(2024, 1, 5, 10, tzinfo=UTC)),
    ("2024-01-05T10:00:00+08:00", dt.datetime(2024, 1, 5, 2, tzinfo=UTC)),
    ("2024-01-05T01:00:00+08:00", dt.datetime(2024, 1, 4, 17, tzinfo=UTC)),
    ("2024-01-05 10:00:00-05:00", dt.datetime(2024, 1, 5, 15, tzinfo=UTC)),
    ("2024-01-05T10:00:00.123456+05:30",
     dt.datetime(2024, 1, 5, 4, 30, 0, 123456, tzinfo=UTC)),
])
def test_datetime_normalised_to_utc(value: str, utc: dt.datetime) -> None:
    result = accept("datetime", value)
    assert result == utc
    assert result.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize("value", ["2024-01-05T10:00:00", "2024-01-05", "yesterday",
                                   "2024-13-01T00:00:00Z", "2024-01-05T24:00:00Z",
                                   "0001-01-01T00:00:00+01:00", 1704448800, None,
                                   dt.date(2024, 1, 5)])
def test_datetime_refuses(value: Any) -> None:
    assert refuse("datetime", value).code == "not_a_datetime"


def test_datetime_lenient_assumes_utc() -> None:
    assert accept("datetime", "2024-01-05T10:00:00", lenient=True) == dt.datetime(
        2024, 1, 5, 10, tzinfo=UTC)
    assert accept("datetime", dt.date(2024, 1, 5), lenient=True) == dt.datetime(
        2024, 1, 5, tzinfo=UTC)


def test_datetime_to_json_is_utc_with_z() -> None:
    ftype = REGISTRY["datetime"]
    stored = ftype.deserialize({}, "2024-01-05T10:00:00+08:00")
    assert ftype.to_json({}, stored) == "2024-01-05T02:00:00Z"
    assert ftype.deserialize({}, ftype.to_json({}, stored)) == stored
    shanghai = dt.timezone(dt.timedelta(hours=8))
    assert ftype.to_json({}, dt.datetime(2024, 1, 5, 8, tzinfo=shanghai)) == \
        "2024-01-05T00:00:00Z"


# -- picklist ----------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["shanghai", "上海", "上海市", "ShangHai", " shanghai ",
                                   wide("SHANGHAI"), "SHANGHAI", "sh", wide("Shanghai"),
                                   "shang hai"])
def test_picklist_alias_matching(value: str) -> None:
    assert accept("picklist", value, lead_field("city")) == "shanghai"


def test_picklist_other_option_and_unknown() -> None:
    city = lead_field("city")
    assert accept("picklist", "北京", city) == "beijing"
    error = refuse("picklist", "paris", city)
    assert (error.code, error.params) == ("invalid_choice", {"allowed": ["shanghai", "beijing"]})
    assert refuse("picklist", "", city).code == "invalid_choice"
    assert refuse("picklist", "上海 浦东", city).code == "invalid_choice"


def test_match_key_folds_case_width_and_space() -> None:
    assert match_key(" " + wide("SHang") + "\u3000" + wide("H") + "ai ") == "shanghai"
    assert match_key("Straße") == match_key("STRASSE")


# -- multi_picklist ----------------------------------------------------------------------

def test_multi_picklist_deduplicates_and_keeps_option_order() -> None:
    tags = lead_field("tags")  # options: vip, partner, cold
    assert accept("multi_picklist", ["cold", "vip"], tags) == ["vip", "cold"]
    assert accept("multi_picklist", ["vip", "VIP", " vip ", wide("vip")], tags) == ["vip"]
    assert accept("multi_picklist", ["cold", "partner", "vip", "cold"], tags) == [
        "vip", "partner", "cold"]
    assert accept("multi_picklist", [], tags) == []


def test_multi_picklist_refuses() -> None:
    tags = lead_field("tags")
    assert refuse("multi_picklist", "vip", tags).code == "not_a_list"
    assert refuse("multi_picklist", ["vip", "gold"], tags).code == "invalid_choice"
    assert refuse("multi_picklist", [1], tags).code == "not_a_string"
    assert refuse("multi_picklist", {"vip": True}, tags).code == "not_a_list"


def test_multi_picklist_max_selections_counts_distinct_values() -> None:
    field = {**lead_field("tags"), "max_selections": 2}
    assert accept("multi_picklist", ["vip", "VIP", "cold"], field) == ["vip", "cold"]
    error = refuse("multi_picklist", ["vip", "cold", "partner"], field)
    assert (error.code, error.params) == ("above_max", {"max": 2})


def test_multi_picklist_lenient_splits_on_semicolons() -> None:
    tags = lead_field("tags")
    assert accept("multi_picklist", "cold; VIP;; ", tags, lenient=True) == ["vip", "cold"]


def test_multi_picklist_is_empty() -> None:
    ftype = REGISTRY["multi_picklist"]
    assert ftype.is_empty([]) and ftype.is_empty(None)
    assert not ftype.is_empty(["vip"])


# -- lookup ------------------------------------------------------------------------------

def test_lookup_ids() -> None:
    rid = uuid.uuid4()
    field = {"target": "campaign"}
    assert accept("lookup", str(rid), field) == rid
    assert accept("lookup", str(rid).upper(), field) == rid
    assert accept("lookup", rid, field) == rid
    assert REGISTRY["lookup"].to_json(field, rid) == str(rid)
    assert accept("lookup", f" {rid} ", field, lenient=True) == rid


@pytest.mark.parametrize("value", ["nope", "", "1234", 42, None, "00000000-0000-0000-0000",
                                   "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"])
def test_lookup_refuses(value: Any) -> None:
    assert refuse("lookup", value, {"target": "campaign"}).code == "not_an_id"


def test_lookup_strict_refuses_padding() -> None:
    assert refuse("lookup", f" {uuid.uuid4()}", {"target": "x"}).code == "not_an_id"


# -- auto_number -------------------------------------------------------------------------

@pytest.mark.parametrize(("fmt", "counter", "rendered"), [
    ("LD-{000000}", 42, "LD-000042"),
    ("LD-{000}", 12345, "LD-12345"),
    ("{0}", 7, "7"),
    ("INV-{0000}-{00}", 3, "INV-0003-{00}"),
])
def test_auto_number_rendering(fmt: str, counter: int, rendered: str) -> None:
    assert render_auto_number({"format": fmt}, counter) == rendered


def test_auto_number_default_format_and_schema() -> None:
    assert render_auto_number({}, 7) == "000007"
    ftype = REGISTRY["auto_number"]
    assert ftype.system_generated
    assert ftype.generate({"format": "LD-{000}"}, 7) == "LD-007"
    assert ftype.json_schema({}) == {"type": "string", "readOnly": True}


# -- every type: round trip and JSON Schema ----------------------------------------------

ROUND_TRIP: list[tuple[str, dict[str, Any], Any]] = [
    ("text", {}, "张三"),
    ("long_text", {}, "a\nb"),
    ("integer", {}, -12),
    ("decimal", {"scale": 3}, "1.250"),
    ("currency", {"currency": "CNY"}, "12000.50"),
    ("percent", {}, "12.50"),
    ("boolean", {}, False),
    ("date", {}, "2024-02-29"),
    ("datetime", {}, "2024-01-05T02:00:00Z"),
    ("email", {}, "a@example.com"),
    ("phone", {}, "+86 138 0013 8000"),
    ("url", {}, "https://example.com/x"),
    ("picklist", {"options": ["new", "won"]}, "won"),
    ("multi_picklist", {"options": ["a", "b", "c"]}, ["a", "c"]),
    ("lookup", {"target": "lead"}, "0190d7a2-7d2c-7c2e-9f3e-2b1c4d5e6f70"),
    ("auto_number", {"format": "LD-{000}"}, "LD-001"),
]


def test_round_trip_table_covers_every_type() -> None:
    assert sorted(name for name, _, _ in ROUND_TRIP) == sorted(
        name for name, ftype in REGISTRY.items() if not ftype.computed)  # formulas: not written


@pytest.mark.parametrize(("type_name", "field", "value"), ROUND_TRIP)
def test_to_json_round_trip(type_name: str, field: dict[str, Any], value: Any) -> None:
    ftype = REGISTRY[type_name]
    stored = ftype.deserialize(field, value)
    out = ftype.to_json(field, stored)
    assert out == (Decimal(value) if isinstance(stored, Decimal) else value)
    # what the API writes out is accepted again, unchanged
    text = json.dumps(out, default=str)
    assert ftype.deserialize(field, json.loads(text, parse_float=Decimal)) == stored


@pytest.mark.parametrize(("type_name", "schema"), [
    ("text", {"type": "string", "maxLength": 255}),
    ("long_text", {"type": "string", "maxLength": 100000}),
    ("integer", {"type": "integer", "format": "int64"}),
    ("decimal", {"type": "number"}),
    ("boolean", {"type": "boolean"}),
    ("date", {"type": "string", "format": "date"}),
    ("datetime", {"type": "string", "format": "date-time"}),
    ("email", {"type": "string", "maxLength": 254, "format": "email"}),
    ("phone", {"type": "string", "maxLength": 40}),
    ("url", {"type": "string", "maxLength": 2048, "format": "uri"}),
])
def test_json_schema_defaults(type_name: str, schema: dict[str, Any]) -> None:
    assert REGISTRY[type_name].json_schema({}) == schema


def test_json_schema_reflects_options() -> None:
    assert REGISTRY["text"].json_schema({"max_length": 80}) == {"type": "string",
                                                                 "maxLength": 80}
    assert REGISTRY["integer"].json_schema({"min": 0, "max": 9}) == {
        "type": "integer", "format": "int64", "minimum": 0, "maximum": 9}
    assert REGISTRY["currency"].json_schema({"min": 0}) == {"type": "number", "minimum": 0}
    assert REGISTRY["picklist"].json_schema(lead_field("city")) == {
        "type": "string", "enum": ["shanghai", "beijing"]}
    assert REGISTRY["multi_picklist"].json_schema(lead_field("tags")) == {
        "type": "array", "items": {"type": "string", "enum": ["vip", "partner", "cold"]},
        "uniqueItems": True}
    schema = REGISTRY["lookup"].json_schema({"target": "campaign"})
    assert schema["type"] == "string" and schema["format"] == "uuid"
    assert "campaign" in schema["description"]


@pytest.mark.parametrize(("type_name", "field", "value"), [
    *ROUND_TRIP,
    ("text", {}, "para\u2029graph"),
    ("text", {}, "line\u2028separator"),
    ("text", {}, "tab\there"),
    ("long_text", {}, "a\u2029b\nc"),
    ("picklist", {"options": ["new", "won"]}, "WON"),
    ("integer", {}, 2**62),
])
def test_lenient_keeps_what_strict_accepts(type_name: str, field: dict[str, Any],
                                           value: Any) -> None:
    """Imports and type conversions never alter a value the API would have taken."""
    ftype = REGISTRY[type_name]
    assert ftype.deserialize(field, value, lenient=True) == ftype.deserialize(field, value)


# -- facts: what the rest of the platform asks a type --------------------------------------

FACTS = ("numeric", "orderable", "sortable", "searchable", "temporal", "whole_days",
         "reference", "always_indexed", "multi_valued", "classifier", "system_generated",
         "stores_text")
TEXTUAL = {"sortable", "searchable", "stores_text"}
NUMBER = {"sortable", "numeric", "orderable"}


@pytest.mark.parametrize(("type_name", "facts"), [
    ("text", TEXTUAL | {"classifier"}),
    ("long_text", {"searchable", "stores_text"}),
    ("email", TEXTUAL), ("phone", TEXTUAL), ("url", TEXTUAL),
    ("integer", NUMBER), ("decimal", NUMBER), ("currency", NUMBER), ("percent", NUMBER),
    ("boolean", {"sortable"}),
    ("date", {"sortable", "orderable", "temporal", "whole_days"}),
    ("datetime", {"sortable", "orderable", "temporal"}),
    ("picklist", {"sortable", "classifier", "stores_text"}),
    ("multi_picklist", {"multi_valued"}),
    ("lookup", {"reference", "always_indexed"}),
    ("auto_number", TEXTUAL | {"system_generated"}),
])
def test_each_type_declares_its_facts(type_name: str, facts: set[str]) -> None:
    ftype = REGISTRY[type_name]
    assert {fact for fact in FACTS if getattr(ftype, fact)} == facts


@pytest.mark.parametrize("type_name", sorted(REGISTRY))
def test_facts_and_operators_agree(type_name: str) -> None:
    ftype = REGISTRY[type_name]
    ops = ftype.operators
    assert {"changed", "changed_to", "changed_from", "is_empty", "is_not_empty"} <= ops
    assert ({"eq", "ne", "in", "not_in"} <= ops) is not ftype.multi_valued
    for op in ("gt", "gte", "lt", "lte", "between"):
        assert (op in ops) is ftype.orderable
    for op in ("starts_with", "ends_with"):
        assert (op in ops) is ftype.searchable
    assert ("contains" in ops) is (ftype.searchable or ftype.multi_valued)
    for op in ("today", "last_n_days", "next_n_days", "older_than_days"):
        assert (op in ops) is ftype.temporal
    # facts that imply others
    assert not ftype.numeric or ftype.orderable
    assert not ftype.whole_days or ftype.temporal
    assert not ftype.searchable or ftype.stores_text
    assert not ftype.classifier or (ftype.stores_text and not ftype.system_generated)
    assert not ftype.multi_valued or not ftype.sortable
    # empty values
    assert ftype.is_empty(None)
    assert ftype.is_empty("") is (ftype.stores_text or ftype.multi_valued)
    assert ftype.is_empty([]) is ftype.multi_valued
    # the methods that go with the facts
    assert (ftype.choices({"options": ["a", {"value": "b"}]}) is not None) is \
        ("options" in ftype.options)
    if ftype.numeric:
        assert ftype.round_number({"scale": 1}, Decimal("26.45")) in (26, Decimal("26.5"))
    else:
        with pytest.raises(TypeError):
            ftype.round_number({}, Decimal(1))
    if ftype.system_generated:
        assert ftype.generate({}, 1)
    else:
        with pytest.raises(TypeError):
            ftype.generate({}, 1)


def test_numbers_are_rounded_as_the_field_stores_them() -> None:
    assert REGISTRY["integer"].round_number({}, Decimal("26.5")) == 27
    assert isinstance(REGISTRY["integer"].round_number({}, Decimal("26.5")), int)
    assert str(REGISTRY["currency"].round_number({}, Decimal("26.405"))) == "26.41"
    assert str(REGISTRY["percent"].round_number({"scale": 1}, Decimal("26.45"))) == "26.5"
    assert REGISTRY["picklist"].choices(lead_field("city")) == ["shanghai", "beijing"]
