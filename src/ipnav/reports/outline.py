"""The navigation report's structure, after GB/T 39551 专利导航指南: :func:`build_report`.

Eight chapters, each fed by the analysis tables that belong to it:

1. 项目背景与技术分解 — the database's description and its technology breakdown;
2. 数据与方法 — sources, search strings, snapshot version and cut-off date, and every
   table's notes as the indicator definitions;
3. 产业/技术发展态势 — trend, life cycle, countries, provinces, classes, fields (and any
   table no other chapter claims, so that nothing disappears);
4. 重点申请人 — top applicants and inventors, types, concentration, newcomers,
   comparison, co-applicants;
5. 重点专利 — key and most-cited patents;
6. 技术路线 — technology clusters and their course over time (tables ``cluster*``);
7. 技术功效矩阵与空白点 — tables whose key names an effect, a matrix or white spaces;
8. 结论与建议 — :func:`ipnav.reports.checklist.checklist`, a draft for the analyst.

A chapter whose tables are missing or empty says so in a sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ipnav.analytics.result import AnalysisTable, pick, text
from ipnav.reports.charts import chart_for
from ipnav.reports.checklist import checklist
from ipnav.reports.formatting import percent
from ipnav.reports.model import (
    Block,
    Bullets,
    Figure,
    Paragraph,
    PlainTable,
    Report,
    ReportInput,
    Section,
    TableBlock,
)

#: Chapter number -> (title, table keys in order, or a predicate on the key).
CHAPTERS: dict[int, tuple[dict[str, str], Any]] = {
    1: (text("项目背景与技术分解", "Background and technology breakdown"), ()),
    2: (text("数据与方法", "Data and method"), ()),
    3: (
        text("产业/技术发展态势", "Industry and technology landscape"),
        (
            "filing_trend",
            "life_cycle",
            "countries",
            "provinces",
            "subclasses",
            "main_groups",
            "technology_fields",
        ),
    ),
    4: (
        text("重点申请人", "Key applicants"),
        (
            "top_applicants",
            "top_inventors",
            "applicant_types",
            "concentration",
            "newcomers",
            "compare",
            "compare_trend",
            "compare_fields",
            "coapplicant_edges",
            "coapplicant_nodes",
        ),
    ),
    5: (text("重点专利", "Key patents"), ("key_patents", "most_cited")),
    6: (text("技术路线", "Technical routes"), lambda key: key.startswith("cluster")),
    7: (
        text("技术功效矩阵与空白点", "Technology–effect matrix and white spaces"),
        lambda key: any(w in key for w in ("effect", "matrix", "white")),
    ),
    8: (text("结论与建议", "Conclusions and recommendations"), ()),
}

#: Rows a document table shows (the XLSX appendix has them all); per key where different.
ROWS = 20
ROWS_BY_KEY = {"filing_trend": 80, "life_cycle": 40, "newcomers": 40, "compare_trend": 80}

#: Columns left out of document tables: codes shown by a label column beside them.
HIDDEN = {"key", "stage", "level", "source", "target"}

T = {
    "no_data": text("本节无数据：{what}。", "No data for this section: {what}."),
    "no_tables": text("所选数据未产生相应分析结果", "the analyses produced no such table"),
    "no_clusters": text(
        "未运行技术聚类分析（需要文档向量），技术路线从略",
        "technology clusters were not computed (they need document vectors)",
    ),
    "no_matrix": text(
        "未运行技术功效矩阵分析，空白点从略",
        "the technology–effect matrix was not computed",
    ),
    "empty_table": text("{title}：无数据。", "{title}: no data."),
    "figure": text("图 {n}  {title}", "Figure {n}. {title}"),
    "table": text("表 {n}  {title}", "Table {n}. {title}"),
    "truncated": text(
        "仅列出前 {shown} 行（共 {total} 行），完整数据见 XLSX 附录工作表“{sheet}”。",
        "The first {shown} of {total} rows; every row is in the XLSX appendix, sheet '{sheet}'.",
    ),
    "background": text("项目背景", "Background"),
    "no_description": text(
        "（请补充项目背景：产业现状、导航目的与需求。）",
        "(Add the background: the industry, the purpose of this navigation project.)",
    ),
    "breakdown": text("技术分解", "Technology breakdown"),
    "no_breakdown": text("本专题数据库未定义技术分解表", "no technology breakdown is defined"),
    "branch": text("技术分支", "Branch"),
    "query": text("检索式", "Search string"),
    "members": text("文献量", "Documents"),
    "sources": text("数据来源", "Data sources"),
    "queries": text("检索策略", "Search strategy"),
    "scope": text("数据范围", "Data scope"),
    "definitions": text("指标说明", "Indicator definitions"),
    "scope_text": text(
        "专题数据库“{collection}”快照第 {version} 版，数据截止日期 {cutoff}，共 {members} 件文献。"
        "由于专利申请一般自申请日（优先权日）起 18 个月公开，最近两年的数据不完整。",
        "Thematic database '{collection}', snapshot version {version}, data cut-off {cutoff}, "
        "{members} documents. Applications are published 18 months after filing (priority), "
        "so the last two years are incomplete.",
    ),
    "unknown": text("未注明", "not stated"),
    "trend_lead": text(
        "共 {records} 件，申请年跨度 {first}–{last} 年，申请量峰值出现在 {peak} 年。",
        "{records} documents filed {first}–{last}; filings peaked in {peak}.",
    ),
    "cycle_lead": text(
        "技术生命周期判定为{stage}；申请量年均复合增长率（CAGR）{cagr}，近 {years} 年 {recent}。",
        "Life-cycle stage: {stage}; filings CAGR {cagr}, {recent} over the last {years} years.",
    ),
    "conc_lead": text(
        "申请人共 {applicants} 个，CR4 = {cr4}，CR8 = {cr8}，HHI = {hhi:.0f}（{level}）。",
        "{applicants} applicants; CR4 = {cr4}, CR8 = {cr8}, HHI = {hhi:.0f} ({level}).",
    ),
    "top_lead": text(
        "排名第一的申请人为 {name}，{patents} 件（{share}）。",
        "The leading applicant is {name} with {patents} documents ({share}).",
    ),
    "cited_lead": text(
        "{cited} 件文献被引用；集合内引用关系 {edges} 条。",
        "{cited} documents are cited; {edges} citation links lie within the set.",
    ),
    "draft": text(
        "【草稿】以下清单由分析数据自动生成，供分析师核对、修改和补充，不构成最终结论。",
        "[DRAFT] This checklist is generated from the analysis data for the analyst to "
        "check, edit and complete; it is not a final conclusion.",
    ),
    "other": text("其他分析", "Other analyses"),
    "no_checklist": text("数据不足以生成建议", "too little data to draft recommendations"),
}


class _Counter:
    def __init__(self) -> None:
        self.figures = 0
        self.tables = 0


def build_report(data: ReportInput) -> Report:
    """The report's sections, in ``data.language``."""
    lang = data.language
    say = _sayer(lang)
    tables = {k: t for k, t in data.tables.items()}
    claimed: set[str] = set()
    count = _Counter()
    sections: list[Section] = []
    for number, (title, members) in CHAPTERS.items():
        section = Section(str(number), pick(title, lang))
        if callable(members):
            keys = [k for k in tables if members(k)]
        else:
            keys = [k for k in members if k in tables]
        claimed.update(keys)
        for key in keys:
            section.subsections.append(
                _table_section(f"{number}.{len(section.subsections) + 1}", tables[key], lang, count)
            )
        sections.append(section)
    ch = {int(s.number): s for s in sections}
    _background(ch[1], data, say)
    _method(ch[2], data, say)
    others = [k for k in tables if k not in claimed]
    if others:
        other = Section(f"3.{len(ch[3].subsections) + 1}", say("other"))
        for key in others:
            other.subsections.append(
                _table_section(
                    f"{other.number}.{len(other.subsections) + 1}", tables[key], lang, count
                )
            )
        ch[3].subsections.append(other)
    _leads(ch, tables, say, lang)
    for number, reason in (
        (3, "no_tables"),
        (4, "no_tables"),
        (5, "no_tables"),
        (6, "no_clusters"),
        (7, "no_matrix"),
    ):
        if not ch[number].subsections:
            ch[number].blocks.append(Paragraph(say("no_data", what=say(reason))))
    items = checklist(tables, lang)
    ch[8].blocks.append(Paragraph(say("draft"), "draft"))
    if items:
        ch[8].blocks.append(Bullets(items, checklist=True))
    else:
        ch[8].blocks.append(Paragraph(say("no_data", what=say("no_checklist"))))
    return Report(input=data, cover=_cover(data, say), sections=sections)


def _sayer(lang: str) -> Callable[..., str]:
    def say(key: str, **values: Any) -> str:
        template = pick(T[key], lang)
        return template.format(**values) if values else template

    return say


def _table_section(number: str, table: AnalysisTable, lang: str, count: _Counter) -> Section:
    say = _sayer(lang)
    title = pick(table.title, lang)
    section = Section(number, title)
    if not table.rows:
        section.blocks.append(Paragraph(say("empty_table", title=title)))
        return section
    chart = chart_for(table, lang)
    if chart is not None:
        count.figures += 1
        section.blocks.append(Figure(chart, say("figure", n=count.figures, title=title)))
    count.tables += 1
    shown = _columns(table)
    limit = ROWS_BY_KEY.get(table.key, ROWS)
    block = TableBlock(table, say("table", n=count.tables, title=title), shown, limit)
    section.blocks.append(block)
    if block.truncated:
        section.blocks.append(
            Paragraph(
                say("truncated", shown=limit, total=len(table.rows), sheet=table.key[:31]), "note"
            )
        )
    return section


def _columns(table: AnalysisTable) -> list[str]:
    keys = [c.key for c in table.columns]
    hidden = {k for k in HIDDEN if k in keys}
    if "label" in keys:
        hidden.add("type")
    return [k for k in keys if k not in hidden]


def _background(section: Section, data: ReportInput, say: Callable[..., str]) -> None:
    background = Section("1.1", say("background"))
    background.blocks.append(
        Paragraph(
            data.description.strip() or say("no_description"),
            "normal" if data.description.strip() else "draft",
        )
    )
    breakdown = Section("1.2", say("breakdown"))
    rows = list(data.branches())
    if rows:
        breakdown.blocks.append(
            PlainTable(
                [say("branch"), say("query"), say("members")],
                [
                    [
                        "　" * r.depth + r.name,
                        r.query or "",
                        "" if r.members is None else f"{r.members:,}",
                    ]
                    for r in rows
                ],
                say("breakdown"),
            )
        )
    else:
        breakdown.blocks.append(Paragraph(say("no_data", what=say("no_breakdown"))))
    section.subsections += [background, breakdown]


def _method(section: Section, data: ReportInput, say: Callable[..., str]) -> None:
    lang = data.language
    sources = Section("2.1", say("sources"))
    sources.blocks.append(
        Bullets(list(data.sources)) if data.sources else Paragraph(say("unknown"), "draft")
    )
    queries = Section("2.2", say("queries"))
    if data.queries:
        queries.blocks.append(
            PlainTable(["#", say("query")], [[str(n), q] for n, q in enumerate(data.queries, 1)])
        )
    else:
        queries.blocks.append(Paragraph(say("no_data", what=say("queries"))))
    scope = Section("2.3", say("scope"))
    trend = data.tables.get("filing_trend")
    members = (
        data.members
        if data.members is not None
        else (trend.summary.get("records") if trend else None)
    )
    scope.blocks.append(
        Paragraph(
            say(
                "scope_text",
                collection=data.collection or data.title,
                version=data.snapshot_version
                if data.snapshot_version is not None
                else say("unknown"),
                cutoff=data.cutoff.isoformat() if data.cutoff else say("unknown"),
                members=f"{members:,}" if isinstance(members, int) else say("unknown"),
            )
        )
    )
    definitions = Section("2.4", say("definitions"))
    for table in data.tables.values():
        notes = list(dict.fromkeys(pick(note, lang) for note in table.notes))
        if notes:
            definitions.blocks.append(Paragraph(pick(table.title, lang), "label"))
            definitions.blocks.append(Bullets(notes))
    if not definitions.blocks:
        definitions.blocks.append(Paragraph(say("no_data", what=say("definitions"))))
    section.subsections += [sources, queries, scope, definitions]


def _leads(
    ch: dict[int, Section], tables: Mapping[str, AnalysisTable], say: Callable[..., str], lang: str
) -> None:
    """One sentence of key numbers at the top of chapters 3–5, from the tables' summaries."""
    lead: dict[int, list[Block]] = {3: [], 4: [], 5: []}
    trend = tables.get("filing_trend")
    if trend and trend.rows and trend.summary.get("first_year"):
        s = trend.summary
        lead[3].append(
            Paragraph(
                say(
                    "trend_lead",
                    records=f"{s.get('records', 0):,}",
                    first=s["first_year"],
                    last=s.get("last_year"),
                    peak=s.get("peak_filing_year"),
                )
            )
        )
    cycle = tables.get("life_cycle")
    if cycle and cycle.summary.get("stage_label"):
        s = cycle.summary
        lead[3].append(
            Paragraph(
                say(
                    "cycle_lead",
                    stage=pick(s["stage_label"], lang),
                    cagr=percent(s.get("cagr")),
                    recent=percent(s.get("cagr_recent")),
                    years=s.get("cagr_years", "–"),
                )
            )
        )
    top = tables.get("top_applicants")
    if top and top.rows:
        row = top.rows[0]
        lead[4].append(
            Paragraph(
                say(
                    "top_lead",
                    name=row.get("name"),
                    patents=row.get("patents"),
                    share=percent(row.get("share")),
                )
            )
        )
    conc = tables.get("concentration")
    if conc and conc.summary.get("hhi") is not None and conc.rows:
        s = conc.summary
        lead[4].append(
            Paragraph(
                say(
                    "conc_lead",
                    applicants=f"{conc.rows[0].get('applicants', 0):,}",
                    cr4=percent(s.get("cr4")),
                    cr8=percent(s.get("cr8")),
                    hhi=s["hhi"],
                    level=pick(s.get("level_label") or {}, lang),
                )
            )
        )
    cited = tables.get("key_patents") or tables.get("most_cited")
    if cited and cited.summary.get("cited_records") is not None:
        lead[5].append(
            Paragraph(
                say(
                    "cited_lead",
                    cited=cited.summary["cited_records"],
                    edges=cited.summary.get("edges_in_set", 0),
                )
            )
        )
    for number, blocks in lead.items():
        ch[number].blocks[:0] = blocks


def _cover(data: ReportInput, say: Callable[..., str]) -> list[tuple[str, str]]:
    lang = data.language
    rows = [
        (pick(text("专题数据库", "Thematic database"), lang), data.collection),
        (
            pick(text("快照版本", "Snapshot version"), lang),
            "" if data.snapshot_version is None else str(data.snapshot_version),
        ),
        (
            pick(text("数据截止日期", "Data cut-off date"), lang),
            data.cutoff.isoformat() if data.cutoff else "",
        ),
        (pick(text("编制单位", "Prepared by"), lang), data.organisation),
        (pick(text("编制人", "Author"), lang), data.author),
        (pick(text("生成时间", "Generated"), lang), data.generated.strftime("%Y-%m-%d %H:%M UTC")),
    ]
    return [(label, value) for label, value in rows if value]
