"""Our RestrictedPython policy: the stock transformer plus what tenant functions don't need.

On top of RestrictedPython's rules it refuses class definitions (they only add ways to
reach internals; functions and plain data are enough for a scoring or validation
rule), routes ``a ** b`` through the host's ``_pow_`` guard so a huge power fails fast
with a clear error, and keeps each error's line and column instead of a text line.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations


@dataclass(frozen=True)
class SourceError:
    """One compile error at a 1-based line and column."""

    line: int
    column: int
    message: str


class FunctionPolicy(RestrictingNodeTransformer):
    """RestrictedPython's transformer, recording structured errors."""

    def __init__(self, source_errors: list[SourceError]) -> None:
        super().__init__(errors=[], warnings=[], used_names={})
        self.source_errors = source_errors

    def error(self, node: ast.AST, info: str) -> None:
        super().error(node, info)
        line = getattr(node, "lineno", None) or 1
        column = (getattr(node, "col_offset", None) or 0) + 1
        self.source_errors.append(SourceError(line, column, info))

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST | None:
        self.error(node, "Class definitions are not allowed in functions.")
        return None

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        node = self.node_contents_visit(node)
        if not isinstance(node.op, ast.Pow):
            return node
        call = ast.Call(func=ast.Name("_pow_", ast.Load()), args=[node.left, node.right],
                        keywords=[])
        copy_locations(call, node)
        copy_locations(call.func, node)
        return call
