"""Text to typed tree: parse with the grammar, resolve names, check types and cycles.

Names resolve against the record's fields and, through a lookup, the fields of the
record it points at (one hop). A formula field named by another is expanded in place
(its own tree), so the compilers only ever see stored fields; a formula reaching itself
that way is a cycle. Every error carries the 1-based column where it starts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import lark

from objectry.metadata.formula.grammar import syntax_tree
from objectry.metadata.formula.nodes import Apply, FieldRef, FormulaError, FormulaNode, Literal

#: field api_name -> its definition, or None.
Fields = Callable[[str], Mapping[str, Any] | None]
#: object api_name -> its fields, or None when there is no such object.
Objects = Callable[[str], Fields | None]

#: field type name -> the field type (its facts), or None: the registry's ``get``, passed
#: in so this package needs nothing of ``fieldtypes`` (whose formula type uses it).
Types = Callable[[str], Any]

#: Functions: name -> (argument count range, result rule).
FUNCTIONS = {"if": (3, 3), "coalesce": (1, 20), "days_between": (2, 2), "today": (0, 0),
             "concat": (1, 20), "upper": (1, 1)}
ORDERED = ("number", "date")
MAX_LENGTH = 2000


def value_type(definition: Mapping[str, Any], types: Types) -> str | None:
    """A stored field's formula type, from its type's facts (None: not usable)."""
    ftype = types(str(definition.get("type", "")))
    if ftype is None or ftype.multi_valued or ftype.reference:
        return None
    if ftype.numeric:
        return "number"
    if ftype.whole_days:
        return "date"
    if ftype.temporal:
        return None  # instants need a time zone to become days: not yet
    if ftype.storage == "boolean":
        return "boolean"
    return "text" if ftype.stores_text else None


def parse_formula(text: str, fields: Fields, objects: Objects | None, types: Types, *,
                  name: str | None = None) -> FormulaNode:
    """The typed tree of ``text`` over ``fields`` (and, through lookups, ``objects``);
    ``name``: the formula field being parsed (a cycle back to it is an error)."""
    return _Builder(fields, objects, types, (name,) if name else ()).parse(text)


class _Builder:
    def __init__(self, fields: Fields, objects: Objects | None, types: Types,
                 chain: tuple[str, ...]) -> None:
        self.fields = fields
        self.objects = objects
        self.types = types
        self.chain = chain

    def parse(self, text: str) -> FormulaNode:
        if not isinstance(text, str) or not text.strip():
            raise FormulaError("formula_empty", 1)
        if len(text) > MAX_LENGTH:
            raise FormulaError("formula_too_long", MAX_LENGTH, max_length=MAX_LENGTH)
        try:
            tree = syntax_tree(text)
        except lark.UnexpectedInput as exc:
            token = getattr(exc, "token", None)
            if isinstance(exc, lark.UnexpectedEOF) or getattr(token, "type", "") == "$END":
                raise FormulaError("formula_syntax", len(text.rstrip()) + 1,
                                   found="end") from exc
            found = token or text[exc.pos_in_stream or 0:][:1]
            raise FormulaError("formula_syntax", int(exc.column or 1),
                               found=str(found) or "end") from exc
        return self.build(tree)

    # -- tree to nodes ---------------------------------------------------------------
    def build(self, tree: Any) -> FormulaNode:
        if isinstance(tree, lark.Token):  # an atom the grammar inlined
            return self.build(lark.Tree("name", [tree]))
        column = int(getattr(tree.meta, "column", 1) or 1)
        kind, kids = tree.data, tree.children
        if kind in ("and_", "or_", "arith", "compare") and len(kids) == 1:
            return self.build(kids[0])  # a rule the grammar did not inline
        if kind == "number":
            return Literal(Decimal(str(kids[0])), "number", column)
        if kind == "string":
            raw = str(kids[0])[1:-1]
            return Literal(raw.encode().decode("unicode_escape") if "\\" in raw else raw,
                           "text", column)
        if kind in ("true", "false"):
            return Literal(kind == "true", "boolean", column)
        if kind == "null":
            return Literal(None, "null", column)
        if kind == "name":
            return self.name([str(k) for k in kids], column)
        if kind == "neg":
            arg = self.build(kids[0])
            self.expect(arg, ("number",), "-")
            return Apply("neg", (arg,), "number", column)
        if kind == "not_":
            arg = self.build(kids[0])
            self.expect(arg, ("boolean",), "not")
            return Apply("not", (arg,), "boolean", column)
        if kind in ("and_", "or_"):
            args = tuple(self.build(k) for k in kids)
            for arg in args:
                self.expect(arg, ("boolean",), kind[:-1])
            return Apply(kind[:-1], args, "boolean", column)
        if kind == "arith":
            return self.arith(kids, column)
        if kind == "compare":
            return self.compare(kids, column)
        if kind == "call":
            return self.call(str(kids[0]), [self.build(k) for k in kids[1:]], column)
        raise FormulaError("formula_syntax", column, found=kind)

    def arith(self, kids: list[Any], column: int) -> FormulaNode:
        node = self.build(kids[0])
        self.expect(node, ("number",), str(kids[1]))
        for op_token, operand in zip(kids[1::2], kids[2::2], strict=True):
            right = self.build(operand)
            self.expect(right, ("number",), str(op_token))
            node = Apply(str(op_token), (node, right), "number", column)
        return node

    def compare(self, kids: list[Any], column: int) -> FormulaNode:
        left, op, right = self.build(kids[0]), str(kids[1]), self.build(kids[2])
        op = {"==": "=", "<>": "!="}.get(op, op)
        if op in ("<", "<=", ">", ">="):
            self.expect(left, ORDERED, op)
            self.expect(right, ORDERED, op)
        self.same(left, right, op)
        return Apply(op, (left, right), "boolean", column)

    def call(self, function: str, args: list[FormulaNode], column: int) -> FormulaNode:
        if function not in FUNCTIONS:
            raise FormulaError("formula_unknown_function", column, function=function,
                               known=", ".join(sorted(FUNCTIONS)))
        low, high = FUNCTIONS[function]
        if not low <= len(args) <= high:
            raise FormulaError("formula_arity", column, function=function,
                               expected=str(low) if low == high else f"{low}-{high}",
                               found=len(args))
        result: str
        if function == "if":
            self.expect(args[0], ("boolean",), "if")
            result = self.same(args[1], args[2], "if")
        elif function == "coalesce":
            result = "null"
            for arg in args:
                result = self.same(Literal(None, result, column), arg, "coalesce")
        elif function == "days_between":
            for arg in args:
                self.expect(arg, ("date",), function)
            result = "number"
        elif function == "today":
            result = "date"
        else:  # concat, upper
            for arg in args:
                self.expect(arg, ("text",), function)
            result = "text"
        return Apply(function, tuple(args), result, column)

    # -- names -----------------------------------------------------------------------
    def name(self, parts: list[str], column: int) -> FormulaNode:
        definition = self.fields(parts[0])
        if definition is None:
            raise FormulaError("formula_unknown_field", column, field=parts[0])
        ftype = self.types(str(definition.get("type", "")))
        if len(parts) == 2:
            if ftype is None or not ftype.reference:
                raise FormulaError("formula_not_a_lookup", column, field=parts[0])
            target = str(definition.get("target"))
            related = None if self.objects is None else self.objects(target)
            if related is None:
                raise FormulaError("formula_unknown_field", column, field=".".join(parts))
            far = related(parts[1])
            if far is None:
                raise FormulaError("formula_unknown_field", column, field=".".join(parts))
            far_type = self.types(str(far.get("type", "")))
            if far_type is not None and far_type.computed:  # computed there, not here
                raise FormulaError("formula_unsupported_field", column,
                                   field=".".join(parts), type=str(far.get("type")))
            kind = value_type(far, self.types)
            if kind is None:
                raise FormulaError("formula_unsupported_field", column,
                                   field=".".join(parts), type=str(far.get("type")))
            return FieldRef(parts[1], kind, via=parts[0], target=target, column=column)
        if ftype is not None and ftype.aggregated:  # a roll-up: an input of its own
            definition = ftype.value_definition(definition)
        elif ftype is not None and ftype.computed:
            return self.expand(parts[0], definition, column)
        kind = value_type(definition, self.types)
        if kind is None:
            raise FormulaError("formula_unsupported_field", column, field=parts[0],
                               type=str(definition.get("type")))
        return FieldRef(parts[0], kind, column=column)

    def expand(self, name: str, definition: Mapping[str, Any], column: int) -> FormulaNode:
        """Another formula field of the record, expanded (a cycle is an error here)."""
        if name in self.chain:
            cycle = [*self.chain[self.chain.index(name):], name]
            raise FormulaError("formula_cycle", column, fields=" → ".join(cycle))
        inner = _Builder(self.fields, self.objects, self.types, (*self.chain, name))
        try:
            return inner.parse(str(definition.get("expression", "")))
        except FormulaError as exc:
            if exc.code == "formula_cycle":
                raise FormulaError("formula_cycle", column, **{
                    k: v for k, v in exc.params.items() if k != "column"}) from exc
            raise FormulaError("formula_input_invalid", column, field=name) from exc

    # -- types -----------------------------------------------------------------------
    @staticmethod
    def expect(node: FormulaNode, allowed: tuple[str, ...], where: str) -> None:
        if node.type != "null" and node.type not in allowed:
            raise FormulaError("formula_type_mismatch", node.column or 1, operator=where,
                               expected=" | ".join(allowed), found=node.type)

    @staticmethod
    def same(left: FormulaNode, right: FormulaNode, where: str) -> str:
        if "null" in (left.type, right.type) or left.type == right.type:
            return right.type if left.type == "null" else left.type
        raise FormulaError("formula_type_mismatch", right.column or 1, operator=where,
                           expected=left.type, found=right.type)
