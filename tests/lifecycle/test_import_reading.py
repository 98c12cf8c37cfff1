"""Reading import files (issue 16): whatever text a spreadsheet saved, in UTF-8 (with or
without BOM), GB18030, with commas, semicolons or tabs, comes back cell for cell; XLSX
formulas come back as their text; and an exported cell never starts a formula."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from objectry.metadata.problems import Invalid, PayloadTooLarge
from objectry.platform.api.exports import safe_text
from objectry.runtime.lifecycle.imports.reading import Limits, read

LIMITS = Limits(max_rows=1000, max_bytes=1_000_000)
# any text a cell can hold: no NUL (refused as malformed), surrogates cannot be encoded
CELL = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               max_size=20)
HEADER = st.from_regex(r"[A-Za-z\u4e00-\u9fa5][A-Za-z0-9 _\u4e00-\u9fa5]{0,10}",
                       fullmatch=True).map(str.strip).filter(bool)


@settings(max_examples=60, deadline=None)
@given(header=st.lists(HEADER, min_size=2, max_size=4, unique=True),
       data=st.data(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
       delimiter=st.sampled_from([",", ";", "\t"]))
def test_csv_cells_come_back_as_written(header: list[str], data: st.DataObject,
                                        encoding: str, delimiter: str) -> None:
    rows = data.draw(st.lists(st.lists(CELL, min_size=len(header), max_size=len(header)),
                              max_size=5))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    raw = out.getvalue().encode(encoding)
    # bytes that read as UTF-8 and GB18030 alike are taken as UTF-8 unless told
    told = "gb18030" if encoding == "gb18030" and _is_utf8(raw) else None
    sheet = read(raw, LIMITS, encoding=told)
    assert sheet.columns == header
    expected = [r for r in rows if any(c.strip() for c in r)]  # blank rows are skipped
    assert [cells for _, cells in sheet.rows] == expected
    assert sheet.encoding == ("gb18030" if encoding == "gb18030" else "utf-8")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@given(text=CELL)
def test_an_exported_cell_never_starts_a_formula(text: str) -> None:
    shown = safe_text(text)
    assert shown == text or shown == "'" + text
    if text[:1] in ("=", "+", "@", "\t", "\r"):
        assert shown.startswith("'")


def test_xlsx_rows_numbers_dates_and_formulas() -> None:
    import datetime as dt

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["name", "n", "when", "f"])
    sheet.append(["a", 3.0, dt.datetime(2026, 1, 2), "=A2&B2"])
    sheet.append([None, None, None, None])
    sheet.append(["b", 2.5, dt.date(2026, 1, 3), None])
    out = io.BytesIO()
    book.save(out)
    found = read(out.getvalue(), LIMITS)
    assert found.file_format == "xlsx" and found.columns == ["name", "n", "when", "f"]
    assert [cells for _, cells in found.rows] == [["a", "3", "2026-01-02", "=A2&B2"],
                                                  ["b", "2.5", "2026-01-03", ""]]
    assert [number for number, _ in found.rows] == [2, 4]


def test_limits_are_clear_refusals() -> None:
    with pytest.raises(PayloadTooLarge) as too_big:
        read(b"a\n" + b"x\n" * 10, Limits(max_rows=100, max_bytes=10))
    assert too_big.value.detail_code == "import_too_large"
    with pytest.raises(PayloadTooLarge) as too_many:
        read(b"a\n" + b"x\n" * 10, Limits(max_rows=5, max_bytes=1000))
    assert too_many.value.detail_code == "import_too_many_rows"
    with pytest.raises(Invalid) as broken:
        read(b'a,b\n"unclosed,1\n', LIMITS)
    assert broken.value.detail_code == "import_malformed"
    assert "line" in broken.value.params["reason"]
