"""Compile errors carry line and column; compiled code is cached per version."""

from __future__ import annotations

import pytest

from objectry.metadata.problems import Invalid
from objectry.sandbox import FunctionCache, FunctionKey, compile_function

KEY = FunctionKey("acme", "score", 1)


def errors_of(source: str) -> list[dict]:
    with pytest.raises(Invalid) as caught:
        compile_function(KEY, source)
    assert all(e.path == "/code" and e.code == "function_compile_error"
               for e in caught.value.errors)
    return [dict(e.params) for e in caught.value.errors]


def test_syntax_error_has_line_and_column() -> None:
    [error] = errors_of("def main(record, params):\n    return (1 +\n")
    assert error["line"] == 2 and error["column"] == 12
    assert "SyntaxError" in error["message"]


def test_policy_errors_each_have_line_and_column() -> None:
    source = ("def main(record, params):\n"
              "    x = record.__class__\n"
              "    _hidden = 1\n"
              "    return x\n")
    errors = errors_of(source)
    assert [(e["line"], e["column"]) for e in errors] == [(2, 9), (3, 5)]
    assert "__class__" in errors[0]["message"]


def test_column_counts_characters_not_bytes() -> None:
    [error] = errors_of("def main(record, params):\n    s = '上海市'; t = s.__len__\n")
    assert (error["line"], error["column"]) == (2, 20)  # not 26, the byte offset


def test_missing_entry_point() -> None:
    [error] = errors_of("def run(record):\n    return 1\n")
    assert "def main(record, params)" in error["message"]


def test_compiler_errors_beyond_the_parser() -> None:
    [error] = errors_of("return 1\ndef main(record, params):\n    pass\n")
    assert error["line"] == 1


def test_class_definitions_are_refused() -> None:
    [error] = errors_of("class A:\n    pass\ndef main(record, params):\n    return 1\n")
    assert error["line"] == 1 and "Class definitions" in error["message"]


def test_huge_source_is_refused() -> None:
    [error] = errors_of("x = 1\n" * 20_000 + "def main(record, params):\n    return x\n")
    assert "longer than" in error["message"]


def test_cache_compiles_once_per_version() -> None:
    cache = FunctionCache()
    source = "def main(record, params):\n    return 1\n"
    first = cache.get(KEY, source)
    assert cache.get(KEY, source) is first
    assert cache.compiles == 1
    second = cache.get(FunctionKey("acme", "score", 2), source + "# v2\n")
    assert cache.compiles == 2 and second.worker_key != first.worker_key
    assert cache.get(FunctionKey("other", "score", 1), source) is not first
    assert cache.compiles == 3


def test_cache_is_bounded() -> None:
    cache = FunctionCache(max_entries=2)
    for version in range(5):
        cache.get(FunctionKey("acme", "f", version), "def main(record, params):\n    pass\n")
    assert len(cache) == 2
