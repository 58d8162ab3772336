"""CSV and XLSX exports of patent databases (CNIPA, incoPat, PatSnap, Lens, Google).

Both readers stream rows (the CSV reader decodes incrementally, the XLSX
reader uses openpyxl's read-only mode), find the header row, resolve it
against a column mapping (:mod:`ipnav.ingest.mapping`; without one, the
best-matching built-in preset, logged and kept in ``reader.selected``) and
turn every row into one :class:`PatentRecord`.

Identity of a row, stable as long as the file is not re-sorted:

* ``source_key`` is the normalised publication id (``CN108859303A``); without
  one, the source's own id column (Lens ID, a database key); without that,
  ``row-<n>`` with ``n`` the spreadsheet row number (header counted, as Excel
  shows it);
* ``record.id`` is the publication id; without one ``<DATASET>-<source id>``
  or ``<DATASET>-row-<n>`` (dataset upper-cased, as in ``BDCI-635a7d4b...``).

A bad value of the record's own identity or dates (publication or application
number, a date, a classification symbol, a count) rejects the row, naming the
column, row and value; an unreadable entry of a reference list (family,
citations) is left out of the canonical field and the raw cell is kept in
``extra``. Columns no field claims are kept in ``extra[dataset]``.
"""

from __future__ import annotations

import csv
import logging
import sys
import zipfile
import zlib
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import Any, ClassVar

from ipnav.ingest.base import (
    InputFileError,
    Item,
)
from ipnav.ingest.encoding import (
    describe_binary,
    detect_encoding,
    normalize_encoding,
    open_text,
    sniff_delimiter,
)
from ipnav.ingest.files import ZIP_MAGIC, open_input
from ipnav.ingest.mapping import (
    Mapping,
    Resolution,
    cell_text,
    get_mapping,
    presets,
)
from ipnav.ingest.rows import Row, RowBuilder

log = logging.getLogger(__name__)

HEADER_SCAN_ROWS = 20
"""Rows auto header detection looks at (PatSnap/incoPat put title rows above the header)."""


class TableReader:
    """What the CSV and XLSX readers share: header detection, mapping choice, rows to records.

    ``mapping`` is a :class:`Mapping`, a preset name or a TOML file path; None
    picks the built-in preset that matches the headers best and records it in
    :attr:`selected` (also logged). ``header_row`` (1-based) overrides the
    mapping's; by default the header is the first of the top
    :data:`HEADER_SCAN_ROWS` rows that has every required column.
    """

    format: ClassVar[str] = ""

    def __init__(
        self, mapping: Mapping | Path | str | None = None, *, header_row: int | None = None
    ) -> None:
        self.mapping = None if mapping is None else get_mapping(mapping)
        self.header_row = header_row
        self.selected: Mapping | None = None

    def read(self, path: Path, *, dataset: str) -> Iterator[Item]:
        path = Path(path)
        rows = self._rows(path)
        resolution, pending = self._header(path, rows)
        self.selected = resolution.mapping
        builder = RowBuilder(resolution, dataset)
        index = 0
        for row in chain(pending, rows):
            if not any(map(cell_text, row.cells)):
                continue
            index += 1
            yield builder.build(row, index)

    def _rows(self, path: Path) -> Iterator[Row]:
        raise NotImplementedError

    def _header(self, path: Path, rows: Iterator[Row]) -> tuple[Resolution, list[Row]]:
        candidates = [self.mapping] if self.mapping else list(presets())
        wanted = self.header_row or (self.mapping.header_row if self.mapping else None)
        best: tuple[Resolution, Row] | None = None
        for row in rows:
            if wanted is not None and row.number < wanted:
                continue
            if not any(map(cell_text, row.cells)) and wanted is None:
                if row.number >= HEADER_SCAN_ROWS:
                    break
                continue  # a blank row above the header
            fits = [m.resolve(row.cells) for m in candidates]
            ok = [fit for fit in fits if fit.ok]
            if ok:
                chosen = max(ok, key=lambda fit: fit.score)  # first of equals: preset order
                log.info(
                    "%s: header in %s, columns read with mapping `%s` (%d of %d matched)",
                    path, row.label, chosen.mapping.name, len(chosen.columns), len(fits[0].headers),
                )  # fmt: skip
                return chosen, []
            top = max(fits, key=lambda fit: fit.score)
            if best is None or top.score > best[0].score:
                best = (top, row)
            if wanted is not None or row.number >= HEADER_SCAN_ROWS:
                break
        raise self._no_header(path, best)

    def _no_header(self, path: Path, best: tuple[Resolution, Row] | None) -> InputFileError:
        if best is None:
            return InputFileError(f"{path}: no header row found (the file has no rows)")
        fit, row = best
        group = fit.missing[0]
        looked = [h for name in group for h in fit.mapping.candidates(name)][:8]
        found = [h if len(h) <= 30 else h[:29] + "…" for h in fit.headers if h]
        shown = ", ".join(f"`{h}`" for h in found[:20]) + (" …" if len(found) > 20 else "")
        if self.mapping:
            whose = f"mapping `{self.mapping.name}`"
        else:
            names = ", ".join(m.name for m in presets())
            whose = f"closest built-in preset `{fit.mapping.name}`; presets: {names}"
        need = " or ".join(name.replace("_", " ") for name in group)
        return InputFileError(
            f"{path}: missing required column: {need} (looked for "
            f"{', '.join(f'`{h}`' for h in looked)}; {whose}); headers found in {row.label}: "
            f"{shown or '(none)'}; name your columns in a mapping file and pass it with --mapping"
        )


class CsvReader(TableReader):
    """CSV (or TSV, ';'-separated) exports in UTF-8, UTF-8 with BOM, GBK/GB18030 or UTF-16.

    ``encoding`` forces the encoding (GBK and GB2312 are read as GB18030);
    ``delimiter`` forces the separator, otherwise the one that splits the
    first lines into the most equal rows among ``,``, tab, ``;`` and ``|``.
    :attr:`encoding_used` tells what the last file was read as.
    """

    format: ClassVar[str] = "csv"

    def __init__(
        self,
        mapping: Mapping | Path | str | None = None,
        *,
        encoding: str | None = None,
        delimiter: str | None = None,
        header_row: int | None = None,
    ) -> None:
        super().__init__(mapping, header_row=header_row)
        self.encoding = normalize_encoding(encoding) if encoding else None
        self.delimiter = delimiter
        self.encoding_used: str | None = None

    def _rows(self, path: Path) -> Iterator[Row]:
        csv.field_size_limit(max(csv.field_size_limit(), min(sys.maxsize, 1 << 30)))
        with open_input(path) as stream:
            encoding, sample, lines = open_text(stream, path, encoding=self.encoding)
            self.encoding_used = encoding
            log.info("%s: reading as %s", path, encoding)
            delimiter = self.delimiter or sniff_delimiter(sample, encoding)
            reader = csv.reader(lines, delimiter=delimiter)
            line = 1
            try:
                for number, cells in enumerate(reader, start=1):
                    yield Row(number, cells, line)
                    line = reader.line_num + 1
            except csv.Error as exc:
                raise InputFileError(
                    f"{path}: line {reader.line_num} is not valid CSV ({exc}); "
                    "save the table again as CSV from Excel, or as XLSX"
                ) from exc
            except (OSError, EOFError, zlib.error) as exc:
                raise InputFileError(
                    f"{path}: cannot read past line {reader.line_num} ({exc}); "
                    "the file is truncated or damaged"
                ) from exc


class XlsxReader(TableReader):
    """Excel workbooks (.xlsx), streamed with openpyxl's read-only mode.

    Reads ``sheet`` (or the mapping's ``sheet``), else the first sheet. Cells
    may be text, numbers or dates; an old binary .xls must be saved as .xlsx.
    """

    format: ClassVar[str] = "xlsx"

    def __init__(
        self,
        mapping: Mapping | Path | str | None = None,
        *,
        sheet: str | None = None,
        header_row: int | None = None,
        encoding: str | None = None,
    ) -> None:
        super().__init__(mapping, header_row=header_row)
        self.sheet = sheet
        del encoding  # a workbook states its own; accepted so both readers share options

    def _rows(self, path: Path) -> Iterator[Row]:
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        errors = (*_XLSX_ERRORS, InvalidFileException)
        with open_input(path) as stream:
            head = stream.read(8)
            if not head.startswith(ZIP_MAGIC):
                raise InputFileError(_not_xlsx(path, head))
            source: Any = path  # zipfile must seek: a stream counting bytes read cannot
            if stream.seekable():
                stream.seek(0)
                source = stream
            try:
                book = load_workbook(source, read_only=True, data_only=True)
            except errors as exc:
                raise InputFileError(
                    f"{path}: not a readable XLSX workbook ({type(exc).__name__}: {exc}); "
                    "open it in Excel and save it again as .xlsx, or export CSV"
                ) from exc
            try:
                sheet = self._sheet(book, path)
                sheet.reset_dimensions()  # exporters write wrong ones; rows past them would be lost
                cells_by_row = sheet.iter_rows(values_only=True)
                number = 0
                while True:
                    try:
                        cells = next(cells_by_row)
                    except StopIteration:
                        break
                    except errors as exc:
                        raise InputFileError(
                            f"{path}: workbook damaged after row {number} "
                            f"({type(exc).__name__}: {exc}); save it again from Excel"
                        ) from exc
                    number += 1
                    yield Row(number, cells)
            finally:
                book.close()

    def _sheet(self, book: Any, path: Path) -> Any:
        name = self.sheet or (self.mapping.sheet if self.mapping else None)
        if name is None:
            return book.worksheets[0]
        if name not in book.sheetnames:
            sheets = ", ".join(f"'{s}'" for s in book.sheetnames)
            raise InputFileError(f"{path}: no sheet '{name}'; the workbook has {sheets}")
        return book[name]


_XLSX_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    KeyError,
    ValueError,
    SyntaxError,
)


def _not_xlsx(path: Path, head: bytes) -> str:
    known = describe_binary(head)
    if known:
        return f"{path}: looks like {known[0]}, not an XLSX workbook; {known[1]}"
    if b"\x00" not in head and detect_encoding(head) is not None:
        return (
            f"{path}: looks like a text (CSV) file, not an XLSX workbook; read it with --format csv"
        )
    return f"{path}: not an XLSX workbook (no ZIP signature); save the table as .xlsx or CSV"
