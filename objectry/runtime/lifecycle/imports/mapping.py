"""Columns to fields: a column named like a field's api_name or label (in English or
Chinese, case, width and spaces folded) maps to it; a given mapping (column → field, or
null to skip the column) overrides that.

Every column must end up mapped or skipped: a column matching nothing, one mapped to a
field that cannot be written (read-only, system, or not the importer's to set) and two
columns on one field are errors of the import, listed at ``/mapping/<column>``, and an
import with such errors does not run.
"""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from objectry.metadata.names import SYSTEM_FIELDS
from objectry.metadata.problems import ErrorItem, Forbidden, Invalid, pointer
from objectry.runtime.access.guard import Guard
from objectry.runtime.model.compiled import ObjectModel


def fold(text: str) -> str:
    """A name as compared: NFKC (full-width → ASCII), case-folded, without spaces,
    underscores or hyphens (``Full Name`` = ``full_name``, full-width too)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in folded if not c.isspace() and c not in "_-")


def names_of(model: ObjectModel) -> dict[str, str]:
    """Folded api_name and labels (every language) → field; system fields by name (so
    a column of them is named as read-only, not unknown)."""
    found: dict[str, str] = {fold(name): name for name in SYSTEM_FIELDS}
    for name, field in model.fields.items():
        label = field.definition.get("label")
        labels = label.values() if isinstance(label, dict) else [label] if label else []
        for text in (*labels, name):
            if isinstance(text, str) and text.strip():
                found.setdefault(fold(text), name)
    return found


def read_mapping(raw: Any) -> dict[str, str | None]:
    """A mapping as a caller sends it: ``{column: field api_name or null}`` (422 else)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(
            isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in raw.items()):
        raise Invalid([ErrorItem("/mapping", "import_mapping_invalid")])
    return dict(raw)


def map_columns(model: ObjectModel, guard: Guard, columns: Sequence[str],
                given: Mapping[str, str | None]) -> tuple[dict[str, str | None],
                                                          list[ErrorItem]]:
    """Each column's field (None: skipped) and the mapping's errors."""
    known = names_of(model)
    mapping: dict[str, str | None] = {}
    errors: list[ErrorItem] = []
    taken: dict[str, str] = {}
    for column in columns:
        if not column:
            mapping[column] = None  # a column without a header holds nothing to import
            continue
        field = given[column] if column in given else known.get(fold(column))
        at = pointer("mapping", column)
        if field is None and column not in given:  # left out: it stays unmapped
            errors.append(ErrorItem(at, "import_unknown_column",
                                    {"column": column, "object": model.api_name}))
            continue
        mapping[column] = field
        if field is None:  # skipped on purpose
            continue
        definition = model.fields.get(field)
        if field in SYSTEM_FIELDS or (definition is not None and not definition.writable):
            errors.append(ErrorItem(at, "import_read_only_field",
                                    {"column": column, "field": field}))
            continue
        if definition is None or guard.unknowable(field):
            errors.append(ErrorItem(at, "unknown_field",
                                    {"object": model.api_name, "field": field}))
            continue
        try:
            guard.check_creatable([field])
        except Forbidden:
            errors.append(ErrorItem(at, "import_read_only_field",
                                    {"column": column, "field": field}))
            continue
        if field in taken:
            errors.append(ErrorItem(at, "import_duplicate_mapping",
                                    {"column": column, "other": taken[field], "field": field}))
            continue
        taken[field] = column
    return mapping, errors


_UNREAD = object()
#: readings safe to share between rows (a list or dict could be changed by one of them)
_IMMUTABLE = (str, int, float, Decimal, bool, dt.date, dt.time)


def records_of(model: ObjectModel, columns: Sequence[str], mapping: Mapping[str, str | None],
               rows: Iterable[Sequence[str]]) -> list[dict[str, Any]]:
    """A batch of rows' cells as create bodies: each mapped, non-empty cell read by its
    field's type as a form's text is (``from_form``); a multi-valued field's cell is
    split on ``;`` (as exports join it). Which column feeds which field is worked out
    once, and a single-valued cell's text is read once per batch (an import's cities,
    sources and statuses repeat on every row; ``from_form`` is a pure reading of the
    text, and only immutable readings are shared between rows)."""
    readers = []
    for index, column in enumerate(columns):
        field = mapping.get(column)
        definition = None if field is None else model.fields.get(field)
        if field is None or definition is None or not definition.writable:
            continue  # a mapping error of the import, not of each row
        readers.append((index, field, definition.type.multi_valued,
                        functools.partial(definition.type.from_form, definition.definition)))
    read: dict[tuple[int, str], Any] = {}
    bodies = []
    for cells in rows:
        body: dict[str, Any] = {}
        for index, field, multi, from_form in readers:
            if index >= len(cells):
                continue
            text = cells[index].strip()
            if not text:
                continue
            if multi:
                body[field] = from_form([t.strip() for t in text.split(";") if t.strip()])
                continue
            key = (index, text)
            value = read.get(key, _UNREAD)
            if value is _UNREAD:
                value = from_form([text])
                if value is None or isinstance(value, _IMMUTABLE):
                    read[key] = value
            body[field] = value
        bodies.append(body)
    return bodies
