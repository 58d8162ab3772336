"""Two or more applicants side by side: volume, trend, fields.

Applicants are named by their grouping key (normalised name, as ``top_applicants``
lists it in ``key``); without ``options.compare`` the three largest are compared.
The names travel to the engine as a small table (``selected``), never inside the
SQL text.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from ipnav.analytics.actors import people_cte
from ipnav.analytics.engine import Engine
from ipnav.analytics.options import AnalysisOptions, Sources, counted, year_label
from ipnav.analytics.result import AnalysisTable, Column, col, text
from ipnav.analytics.trends import cagr

DEFAULT_COUNT = 3
TOP_FIELDS = 5


def _largest(engine: Engine, tables: Sources, options: AnalysisOptions, n: int) -> list[str]:
    sql = f"""
WITH {counted(options)},
{people_cte("applicant")}
SELECT person, COUNT(DISTINCT id) AS patents FROM people
GROUP BY person ORDER BY patents DESC, person LIMIT {int(n)}
"""
    return [r["person"] for r in engine.query(sql, tables).to_pylist()]


def compare_applicants(
    engine: Engine, tables: Sources, options: AnalysisOptions
) -> list[AnalysisTable]:
    """``compare`` (one row per applicant), ``compare_trend`` (per year) and
    ``compare_fields`` (per subclass), one column per applicant in the last two."""
    chosen = list(dict.fromkeys(options.compare)) or _largest(
        engine, tables, options, DEFAULT_COUNT
    )
    selected = pa.table(
        {
            "position": pa.array(range(len(chosen)), pa.int32()),
            "person": pa.array(chosen, pa.string()),
        }
    )
    sql = f"""
WITH {counted(options)},
{people_cte("applicant")},
mine AS (
  SELECT DISTINCT s.position, pe.id, pe.year
  FROM people pe JOIN selected s ON s.person = pe.person
),
fields AS (
  SELECT DISTINCT m.position, m.id, c.subclass
  FROM mine m JOIN classes c ON c.id = m.id
  WHERE c.subclass IS NOT NULL
),
totals AS (SELECT COUNT(*) AS records FROM pat),
facts AS (
  SELECT 'total' AS facet, position, CAST(NULL AS INT) AS year, CAST(NULL AS STRING) AS code,
    COUNT(*) AS n, MIN(year) AS first_year, MAX(year) AS last_year
  FROM mine GROUP BY position
  UNION ALL
  SELECT 'year' AS facet, position, year, CAST(NULL AS STRING) AS code, COUNT(*) AS n,
    CAST(NULL AS INT) AS first_year, CAST(NULL AS INT) AS last_year
  FROM mine WHERE year IS NOT NULL GROUP BY position, year
  UNION ALL
  SELECT 'subclass' AS facet, position, CAST(NULL AS INT) AS year, subclass AS code,
    COUNT(*) AS n, CAST(NULL AS INT) AS first_year, CAST(NULL AS INT) AS last_year
  FROM fields GROUP BY position, subclass
)
SELECT t.records, f.facet, f.position, f.year, f.code, f.n, f.first_year, f.last_year,
  i.name
FROM totals t
CROSS JOIN facts f
JOIN selected s ON s.position = f.position
LEFT JOIN info i ON i.person = s.person
ORDER BY f.facet, f.position, f.year, f.n DESC, f.code
"""
    result = engine.query(sql, {**tables, "selected": selected}).to_pylist()
    names = {r["position"]: r["name"] for r in result}
    records = result[0]["records"] if result else None
    totals = {r["position"]: r for r in result if r["facet"] == "total"}
    years = [r for r in result if r["facet"] == "year"]
    fields = [r for r in result if r["facet"] == "subclass"]

    per_year: dict[int, dict[int, int]] = {}
    for r in years:
        per_year.setdefault(r["position"], {})[r["year"]] = r["n"]
    per_field: dict[int, list[dict[str, Any]]] = {}
    for r in fields:
        per_field.setdefault(r["position"], []).append(r)
    for found in per_field.values():
        found.sort(key=lambda r: (-r["n"], r["code"]))

    summary_rows = []
    for position, key in enumerate(chosen):
        total = totals.get(position)
        counts = per_year.get(position, {})
        series = sorted(counts.items())
        top_fields = per_field.get(position, [])[:TOP_FIELDS]
        summary_rows.append(
            {
                "key": key,
                "name": names.get(position) or key,
                "patents": total["n"] if total else 0,
                "share": (total["n"] / records) if total and records else None,
                "first_year": total["first_year"] if total else None,
                "last_year": total["last_year"] if total else None,
                "active_years": len(counts),
                "cagr": cagr(series) if series else None,
                "top_subclasses": ", ".join(f"{r['code']} ({r['n']})" for r in top_fields),
            }
        )
    applicant_columns = [
        Column(f"n{position}", {"zh": row["name"], "en": row["name"]}, "patents")
        for position, row in enumerate(summary_rows)
    ]
    trend_rows = []
    all_years = sorted({y for counts in per_year.values() for y in counts})
    if all_years:
        for year in range(all_years[0], all_years[-1] + 1):
            trend_rows.append(
                {"year": year}
                | {f"n{p}": per_year.get(p, {}).get(year, 0) for p in range(len(chosen))}
            )
    codes = sorted(
        {r["code"] for r in fields},
        key=lambda c: (-sum(r["n"] for r in fields if r["code"] == c), c),
    )[: options.top]
    field_rows = [
        {"code": code}
        | {
            f"n{p}": next((r["n"] for r in per_field.get(p, []) if r["code"] == code), 0)
            for p in range(len(chosen))
        }
        for code in codes
    ]
    note = text(
        f"比较对象按规范化名称归并；年度按{year_label(options)['zh']}；CAGR 自首年至末年。",
        f"Applicants grouped by normalised name; years by {year_label(options)['en']}; CAGR "
        "from first to last year.",
    )
    return [
        AnalysisTable(
            key="compare",
            title=text("申请人对比", "Applicant comparison"),
            columns=[
                col("name", "申请人", "Applicant"),
                col("patents", "专利数", "Patents", "patents"),
                col("share", "占比", "Share", "share"),
                col("first_year", "首年", "First year", "year"),
                col("last_year", "末年", "Last year", "year"),
                col("active_years", "活跃年数", "Active years"),
                col("cagr", "年均复合增长率", "CAGR", "share"),
                col("top_subclasses", "主要小类", "Main subclasses"),
            ],
            rows=summary_rows,
            notes=[note],
            summary={"applicants": chosen},
        ),
        AnalysisTable(
            key="compare_trend",
            title=text("申请人对比：年度趋势", "Applicant comparison: per year"),
            columns=[col("year", "年份", "Year", "year"), *applicant_columns],
            rows=trend_rows,
            notes=[note],
            summary={"applicants": chosen},
        ),
        AnalysisTable(
            key="compare_fields",
            title=text("申请人对比：技术分布", "Applicant comparison: subclasses"),
            columns=[col("code", "小类", "Subclass"), *applicant_columns],
            rows=field_rows,
            notes=[note],
            summary={"applicants": chosen},
        ),
    ]
