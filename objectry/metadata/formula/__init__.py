"""Formula expressions: the grammar, the typed tree and its checks (types, cycles).

A formula is text an admin writes (``(won_revenue - total_cost) / total_cost``); it is
parsed with a real grammar into a typed tree that two compilers (runtime/query, SQL and
Python) turn into values, so lists filter and sort on it in the database while forms and
workflows compute the same value in Python.
"""

from objectry.metadata.formula.nodes import FormulaError, FormulaNode
from objectry.metadata.formula.parser import parse_formula

__all__ = ["FormulaError", "FormulaNode", "parse_formula"]
