"""The guards and builtins in-process, without a worker."""

from __future__ import annotations

import json
import math
import string
import types

import pytest

from objectry.sandbox import guards
from objectry.sandbox.compiler import compile_source
from objectry.sandbox.plain import NotPlainData, check_plain, encode
from objectry.sandbox.tenant_api import Record


def run_local(source: str, **api: object) -> object:
    """Execute restricted code in-process with the real guards (unit tests only)."""
    logs: list[str] = []
    glb = guards.restricted_globals(guards.module_views(), logs.append, api)
    exec(compile_source(source), glb)
    return glb["main"](Record({"a": 1}), {})


@pytest.mark.parametrize("name", ["_x", "__class__", "gi_frame", "f_back", "f_globals",
                                  "tb_frame", "cr_frame", "ag_frame", "mro"])
def test_getattr_refuses_internal_names(name: str) -> None:
    with pytest.raises(guards.ForbiddenError):
        guards.guarded_getattr(int, name)


def test_getattr_refuses_str_format_and_format_map() -> None:
    for target in ("{0}", str):
        for name in ("format", "format_map"):
            with pytest.raises(guards.ForbiddenError):
                guards.guarded_getattr(target, name)
    assert guards.guarded_getattr("a b", "split")() == ["a", "b"]


def test_getattr_refuses_exception_obj_and_drops_it_from_errors() -> None:
    with pytest.raises(AttributeError) as caught:
        guards.guarded_getattr(Record({}), "missing")
    assert caught.value.obj is None
    with pytest.raises(guards.ForbiddenError):
        guards.guarded_getattr(caught.value, "obj")


def test_getattr_refuses_module_frame_and_code_values() -> None:
    holder = types.SimpleNamespace(mod=json, code=test_guards_compile.__code__)
    for name in ("mod", "code"):
        with pytest.raises(guards.ForbiddenError):
            guards.guarded_getattr(holder, name)


def test_getattr_needs_a_plain_string_name() -> None:
    class Sneaky(str):
        pass

    with pytest.raises(guards.ForbiddenError):
        guards.guarded_getattr(1, Sneaky("real"))


def test_write_only_to_plain_containers() -> None:
    for ok in ({}, [], set()):
        assert guards.guarded_write(ok) is ok
    for refused in (Record({}), types.SimpleNamespace(), guards.module_views()["json"]):
        with pytest.raises(guards.ForbiddenError):
            guards.guarded_write(refused)


def test_module_views_withhold_formatters_contexts_and_submodules() -> None:
    views = guards.module_views()
    assert views["math"].sqrt is math.sqrt
    assert views["string"].ascii_letters == string.ascii_letters
    for module, name in [("string", "Formatter"), ("string", "Template"), ("json", "codecs"),
                         ("json", "decoder"), ("re", "enum"), ("decimal", "DefaultContext"),
                         ("datetime", "sys")]:
        with pytest.raises(guards.ForbiddenError):
            getattr(views[module], name)
    with pytest.raises(guards.ForbiddenError):
        views["json"].dumps = None


def test_import_allowlist() -> None:
    guarded_import = guards.make_import(guards.module_views())
    assert repr(guarded_import("json")) == "<module json>"
    for name in ("os", "sys", "socket", "json.decoder", "builtins", "importlib"):
        with pytest.raises(guards.ForbiddenError):
            guarded_import(name)
    with pytest.raises(guards.ForbiddenError):
        guarded_import("json", level=1)


def test_builtins_leave_out_introspection_and_io() -> None:
    names = guards.make_builtins(guards.module_views())
    for missing in ("type", "vars", "getattr", "setattr", "delattr", "dir", "globals",
                    "locals", "open", "eval", "exec", "compile", "__build_class__", "input",
                    "breakpoint", "object", "super", "hasattr"):
        assert missing not in names, missing
    for present in ("sorted", "min", "max", "sum", "any", "all", "enumerate", "zip", "range",
                    "len", "abs", "round", "dict", "list", "set", "tuple", "str", "int",
                    "float", "bool", "isinstance", "__import__"):
        assert present in names, present
    assert names is not guards.make_builtins(guards.module_views())


def test_pow_guard() -> None:
    assert guards.guarded_pow(2, 10) == 1024
    assert guards.guarded_pow(2.0, 0.5) == pytest.approx(math.sqrt(2))
    assert guards.guarded_pow(3, 10 ** 9, 7) == pow(3, 10 ** 9, 7)
    with pytest.raises(OverflowError):
        guards.guarded_pow(10, 10 ** 10)
    assert guards.guarded_inplacevar("+=", [1], [2]) == [1, 2]
    with pytest.raises(OverflowError):
        guards.guarded_inplacevar("**=", 7, 10 ** 9)


def test_print_is_captured_and_refuses_file() -> None:
    lines: list[str] = []
    collector = guards.PrintCollector(lines.append)
    collector._call_print("a", 1, sep="-")
    assert lines == ["a-1"] and collector() == "a-1\n"
    with pytest.raises(guards.ForbiddenError):
        collector._call_print("x", file=None)


def test_guards_compile() -> None:
    source = ("import json\n"
              "def main(record, params):\n"
              "    out = {'a': record['a'], 'keys': sorted(record)}\n"
              "    out['n'] = sum(x ** 2 for x in range(4))\n"
              "    a, (b, c) = 1, [2, 3]\n"
              "    out['t'] = a + b + c\n"
              "    out['j'] = json.dumps([1])\n"
              "    print('hi')\n"
              "    return out\n")
    assert run_local(source) == {"a": 1, "keys": ["a"], "n": 14, "t": 6, "j": "[1]"}


def test_record_is_read_only_with_set() -> None:
    record = Record({"a": 1})
    record.set("b", 2)
    assert dict(record) == {"a": 1, "b": 2} and record.changes() == {"b": 2}
    with pytest.raises(NotPlainData):
        record.set("c", object())


def test_plain_data_check() -> None:
    check_plain({"a": [1, 2.5, None, True, "x", (1, 2)]})
    for bad, path in [({"a": {1: 2}}, "/a"), ([float("nan")], "/0"), ({"d": {"e": b"x"}}, "/d/e"),
                      ({"s": {1, 2}}, "/s")]:
        with pytest.raises(NotPlainData) as caught:
            check_plain(bad)
        assert caught.value.path == path
    deep: list = []
    for _ in range(100):
        deep = [deep]
    with pytest.raises(NotPlainData):
        encode(deep)
