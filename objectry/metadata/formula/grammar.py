"""The formula grammar (lark, LALR): arithmetic, comparisons, and/or/not, calls, fields.

Precedence from loosest: ``or``, ``and``, ``not``, comparisons, ``+ -``, ``* /``, unary
minus. Names are field api_names, optionally through one lookup (``account.industry``).
"""

from __future__ import annotations

import functools

import lark

GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr (_OR and_expr)*          -> or_
?and_expr: not_expr (_AND not_expr)*        -> and_
?not_expr: _NOT not_expr                    -> not_
         | comparison
?comparison: sum (COMP_OP sum)?             -> compare
?sum: product (ADD_OP product)*             -> arith
?product: unary (MUL_OP unary)*             -> arith
?unary: "-" unary                           -> neg
      | atom
?atom: NUMBER                               -> number
     | STRING                               -> string
     | _TRUE                                -> true
     | _FALSE                               -> false
     | _NULL                                -> null
     | NAME "(" [or_expr ("," or_expr)*] ")" -> call
     | NAME ("." NAME)?                     -> name
     | "(" or_expr ")"

COMP_OP: "==" | "!=" | "<>" | "<=" | ">=" | "<" | ">" | "="
ADD_OP: "+" | "-"
MUL_OP: "*" | "/"
_OR.2: /or\b/i
_AND.2: /and\b/i
_NOT.2: /not\b/i
_TRUE.2: /true\b/i
_FALSE.2: /false\b/i
_NULL.2: /null\b/i
NAME: /[a-z][a-z0-9_]*/
NUMBER: /[0-9]+(\.[0-9]+)?/
STRING: /'([^'\\]|\\.)*'|"([^"\\]|\\.)*"/

%import common.WS
%ignore WS
"""


@functools.cache
def formula_parser() -> lark.Lark:
    """The parser, built once (building the LALR tables costs more than a parse)."""
    return lark.Lark(GRAMMAR, parser="lalr", propagate_positions=True,
                     maybe_placeholders=False)


@functools.lru_cache(maxsize=1024)
def syntax_tree(text: str) -> lark.Tree:
    """The parse of ``text``, memoized: a pure function of the text (the tree is only
    read), and lists compute the same few formulas on every request."""
    return formula_parser().parse(text)
