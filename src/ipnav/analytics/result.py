"""What every analysis returns: a bilingual table of plain values, no chart.

An :class:`AnalysisTable` is the unit the web pages, the CLI (``--format json``),
the report's XLSX appendix and, later, the charts are made from. It carries its
own column labels and notes in Chinese and English, so that whoever renders it
needs no knowledge of the analysis that made it; charts are drawn from the rows
afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

#: Languages every label and note is given in (Chinese first: the UI default).
LANGUAGES = ("zh", "en")

#: ``progress(stage, done, total)``: called as an analysis run advances.
Progress = Callable[[str, int, int], None]


def text(zh: str, en: str) -> dict[str, str]:
    """A label or note in both languages."""
    return {"zh": zh, "en": en}


def pick(texts: Mapping[str, str], lang: str) -> str:
    """``texts`` in ``lang``, else in the other language (never an empty string if one exists)."""
    return texts.get(lang) or next((value for value in texts.values() if value), "")


@dataclass(frozen=True)
class Column:
    """A column of an analysis table: its key in the rows, its label, its unit.

    ``unit`` is a short machine-readable word (``"patents"``, ``"applicants"``,
    ``"share"`` for a fraction 0–1, ``"percent"``, ``"year"``, ``"index"``,
    ``None`` for text), so that renderers can format numbers and pick axes.
    """

    key: str
    label: dict[str, str]
    unit: str | None = None

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        label: Any = pick(self.label, lang) if lang else dict(self.label)
        return {"key": self.key, "label": label, "unit": self.unit}


def col(key: str, zh: str, en: str, unit: str | None = None) -> Column:
    return Column(key, text(zh, en), unit)


@dataclass
class AnalysisTable:
    """One analysis's result.

    Attributes
    ----------
    key:
        Stable identifier (``"filing_trend"``), the key in :func:`~ipnav.analytics.run.analyze`'s
        result and the sheet name of the report's appendix.
    title:
        Title per language.
    columns:
        The columns, in display order; every row has a value (possibly ``None``) per key.
    rows:
        Plain Python values (str, int, float, None), one dict per row.
    notes:
        How the numbers were computed and how much of the data they cover, each in both
        languages ("province known for 63 % of Chinese applicants").
    summary:
        Scalar findings a report quotes (life-cycle stage, CAGR, HHI ...), JSON-ready.
    """

    key: str
    title: dict[str, str]
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, str]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    def column(self, key: str) -> list[Any]:
        """The values of one column, in row order."""
        return [row.get(key) for row in self.rows]

    def to_arrow(self) -> pa.Table:
        """The rows as an Arrow table with the declared columns (types inferred)."""
        return pa.table({c.key: pa.array(self.column(c.key)) for c in self.columns})

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """JSON-ready form; labels in ``lang`` only when given, else in both languages."""

        def say(texts: dict[str, str]) -> Any:
            return pick(texts, lang) if lang else dict(texts)

        return {
            "key": self.key,
            "title": say(self.title),
            "columns": [c.to_dict(lang) for c in self.columns],
            "rows": [{c.key: row.get(c.key) for c in self.columns} for row in self.rows],
            "notes": [say(note) for note in self.notes],
            "summary": self.summary,
        }


def coverage_note(zh_what: str, en_what: str, known: int, total: int) -> dict[str, str]:
    """ "<what> known for 63 % (630 of 1,000)" in both languages; "no data" when total is 0."""
    if total == 0:
        return text(f"{zh_what}：无数据", f"{en_what}: no data")
    share = 100.0 * known / total
    return text(
        f"{zh_what}：{share:.0f}%（{known:,} / {total:,}）",
        f"{en_what}: {share:.0f} % ({known:,} of {total:,})",
    )


def rows_of(table: pa.Table) -> list[dict[str, Any]]:
    """An Arrow query result as a list of plain dicts."""
    return table.to_pylist()


def ratio(part: float | None, whole: float | None) -> float | None:
    """``part / whole``, or None when ``whole`` is zero or unknown."""
    if part is None or not whole:
        return None
    return part / whole


def ranked(rows: Iterable[dict[str, Any]], start: int = 1) -> list[dict[str, Any]]:
    """The rows with a 1-based ``rank`` added, in the order given."""
    return [{"rank": n, **row} for n, row in enumerate(rows, start)]
