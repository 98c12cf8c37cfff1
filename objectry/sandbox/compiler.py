"""Compile tenant source once per (tenant, function, version) into restricted code.

Saving a function calls :func:`compile_function`, which rejects every error with its
line and column. Running a function looks the compiled code up in a
:class:`FunctionCache` the caller owns (no module-level cache), keyed by the metadata
version, so several processes stay correct when a function changes.

Entry convention: the source defines ``def main(record, params):`` at top level. The
module body runs at each call (keep it to imports, constants and functions); then
``main`` gets the current record (read-only mapping with ``set()``) and the call's
parameters, and returns plain JSON data.
"""

from __future__ import annotations

import ast
import hashlib
import marshal
from dataclasses import dataclass, field
from types import CodeType

from objectry.metadata.lru import LruCache
from objectry.metadata.problems import ErrorItem, Invalid
from objectry.sandbox.policy import FunctionPolicy, SourceError
from objectry.sandbox.protocol import SOURCE_FILENAME as FILENAME

ENTRY = "main"
MAX_SOURCE_CHARS = 100_000


@dataclass(frozen=True)
class FunctionKey:
    """Identifies one compiled version of one tenant's function."""

    tenant: str
    function: str
    version: int

    def __str__(self) -> str:
        return f"{self.tenant}/{self.function}/{self.version}"


@dataclass(frozen=True)
class CompiledFunction:
    """Restricted byte code ready to run; ``payload`` is what a worker receives."""

    key: FunctionKey
    digest: str
    code: CodeType = field(repr=False)
    payload: bytes = field(repr=False)

    @property
    def worker_key(self) -> str:
        """Names this exact code in a worker's cache (version plus source digest)."""
        return f"{self.key}/{self.digest[:16]}"


def _column(lines: list[str], line: int, byte_offset: int) -> int:
    """Turn an AST UTF-8 byte offset into a 1-based character column."""
    if 1 <= line <= len(lines):
        return len(lines[line - 1].encode()[: max(byte_offset - 1, 0)].decode(errors="ignore")) + 1
    return byte_offset


def _invalid(errors: list[SourceError]) -> Invalid:
    return Invalid([ErrorItem("/code", "function_compile_error",
                              {"line": e.line, "column": e.column, "message": e.message})
                    for e in errors])


def _check_entry(tree: ast.Module) -> list[SourceError]:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == ENTRY:
            return []
    return [SourceError(1, 1, f"The function must define 'def {ENTRY}(record, params):' "
                              "at top level.")]


def compile_source(source: str) -> CodeType:
    """Compile tenant source with our RestrictedPython policy or raise Invalid."""
    if len(source) > MAX_SOURCE_CHARS:
        raise _invalid([SourceError(1, 1, f"The code is longer than {MAX_SOURCE_CHARS} "
                                          "characters.")])
    try:
        tree = ast.parse(source, FILENAME, "exec")
    except SyntaxError as exc:
        raise _invalid([SourceError(exc.lineno or 1, exc.offset or 1,
                                    f"{type(exc).__name__}: {exc.msg}")]) from None
    except (RecursionError, MemoryError, ValueError) as exc:
        raise _invalid([SourceError(1, 1, f"The code cannot be parsed: {exc}")]) from None
    errors: list[SourceError] = []
    FunctionPolicy(errors).visit(tree)
    errors += _check_entry(tree)
    if errors:
        lines = source.splitlines()
        raise _invalid(sorted(
            {SourceError(e.line, _column(lines, e.line, e.column), e.message)
             for e in errors}, key=lambda e: (e.line, e.column, e.message)))
    try:
        return compile(tree, FILENAME, "exec")
    except SyntaxError as exc:  # e.g. 'return' outside function, found by the compiler
        raise _invalid([SourceError(exc.lineno or 1, exc.offset or 1,
                                    f"{type(exc).__name__}: {exc.msg}")]) from None
    except (RecursionError, MemoryError) as exc:
        raise _invalid([SourceError(1, 1, f"The code cannot be compiled: {exc}")]) from None


def compile_function(key: FunctionKey, source: str) -> CompiledFunction:
    """Compile one version of a function; raises Invalid with line and column."""
    code = compile_source(source)
    digest = hashlib.sha256(source.encode()).hexdigest()
    return CompiledFunction(key, digest, code, marshal.dumps(code))


class FunctionCache:
    """Compiled functions by (tenant, function, version) and source digest; bounded LRU.

    The digest is part of the key, so changed source under the same version compiles
    afresh instead of serving stale code.
    """

    def __init__(self, max_entries: int = 1024) -> None:
        self.max_entries = max_entries
        self._cache = LruCache(max_entries)

    @property
    def compiles(self) -> int:
        return self._cache.misses

    def get(self, key: FunctionKey, source: str) -> CompiledFunction:
        """The compiled function for ``key``, compiling ``source`` on first use."""
        digest = hashlib.sha256(source.encode()).hexdigest()
        return self._cache.get_or_build((key, digest), lambda: compile_function(key, source))

    def __len__(self) -> int:
        return len(self._cache)
