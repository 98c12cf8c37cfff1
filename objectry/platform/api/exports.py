"""Writing an export as it is read: CSV and XLSX for spreadsheets, JSON lines for programs.

CSV cells that start with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) are
prefixed with ``'`` so a spreadsheet shows them as text and never runs them as a formula
(CSV injection); plain numbers (``-12.5``) are left alone. XLSX cells are typed: such
text is a string cell, never a formula.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import simplejson
from flask import request

from objectry.metadata.problems import ErrorItem, Invalid

FORMATS = ("csv", "xlsx", "jsonl")
MIMETYPES = {"csv": "text/csv", "jsonl": "application/x-ndjson",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
CHUNK = 64 * 1024  # characters (bytes for XLSX) handed to the server at a time
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


def labels_arg() -> bool:
    """``labels``: option values as their labels in the caller's language (true) or as
    values (false, the default); anything else is 422."""
    value = request.args.get("labels", "false").strip().lower()
    if value not in ("true", "false", "1", "0"):
        raise Invalid([ErrorItem("/labels", "export_labels")])
    return value in ("true", "1")


def safe_text(text: str) -> str:
    """A cell's text that a spreadsheet cannot run as a formula."""
    if text.startswith(FORMULA_START) and not NUMBER.fullmatch(text):
        return "'" + text
    return text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return safe_text("; ".join(str(v) for v in value))
    return safe_text(str(value))


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    """Numbers stay numbers; everything else is a text cell (typed as a string, so a
    leading ``=`` is never read as a formula: no prefix is needed in XLSX)."""
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]

    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = "" if value is None else ("true" if value else "false") if isinstance(value, bool) \
        else "; ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if not text.startswith(FORMULA_START):
        return text or None
    cell = WriteOnlyCell(sheet, value=None)
    cell.value, cell.data_type = text, "s"
    return cell


def stream(kind: str, names: Sequence[str],
           items: Iterable[Mapping[str, Any]]) -> Iterator[bytes]:
    """The export in chunks, written while ``items`` are read (memory holds a chunk and
    the page being read). CSV starts with a BOM so spreadsheet programs read UTF-8
    (中文), then a header row of ``names``; JSON lines have one record a line; XLSX is
    written row by row to a temporary file (openpyxl's write-only mode), then sent."""
    if kind == "xlsx":
        yield from _xlsx(names, items)
        return
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
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    if out.tell():
        yield out.getvalue().encode("utf-8")


def _xlsx(names: Sequence[str], items: Iterable[Mapping[str, Any]]) -> Iterator[bytes]:
    import openpyxl  # type: ignore[import-untyped]  # only when an XLSX export is asked for

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("export")
    sheet.append(list(names))
    for item in items:
        sheet.append([_xlsx_cell(sheet, item.get(name)) for name in names])
    with tempfile.TemporaryFile() as spool:
        book.save(spool)
        spool.seek(0)
        while chunk := spool.read(CHUNK):
            yield chunk
