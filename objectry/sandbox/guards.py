"""The host-side guards RestrictedPython's rewritten code calls, and the builtins it sees.

RestrictedPython rewrites ``a.b`` into ``_getattr_(a, "b")``, ``a[b]`` into
``_getitem_(a, b)``, ``for x in y`` into ``_getiter_(y)`` and so on; it is only as safe
as these functions. They refuse underscore names, frame/generator/coroutine/traceback
internals, ``str.format``-style attribute traversal, ``AttributeError.obj``, modules
outside a small allowlist and writes to anything but plain containers.
"""

from __future__ import annotations

import datetime
import decimal
import json
import math
import operator
import re
import string
import types
from collections.abc import Callable, Mapping
from typing import Any

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.Guards import safe_builtins as _restricted_safe_builtins
from RestrictedPython.transformer import INSPECT_ATTRIBUTES

# Names a module exposes when it has no __all__ (math), minus what we withhold.
ALLOWED_MODULES: Mapping[str, types.ModuleType] = types.MappingProxyType({
    "math": math, "datetime": datetime, "decimal": decimal, "re": re, "json": json,
    "string": string,
})
WITHHELD = frozenset({
    "string.Formatter", "string.Template",
    # process-wide mutable contexts: a write would leak into the next tenant's call
    "decimal.DefaultContext", "decimal.BasicContext", "decimal.ExtendedContext",
})
FORBIDDEN_ATTRIBUTES = INSPECT_ATTRIBUTES | frozenset({
    "gi_frame", "gi_code", "gi_yieldfrom", "gi_running", "ag_frame", "ag_code", "ag_await",
    "cr_frame", "cr_code", "cr_await", "cr_origin", "f_back", "f_globals", "f_locals",
    "f_builtins", "f_code", "f_trace", "tb_frame", "tb_next", "co_code", "mro",
})
FORBIDDEN_VALUE_TYPES = (types.ModuleType, types.FrameType, types.TracebackType,
                         types.CodeType)
FORMAT_METHODS = frozenset({"format", "format_map"})
WRITABLE_TYPES = frozenset({dict, list, set})
MAX_POW_BITS = 1_000_000

EXTRA_BUILTINS: Mapping[str, Any] = types.MappingProxyType({
    "sorted": sorted, "min": min, "max": max, "sum": sum, "any": any, "all": all,
    "enumerate": enumerate, "zip": zip, "map": map, "filter": filter, "reversed": reversed,
    "dict": dict, "list": list, "set": set, "frozenset": frozenset, "tuple": tuple,
    "iter": iter, "next": next, "StopIteration": StopIteration,
})
REMOVED_BUILTINS = frozenset({"__build_class__", "setattr", "delattr", "_getattr_"})


class ForbiddenError(Exception):
    """Tenant code tried something functions may not do (reported as function_forbidden)."""


class ModuleView:
    """A read-only view of an allowlisted module's public, non-module names.

    Tenant code never holds the module itself: ``json.codecs`` or ``re.enum`` would
    lead straight to file and type machinery.
    """

    __slots__ = ("__attrs", "__name")

    def __init__(self, name: str, attrs: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_ModuleView__name", name)
        object.__setattr__(self, "_ModuleView__attrs", types.MappingProxyType(dict(attrs)))

    def __getattr__(self, item: str) -> Any:
        try:
            return self.__attrs[item]
        except KeyError:
            raise ForbiddenError(f"{self.__name}.{item} is not available in functions") \
                from None

    def __setattr__(self, item: str, value: Any) -> None:
        raise ForbiddenError(f"{self.__name} is read-only")

    def __delattr__(self, item: str) -> None:
        raise ForbiddenError(f"{self.__name} is read-only")

    def __dir__(self) -> list[str]:
        return sorted(self.__attrs)

    def __repr__(self) -> str:
        return f"<module {self.__name}>"


def module_view(name: str, module: types.ModuleType) -> ModuleView:
    """The public names of ``module``: its ``__all__`` or every non-underscore name."""
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    attrs = {n: getattr(module, n) for n in names
             if hasattr(module, n) and f"{name}.{n}" not in WITHHELD
             and not isinstance(getattr(module, n), types.ModuleType)}
    return ModuleView(name, attrs)


def module_views() -> dict[str, ModuleView]:
    """One view per allowlisted module; a worker builds these once at start."""
    return {name: module_view(name, module) for name, module in ALLOWED_MODULES.items()}


def make_import(views: Mapping[str, ModuleView]) -> Callable[..., ModuleView]:
    """``__import__`` that only knows the allowlisted modules, by exact name."""

    def guarded_import(name: str, globals: Any = None, locals: Any = None,
                       fromlist: Any = (), level: int = 0) -> ModuleView:
        if level != 0 or name not in views:
            allowed = ", ".join(sorted(views))
            raise ForbiddenError(f"import of {name!r} is not allowed; allowed: {allowed}")
        return views[name]

    return guarded_import


def guarded_getattr(obj: Any, name: str) -> Any:
    """``obj.name`` for tenant code, refusing every known route to interpreter internals."""
    if type(name) is not str:
        raise ForbiddenError("attribute names must be plain strings")
    if name.startswith("_") or name in FORBIDDEN_ATTRIBUTES:
        raise ForbiddenError(f"attribute {name!r} is not accessible in functions")
    if name in FORMAT_METHODS and (isinstance(obj, str) or
                                   (isinstance(obj, type) and issubclass(obj, str))):
        raise ForbiddenError(f"str.{name}() is not allowed in functions; use f-strings")
    if name == "obj" and isinstance(obj, BaseException):
        raise ForbiddenError("attribute 'obj' of exceptions is not accessible in functions")
    try:
        value = getattr(obj, name)
    except AttributeError:
        # a fresh error: AttributeError.obj of the original would carry ``obj`` along
        raise AttributeError(f"{type(obj).__name__!r} object has no attribute {name!r}") \
            from None
    if isinstance(value, FORBIDDEN_VALUE_TYPES):
        raise ForbiddenError(f"attribute {name!r} is not accessible in functions")
    return value


def guarded_getitem(obj: Any, key: Any) -> Any:
    """``obj[key]``; the objects tenant code can reach hold only plain data."""
    return obj[key]


def guarded_getiter(obj: Any) -> Any:
    return iter(obj)


def guarded_write(obj: Any) -> Any:
    """Allow item and attribute writes only on plain containers the function built."""
    if type(obj) in WRITABLE_TYPES:
        return obj
    raise ForbiddenError(f"{type(obj).__name__} objects are read-only in functions")


def guarded_pow(base: Any, exp: Any, mod: Any = None) -> Any:
    """``base ** exp``, refusing integer powers too large to compute within limits."""
    if mod is None and type(base) in (int, bool) and type(exp) in (int, bool) \
            and exp > 0 and abs(base) > 1 and exp * abs(base).bit_length() > MAX_POW_BITS:
        raise OverflowError(f"integer power result would exceed {MAX_POW_BITS} bits")
    return pow(base, exp) if mod is None else pow(base, exp, mod)


_INPLACE: Mapping[str, Callable[[Any, Any], Any]] = types.MappingProxyType({
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul,
    "/=": operator.itruediv, "//=": operator.ifloordiv, "%=": operator.imod,
    "**=": guarded_pow, "<<=": operator.ilshift, ">>=": operator.irshift,
    "&=": operator.iand, "|=": operator.ior, "^=": operator.ixor, "@=": operator.imatmul,
})


def guarded_inplacevar(op: str, target: Any, value: Any) -> Any:
    try:
        return _INPLACE[op](target, value)
    except KeyError:
        raise ForbiddenError(f"operator {op} is not allowed") from None


def guarded_apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``f(*args, **kwargs)``; the call itself needs no extra check here."""
    return func(*args, **kwargs)


class PrintCollector:
    """``print()`` for tenant code: each call goes to the call's log (counted as log bytes)."""

    def __init__(self, sink: Callable[[str], None]) -> None:
        self._sink = sink
        self._parts: list[str] = []

    def _call_print(self, *objects: Any, sep: Any = " ", end: Any = "\n",
                    **kwargs: Any) -> None:
        if kwargs:
            raise ForbiddenError("print() takes no file or flush arguments in functions")
        text = str(sep).join(str(o) for o in objects) + str(end)
        self._parts.append(text)
        self._sink(text.removesuffix("\n"))

    def __call__(self) -> str:
        """The ``printed`` variable of RestrictedPython: all text printed so far."""
        return "".join(self._parts)


def make_builtins(views: Mapping[str, ModuleView]) -> dict[str, Any]:
    """A fresh builtins dict for one call: RestrictedPython's safe ones plus a few harmless."""
    names = {k: v for k, v in _restricted_safe_builtins.items() if k not in REMOVED_BUILTINS}
    names.update(EXTRA_BUILTINS)
    names["pow"] = guarded_pow
    names["__import__"] = make_import(views)
    return names


def restricted_globals(views: Mapping[str, ModuleView], print_sink: Callable[[str], None],
                       api: Mapping[str, Any]) -> dict[str, Any]:
    """The globals one call's module code runs with: guards, builtins and the platform API."""
    glb: dict[str, Any] = {
        "__builtins__": make_builtins(views),
        "__name__": "function",
        "_getattr_": guarded_getattr,
        "_getitem_": guarded_getitem,
        "_getiter_": guarded_getiter,
        "_write_": guarded_write,
        "_inplacevar_": guarded_inplacevar,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_apply_": guarded_apply,
        "_pow_": guarded_pow,
        "_print_": lambda _getattr=None: PrintCollector(print_sink),
    }
    glb.update(api)
    return glb
