"""Options every analysis reads, and the SQL that selects what is counted.

:func:`counted` writes the ``pat`` common table expression each analysis starts
from: one row per counted unit (a publication, or with ``unit="families"`` one
representative publication per family), with a ``year`` column on the chosen
date basis and records after the cut-off year left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from ipnav.analytics.engine import Source
from ipnav.errors import IpnavError

if TYPE_CHECKING:
    from ipnav.model.schemes import ClassificationScheme

#: What :meth:`Engine.query <ipnav.analytics.engine.Engine.query>` reads: name -> table or file.
Sources = Mapping[str, Source]

YEAR_BASES = ("filing", "priority", "publication")
UNITS = ("documents", "families")
SCHEMES = ("auto", "ipc", "cpc")


class OptionError(IpnavError, ValueError):
    """An analysis option has a value the analyses cannot use."""


@dataclass(frozen=True)
class AnalysisOptions:
    """How the analyses count; every field has a default that suits a navigation report.

    Attributes
    ----------
    language:
        ``zh`` or ``en``: which title a table shows for a patent (both are kept).
    unit:
        ``documents`` counts publications (the default of commercial databases' charts);
        ``families`` keeps one publication per family (earliest priority, then id), the
        unit of international comparisons (one invention filed in several offices).
    year_basis:
        Date whose year places a record in time for every per-year or per-period count
        other than the publication series (``filing`` by default; ``priority`` is the
        date of invention).
    last_year:
        Data cut-off: records of later years are left out. The last 18 months before a
        cut-off are always under-counted (applications are published 18 months after
        priority), which the trend notes say.
    period_years:
        Length of the periods of the life cycle and the newcomer counts.
    top:
        Rows of ranked tables (applicants, inventors, classes, cited patents).
    network_edges:
        Strongest co-applicant links listed (centrality is computed on all of them).
    compare:
        Grouping keys (normalised names) of the applicants to compare; empty: the top 3.
    scheme:
        Classification for the class tables: ``ipc``, ``cpc``, or ``auto`` (the one more
        records carry).
    classification:
        Titles and WIPO fields (:func:`~ipnav.model.schemes.load_scheme`); without it the
        class tables show codes only.
    """

    language: str = "zh"
    unit: Literal["documents", "families"] = "documents"
    year_basis: Literal["filing", "priority", "publication"] = "filing"
    last_year: int | None = None
    period_years: int = 3
    top: int = 20
    network_edges: int = 200
    compare: tuple[str, ...] = ()
    scheme: Literal["auto", "ipc", "cpc"] = "auto"
    classification: ClassificationScheme | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        checks = [
            (self.language in ("zh", "en"), "language", "zh, en"),
            (self.unit in UNITS, "unit", ", ".join(UNITS)),
            (self.year_basis in YEAR_BASES, "year_basis", ", ".join(YEAR_BASES)),
            (self.scheme in SCHEMES, "scheme", ", ".join(SCHEMES)),
        ]
        for ok, name, allowed in checks:
            if not ok:
                raise OptionError(
                    f"analysis option {name}={getattr(self, name)!r} is not one of {allowed}"
                )
        for name, low in (("period_years", 1), ("top", 1), ("network_edges", 1)):
            value = getattr(self, name)
            if not isinstance(value, int) or value < low:
                raise OptionError(f"analysis option {name} must be a whole number >= {low}")
        if self.last_year is not None and not (1800 <= int(self.last_year) <= 2200):
            raise OptionError(f"analysis option last_year={self.last_year!r} is not a year")
        object.__setattr__(self, "compare", tuple(self.compare))


def counted(options: AnalysisOptions) -> str:
    """The ``pat`` CTE (without ``WITH``): the rows counted, with ``year`` on the basis asked."""
    year = f"p.{options.year_basis}_year"  # checked against YEAR_BASES
    cutoff = (
        ""
        if options.last_year is None
        else f" WHERE {year} IS NULL OR {year} <= {int(options.last_year)}"
    )
    if options.unit == "documents":
        return f"pat AS (SELECT p.*, {year} AS year FROM patents p{cutoff})"
    return f"""pat AS (
  SELECT * FROM (
    SELECT p.*, {year} AS year,
      ROW_NUMBER() OVER (
        PARTITION BY p.family_key
        ORDER BY CASE WHEN p.priority_date IS NULL THEN 1 ELSE 0 END, p.priority_date, p.id
      ) AS family_rank
    FROM patents p{cutoff}
  ) ranked_families
  WHERE family_rank = 1
)"""


def unit_label(options: AnalysisOptions) -> dict[str, str]:
    """What one count is, for notes."""
    if options.unit == "families":
        return {"zh": "件（同族合并）", "en": "families"}
    return {"zh": "件（按公开文献）", "en": "publications"}


def year_label(options: AnalysisOptions) -> dict[str, str]:
    return {
        "filing": {"zh": "申请年", "en": "filing year"},
        "priority": {"zh": "优先权年", "en": "priority year"},
        "publication": {"zh": "公开年", "en": "publication year"},
    }[options.year_basis]


def periods(options: AnalysisOptions) -> str:
    """CTEs ``bounds`` (the last year with data) and ``dated`` (every counted row with a
    year, and ``back``: 0 for the last period, 1 for the one before ...).

    Periods are counted back from the last year so that the last period is whole; the
    first may be partial. Needs ``pat`` before it.
    """
    size = int(options.period_years)
    return f"""bounds AS (SELECT MAX(year) AS last_year FROM pat),
dated AS (
  SELECT p.id, p.year, b.last_year,
    CAST(FLOOR(CAST(b.last_year - p.year AS DOUBLE) / {size}) AS INT) AS back
  FROM pat p CROSS JOIN bounds b
  WHERE p.year IS NOT NULL
)"""


def period_span(last_year: int, back: int, size: int) -> tuple[int, int]:
    """First and last year of period ``back`` (0 = the period that ends in ``last_year``)."""
    end = last_year - back * size
    return end - size + 1, end
