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
import datetime as dt
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
    SAMPLE_SIZE,
    describe_binary,
    detect_encoding,
    iter_lines,
    normalize_encoding,
    read_chunks,
)
from ipnav.ingest.files import ZIP_MAGIC, open_input
from ipnav.ingest.mapping import (
    DATE_HINT,
    Column,
    Mapping,
    Resolution,
    get_mapping,
    legal_status,
    parse_date,
    presets,
)
from ipnav.model.applicants import make_party
from ipnav.model.classification import ClassificationError, normalize_symbol
from ipnav.model.numbers import NumberError, parse_application_number, parse_publication_number
from ipnav.model.record import Citation, Claim, PatentRecord, Person, PriorityClaim, SourceRef
from ipnav.text.language import detect_language

log = logging.getLogger(__name__)

HEADER_SCAN_ROWS = 20
"""Rows auto header detection looks at (PatSnap/incoPat put title rows above the header)."""
_EMPTY = frozenset({"", "-", "--", "—", "n/a", "N/A", "null", "NULL"})
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_APP_KIND = re.compile(r"\s+[A-Z]\d?$")  # Lens "US 201916123456 A": trailing kind


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


def _text(value: Any) -> str:
    """A cell as text: numbers without a spurious ``.0``, dates as ISO, empty markers as ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    text = value.isoformat() if isinstance(value, dt.date) else str(value).strip()
    return "" if text in _EMPTY else text


def _plain(value: Any) -> Any:
    """A cell value as kept in ``extra``: JSON-friendly, numbers stay numbers."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value) if isinstance(value, float) and value.is_integer() else value
    return _text(value)


class RowBuilder:
    """Turns the cells of one row into a record, following one resolved mapping."""

    def __init__(self, resolution: Resolution, dataset: str) -> None:
        self.mapping = resolution.mapping
        self.dataset = dataset
        self.columns = resolution.columns
        self.width = len(resolution.headers)
        self.extra_columns = _extra_keys(resolution)
        self.split = {
            col.target.field: _splitter(self.mapping.separators_for(col.target.field))
            for col in self.columns
        }

    def build(self, row: Row, index: int) -> Parsed | Rejected:
        """The record of ``row`` (the ``index``-th data row), or why it cannot be one."""
        where = Location(line=row.line or row.number, record=index)
        try:
            record, key = self._record(row)
        except RecordError as exc:
            cells = " | ".join(t for t in map(_text, row.cells) if t)
            return Rejected(str(exc), where, None, excerpt(cells))
        return Parsed(record, key, where)

    def _record(self, row: Row) -> tuple[PatentRecord, str]:
        cells, m = row.cells, self.mapping
        got: dict[str, list[tuple[Column, Any]]] = {}
        for col in self.columns:
            value = cells[col.index] if col.index < len(cells) else None
            if _text(value):
                got.setdefault(col.target.field, []).append((col, value))
        extra = {key: _plain(cells[i]) for i, key in self.extra_columns if i < len(cells)}
        extra.update({f"column {i + 1}": _plain(v) for i, v in _overflow(cells, self.width)})
        one = {name: (pairs[0][0], _text(pairs[0][1])) for name, pairs in got.items()}
        missing = [g for g in m.required if not any(name in got for name in g)]
        if missing:
            need = " or ".join(missing[0])
            raise RecordError(f"{row.label} has no {need}; every row needs one")

        rec: dict[str, Any] = {}
        country = one["country"][1].upper() if "country" in one else m.default_country
        if "publication_number" in one:
            col, text = one["publication_number"]
            pub = self._number(col, row, text, country, one.get("kind", (None, ""))[1])
            rec.update(id=pub.id, country=pub.country, number=pub.number, kind=pub.kind)
            key = pub.id
        else:
            rec.update(country=one["country"][1].upper() if "country" in one else None)
            rec["kind"] = one["kind"][1] if "kind" in one else None
            key = one["id"][1] if "id" in one else f"row-{row.number}"
            rec["id"] = f"{self.dataset.upper()}-{key}"
        if "application_number" in one:
            col, text = one["application_number"]
            try:
                app = parse_application_number(_APP_KIND.sub("", text), default_country=country)
            except NumberError as exc:
                raise _bad(col, row, text, f"is not an application number: {exc}") from exc
            rec["application_number"] = app.normalized
        for name in ("filing_date", "publication_date", "grant_date"):
            if name in got:
                rec[name] = self._date(*got[name][0], row)
        self._texts(got, rec, extra)
        if "claims_count" in one:
            col, text = one["claims_count"]
            try:
                rec["claims_count"] = int(float(text))
            except ValueError as exc:
                raise _bad(col, row, text, "is not a number of claims") from exc
        for name, make in (("applicants", make_party), ("agents", make_party)):
            if name in one:
                rec[name] = [make(v) for v in self._items(name, one[name][1])]
        if "inventors" in one:
            rec["inventors"] = [Person(name=v) for v in self._items("inventors", one["inventors"][1])]
        for name in ("ipc", "cpc"):
            if name in one:
                rec[name] = self._symbols(name, *one[name], row)
        if "priority_numbers" in one:
            rec["priority_claims"] = self._priorities(one, row, extra)
        elif "priority_dates" in one:
            extra[one["priority_dates"][0].header] = one["priority_dates"][1]
        for name in ("family", "cited_by", "cited_patents"):
            if name in one:
                pubs = self._pubs(name, *one[name], extra)
                rec[name] = [Citation(ref=p.id, match_key=p.match_key) for p in pubs] if (
                    name == "cited_patents"
                ) else [p.id for p in pubs]
        if "npl_citations" in one:
            rec["npl_citations"] = self._items("npl_citations", one["npl_citations"][1])
        if "family_id" in one:
            rec["family_id"] = one["family_id"][1]
        if "legal_status" in one:
            col, text = one["legal_status"]
            rec["legal_status"] = legal_status(text, m.legal_status)
            if rec["legal_status"] is None:
                extra[col.header] = text
        for name, pairs in got.items():  # a second column feeding one field: keep it
            if name not in {"title", "abstract", "claims", "first_claim", "description"}:
                extra.update({col.header: _plain(value) for col, value in pairs[1:]})
        extra = {k: v for k, v in extra.items() if v != ""}
        rec["sources"] = [SourceRef(dataset=self.dataset, source_id=key)]
        rec["extra"] = {self.dataset: extra} if extra else {}
        return PatentRecord(**rec), key

    def _number(self, col: Column, row: Row, text: str, country: str | None, kind: str) -> Any:
        try:
            pub = parse_publication_number(text, default_country=country)
            if pub.kind is None and kind:
                pub = parse_publication_number(f"{pub.country}{pub.number}{kind}")
        except NumberError as exc:
            raise _bad(col, row, text, f"is not a publication number: {exc}") from exc
        return pub

    def _date(self, col: Column, value: Any, row: Row) -> dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            if 19000101 <= value <= 29991231:
                value = str(int(value))  # a YYYYMMDD number
            elif 61 <= value < 2958466:  # an Excel serial day number shown without a date format
                return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        text = _text(value)
        try:
            return parse_date(text, self.mapping.date_formats)
        except ValueError as exc:
            hint = DATE_HINT
            if self.mapping.date_formats:
                hint += " or match " + ", ".join(self.mapping.date_formats)
            raise _bad(col, row, text, f"is not a date (got '{text}'); {hint}", got=False) from exc

    def _texts(self, got: dict[str, list[tuple[Column, Any]]], rec: dict, extra: dict) -> None:
        language = self.mapping.language
        for name in ("title", "abstract", "claims", "first_claim", "description"):
            texts: dict[str, str] = {}
            for col, value in got.get(name, ()):
                text = _text(value)
                lang = col.target.lang or (
                    detect_language(text) if language == "auto" else language
                )
                if lang in texts:
                    extra[col.header] = text
                else:
                    texts[lang] = text
            if not texts:
                continue
            if name == "first_claim":  # 主权项: claim 1, used only without full claims
                if "claims" in rec:
                    extra.update({c.header: _text(v) for c, v in got[name]})
                else:
                    rec["claims"] = {k: [Claim(number=1, text=v)] for k, v in texts.items()}
            elif name == "claims":
                # TODO: split into numbered claims once a claims parser exists in ipnav.text.
                rec["claims"] = {k: [Claim(text=v)] for k, v in texts.items()}
            else:
                rec[name] = texts

    def _items(self, name: str, text: str) -> list[str]:
        # TODO: use ipnav.model.applicants.split_applicants for applicants once it lands.
        return [part.strip() for part in self.split[name](text) if part.strip()]

    def _symbols(self, name: str, col: Column, text: str, row: Row) -> list[str]:
        out: list[str] = []
        for item in self._items(name, text):
            try:
                symbol = normalize_symbol(item)
            except ClassificationError as exc:
                raise _bad(col, row, item, f"is not a {name.upper()} symbol: {exc}") from exc
            if symbol not in out:
                out.append(symbol)
        return out

    def _pubs(self, name: str, col: Column, text: str, extra: dict) -> list[Any]:
        pubs, bad = [], False
        for item in self._items(name, text):
            try:
                pubs.append(parse_publication_number(item))
            except NumberError:
                bad = True
        if bad:  # keep what the user exported; the readable numbers are in the field
            extra[col.header] = text
        return pubs

    def _priorities(self, one: dict, row: Row, extra: dict) -> list[PriorityClaim]:
        numbers = self._items("priority_numbers", one["priority_numbers"][1])
        dates: list[dt.date | None] = [None] * len(numbers)
        if "priority_dates" in one:
            col, text = one["priority_dates"]
            items = self._items("priority_dates", text)
            if len(items) == len(numbers):
                dates = [self._date(col, item, row) for item in items]
            else:  # pairing them would be a guess
                extra[col.header] = text
        claims = []
        for number, date in zip(numbers, dates, strict=True):
            try:
                norm = parse_application_number(_APP_KIND.sub("", number)).normalized
            except NumberError:
                norm = number
            country = norm[:2] if norm[:2].isalpha() and norm[:2].isupper() else None
            claims.append(PriorityClaim(country=country, number=norm, date=date))
        return claims


def _bad(col: Column, row: Row, text: str, what: str, *, got: bool = True) -> RecordError:
    shown = f" (got '{text}')" if got else ""
    return RecordError(f"column `{col.header}` in {row.label} {what}{shown}")


def _splitter(separators: Sequence[str]) -> Any:
    if not separators:
        return lambda text: [text]
    pattern = re.compile("|".join(re.escape(s) for s in sorted(separators, key=len, reverse=True)))
    return pattern.split


def _extra_keys(resolution: Resolution) -> list[tuple[int, str]]:
    seen: set[str] = set()
    keys = []
    for i, header in resolution.unmapped:
        key = header or f"column {i + 1}"
        keys.append((i, key if key not in seen else f"{key} (column {i + 1})"))
        seen.add(key)
    return keys


def _overflow(cells: Sequence[Any], width: int) -> Iterator[tuple[int, Any]]:
    """Cells beyond the header row's width (a row with more cells than headers)."""
    return ((i, v) for i, v in enumerate(cells[width:], start=width) if _text(v))


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
            if all(not _text(cell) for cell in row.cells):
                continue
            index += 1
            yield builder.build(row, index)

    def _rows(self, path: Path) -> Iterator[Row]:
        raise NotImplementedError

    def _header(self, path: Path, rows: Iterator[Row]) -> tuple[Resolution, list[Row]]:
        candidates = [self.mapping] if self.mapping else list(presets())
        wanted = self.header_row or (self.mapping.header_row if self.mapping else None)
        seen: list[Row] = []
        best: tuple[Resolution, Row] | None = None
        for row in rows:
            seen.append(row)
            if (wanted is not None and row.number < wanted) or not any(map(_text, row.cells)):
                if wanted is None and len(seen) >= HEADER_SCAN_ROWS:
                    break
                continue
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
            if wanted is not None or len(seen) >= HEADER_SCAN_ROWS:
                break
        raise self._no_header(path, best)

    def _no_header(self, path: Path, best: tuple[Resolution, Row] | None) -> InputFileError:
        if best is None:
            return InputFileError(f"{path}: no header row found (the file has no rows)")
        fit, row = best
        group = fit.missing[0]
        looked = [h for name in group for h in fit.mapping.candidates(name)][:8]
        found = [h for h in fit.headers if h]
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
            try:
                sample = stream.read(SAMPLE_SIZE)
            except (OSError, EOFError, zlib.error) as exc:
                raise InputFileError(f"{path}: cannot read ({exc})") from exc
            encoding = self._encoding(path, sample)
            lines = iter_lines(
                chain([sample], read_chunks(stream)),
                encoding,
                name=str(path),
                detected=self.encoding is None,
            )
            reader = csv.reader(lines, delimiter=self.delimiter or sniff_delimiter(sample, encoding))
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

    def _encoding(self, path: Path, sample: bytes) -> str:
        known = describe_binary(sample)
        if known:
            raise InputFileError(f"{path}: looks like {known[0]}, not a CSV file; {known[1]}")
        encoding = self.encoding or detect_encoding(sample)
        wide = encoding is not None and encoding.startswith(("utf-16", "utf-32"))
        if encoding is None or (b"\x00" in sample and not wide):
            raise InputFileError(
                f"{path}: contains binary data (NUL bytes), not CSV text; "
                "export the table as CSV (UTF-8) or XLSX and read that"
            )
        self.encoding_used = encoding
        log.info("%s: reading as %s", path, encoding)
        return encoding


_DELIMITERS = (",", "\t", ";", "|")


def sniff_delimiter(sample: bytes, encoding: str) -> str:
    """The separator that cuts the sample's lines into the most rows of one width > 1."""
    text = sample.decode(encoding, errors="replace")
    lines = text.splitlines()[:50]
    if len(lines) > 1 and len(sample) >= SAMPLE_SIZE:
        lines.pop()  # possibly cut in the middle
    best = (0, 0, ",")
    for delimiter in _DELIMITERS:
        widths: dict[int, int] = {}
        for cells in csv.reader(lines, delimiter=delimiter):
            if len(cells) > 1:
                widths[len(cells)] = widths.get(len(cells), 0) + 1
        for width, count in widths.items():
            if (count, width) > best[:2]:
                best = (count, width, delimiter)
    return best[2]


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
    ) -> None:
        super().__init__(mapping, header_row=header_row)
        self.sheet = sheet

    def _rows(self, path: Path) -> Iterator[Row]:
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        errors = (*_XLSX_ERRORS, InvalidFileException)
        with open_input(path) as stream:
            head = stream.read(8)
            if not head.startswith(ZIP_MAGIC):
                raise InputFileError(_not_xlsx(path, head))
            stream.seek(0)
            try:
                book = load_workbook(stream, read_only=True, data_only=True)
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


_XLSX_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, ValueError, SyntaxError)


def _not_xlsx(path: Path, head: bytes) -> str:
    known = describe_binary(head)
    if known:
        return f"{path}: looks like {known[0]}, not an XLSX workbook; {known[1]}"
    if b"\x00" not in head and detect_encoding(head) is not None:
        return f"{path}: looks like a text (CSV) file, not an XLSX workbook; read it with --format csv"
    return f"{path}: not an XLSX workbook (no ZIP signature); save the table as .xlsx or CSV"
