"""CSV and XLSX writers: the columns of :mod:`ipnav.search.export_columns`, streamed row by row.

* **CSV** is UTF-8 *with* a byte order mark: without it Excel (Windows, Chinese locale) reads
  the file as GBK and shows mojibake. Dates are ISO ``YYYY-MM-DD`` (Excel reads them as dates),
  multi-valued cells are joined with ``"; "``, formula-like text is prefixed with ``'``.
* **XLSX** is written by openpyxl in ``write_only`` mode, which streams each row to a temporary
  file and writes strings inline (no shared-strings table grows in memory), so a 50,000-record
  export holds one row at a time. The header row is styled and frozen, has an auto filter;
  dates are real date cells (``yyyy-mm-dd``), numbers are numbers. A second sheet
  ``说明 (About)`` records the export time, the record count, the query and any other ``meta``
  the caller gives. Excel refuses ``/`` in sheet names, hence the brackets.

  Formula-like text becomes an explicit string cell with Excel's *quote prefix* flag (what
  typing a leading ``'`` does in Excel): the cell shows and keeps the exact text and is never
  evaluated, even after the user edits it. openpyxl would otherwise store any string starting
  with ``=`` as a formula. Characters XML cannot hold (control characters) are dropped and text
  is cut to Excel's limit of 32,767 characters per cell.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ipnav.search.export_columns import (
    COLUMNS,
    Cell,
    ExportRow,
    headers,
    neutralise,
    row_cells,
)

EXCEL_CELL_LIMIT = 32_767
"""Most characters an Excel cell holds (Excel specifications and limits)."""

_TRUNCATED = "…"


def write_csv(
    rows: Iterable[ExportRow], target: Path, *, lang: str, meta: Mapping[str, Any]
) -> None:
    """One row per record; ``meta`` is not written (a CSV has no place that readers skip)."""
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers(lang))
        for row in rows:
            writer.writerow([_csv_cell(cell) for cell in row_cells(row, lang)])


def _csv_cell(cell: Cell) -> str | int | float:
    if cell is None:
        return ""
    if isinstance(cell, str):
        return neutralise(cell)
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return cell


def write_xlsx(
    rows: Iterable[ExportRow], target: Path, *, lang: str, meta: Mapping[str, Any]
) -> None:
    """Streamed workbook: the records sheet, then the ``说明 (About)`` sheet."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    started = dt.datetime.now().astimezone()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("专利 (Patents)" if lang == "zh" else "Patents")
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")

    def header_cell(text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font, cell.fill, cell.alignment = bold, fill, wrap
        return cell

    def cell_of(value: Cell, kind: str) -> WriteOnlyCell | Cell:
        if value is None:
            return None
        if kind == "date":
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = "yyyy-mm-dd"
            return cell
        if not isinstance(value, str):
            return value
        return _text_cell(WriteOnlyCell, sheet, value)

    sheet.append([header_cell(text) for text in headers(lang)])
    kinds = [column.kind for column in COLUMNS]
    count = 0
    try:
        for row in rows:
            cells = row_cells(row, lang)
            sheet.append([cell_of(value, kind) for value, kind in zip(cells, kinds, strict=True)])
            count += 1
    except BaseException:
        _discard(sheet)
        raise
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"

    about = workbook.create_sheet("说明 (About)" if lang == "zh" else "About")
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 80
    about.append([header_cell(text) for text in _pair("项目", "Item", "内容", "Value", lang)])
    facts: list[tuple[str, Any]] = [
        (_label("导出时间", "Exported at", lang), started.isoformat(timespec="seconds")),
        (_label("记录数", "Records", lang), count),
    ]
    if meta.get("query") is not None:
        facts.append((_label("检索式", "Query", lang), meta["query"]))
    facts += [(str(k), v) for k, v in meta.items() if k != "query" and v is not None]
    facts.append((_label("语言", "Language", lang), lang))
    for label, value in facts:
        shown = value if isinstance(value, int | float) else str(value)
        about.append([label, cell_of(shown, "text")])
    workbook.save(target)


def _discard(sheet: Any) -> None:
    """Close a half-written write-only sheet and delete its temporary file now.

    Left open, openpyxl's row generator complains when it is garbage collected, and its
    temporary file would stay until the interpreter exits.
    """
    with contextlib.suppress(Exception):
        sheet.close()
    writer = getattr(sheet, "_writer", None)  # openpyxl's WorksheetWriter owns the temp file
    with contextlib.suppress(Exception):
        writer.cleanup()


def _text_cell(cell_type: type, sheet: Any, text: str) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - len(_TRUNCATED)] + _TRUNCATED
    if neutralise(text) == text:
        return text
    cell = cell_type(sheet, value=text)
    cell.data_type = "s"  # openpyxl made it a formula ("f") because it starts with "="
    cell.quotePrefix = True
    return cell


def _label(zh: str, en: str, lang: str) -> str:
    return f"{zh} / {en}" if lang == "zh" else en


def _pair(zh1: str, en1: str, zh2: str, en2: str, lang: str) -> list[str]:
    return [_label(zh1, en1, lang), _label(zh2, en2, lang)]
