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
import re
import sys
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, ClassVar

from ipnav.ingest.base import (
    InputFileError,
    Item,
    Location,
    Parsed,
    RecordError,
    Rejected,
    excerpt,
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
    DATE_HINT,
    TEXT_FIELDS,
    Column,
    Mapping,
    Resolution,
    cell_date,
    cell_text,
    cell_value,
    get_mapping,
    legal_status,
    presets,
)
from ipnav.model.applicants import make_party, split_applicants
from ipnav.model.classification import ClassificationError, normalize_symbol
from ipnav.model.numbers import NumberError, parse_application_number, parse_publication_number
from ipnav.model.record import Citation, Claim, PatentRecord, Person, PriorityClaim, SourceRef
from ipnav.text.claims import split_claims
from ipnav.text.language import detect_language

log = logging.getLogger(__name__)

HEADER_SCAN_ROWS = 20
"""Rows auto header detection looks at (PatSnap/incoPat put title rows above the header)."""
_APP_KIND = re.compile(r"\s+[A-Z]\d?$")  # Lens "US 201916123456 A": trailing kind code
Cells = dict[str, list[tuple[Column, Any]]]


@dataclass(frozen=True)
class Row:
    """One table row: ``number`` as a spreadsheet shows it, ``line`` where it starts in a CSV."""

    number: int
    cells: Sequence[Any]
    line: int | None = None

    @property
    def label(self) -> str:
        if self.line is None or self.line == self.number:
            return f"row {self.number}"
        return f"row {self.number} (line {self.line})"


class RowBuilder:
    """Turns the cells of one row into a record, following one resolved mapping."""

    def __init__(self, resolution: Resolution, dataset: str) -> None:
        self.mapping = resolution.mapping
        self.dataset = dataset
        self.columns = resolution.columns
        self.width = len(resolution.headers)
        self.extra_keys = _extra_keys(resolution)
        self.split = {
            col.target.field: _splitter(self.mapping.separators_for(col.target.field))
            for col in self.columns
        }
        for name in ("applicants", "agents"):  # names hold commas, parentheses, 、
            if name not in self.mapping.field_separators:
                self.split[name] = split_applicants
        self._key: str | None = None
        # field -> converter(column, cell value, row, extra) -> the record's value
        self.convert: dict[str, Any] = {
            "application_number": self._application,
            "filing_date": self._date,
            "publication_date": self._date,
            "grant_date": self._date,
            "claims_count": self._count,
            "applicants": lambda c, v, *_: [make_party(x) for x in self._items(c, v)],
            "agents": lambda c, v, *_: [make_party(x) for x in self._items(c, v)],
            "inventors": lambda c, v, *_: [Person(name=x) for x in self._items(c, v)],
            "ipc": self._symbols,
            "cpc": self._symbols,
            "family": lambda c, v, _, extra: [p.id for p in self._pubs(c, v, extra)],
            "cited_by": lambda c, v, _, extra: [p.id for p in self._pubs(c, v, extra)],
            "cited_patents": lambda c, v, _, extra: [
                Citation(ref=p.id, match_key=p.match_key) for p in self._pubs(c, v, extra)
            ],
            "npl_citations": lambda c, v, *_: self._items(c, v),
            "family_id": lambda c, v, *_: cell_text(v),
            "legal_status": self._status,
        }

    def build(self, row: Row, index: int) -> Parsed | Rejected:
        """The record of ``row`` (the ``index``-th data row), or why it cannot be one."""
        where = Location(line=row.line or row.number, record=index)
        try:
            record, key = self._record(row)
        except RecordError as exc:
            cells = " | ".join(t for t in map(cell_text, row.cells) if t)
            return Rejected(str(exc), where, self._key, excerpt(cells))
        return Parsed(record, key, where)

    def _record(self, row: Row) -> tuple[PatentRecord, str]:
        cells, self._key = row.cells, None
        got: Cells = {}
        for col in self.columns:
            value = cells[col.index] if col.index < len(cells) else None
            if cell_text(value):
                got.setdefault(col.target.field, []).append((col, value))
        for group in self.mapping.required:
            if not any(name in got for name in group):
                raise RecordError(f"{row.label} has no {' or '.join(group)}; every row needs one")
        extra = {key: cell_value(cells[i]) for i, key in self.extra_keys if i < len(cells)}
        for i, value in enumerate(cells[self.width :], start=self.width):
            extra[f"column {i + 1}"] = cell_value(value)  # a row wider than the header
        rec, key = self._identity(got, row)
        self._key = key
        self._texts(got, rec, extra)
        for name, pairs in got.items():
            if name in self.convert:
                rec[name] = self.convert[name](*pairs[0], row, extra)
            if name not in TEXT_FIELDS:  # a second column for the same field: keep it
                extra.update({col.header: cell_value(value) for col, value in pairs[1:]})
        if "priority_numbers" in got:
            rec["priority_claims"] = self._priorities(got, row, extra)
        elif "priority_dates" in got:  # dates without numbers make no priority claim
            col, value = got["priority_dates"][0]
            extra[col.header] = cell_value(value)
        extra = {k: v for k, v in extra.items() if v != ""}
        rec["sources"] = [SourceRef(dataset=self.dataset, source_id=key)]
        rec["extra"] = {self.dataset: extra} if extra else {}
        return PatentRecord(**rec), key

    def _identity(self, got: Cells, row: Row) -> tuple[dict[str, Any], str]:
        """id, country, number, kind; and the source key (see the module docstring)."""
        one = {
            name: cell_text(got[name][0][1])
            for name in ("publication_number", "id", "country", "kind")
            if name in got
        }
        country = one.get("country", "").upper() or None
        if "publication_number" not in got:
            key = one.get("id") or f"row-{row.number}"
            rec = {"id": f"{self.dataset.upper()}-{key}", "country": country}
            return rec | {"kind": one.get("kind")}, key
        col, text = got["publication_number"][0][0], one["publication_number"]
        try:
            pub = parse_publication_number(
                text, default_country=country or self.mapping.default_country
            )
            if pub.kind is None and one.get("kind"):
                pub = parse_publication_number(f"{pub.country}{pub.number}{one['kind']}")
        except NumberError as exc:
            raise _bad(col, row, text, f"is not a publication number: {exc}") from exc
        return {
            "id": pub.id,
            "country": pub.country,
            "number": pub.number,
            "kind": pub.kind,
        }, pub.id

    def _texts(self, got: Cells, rec: dict[str, Any], extra: dict[str, Any]) -> None:
        """Texts keyed by language: the column's own, the mapping's, or detected per cell."""
        for name in ("title", "abstract", "claims", "description", "first_claim"):
            texts: dict[str, str] = {}
            for col, value in got.get(name, ()):
                text = cell_text(value)
                lang = col.target.lang or self.mapping.language
                lang = detect_language(text[:500]) if lang == "auto" else lang  # script of a prefix
                if lang in texts:
                    extra[col.header] = text
                else:
                    texts[lang] = text
            if name == "first_claim" and texts:  # 主权项 is claim 1; full claims win
                if "claims" in rec:
                    extra.update({col.header: cell_text(v) for col, v in got[name]})
                else:
                    rec["claims"] = {k: _first_claim(v) for k, v in texts.items()}
            elif name == "claims" and texts:
                rec["claims"] = {k: split_claims(v) for k, v in texts.items()}
            elif texts:
                rec[name] = texts

    def _items(self, col: Column, value: Any) -> list[str]:
        parts = self.split[col.target.field](cell_text(value))
        return [part.strip() for part in parts if part.strip()]

    def _application(self, col: Column, value: Any, row: Row, _: dict) -> str:
        text = cell_text(value)
        try:
            number = parse_application_number(
                _APP_KIND.sub("", text), default_country=self.mapping.default_country
            )
        except NumberError as exc:
            raise _bad(col, row, text, f"is not an application number: {exc}") from exc
        return number.normalized

    def _date(self, col: Column, value: Any, row: Row, _: dict | None = None) -> Any:
        try:
            return cell_date(value, self.mapping.date_formats)
        except ValueError as exc:
            hint = DATE_HINT + "".join(f" or {f}" for f in self.mapping.date_formats)
            text = cell_text(value)
            raise _bad(col, row, text, f"is not a date (got '{text}'); {hint}", got=False) from exc

    def _count(self, col: Column, value: Any, row: Row, _: dict) -> int:
        try:
            return int(float(cell_text(value)))
        except ValueError as exc:
            raise _bad(col, row, cell_text(value), "is not a number of claims") from exc

    def _symbols(self, col: Column, value: Any, row: Row, _: dict) -> list[str]:
        out: list[str] = []
        for item in self._items(col, value):
            try:
                symbol = normalize_symbol(item)
            except ClassificationError as exc:
                raise _bad(col, row, item, f"is not a classification symbol: {exc}") from exc
            if symbol not in out:
                out.append(symbol)
        return out

    def _pubs(self, col: Column, value: Any, extra: dict[str, Any]) -> list[Any]:
        pubs = []
        for item in self._items(col, value):
            try:
                pubs.append(parse_publication_number(item))
            except NumberError:  # keep the whole cell; the readable numbers are in the field
                extra[col.header] = cell_text(value)
        return pubs

    def _status(self, col: Column, value: Any, row: Row, extra: dict) -> Any:
        status = legal_status(cell_text(value), self.mapping.legal_status)
        if status is None:
            extra[col.header] = cell_text(value)
        return status

    def _priorities(self, got: Cells, row: Row, extra: dict) -> list[PriorityClaim]:
        numbers = self._items(*got["priority_numbers"][0])
        dates: list[Any] = [None] * len(numbers)
        if "priority_dates" in got:
            date_col, date_value = got["priority_dates"][0]
            items = self._items(date_col, date_value)
            if len(items) == len(numbers):
                dates = [self._date(date_col, item, row) for item in items]
            else:  # pairing them would be a guess
                extra[date_col.header] = cell_text(date_value)
        claims = []
        for number, date in zip(numbers, dates, strict=True):
            try:
                norm = parse_application_number(_APP_KIND.sub("", number)).normalized
            except NumberError:
                norm = number
            country = norm[:2] if re.match(r"[A-Z]{2}", norm) else None
            claims.append(PriorityClaim(country=country, number=norm, date=date))
        return claims


def _first_claim(text: str) -> list[Claim]:
    claims = split_claims(text)
    if len(claims) == 1 and claims[0].number is None:
        return [Claim(number=1, text=claims[0].text)]
    return claims[:1]


def _bad(col: Column, row: Row, text: str, what: str, *, got: bool = True) -> RecordError:
    shown = f" (got '{text}')" if got else ""
    return RecordError(f"column `{col.header}` in {row.label} {what}{shown}")


def _splitter(separators: Sequence[str]) -> Any:
    if not separators:
        return lambda text: [text]
    pattern = re.compile("|".join(re.escape(s) for s in sorted(separators, key=len, reverse=True)))
    return pattern.split


def _extra_keys(resolution: Resolution) -> list[tuple[int, str]]:
    """``extra`` key of each unmapped column: its header, made unique."""
    seen: set[str] = set()
    keys = []
    for i, header in resolution.unmapped:
        key = header or f"column {i + 1}"
        keys.append((i, key if key not in seen else f"{key} (column {i + 1})"))
        seen.add(key)
    return keys


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
