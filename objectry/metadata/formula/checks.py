"""Save-time checks of a formula field: parses, types, cycles, the declared result.

Errors point at ``/expression`` with the 1-based column, relative to the field (the
object validation puts them under ``/fields/N``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from objectry.metadata.formula.nodes import FormulaError
from objectry.metadata.formula.parser import Fields, Types, parse_formula
from objectry.metadata.problems import ErrorItem


def owner_of(field: Mapping[str, Any], objects: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The object definition holding this very field definition."""
    for document in objects.values():
        if isinstance(document, Mapping) and any(f is field for f in document.get("fields", [])):
            return document
    return None


def fields_of(document: Mapping[str, Any] | None) -> Fields | None:
    if document is None:
        return None
    by_name = {f.get("api_name"): f for f in document.get("fields", [])}
    return by_name.get


def formula_errors(field: Mapping[str, Any], objects: Mapping[str, Any],
                   types: Types) -> list[ErrorItem]:
    """Every problem with a formula field's expression, at ``/expression``."""
    fields = fields_of(owner_of(field, objects))
    if fields is None:
        return []

    def related(name: str) -> Fields | None:
        return fields_of(objects.get(name))

    objects_lookup: Callable[[str], Fields | None] = related
    try:
        tree = parse_formula(field["expression"], fields, objects_lookup, types,
                             name=field.get("api_name"))
    except FormulaError as exc:
        return [ErrorItem("/expression", exc.code, exc.params)]
    result = field.get("result")
    if tree.type not in ("null", result):
        return [ErrorItem("/result", "formula_result_mismatch",
                          {"result": result, "found": tree.type, "column": 1})]
    return []
