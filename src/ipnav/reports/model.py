"""What a navigation report is made from (:class:`ReportInput`) and made of (blocks).

The caller — the CLI or a web job — maps a thematic database's snapshot into a
:class:`ReportInput` (plain values: this package does not import the collections
package). :func:`ipnav.reports.outline.build_report` turns it into a :class:`Report`:
numbered sections holding blocks (paragraphs, lists, charts, tables), which each
renderer (DOCX, HTML) walks in order; the XLSX appendix reads the tables directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ipnav.analytics.result import AnalysisTable
from ipnav.errors import IpnavError
from ipnav.reports.charts import Chart

LANGUAGES = ("zh", "en")


class ReportError(IpnavError):
    """The report cannot be made from what it was given."""


@dataclass(frozen=True)
class BranchRow:
    """One line of the technology breakdown as a report shows it."""

    depth: int
    name: str
    query: str | None
    members: int | None


@dataclass
class ReportInput:
    """Everything a navigation report states.

    Attributes
    ----------
    title:
        The report's title ("膜法水处理专利导航报告").
    tables:
        :func:`~ipnav.analytics.run.analyze`'s result, run in ``language``.
    language:
        ``zh`` or ``en``: headings, labels and generated text.
    collection, description:
        The thematic database's name and its description (the project background).
    snapshot_version, cutoff:
        The snapshot the numbers come from and its data cut-off date.
    queries:
        The search strings as run, in order.
    breakdown:
        The technology breakdown tree as nested dicts, the shape of the collections'
        ``Breakdown.to_list()``: ``name_zh``, ``name_en`` (or ``name``: text or a
        ``{"zh", "en"}`` dict), optional ``query``, ``members`` and ``children``.
    sources:
        Data sources named in the method section (datasets, databases, their coverage).
    members:
        Number of documents in the snapshot (default: the trend's record count).
    organisation, author:
        Who made it (cover lines; optional).
    generated:
        When; default now (UTC).
    """

    title: str
    tables: Mapping[str, AnalysisTable]
    language: str = "zh"
    collection: str = ""
    description: str = ""
    snapshot_version: int | None = None
    cutoff: dt.date | None = None
    queries: Sequence[str] = ()
    breakdown: Sequence[Mapping[str, Any]] = ()
    sources: Sequence[str] = ()
    members: int | None = None
    organisation: str = ""
    author: str = ""
    generated: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ReportError(
                f"report language {self.language!r} is not one of {', '.join(LANGUAGES)}"
            )
        if not self.title.strip():
            raise ReportError("a report needs a title")

    def branches(self) -> Iterator[BranchRow]:
        """The breakdown tree, parents first, names in the report language."""

        def walk(items: Sequence[Mapping[str, Any]], depth: int) -> Iterator[BranchRow]:
            for item in items:
                yield BranchRow(depth, self._name(item), item.get("query"), item.get("members"))
                yield from walk(item.get("children") or (), depth + 1)

        yield from walk(self.breakdown, 0)

    def _name(self, item: Mapping[str, Any]) -> str:
        name = item.get("name")
        if isinstance(name, Mapping):
            return name.get(self.language) or next((v for v in name.values() if v), "")
        if isinstance(name, str):
            return name
        other = "zh" if self.language == "en" else "en"
        return item.get(f"name_{self.language}") or item.get(f"name_{other}") or ""


# ---------------------------------------------------------------- blocks


@dataclass
class Paragraph:
    text: str
    style: str = "normal"  # "normal", "note" (small print), "draft" (the analyst must edit)


@dataclass
class Bullets:
    items: list[str]
    checklist: bool = False


@dataclass
class Figure:
    chart: Chart
    caption: str


@dataclass
class TableBlock:
    """An analysis table as a document shows it: some columns, the first rows."""

    table: AnalysisTable
    caption: str
    columns: list[str]  # keys, in order
    limit: int

    @property
    def rows(self) -> list[dict[str, Any]]:
        return self.table.rows[: self.limit]

    @property
    def truncated(self) -> bool:
        return len(self.table.rows) > self.limit


@dataclass
class PlainTable:
    """A small table of text (the breakdown tree, the queries)."""

    header: list[str]
    rows: list[list[str]]
    caption: str = ""


Block = Paragraph | Bullets | Figure | TableBlock | PlainTable


@dataclass
class Section:
    number: str  # "1", "3.2"
    title: str
    blocks: list[Block] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"{self.number} {self.title}"

    def walk(self, depth: int = 1) -> Iterator[tuple[int, Section]]:
        yield depth, self
        for sub in self.subsections:
            yield from sub.walk(depth + 1)


@dataclass
class Report:
    """A built report: cover lines and the numbered sections."""

    input: ReportInput
    cover: list[tuple[str, str]]  # (label, value)
    sections: list[Section]

    @property
    def language(self) -> str:
        return self.input.language

    def walk(self) -> Iterator[tuple[int, Section]]:
        for section in self.sections:
            yield from section.walk()
