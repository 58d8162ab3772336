"""Filing and publication trends, and the technology life cycle.

:func:`filing_trend` counts records per year by filing, publication and grant date,
with year-on-year growth. :func:`life_cycle` sets applicants against filings per
period, with the compound annual growth rate, inflection years and a stage label.

Life-cycle stage
----------------
The applicant-count / filing-count method (专利技术生命周期图法) of Chinese patent-analysis
practice (e.g. 杨铁军主编《专利分析实务手册》, 知识产权出版社 2012), which goes back to the
S-curve reading of patent activity; Haupt, Kloyer & Lange (2007), "Patent indicators for the
technology life cycle development", *Research Policy* 36(3): 387–398, test which patent
indicators separate the stages. A technology moves through 萌芽期 (emerging: few applicants,
few filings), 成长期 (growth: both rise fast), 成熟期 (maturity: filings level off while the
number of applicants stagnates) and 衰退期 (decline: both fall). ipnav states the rule it
applies to consecutive periods ``q -> p`` (``period_years`` long, counted back from the last
year, so the last period is whole), with ``gf`` and ``ga`` the relative change of filings and
of distinct applicants:

1. **emerging** while every period so far has fewer than 20 % of the filings of the peak period;
2. **decline** when ``gf < -10 %`` and ``ga < -10 %``;
3. **growth** when ``gf > +10 %`` and ``ga > +10 %``;
4. **maturity** otherwise (at least one of the two moves by 10 % or less, or they diverge).

The technology's stage is the last period's. The first period has no predecessor and gets a
stage only when rule 1 applies.

CAGR is ``(last / first) ** (1 / years) - 1`` over the yearly filings, for the whole span and
for the last ``cagr_years`` (5) years. Inflection years are where the slope of the 3-year
centred moving average of yearly filings turns from rising to falling (growth starts to slow)
or from falling to rising (growth picks up again), standing out by at least 5 % of the
smoothed peak from the slopes two years either side (smaller turns are the noise of small
counts).
"""

from __future__ import annotations

from typing import Any

from ipnav.analytics.engine import Engine
from ipnav.analytics.options import (
    AnalysisOptions,
    Sources,
    counted,
    period_span,
    periods,
    unit_label,
    year_label,
)
from ipnav.analytics.result import AnalysisTable, col, coverage_note, pick, ratio, text

GROWTH = 0.10  # relative change that counts as rising or falling
EMERGING_SHARE = 0.20  # of the peak period's filings
CAGR_YEARS = 5
FEW_FILINGS = 30  # below this, the stage is reported with a warning
TURN_SHARE = 0.05  # of the smoothed peak: smallest slope change reported as an inflection

STAGES = {
    "emerging": text("萌芽期", "emerging"),
    "growth": text("成长期", "growth"),
    "maturity": text("成熟期", "maturity"),
    "decline": text("衰退期", "decline"),
}


def filing_trend(engine: Engine, tables: Sources, options: AnalysisOptions) -> AnalysisTable:
    """Records per year by filing, publication and grant year, with year-on-year growth."""
    sql = f"""
WITH {counted(options)},
cov AS (
  SELECT COUNT(*) AS records, COUNT(filing_year) AS with_filing,
    COUNT(publication_year) AS with_publication, COUNT(grant_year) AS with_grant
  FROM pat
),
filed AS (SELECT filing_year AS y, COUNT(*) AS n FROM pat WHERE filing_year IS NOT NULL
          GROUP BY filing_year),
published AS (SELECT publication_year AS y, COUNT(*) AS n FROM pat
              WHERE publication_year IS NOT NULL GROUP BY publication_year),
granted AS (SELECT grant_year AS y, COUNT(*) AS n FROM pat WHERE grant_year IS NOT NULL
            GROUP BY grant_year),
years AS (SELECT y FROM filed UNION SELECT y FROM published UNION SELECT y FROM granted),
per_year AS (
  SELECT ys.y AS year, COALESCE(f.n, 0) AS filings, COALESCE(pb.n, 0) AS publications,
    COALESCE(g.n, 0) AS grants
  FROM years ys
  LEFT JOIN filed f ON f.y = ys.y
  LEFT JOIN published pb ON pb.y = ys.y
  LEFT JOIN granted g ON g.y = ys.y
)
SELECT c.records, c.with_filing, c.with_publication, c.with_grant,
  py.year, py.filings, py.publications, py.grants
FROM cov c LEFT JOIN per_year py ON 1 = 1
ORDER BY py.year
"""
    result = engine.query(sql, tables).to_pylist()
    head = result[0]
    counts = {row["year"]: row for row in result if row["year"] is not None}
    if options.last_year is not None:
        counts = {y: row for y, row in counts.items() if y <= options.last_year}
    rows: list[dict[str, Any]] = []
    if counts:
        for year in range(min(counts), max(counts) + 1):
            row = counts.get(year, {})
            rows.append(
                {
                    "year": year,
                    "filings": row.get("filings", 0),
                    "publications": row.get("publications", 0),
                    "grants": row.get("grants", 0),
                }
            )
    for key in ("filings", "publications"):
        previous = None
        for row in rows:
            row[f"{key}_growth"] = growth(row[key], previous)
            previous = row[key]
    unit = unit_label(options)
    return AnalysisTable(
        key="filing_trend",
        title=text("专利申请与公开趋势", "Filing and publication trend"),
        columns=[
            col("year", "年份", "Year", "year"),
            col("filings", "申请量", "Filings", "patents"),
            col("filings_growth", "申请量同比增长", "Filings, year-on-year growth", "share"),
            col("publications", "公开量", "Publications", "patents"),
            col(
                "publications_growth",
                "公开量同比增长",
                "Publications, year-on-year growth",
                "share",
            ),
            col("grants", "授权量", "Grants", "patents"),
        ],
        rows=rows,
        notes=[
            text(
                f"计数单位：{unit['zh']}；同比增长 = (本年 − 上年) / 上年，上年为 0 时留空。",
                f"Counted: {unit['en']}; year-on-year growth = (this year − last year) / last "
                "year, empty where last year is 0.",
            ),
            coverage_note(
                "有申请日的记录", "Records with a filing date", head["with_filing"], head["records"]
            ),
            coverage_note(
                "有公开日的记录",
                "Records with a publication date",
                head["with_publication"],
                head["records"],
            ),
            text(
                "发明专利申请一般自申请日（优先权日）起 18 个月公开，"
                "最近两年的申请量偏低，不代表下降。",
                "Applications are published 18 months after filing (priority): the last two "
                "years of filings are incomplete, not a decline.",
            ),
        ],
        summary={
            "records": head["records"],
            "first_year": rows[0]["year"] if rows else None,
            "last_year": rows[-1]["year"] if rows else None,
            "peak_filing_year": max(rows, key=lambda r: (r["filings"], -r["year"]))["year"]
            if rows
            else None,
        },
    )


def life_cycle(engine: Engine, tables: Sources, options: AnalysisOptions) -> AnalysisTable:
    """Applicants against filings per period, CAGR, inflection years and the stage."""
    sql = f"""
WITH {counted(options)},
{periods(options)},
cov AS (SELECT COUNT(*) AS records, COUNT(year) AS dated FROM pat),
active AS (
  SELECT DISTINCT d.back, a.normalized_name AS applicant
  FROM dated d JOIN parties a ON a.id = d.id
  WHERE a.role = 'applicant' AND a.normalized_name <> ''
),
filings AS (SELECT back, MIN(last_year) AS last_year, COUNT(*) AS filings FROM dated
            GROUP BY back),
applicants AS (SELECT back, COUNT(*) AS applicants FROM active GROUP BY back),
yearly AS (SELECT year, COUNT(*) AS n FROM dated GROUP BY year),
facts AS (
  SELECT 'period' AS facet, f.back, f.last_year, f.filings AS n,
    COALESCE(ap.applicants, 0) AS applicants
  FROM filings f LEFT JOIN applicants ap ON ap.back = f.back
  UNION ALL
  SELECT 'year' AS facet, CAST(NULL AS INT) AS back, year AS last_year, n,
    CAST(NULL AS BIGINT) AS applicants
  FROM yearly
)
SELECT c.records, c.dated, x.facet, x.back, x.last_year, x.n, x.applicants
FROM cov c LEFT JOIN facts x ON 1 = 1
ORDER BY x.facet, x.back, x.last_year
"""
    result = engine.query(sql, tables).to_pylist()
    head = result[0]
    size = options.period_years
    by_back = {r["back"]: r for r in result if r["facet"] == "period"}
    yearly = {r["last_year"]: r["n"] for r in result if r["facet"] == "year"}
    rows: list[dict[str, Any]] = []
    if by_back:
        last_year = next(iter(by_back.values()))["last_year"]
        for back in range(max(by_back), -1, -1):
            start, end = period_span(last_year, back, size)
            found = by_back.get(back, {})
            rows.append(
                {
                    "period": f"{start}–{end}" if size > 1 else str(end),
                    "start_year": start,
                    "end_year": end,
                    "filings": found.get("n", 0),
                    "applicants": found.get("applicants", 0),
                }
            )
    label_stages(rows)
    for row in rows:
        row["stage_label"] = pick(STAGES[row["stage"]], options.language) if row["stage"] else None
    series = _filled(yearly)
    stage = rows[-1]["stage"] if rows else None
    summary = {
        "stage": stage,
        "stage_label": STAGES[stage] if stage else None,
        "cagr": cagr(series),
        "cagr_recent": cagr(series[-(CAGR_YEARS + 1) :]),
        "cagr_years": CAGR_YEARS,
        "inflection_years": inflections(series),
        "period_years": size,
    }
    notes = [
        text(
            f"按{year_label(options)['zh']}每 {size} 年一个时段，自最后一年向前划分；"
            "申请人数为各时段内不同申请人（规范化名称）的个数。",
            f"Periods of {size} years by {year_label(options)['en']}, counted back from the "
            "last year; applicants are distinct normalised applicant names per period.",
        ),
        text(
            "阶段判定（相邻时段）：各时段申请量均低于峰值 20% 为萌芽期；"
            "申请量与申请人数均下降超过 10% "
            "为衰退期；均增长超过 10% 为成长期；其余为成熟期。",
            "Stage rule (consecutive periods): emerging while every period has under 20 % of "
            "the peak's filings; decline when filings and applicants both fall by more than "
            "10 %; growth when both rise by more than 10 %; maturity otherwise.",
        ),
        coverage_note("有年份的记录", "Records with a year", head["dated"], head["records"]),
    ]
    total = sum(r["filings"] for r in rows)
    if rows and total < FEW_FILINGS:
        notes.append(
            text(
                f"仅 {total} 件有年份的记录，阶段判断仅供参考。",
                f"Only {total} dated records: read the stage as indicative.",
            )
        )
    return AnalysisTable(
        key="life_cycle",
        title=text("技术生命周期", "Technology life cycle"),
        columns=[
            col("period", "时段", "Period"),
            col("filings", "申请量", "Filings", "patents"),
            col("applicants", "申请人数", "Applicants", "applicants"),
            col("filings_growth", "申请量增长", "Filings growth", "share"),
            col("applicants_growth", "申请人数增长", "Applicants growth", "share"),
            col("stage", "阶段代码", "Stage code"),
            col("stage_label", "阶段", "Stage"),
        ],
        rows=rows,
        notes=notes,
        summary=summary,
    )


def label_stages(rows: list[dict[str, Any]]) -> None:
    """Add ``filings_growth``, ``applicants_growth`` and ``stage`` to period rows (in order)."""
    peak = max((r["filings"] for r in rows), default=0)
    emerging = True
    previous: dict[str, Any] | None = None
    for row in rows:
        emerging = emerging and row["filings"] < EMERGING_SHARE * peak
        gf = growth(row["filings"], previous["filings"]) if previous else None
        ga = growth(row["applicants"], previous["applicants"]) if previous else None
        row["filings_growth"], row["applicants_growth"] = gf, ga
        if emerging:
            row["stage"] = "emerging"
        elif previous is None:
            row["stage"] = None
        else:
            row["stage"] = stage_of(
                gf if gf is not None else float("inf"), ga if ga is not None else float("inf")
            )
        previous = row


def stage_of(gf: float, ga: float) -> str:
    """Stage of a period from the growth of filings and of applicants (rules 2–4)."""
    if gf < -GROWTH and ga < -GROWTH:
        return "decline"
    if gf > GROWTH and ga > GROWTH:
        return "growth"
    return "maturity"


def growth(value: float, previous: float | None) -> float | None:
    """Relative change; None without a previous value or when it was 0."""
    if previous is None:
        return None
    return ratio(value - previous, previous)


def cagr(series: list[tuple[int, int]]) -> float | None:
    """Compound annual growth rate from the first to the last (year, count); None if undefined."""
    if len(series) < 2:
        return None
    (first_year, first), (last_year, last) = series[0], series[-1]
    if first <= 0 or last < 0 or last_year <= first_year:
        return None
    return (last / first) ** (1 / (last_year - first_year)) - 1


def inflections(series: list[tuple[int, int]]) -> list[dict[str, Any]]:
    """Years where the slope of the 3-year centred moving average turns (see the module doc).

    A turn is a local maximum (``slowing``: growth was fastest there) or minimum
    (``accelerating``) of the slope that stands out from the slopes two years before and
    after by at least ``TURN_SHARE`` of the smoothed peak, so that the year-to-year noise of
    small counts is not reported.
    """
    if len(series) < 4:
        return []
    values = [n for _, n in series]
    smooth = []
    for i in range(len(values)):
        window = values[max(0, i - 1) : i + 2]
        smooth.append(sum(window) / len(window))
    least = TURN_SHARE * max(smooth)
    slope = [smooth[i] - smooth[i - 1] for i in range(1, len(smooth))]  # slope[k]: into year k+1
    found = []
    for i in range(1, len(slope) - 1):
        here, around = slope[i], (slope[max(0, i - 2)], slope[min(len(slope) - 1, i + 2)])
        if least <= 0:
            break
        if slope[i - 1] < here >= slope[i + 1] and all(here - s >= least for s in around):
            found.append({"year": series[i + 1][0], "kind": "slowing"})
        elif slope[i - 1] > here <= slope[i + 1] and all(s - here >= least for s in around):
            found.append({"year": series[i + 1][0], "kind": "accelerating"})
    return found


def _filled(counts: dict[int, int]) -> list[tuple[int, int]]:
    """(year, count) from the first to the last year, missing years as 0."""
    if not counts:
        return []
    return [(year, counts.get(year, 0)) for year in range(min(counts), max(counts) + 1)]
