"""What: IPC/CPC subclasses and main groups with titles, and WIPO technology fields.

A record counts once in every subclass, main group and field that any of its
symbols falls in (whole counting, as the facet counts of search do). Titles come
from :func:`~ipnav.model.schemes.load_scheme` (WIPO's English and CNIPA's Chinese
IPC titles; the other language is shown where one is missing, a broader code's
title never). Technology fields follow WIPO's IPC–technology concordance (Schmoch
2008, 35 fields in 5 sectors; the copy kept with the shared classification data),
filled into ``classes.wipo_field`` when the tables are built.
"""

from __future__ import annotations

from typing import Any

from ipnav.analytics.engine import Engine
from ipnav.analytics.options import AnalysisOptions, Sources, counted, unit_label
from ipnav.analytics.result import AnalysisTable, col, coverage_note, text
from ipnav.model.classification import ClassificationError
from ipnav.model.schemes import Fallback

SCHEME_NAMES = {"ipc": "IPC", "cpc": "CPC"}


def class_structure(
    engine: Engine, tables: Sources, options: AnalysisOptions
) -> list[AnalysisTable]:
    """The ``top`` subclasses and main groups of one scheme (``options.scheme``), with titles."""
    sql = f"""
WITH {counted(options)},
cls AS (
  SELECT DISTINCT c.id, c.scheme, c.subclass, c.main_group, p.year
  FROM classes c JOIN pat p ON p.id = c.id
),
cov AS (SELECT COUNT(*) AS records FROM pat),
schemes AS (SELECT scheme, COUNT(DISTINCT id) AS covered FROM cls GROUP BY scheme),
per_code AS (
  SELECT 'subclass' AS level, scheme, subclass AS code, COUNT(DISTINCT id) AS patents,
    MIN(year) AS first_year, MAX(year) AS last_year
  FROM cls WHERE subclass IS NOT NULL GROUP BY scheme, subclass
  UNION ALL
  SELECT 'main_group' AS level, scheme, main_group AS code, COUNT(DISTINCT id) AS patents,
    MIN(year) AS first_year, MAX(year) AS last_year
  FROM cls WHERE main_group IS NOT NULL GROUP BY scheme, main_group
),
ranked AS (
  SELECT x.*, ROW_NUMBER() OVER (PARTITION BY x.level, x.scheme ORDER BY x.patents DESC, x.code)
    AS rank
  FROM per_code x
)
SELECT c.records, s.scheme AS covered_scheme, s.covered, r.level, r.code, r.patents,
  r.first_year, r.last_year, r.rank
FROM cov c
LEFT JOIN schemes s ON 1 = 1
LEFT JOIN ranked r ON r.scheme = s.scheme AND r.rank <= {int(options.top)}
ORDER BY s.scheme, r.level, r.rank
"""
    result = engine.query(sql, tables).to_pylist()
    records = result[0]["records"]
    covered = {r["covered_scheme"]: r["covered"] for r in result if r["covered_scheme"]}
    scheme = _chosen_scheme(options.scheme, covered)
    titles = _Titles(options)
    tables_out = []
    for level, key, label in (
        ("subclass", "subclasses", text("技术分类：小类", "Classification: subclasses")),
        ("main_group", "main_groups", text("技术分类：大组", "Classification: main groups")),
    ):
        rows: list[dict[str, Any]] = []
        for r in result:
            if r["covered_scheme"] != scheme or r["level"] != level:
                continue
            rows.append(
                {
                    "rank": r["rank"],
                    "code": r["code"],
                    "subclass": r["code"][:4],
                    "title": titles.title(r["code"]),
                    "patents": r["patents"],
                    "share": r["patents"] / records if records else None,
                    "first_year": r["first_year"],
                    "last_year": r["last_year"],
                }
            )
        name = SCHEME_NAMES.get(scheme or "", "IPC/CPC")
        notes = [
            coverage_note(
                f"有 {name} 分类号的记录",
                f"Records with {name} symbols",
                covered.get(scheme or "", 0),
                records,
            ),
            text(
                f"一件专利计入其任一分类号所在的每个小类/大组；占比为占全部记录的比例；计数单位：{unit_label(options)['zh']}。",
                "A record counts in every subclass / main group any of its symbols falls in; "
                f"share is of all records. Counted: {unit_label(options)['en']}.",
            ),
            *titles.notes(),
        ]
        tables_out.append(
            AnalysisTable(
                key=key,
                title=label,
                columns=[
                    col("rank", "排名", "Rank"),
                    col("code", "分类号", "Code"),
                    *([col("subclass", "所属小类", "Subclass")] if level == "main_group" else []),
                    col("title", "含义", "Title"),
                    col("patents", "专利数", "Patents", "patents"),
                    col("share", "占比", "Share", "share"),
                    col("first_year", "首年", "First year", "year"),
                    col("last_year", "末年", "Last year", "year"),
                ],
                rows=rows,
                notes=notes,
                summary={"scheme": scheme, "covered": covered},
            )
        )
    return tables_out


def technology_fields(engine: Engine, tables: Sources, options: AnalysisOptions) -> AnalysisTable:
    """Records per WIPO technology field (35 fields, 5 sectors), from IPC and CPC symbols."""
    sql = f"""
WITH {counted(options)},
fields AS (
  SELECT DISTINCT c.id, c.wipo_field
  FROM classes c JOIN pat p ON p.id = c.id
  WHERE c.wipo_field IS NOT NULL
),
cov AS (
  SELECT COUNT(*) AS records,
    (SELECT COUNT(DISTINCT c.id) FROM classes c JOIN pat p ON p.id = c.id) AS classified,
    (SELECT COUNT(DISTINCT id) FROM fields) AS with_field
  FROM pat
),
per_field AS (SELECT wipo_field, COUNT(*) AS patents FROM fields GROUP BY wipo_field)
SELECT c.records, c.classified, c.with_field, f.wipo_field, f.patents
FROM cov c LEFT JOIN per_field f ON 1 = 1
ORDER BY f.patents DESC, f.wipo_field
"""
    result = engine.query(sql, tables).to_pylist()
    head = result[0]
    scheme = options.classification
    names = {f.number: f for f in scheme.technology_fields()} if scheme else {}
    zh = options.language == "zh"
    rows = []
    for r in result:
        if r["wipo_field"] is None:
            continue
        field = names.get(r["wipo_field"])
        rows.append(
            {
                "field": r["wipo_field"],
                "name": (field.name_zh if zh else field.name_en) if field else None,
                "sector": (field.sector_zh if zh else field.sector_en) if field else None,
                "patents": r["patents"],
                "share": r["patents"] / head["with_field"] if head["with_field"] else None,
            }
        )
    notes = [
        coverage_note(
            "可归入技术领域的记录（占有分类号的记录）",
            "Records placed in a technology field (of records with symbols)",
            head["with_field"],
            head["classified"],
        ),
        text(
            "技术领域依 WIPO IPC–技术领域对照表（Schmoch 2008，"
            "35 个领域、5 个部门）；大组规则优先于小类规则；"
            "一件专利计入其分类号涉及的每个领域，占比为占可归类记录的比例。",
            "Fields after WIPO's IPC–technology concordance (Schmoch 2008; 35 fields, 5 "
            "sectors), a main-group rule before a subclass rule; a record counts in each field "
            "its symbols reach; share is of the records placed in a field.",
        ),
    ]
    if head["classified"] and not head["with_field"] and scheme is None:
        notes.append(
            text(
                "构建分析表时未提供分类体系数据（IPNAV_SAMPLE_DATA），因此无技术领域。",
                "The tables were built without the classification data (IPNAV_SAMPLE_DATA), "
                "so no technology fields are known.",
            )
        )
    return AnalysisTable(
        key="technology_fields",
        title=text("WIPO 技术领域", "WIPO technology fields"),
        columns=[
            col("field", "领域编号", "Field no."),
            col("name", "技术领域", "Technology field"),
            col("sector", "部门", "Sector"),
            col("patents", "专利数", "Patents", "patents"),
            col("share", "占比", "Share", "share"),
        ],
        rows=rows,
        notes=notes,
    )


def _chosen_scheme(asked: str, covered: dict[str, int]) -> str | None:
    if asked != "auto":
        return asked
    if not covered:
        return None
    return max(sorted(covered), key=lambda s: covered[s])  # more records; IPC on a tie


class _Titles:
    """Titles of codes in the options' language, counting those shown in the other one."""

    def __init__(self, options: AnalysisOptions) -> None:
        self.scheme = options.classification
        self.lang = options.language
        self.other_language = 0
        self.missing = 0

    def title(self, code: str) -> str | None:
        if self.scheme is None:
            return None
        try:
            found = self.scheme.title(code, self.lang)
        except ClassificationError:
            found = None
        if found is None or Fallback.ANCESTOR in found.fallback:
            self.missing += 1
            return None
        if Fallback.LANGUAGE in found.fallback:
            self.other_language += 1
        return found.text

    def notes(self) -> list[dict[str, str]]:
        if self.scheme is None:
            return [
                text(
                    "未提供分类体系数据（IPNAV_SAMPLE_DATA），只列分类号。",
                    "No classification data (IPNAV_SAMPLE_DATA): codes only, no titles.",
                )
            ]
        notes = []
        if self.other_language:
            asked, shown = ("中文", "英文") if self.lang == "zh" else ("英文", "中文")
            asked_en, shown_en = (
                ("Chinese", "English") if self.lang == "zh" else ("English", "Chinese")
            )
            notes.append(
                text(
                    f"{self.other_language} 个分类号无{asked}含义，显示{shown}。",
                    f"{self.other_language} codes have no {asked_en} title; the {shown_en} "
                    "one is shown.",
                )
            )
        if self.missing:
            notes.append(
                text(
                    f"{self.missing} 个分类号无含义（如 CPC 专有大组）。",
                    f"{self.missing} codes have no title (e.g. CPC-only groups).",
                )
            )
        return notes
