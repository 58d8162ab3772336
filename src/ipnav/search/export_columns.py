"""The columns of a tabular export (CSV, XLSX): one row per record, one place to change them.

Both tabular writers take their columns from :data:`COLUMNS`, so a CSV and an XLSX export of
the same result set hold the same cells in the same order. Each column has a stable ``key``
(what code and tests address), a Chinese and an English label, a cell kind (``text``,
``date``, ``int``, ``float``; the XLSX writer turns dates into real date cells and numbers into
numbers) and a function of the row.

**Header labels.** With ``lang="zh"`` (the default) a header reads ``公开(公告)号 /
Publication number``: Chinese first for the Chinese users who open the file in Excel, the
English after `` / `` so that an English-reading colleague, or a script, can read the same file
(``header.split(" / ")[-1]``). With any other ``lang`` the header is English only. Applicant
types and legal statuses are written in Chinese (``企业``, ``授权``) for ``zh`` and as ipnav's
English codes (``company``, ``granted``) otherwise.

**Formula injection.** A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is read as a formula by Excel and LibreOffice (OWASP, "CSV Injection"); an
applicant name ``=HYPERLINK(...)`` in a shared corpus must not become a live link or a DDE
call. :func:`neutralise` prefixes such text with ``'``, OWASP's recommendation; the full-width
forms (``＝＋－＠``) are treated the same way as a precaution. Numbers and dates are written by
ipnav, never taken from the source as text, and are left alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ipnav.model.numbers import (
    NumberError,
    PublicationNumber,
    number_forms,
    parse_application_number,
)
from ipnav.model.record import PatentRecord

CellKind = Literal["text", "date", "int", "float"]
Cell = str | int | float | dt.date | None

LIST_SEPARATOR = "; "
"""Between the names, symbols and ids of a multi-valued cell."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


@dataclass(frozen=True)
class ExportRow:
    """One record as exported: its 1-based rank in the result set and its score, if any."""

    rank: int
    score: float | None
    record: PatentRecord


def neutralise(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def preference(lang: str) -> tuple[str, ...]:
    """Languages to take texts in: ``lang`` first, then Chinese, then English."""
    return tuple(dict.fromkeys((lang, "zh", "en")))


def publication_display(record: PatentRecord) -> str | None:
    """The publication number as the office prints it (``US 7,654,321 B2``, ``CN 108022189 A``)."""
    if not (record.country and record.number):
        return None
    forms = number_forms(PublicationNumber(record.country, record.number, record.kind))
    return forms.get("original") or forms["docdb"]


def application_display(record: PatentRecord) -> str | None:
    """The application number in its written form (``CN201610972212.5``, ``US09/832,323``)."""
    stored = record.application_number
    if not stored:
        return None
    try:
        return parse_application_number(stored).display
    except NumberError:
        return stored  # kept as the source wrote it; an export never drops a value


def first_claim(record: PatentRecord, prefer: tuple[str, ...]) -> str | None:
    """Claim 1 in the first preferred language that has claims (else the first claim given)."""
    for lang in (*prefer, *record.claims):
        claims = record.claims.get(lang)
        if claims:
            numbered = [claim for claim in claims if claim.number == 1]
            return (numbered or claims)[0].text
    return None


_APPLICANT_TYPES_ZH = {
    "university": "高校",
    "institute": "科研院所",
    "company": "企业",
    "individual": "个人",
    "government": "机关团体",
    "other": "其他",
}
_LEGAL_STATUS_ZH = {
    "pending": "审中",
    "granted": "授权",
    "lapsed": "失效",
    "expired": "届满",
    "invalidated": "无效",
    "withdrawn": "撤回",
    "abandoned": "放弃",
    "rejected": "驳回",
}


def _label(value: str, table: dict[str, str], lang: str) -> str:
    return table.get(value, value) if lang == "zh" else value


def _joined(values: list[str]) -> str | None:
    return LIST_SEPARATOR.join(values) or None


@dataclass(frozen=True)
class Column:
    """One column: stable key, bilingual label, cell kind and how to read it from a row."""

    key: str
    zh: str
    en: str
    kind: CellKind
    value: Callable[[ExportRow, str], Cell]
    width: int = 14  # XLSX column width in characters

    def header(self, lang: str) -> str:
        return f"{self.zh} / {self.en}" if lang == "zh" else self.en


def _title(row: ExportRow, lang: str) -> Cell:
    return row.record.text("title", preference(lang))


def _abstract(row: ExportRow, lang: str) -> Cell:
    return row.record.text("abstract", preference(lang))


def _first_claim(row: ExportRow, lang: str) -> Cell:
    return first_claim(row.record, preference(lang))


def _applicant_types(row: ExportRow, lang: str) -> Cell:
    return _joined([_label(t.value, _APPLICANT_TYPES_ZH, lang) for t in row.record.applicant_types])


def _legal_status(row: ExportRow, lang: str) -> Cell:
    status = row.record.legal_status
    return _label(status.value, _LEGAL_STATUS_ZH, lang) if status else None


def _sources(row: ExportRow, _lang: str) -> Cell:
    return _joined(list(dict.fromkeys(source.dataset for source in row.record.sources)))


def _of(getter: Callable[[PatentRecord], Cell]) -> Callable[[ExportRow, str], Cell]:
    return lambda row, _lang: getter(row.record)


# fmt: off
COLUMNS: tuple[Column, ...] = (
    Column("rank", "排名", "Rank", "int", lambda row, _: row.rank, 7),
    Column("score", "相关度", "Score", "float", lambda row, _: row.score, 9),
    Column("id", "记录号", "Record ID", "text", _of(lambda r: r.id), 18),
    Column("publication_number", "公开(公告)号", "Publication number", "text",
           _of(publication_display), 18),
    Column("application_number", "申请号", "Application number", "text",
           _of(application_display), 20),
    Column("country", "国家/地区", "Country", "text", _of(lambda r: r.country), 8),
    Column("kind", "文献类型代码", "Kind code", "text", _of(lambda r: r.kind), 8),
    Column("title", "标题", "Title", "text", _title, 40),
    Column("abstract", "摘要", "Abstract", "text", _abstract, 60),
    Column("first_claim", "首项权利要求", "First claim", "text", _first_claim, 60),
    Column("applicants", "申请人", "Applicants", "text",
           _of(lambda r: _joined([p.name for p in r.applicants])), 30),
    Column("applicant_types", "申请人类型", "Applicant types", "text", _applicant_types),
    Column("inventors", "发明人", "Inventors", "text",
           _of(lambda r: _joined([p.name for p in r.inventors])), 30),
    Column("ipc", "IPC分类号", "IPC", "text", _of(lambda r: _joined(r.ipc)), 20),
    Column("cpc", "CPC分类号", "CPC", "text", _of(lambda r: _joined(r.cpc)), 20),
    Column("publication_date", "公开(公告)日", "Publication date", "date",
           _of(lambda r: r.publication_date), 12),
    Column("filing_date", "申请日", "Filing date", "date", _of(lambda r: r.filing_date), 12),
    Column("priority_date", "最早优先权日", "Priority date", "date",
           _of(lambda r: r.priority_date), 12),
    Column("grant_date", "授权日", "Grant date", "date", _of(lambda r: r.grant_date), 12),
    Column("legal_status", "法律状态", "Legal status", "text", _legal_status, 10),
    Column("family", "同族专利", "Family", "text", _of(lambda r: _joined(r.family)), 30),
    Column("cited_count", "引用专利数", "Cited patents", "int",
           _of(lambda r: len(r.cited_patents)), 10),
    Column("cited_by_count", "被引次数", "Cited by", "int", _of(lambda r: len(r.cited_by)), 10),
    Column("sources", "数据来源", "Sources", "text", _sources, 24),
)
# fmt: on
"""The tabular columns, in order. ``priority_date`` is the earliest priority date, else the
filing date (:attr:`PatentRecord.priority_date`, what the store indexes)."""


def headers(lang: str) -> list[str]:
    return [column.header(lang) for column in COLUMNS]


def row_cells(row: ExportRow, lang: str) -> list[Cell]:
    """The cells of one row, typed by column kind; text not yet neutralised."""
    return [column.value(row, lang) for column in COLUMNS]
