"""A file's bytes as a header and rows of text: CSV (UTF-8 with or without BOM, GB18030,
as Excel in China saves it) or XLSX (openpyxl, read-only, formulas kept as their text).

Every cell becomes a string (an empty cell ""), so the rows stored for a run are what
the file said; a formula (``=HYPERLINK(...)``) is stored as its text and never
evaluated. Files over the configured rows or bytes are refused before anything is
stored (413, saying which limit and how to raise it).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from objectry.metadata.problems import ErrorItem, Invalid, PayloadTooLarge

XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Limits:
    """What a file may hold (the platform's settings: ``import_max_rows``/``_bytes``)."""

    max_rows: int
    max_bytes: int


@dataclass(frozen=True)
class Sheet:
    """A file as read: its format and encoding, the header, and the data rows (each as
    ``(row number in the file, cells)``, blank rows left out)."""

    file_format: str
    encoding: str | None
    columns: list[str]
    rows: list[tuple[int, list[str]]]


ENCODINGS = ("utf-8", "gb18030")


def read(data: bytes, limits: Limits, encoding: str | None = None) -> Sheet:
    """The file's header and rows (422 for a file that cannot be read, 413 over a limit).

    A CSV's encoding is detected (BOM, else UTF-8 if it decodes, else GB18030) unless
    ``encoding`` names it: a short GB18030 file can also be valid UTF-8."""
    if len(data) > limits.max_bytes:
        raise PayloadTooLarge(detail_code="import_too_large", max=limits.max_bytes)
    if encoding is not None and encoding not in ENCODINGS:
        raise Invalid([ErrorItem("/encoding", "schema_enum", {"allowed": list(ENCODINGS)})])
    if data.startswith(XLSX_MAGIC):
        return _xlsx(data, limits)
    return _csv(data, limits, encoding)


def _refuse(code: str, **params: Any) -> Invalid:
    return Invalid([ErrorItem("/file", code, params)], detail_code=code, **params)


def _decode(data: bytes, told: str | None) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif told is not None:
        encoding = told
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            encoding = "gb18030"
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError:
        raise _refuse("import_encoding") from None


def _csv(data: bytes, limits: Limits, told: str | None) -> Sheet:
    text, encoding = _decode(data, told)
    if "\x00" in text:
        raise _refuse("import_malformed", reason="NUL byte in text")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            if header is None:
                if any(c.strip() for c in cells):
                    header = [c.strip() for c in cells]
                continue
            _append(rows, reader.line_num, cells, limits)
    except csv.Error as exc:
        raise _refuse("import_malformed", reason=f"line {reader.line_num}: {exc}") from exc
    if header is None:
        raise _refuse("import_empty")
    return Sheet("csv", encoding.removesuffix("-sig"), header, rows)


def _delimiter(text: str) -> str:
    """The header line's separator: the most frequent of ``,``, ``;`` and tab outside
    quotes (``,`` on a tie), so values that happen to hold a separator never decide."""
    counts = dict.fromkeys(",;\t", 0)
    quoted = False
    for char in text[:65536]:
        if char == '"':
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            break
        elif char in counts and not quoted:
            counts[char] += 1
    best = max(counts, key=lambda c: (counts[c], c == ","))
    return best if counts[best] else ","


def _append(rows: list[tuple[int, list[str]]], number: int, cells: list[str],
            limits: Limits) -> None:
    if not any(c.strip() for c in cells):
        return
    if len(rows) >= limits.max_rows:
        raise PayloadTooLarge(detail_code="import_too_many_rows", max=limits.max_rows)
    rows.append((number, cells))


def _xlsx(data: bytes, limits: Limits) -> Sheet:
    import openpyxl  # type: ignore[import-untyped]  # only when an XLSX file comes

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _refuse("import_malformed", reason=str(exc)[:200]) from exc
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise _refuse("import_empty")
        header: list[str] | None = None
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell(v) for v in values]
            if header is None:
                if any(c.strip() for c in cells):
                    header = [c.strip() for c in cells]
                    while header and not header[-1]:
                        header.pop()
                continue
            _append(rows, number, cells, limits)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise _refuse("import_malformed", reason=str(exc)[:200]) from exc
    finally:
        book.close()
    if header is None:
        raise _refuse("import_empty")
    return Sheet("xlsx", None, header, rows)


def _cell(value: Any) -> str:
    """A cell as text: numbers without a spurious ``.0``, dates in ISO 8601, a formula
    as the formula's text (openpyxl in read-only mode without ``data_only``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat() if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)
