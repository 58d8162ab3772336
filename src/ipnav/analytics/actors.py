"""Who files: top applicants and inventors, applicant types, concentration, newcomers.

Applicants are grouped by their normalised name (the grouping key ingest computes,
:func:`~ipnav.model.applicants.normalize_name`), inventors by
:func:`~ipnav.analytics.tables.person_key`. A patent counts once for each of its
applicants (whole counting), so shares of the records add up to more than 100 %
where patents are co-owned.

Concentration
-------------
Shares ``s_i = n_i / Σ n_j`` of the applicants' whole counts (they add up to 1);
``CR_k = Σ_{i ≤ k} s_i`` over the ``k`` largest applicants (ties broken by name); the
Herfindahl–Hirschman index ``HHI = 10 000 · Σ s_i²`` (Hirschman 1964; Herfindahl 1950),
read with the thresholds of the U.S. DOJ/FTC Horizontal Merger Guidelines (2010):
below 1 500 unconcentrated, 1 500–2 500 moderately, above 2 500 highly concentrated.
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
from ipnav.analytics.result import AnalysisTable, col, coverage_note, pick, text

HHI_MODERATE = 1500
HHI_HIGH = 2500

TYPE_LABELS = {
    "university": text("高校", "university"),
    "institute": text("科研院所", "research institute"),
    "company": text("企业", "company"),
    "individual": text("个人", "individual"),
    "government": text("机关团体", "government"),
    "other": text("其他", "other"),
    "unknown": text("未知", "unknown"),
}
CONCENTRATION_LABELS = {
    "unconcentrated": text("分散", "unconcentrated"),
    "moderate": text("中度集中", "moderately concentrated"),
    "high": text("高度集中", "highly concentrated"),
}


def people_cte(role: str) -> str:
    """CTEs ``people`` (one row per record and grouping key of ``role``) and ``info``
    (per key: the most frequent raw name and type; ties by the smaller value)."""
    return f"""people AS (
  SELECT a.id, a.normalized_name AS person, a.name, a.type, p.year
  FROM parties a JOIN pat p ON p.id = a.id
  WHERE a.role = '{role}' AND a.normalized_name <> ''
),
name_votes AS (
  SELECT person, name,
    ROW_NUMBER() OVER (PARTITION BY person ORDER BY COUNT(*) DESC, name) AS r
  FROM people GROUP BY person, name
),
type_votes AS (
  SELECT person, type,
    ROW_NUMBER() OVER (PARTITION BY person ORDER BY COUNT(*) DESC, type) AS r
  FROM people WHERE type IS NOT NULL GROUP BY person, type
),
info AS (
  SELECT n.person, n.name, t.type
  FROM name_votes n LEFT JOIN type_votes t ON t.person = n.person AND t.r = 1
  WHERE n.r = 1
)"""


def _top(engine: Engine, tables: Sources, options: AnalysisOptions, role: str) -> dict:
    sql = f"""
WITH {counted(options)},
{people_cte(role)},
cov AS (
  SELECT COUNT(*) AS records,
    (SELECT COUNT(DISTINCT id) FROM people) AS with_people,
    (SELECT COUNT(DISTINCT person) FROM people) AS people_count
  FROM pat
),
counts AS (
  SELECT person, COUNT(DISTINCT id) AS patents, MIN(year) AS first_year, MAX(year) AS last_year
  FROM people GROUP BY person
),
ranked AS (
  SELECT c.*, ROW_NUMBER() OVER (ORDER BY c.patents DESC, c.person) AS rank
  FROM counts c
),
top_rows AS (
  SELECT r.rank, r.person, i.name, i.type, r.patents, r.first_year, r.last_year
  FROM ranked r JOIN info i ON i.person = r.person
  WHERE r.rank <= {int(options.top)}
)
SELECT c.records, c.with_people, c.people_count, t.*
FROM cov c LEFT JOIN top_rows t ON 1 = 1
ORDER BY t.rank
"""
    result = engine.query(sql, tables).to_pylist()
    head = result[0]
    rows = [
        {
            "rank": r["rank"],
            "key": r["person"],
            "name": r["name"],
            "type": r["type"],
            "patents": r["patents"],
            "share": r["patents"] / head["records"] if head["records"] else None,
            "first_year": r["first_year"],
            "last_year": r["last_year"],
        }
        for r in result
        if r["person"] is not None
    ]
    return {"head": head, "rows": rows}


def top_applicants(engine: Engine, tables: Sources, options: AnalysisOptions) -> AnalysisTable:
    """The ``top`` applicants by records, with share, type and first and last year."""
    found = _top(engine, tables, options, "applicant")
    head = found["head"]
    return AnalysisTable(
        key="top_applicants",
        title=text("主要申请人", "Top applicants"),
        columns=[
            col("rank", "排名", "Rank"),
            col("name", "申请人", "Applicant"),
            col("key", "规范化名称", "Normalised name"),
            col("type", "类型", "Type"),
            col("patents", "专利数", "Patents", "patents"),
            col("share", "占比", "Share", "share"),
            col("first_year", "首次申请年", "First year", "year"),
            col("last_year", "最近申请年", "Last year", "year"),
        ],
        rows=found["rows"],
        notes=[
            _whole_counting_note(options),
            coverage_note(
                "有申请人的记录", "Records with an applicant", head["with_people"], head["records"]
            ),
        ],
        summary={"applicants": head["people_count"], "records": head["records"]},
    )


def top_inventors(engine: Engine, tables: Sources, options: AnalysisOptions) -> AnalysisTable:
    """The ``top`` inventors by records (grouped by name: namesakes are not told apart)."""
    found = _top(engine, tables, options, "inventor")
    head = found["head"]
    rows = [{k: v for k, v in row.items() if k != "type"} for row in found["rows"]]
    return AnalysisTable(
        key="top_inventors",
        title=text("主要发明人", "Top inventors"),
        columns=[
            col("rank", "排名", "Rank"),
            col("name", "发明人", "Inventor"),
            col("patents", "专利数", "Patents", "patents"),
            col("share", "占比", "Share", "share"),
            col("first_year", "首次申请年", "First year", "year"),
            col("last_year", "最近申请年", "Last year", "year"),
        ],
        rows=rows,
        notes=[
            text(
                "发明人按姓名归并（大小写、标点不计），同名者无法区分。",
                "Inventors are grouped by name (case and punctuation ignored); namesakes are "
                "not told apart.",
            ),
            coverage_note(
                "有发明人的记录", "Records with an inventor", head["with_people"], head["records"]
            ),
        ],
        summary={"inventors": head["people_count"], "records": head["records"]},
    )


def applicant_types(engine: Engine, tables: Sources, options: AnalysisOptions) -> AnalysisTable:
    """Records and applicants per applicant type (university, company, institute ...)."""
    sql = f"""
WITH {counted(options)},
people AS (
  SELECT a.id, a.normalized_name AS person, COALESCE(a.type, 'unknown') AS type
  FROM parties a JOIN pat p ON p.id = a.id
  WHERE a.role = 'applicant' AND a.normalized_name <> ''
),
cov AS (SELECT COUNT(*) AS records, (SELECT COUNT(DISTINCT id) FROM people) AS with_people
        FROM pat),
per_type AS (
  SELECT type, COUNT(DISTINCT id) AS patents, COUNT(DISTINCT person) AS applicants
  FROM people GROUP BY type
)
SELECT c.records, c.with_people, t.type, t.patents, t.applicants
FROM cov c LEFT JOIN per_type t ON 1 = 1
ORDER BY t.patents DESC, t.type
"""
    result = engine.query(sql, tables).to_pylist()
    head = result[0]
    rows = [
        {
            "type": r["type"],
            "label": pick(TYPE_LABELS.get(r["type"], TYPE_LABELS["other"]), options.language),
            "patents": r["patents"],
            "share": r["patents"] / head["records"] if head["records"] else None,
            "applicants": r["applicants"],
        }
        for r in result
        if r["type"] is not None
    ]
    return AnalysisTable(
        key="applicant_types",
        title=text("申请人类型", "Applicant types"),
        columns=[
            col("type", "类型代码", "Type code"),
            col("label", "类型", "Type"),
            col("patents", "专利数", "Patents", "patents"),
            col("share", "占比", "Share", "share"),
            col("applicants", "申请人数", "Applicants", "applicants"),
        ],
        rows=rows,
        notes=[
            text(
                "类型由申请人名称按规则判定（高校、科研院所、企业、个人等）；一件专利计入其每个申请人的类型。",
                "Types come from the applicant's name by rule (university, institute, company, "
                "individual ...); a patent counts under the type of each of its applicants.",
            ),
            coverage_note(
                "有申请人的记录", "Records with an applicant", head["with_people"], head["records"]
            ),
        ],
    )


def concentration(engine: Engine, tables: Sources, options: AnalysisOptions) -> AnalysisTable:
    """CR4, CR8 and the Herfindahl–Hirschman index of the applicants (see the module doc)."""
    sql = f"""
WITH {counted(options)},
people AS (
  SELECT DISTINCT a.id, a.normalized_name AS person
  FROM parties a JOIN pat p ON p.id = a.id
  WHERE a.role = 'applicant' AND a.normalized_name <> ''
),
counts AS (SELECT person, COUNT(*) AS n FROM people GROUP BY person),
shares AS (
  SELECT person, n, CAST(n AS DOUBLE) / SUM(n) OVER () AS s,
    ROW_NUMBER() OVER (ORDER BY n DESC, person) AS r
  FROM counts
)
SELECT COUNT(*) AS applicants, COALESCE(SUM(n), 0) AS assignments,
  SUM(CASE WHEN r <= 4 THEN s ELSE 0 END) AS cr4,
  SUM(CASE WHEN r <= 8 THEN s ELSE 0 END) AS cr8,
  SUM(s * s) * 10000 AS hhi
FROM shares
"""
    row = engine.query(sql, tables).to_pylist()[0]
    hhi = row["hhi"]
    level = None if hhi is None else concentration_level(hhi)
    rows = []
    if row["applicants"]:
        label = pick(CONCENTRATION_LABELS[level], options.language)  # type: ignore[index]
        rows = [{**row, "level": level, "level_label": label}]
    return AnalysisTable(
        key="concentration",
        title=text("申请人集中度", "Applicant concentration"),
        columns=[
            col("applicants", "申请人数", "Applicants", "applicants"),
            col("assignments", "申请人-专利计数", "Applicant–patent pairs", "patents"),
            col("cr4", "CR4", "CR4", "share"),
            col("cr8", "CR8", "CR8", "share"),
            col("hhi", "HHI", "HHI", "index"),
            col("level", "集中程度代码", "Level code"),
            col("level_label", "集中程度", "Level"),
        ],
        rows=rows,
        notes=[
            text(
                "份额 = 申请人专利数 / 全部申请人专利数之和；CRn 为前 n 名份额之和；"
                "HHI = 10000 × Σ份额²"
                "（<1500 分散，1500–2500 中度集中，>2500 高度集中；"
                "美国司法部/FTC 2010 年横向合并指南）。",
                "Share = an applicant's patents / the sum over all applicants; CRn = the n "
                "largest shares summed; HHI = 10,000 × Σ share² (< 1,500 unconcentrated, "
                "1,500–2,500 moderate, > 2,500 high; US DOJ/FTC Horizontal Merger Guidelines "
                "2010).",
            )
        ],
        summary={
            "cr4": row["cr4"],
            "cr8": row["cr8"],
            "hhi": hhi,
            "level": level,
            "level_label": CONCENTRATION_LABELS[level] if level else None,
        },
    )


def concentration_level(hhi: float) -> str:
    if hhi > HHI_HIGH:
        return "high"
    if hhi >= HHI_MODERATE:
        return "moderate"
    return "unconcentrated"


def newcomers(engine: Engine, tables: Sources, options: AnalysisOptions) -> AnalysisTable:
    """Per period: active applicants, and those whose first record in the set falls in it."""
    sql = f"""
WITH {counted(options)},
{periods(options)},
active AS (
  SELECT DISTINCT d.back, d.last_year, a.normalized_name AS person
  FROM dated d JOIN parties a ON a.id = d.id
  WHERE a.role = 'applicant' AND a.normalized_name <> ''
),
firsts AS (SELECT person, MAX(back) AS first_back FROM active GROUP BY person),
per_period AS (
  SELECT ac.back, MIN(ac.last_year) AS last_year, COUNT(*) AS active,
    SUM(CASE WHEN f.first_back = ac.back THEN 1 ELSE 0 END) AS newcomers
  FROM active ac JOIN firsts f ON f.person = ac.person
  GROUP BY ac.back
)
SELECT * FROM per_period ORDER BY back DESC
"""
    result = engine.query(sql, tables).to_pylist()
    size = options.period_years
    rows: list[dict[str, Any]] = []
    if result:
        last_year = result[0]["last_year"]
        found = {r["back"]: r for r in result}
        for back in range(max(found), -1, -1):
            start, end = period_span(last_year, back, size)
            r = found.get(back, {"active": 0, "newcomers": 0})
            rows.append(
                {
                    "period": f"{start}–{end}" if size > 1 else str(end),
                    "start_year": start,
                    "end_year": end,
                    "active": r["active"],
                    "newcomers": r["newcomers"],
                    "newcomer_share": r["newcomers"] / r["active"] if r["active"] else None,
                }
            )
    return AnalysisTable(
        key="newcomers",
        title=text("新进入申请人", "Newcomers per period"),
        columns=[
            col("period", "时段", "Period"),
            col("active", "活跃申请人", "Active applicants", "applicants"),
            col("newcomers", "新进入申请人", "Newcomers", "applicants"),
            col("newcomer_share", "新进入占比", "Newcomer share", "share"),
        ],
        rows=rows,
        notes=[
            text(
                f"按{year_label(options)['zh']}每 {size} 年一个时段；"
                "新进入者指在本数据集中首件专利落在该时段的申请人"
                "（第一个时段的申请人全部计为新进入者）。",
                f"Periods of {size} years by {year_label(options)['en']}; a newcomer's first "
                "record in this set falls in the period (so every applicant of the first "
                "period is new).",
            )
        ],
    )


def _whole_counting_note(options: AnalysisOptions) -> dict[str, str]:
    unit = unit_label(options)
    return text(
        f"计数单位：{unit['zh']}；共同申请的专利计入每个申请人（全计数），占比为占全部记录的比例。",
        f"Counted: {unit['en']}; a co-owned patent counts for each owner (whole counting); "
        "share is of all records in the set.",
    )
