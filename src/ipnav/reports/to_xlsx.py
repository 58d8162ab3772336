"""The report's XLSX appendix (openpyxl): a cover sheet, then one sheet per analysis table.

Each table sheet is named by the table's key (stable across languages, and what the
report's "see sheet …" notes cite), has its column labels in the report language on
row 1 (frozen), every row below with raw values (shares keep a percent format so
they stay numbers), and the table's notes under the data.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ipnav.analytics.result import pick
from ipnav.reports.model import Report

COVER = {"zh": "封面", "en": "Cover"}
FORMATS = {"share": "0.0%", "index": "0.0000", "year": "0"}
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(key: str, taken: set[str]) -> str:
    """A valid, unique sheet name for table ``key`` (Excel: 31 characters, no []:*?/\\)."""
    base = _BAD_SHEET_CHARS.sub("_", key)[:31] or "table"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f"_{n}"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _cell(value: Any) -> Any:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return value


def write_xlsx(report: Report, path: Path) -> Path:
    """Write the appendix of ``report`` to ``path`` (.xlsx)."""
    lang = report.language
    data = report.input
    book = Workbook()
    cover = book.active
    cover.title = COVER[lang]
    bold = Font(bold=True)
    cover.append([data.title])
    cover["A1"].font = Font(bold=True, size=14)
    for label, value in report.cover:
        cover.append([label, value])
    query_label = "检索式" if lang == "zh" else "Search string"
    for n, query in enumerate(data.queries, 1):
        cover.append([f"{query_label} {n}", query])
    cover.append([])
    cover.append(["工作表" if lang == "zh" else "Sheet", "内容" if lang == "zh" else "Contents"])
    cover.cell(cover.max_row, 1).font = bold
    cover.cell(cover.max_row, 2).font = bold
    taken = {cover.title.lower()}
    names = {key: sheet_name(key, taken) for key in data.tables}
    for key, table in data.tables.items():
        cover.append([names[key], pick(table.title, lang)])
    cover.column_dimensions["A"].width = 22
    cover.column_dimensions["B"].width = 80

    for key, table in data.tables.items():
        sheet = book.create_sheet(names[key])
        sheet.append([pick(c.label, lang) for c in table.columns])
        for cell in sheet[1]:
            cell.font = bold
        sheet.freeze_panes = "A2"
        for row in table.rows:
            sheet.append([_cell(row.get(c.key)) for c in table.columns])
        for index, column in enumerate(table.columns, 1):
            letter = get_column_letter(index)
            if column.unit in FORMATS:
                for (cell,) in sheet.iter_rows(
                    min_row=2, max_row=len(table.rows) + 1, min_col=index, max_col=index
                ):
                    cell.number_format = FORMATS[column.unit]
            sheet.column_dimensions[letter].width = 12 if column.unit else 30
        if not table.rows:
            sheet.append(["无数据" if lang == "zh" else "no data"])
        if table.notes:
            sheet.append([])
            for note in table.notes:
                sheet.append([pick(note, lang)])
    book.save(path)
    return path
