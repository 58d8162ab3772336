"""Where: publishing offices and applicant countries; provinces of Chinese applicants.

Sources seldom state an applicant's country, so two views are given: the office
that published each record (always known) and the applicants' countries where the
data has them, with their coverage. A "Chinese applicant" is an applicant whose
country is CN, or whose country is not given on a CN publication (foreign
companies filing in China are then counted too, which lowers the province
coverage); provinces come from the applicant's name at ingest
(:func:`~ipnav.model.regions.province_of`), only on strong evidence.
"""

from __future__ import annotations

from ipnav.analytics.engine import Engine
from ipnav.analytics.options import AnalysisOptions, Sources, counted, unit_label
from ipnav.analytics.result import AnalysisTable, col, coverage_note, text


def countries(engine: Engine, tables: Sources, options: AnalysisOptions) -> AnalysisTable:
    """Records per publishing office and, where known, per applicant country."""
    sql = f"""
WITH {counted(options)},
applicants AS (
  SELECT DISTINCT a.id, a.country
  FROM parties a JOIN pat p ON p.id = a.id
  WHERE a.role = 'applicant'
),
cov AS (
  SELECT COUNT(*) AS records,
    (SELECT COUNT(DISTINCT id) FROM applicants) AS with_applicants,
    (SELECT COUNT(DISTINCT id) FROM applicants WHERE country IS NOT NULL) AS with_country
  FROM pat
),
offices AS (
  SELECT 'office' AS basis, COALESCE(country, '') AS country, COUNT(*) AS patents,
    MIN(year) AS first_year, MAX(year) AS last_year
  FROM pat GROUP BY COALESCE(country, '')
),
origins AS (
  SELECT 'applicant' AS basis, ap.country, COUNT(DISTINCT ap.id) AS patents,
    MIN(p.year) AS first_year, MAX(p.year) AS last_year
  FROM applicants ap JOIN pat p ON p.id = ap.id
  WHERE ap.country IS NOT NULL
  GROUP BY ap.country
),
both_views AS (SELECT * FROM offices UNION ALL SELECT * FROM origins)
SELECT c.records, c.with_applicants, c.with_country, b.*
FROM cov c LEFT JOIN both_views b ON 1 = 1
ORDER BY b.basis DESC, b.patents DESC, b.country
"""
    result = engine.query(sql, tables).to_pylist()
    head = result[0]
    rows = [
        {
            "basis": r["basis"],
            "country": r["country"] or None,
            "patents": r["patents"],
            "share": r["patents"] / head["records"] if head["records"] else None,
            "first_year": r["first_year"],
            "last_year": r["last_year"],
        }
        for r in result
        if r["basis"] is not None
    ]
    unit = unit_label(options)
    return AnalysisTable(
        key="countries",
        title=text("国家/地区分布", "Countries"),
        columns=[
            col("basis", "口径", "Basis"),
            col("country", "国家/地区", "Country"),
            col("patents", "专利数", "Patents", "patents"),
            col("share", "占比", "Share", "share"),
            col("first_year", "首年", "First year", "year"),
            col("last_year", "末年", "Last year", "year"),
        ],
        rows=rows,
        notes=[
            text(
                "口径 office 为公开国家/地区（受理局），applicant 为申请人国籍（数据给出时）；"
                f"计数单位：{unit['zh']}。",
                "Basis 'office': the publishing office; 'applicant': the applicant's country "
                f"where the data gives it. Counted: {unit['en']}.",
            ),
            coverage_note(
                "申请人国籍已知的记录（占有申请人的记录）",
                "Records whose applicant country is known (of records with an applicant)",
                head["with_country"],
                head["with_applicants"],
            ),
        ],
    )


def provinces(engine: Engine, tables: Sources, options: AnalysisOptions) -> AnalysisTable:
    """Chinese applicants and their records per province, with the share whose province is known."""
    sql = f"""
WITH {counted(options)},
chinese AS (
  SELECT a.id, a.normalized_name AS person, a.province
  FROM parties a JOIN pat p ON p.id = a.id
  WHERE a.role = 'applicant' AND a.normalized_name <> ''
    AND (a.country = 'CN' OR (a.country IS NULL AND p.country = 'CN'))
),
cov AS (
  SELECT COUNT(DISTINCT person) AS applicants,
    COUNT(DISTINCT CASE WHEN province IS NOT NULL THEN person END) AS placed,
    COUNT(DISTINCT id) AS records,
    COUNT(DISTINCT CASE WHEN province IS NOT NULL THEN id END) AS placed_records
  FROM chinese
),
per_province AS (
  SELECT province, COUNT(DISTINCT person) AS applicants, COUNT(DISTINCT id) AS patents
  FROM chinese WHERE province IS NOT NULL GROUP BY province
)
SELECT c.applicants AS all_applicants, c.placed, c.records AS all_records, c.placed_records,
  pp.province, pp.applicants, pp.patents
FROM cov c LEFT JOIN per_province pp ON 1 = 1
ORDER BY pp.patents DESC, pp.province
"""
    result = engine.query(sql, tables).to_pylist()
    head = result[0]
    placed_records = head["placed_records"]
    rows = [
        {
            "province": r["province"],
            "applicants": r["applicants"],
            "patents": r["patents"],
            "share": r["patents"] / placed_records if placed_records else None,
        }
        for r in result
        if r["province"] is not None
    ]
    return AnalysisTable(
        key="provinces",
        title=text("中国申请人省份分布", "Provinces of Chinese applicants"),
        columns=[
            col("province", "省份", "Province"),
            col("applicants", "申请人数", "Applicants", "applicants"),
            col("patents", "专利数", "Patents", "patents"),
            col(
                "share",
                "占比（省份已知的记录）",
                "Share (of records with a known province)",
                "share",
            ),
        ],
        rows=rows,
        notes=[
            coverage_note(
                "省份已知的中国申请人",
                "Chinese applicants whose province is known",
                head["placed"],
                head["all_applicants"],
            ),
            text(
                "中国申请人：国籍为 CN，或未给出国籍的中国公开文献的申请人；"
                "省份依申请人名称中的地名判定，"
                "证据不足时留空。",
                "Chinese applicants: country CN, or no country given on a CN publication; the "
                "province is read from place names in the applicant's name, left empty without "
                "strong evidence.",
            ),
        ],
        summary={
            "chinese_applicants": head["all_applicants"],
            "placed_applicants": head["placed"],
            "coverage": head["placed"] / head["all_applicants"] if head["all_applicants"] else None,
        },
    )
