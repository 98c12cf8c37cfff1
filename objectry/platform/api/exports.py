"""Rendering an export: CSV for spreadsheets, JSON lines for programs."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

import simplejson

from objectry.runtime.model.compiled import ObjectModel
from objectry.runtime.model.serialize import SYSTEM_ORDER

FORMATS = ("csv", "jsonl")


def columns(model: ObjectModel, items: Sequence[Mapping[str, Any]]) -> list[str]:
    """System fields, then the object's fields in definition order, keeping only those
    that appear in some exported record (fields the caller cannot read never do)."""
    present: set[str] = set()
    for item in items:
        present.update(item)
    ordered = [*SYSTEM_ORDER, *model.fields, "deleted_at"]
    return [name for name in ordered if name in present or (not items and name == "id")]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def render(kind: str, names: Sequence[str], items: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    """(body, mimetype). CSV starts with a BOM so spreadsheet programs read UTF-8 (中文)."""
    if kind == "jsonl":
        lines = [simplejson.dumps(item, ensure_ascii=False) for item in items]
        return "".join(line + "\n" for line in lines), "application/x-ndjson"
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(names)
    for item in items:
        writer.writerow([_cell(item.get(name)) for name in names])
    return out.getvalue(), "text/csv"
