"""Writing an export as it is read: CSV for spreadsheets, JSON lines for programs."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import simplejson

FORMATS = ("csv", "jsonl")
MIMETYPES = {"csv": "text/csv", "jsonl": "application/x-ndjson"}
CHUNK = 64 * 1024  # characters handed to the server at a time


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def stream(kind: str, names: Sequence[str],
           items: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """The export's text in chunks, written while ``items`` are read (memory holds a
    chunk and the page being read). CSV starts with a BOM so spreadsheet programs read
    UTF-8 (中文), then a header row of ``names``; JSON lines have one record a line."""
    out = io.StringIO()
    writer = csv.writer(out)
    if kind == "csv":
        out.write("\ufeff")
        writer.writerow(names)
    for item in items:
        if kind == "jsonl":
            out.write(simplejson.dumps(item, ensure_ascii=False) + "\n")
        else:
            writer.writerow([_cell(item.get(name)) for name in names])
        if out.tell() >= CHUNK:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    if out.tell():
        yield out.getvalue()
