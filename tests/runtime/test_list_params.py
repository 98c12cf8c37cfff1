"""The one reader of list parameters: limit, cursor, sort and fields (issue 11, item 6)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from objectry.metadata.problems import Invalid
from objectry.runtime.query.list_params import (
    ListParams,
    parse_cursor,
    parse_fields,
    parse_flag,
    parse_limit,
    parse_sort,
    parse_whole,
    read_list_params,
)


def refusal(call: Any, *args: Any, **kwargs: Any) -> list[tuple[str, str, dict[str, Any]]]:
    with pytest.raises(Invalid) as caught:
        call(*args, **kwargs)
    return [(e.path, e.code, dict(e.params)) for e in caught.value.errors]


@pytest.mark.parametrize(("raw", "text", "expected"), [
    (None, False, 50), (None, True, 50), ("", True, 50), (1, False, 1), (200, False, 200),
    ("1", True, 1), ("200", True, 200), ("007", True, 7),
])
def test_a_limit_in_range_or_absent(raw: Any, text: bool, expected: int) -> None:
    assert parse_limit(raw, default=50, maximum=200, text=text) == expected


@pytest.mark.parametrize("raw", [0, -1, 201, 10**30, True, False, 1.5, 2.0, Decimal("2"),
                                 "10", "", [5], {"n": 5}])
def test_a_bad_json_limit(raw: Any) -> None:
    assert refusal(parse_limit, raw, default=50, maximum=200) == [
        ("/limit", "invalid_parameter",
         {"name": "limit", "reason": "a whole number from 1 to 200"})]


@pytest.mark.parametrize("raw", ["0", "-1", "201", "1.5", "abc", "true", "1e2", " 5", "5 ",
                                 "+5", "²", "\uff15", "9" * 5000])
def test_a_bad_query_string_limit(raw: str) -> None:
    assert refusal(parse_limit, raw, default=50, maximum=200, text=True)[0][:2] == (
        "/limit", "invalid_parameter")


def test_no_default_and_other_numbers() -> None:
    assert parse_limit(None, default=None, maximum=10) is None
    assert parse_whole("3", name="before", minimum=1, maximum=9, default=None, text=True) == 3
    assert refusal(parse_whole, "0", name="before", minimum=1, maximum=9, default=None,
                   text=True)[0][:2] == ("/before", "invalid_parameter")
    assert refusal(parse_limit, 0, default=5, maximum=9, pointer="/body/limit")[0][0] == \
        "/body/limit"


def test_cursor_sort_and_fields_shapes() -> None:
    assert parse_cursor(None) is None and parse_cursor("") is None
    assert parse_cursor("abc") == "abc"
    assert refusal(parse_cursor, 5)[0][:2] == ("/cursor", "invalid_parameter")
    assert parse_sort(None) is None and parse_sort("") is None
    assert parse_sort("-created_at,name") == ("-created_at", "name")
    assert parse_sort(["-created_at", "name"]) == ("-created_at", "name")
    assert refusal(parse_sort, 5)[0][:2] == ("/sort", "invalid_parameter")
    assert [e[0] for e in refusal(parse_sort, ["name", 1, None])] == ["/sort/1", "/sort/2"]
    assert parse_fields(None) is None and parse_fields("") is None
    assert parse_fields(" full_name , city,,") == ("full_name", "city")
    assert parse_fields(["full_name"]) == ("full_name",)
    assert refusal(parse_fields, {"a": 1})[0][:2] == ("/fields", "invalid_parameter")
    assert [e[0] for e in refusal(parse_fields, ["a", 2])] == ["/fields/1"]


def test_read_list_params_reports_every_bad_one_at_once() -> None:
    assert read_list_params({}) == ListParams(limit=50)
    assert read_list_params({"limit": "20", "cursor": "c", "sort": "-name", "fields": "a,b"},
                            text=True) == ListParams(20, "c", ("-name",), ("a", "b"))
    assert read_list_params({"limit": "x", "sort": "name"}, paged=False) == ListParams(
        sort=("name",))
    paths = [e[0] for e in refusal(read_list_params, {"limit": "x", "cursor": 1, "sort": 2,
                                                      "fields": 3})]
    assert paths == ["/limit", "/cursor", "/sort", "/fields"]
    params = read_list_params({"limit": 3, "fields": ["a"]})
    assert read_list_params(params.as_kwargs()) == params  # reading twice changes nothing


@pytest.mark.parametrize(("raw", "text", "expected"), [
    (None, False, False), ("", True, False), (True, False, True), (False, False, False),
    ("true", True, True), ("1", True, True), ("false", True, False), ("0", True, False)])
def test_a_flag_is_a_boolean_or_its_spelling_in_a_query_string(raw: Any, text: bool,
                                                                expected: bool) -> None:
    assert parse_flag(raw, name="count", text=text) is expected


@pytest.mark.parametrize(("raw", "text"), [
    ("true", False), (1, False), ("yes", True), ("TRUE", True), ([], False), (0, False)])
def test_anything_else_is_an_invalid_flag(raw: Any, text: bool) -> None:
    assert refusal(parse_flag, raw, name="count", text=text) == [
        ("/count", "invalid_parameter", {"name": "count", "reason": "true or false"})]
