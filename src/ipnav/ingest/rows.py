"""Turning one table row (CSV / XLSX) into a canonical record, following a resolved mapping.

Used by :mod:`ipnav.ingest.tabular`. A bad value of the record's own identity
or dates (publication or application number, a date, a classification symbol,
a count) raises :class:`RecordError` naming the column, row and value; an
unreadable entry of a reference list (family, citations) is left out of the
canonical field and the raw cell is kept in ``extra``. Columns no field claims
are kept in ``extra[dataset]``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ipnav.ingest.base import Location, Parsed, RecordError, Rejected, excerpt
from ipnav.ingest.mapping import (
    DATE_HINT,
    TEXT_FIELDS,
    Column,
    Resolution,
    cell_date,
    cell_text,
    cell_value,
    legal_status,
)
from ipnav.model.applicants import make_party, split_applicants
from ipnav.model.classification import ClassificationError, normalize_symbol
from ipnav.model.numbers import NumberError, parse_application_number, parse_publication_number
from ipnav.model.record import Citation, Claim, PatentRecord, Person, PriorityClaim, SourceRef
from ipnav.text.claims import split_claims
from ipnav.text.language import detect_language

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
