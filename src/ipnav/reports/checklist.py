"""The conclusions chapter's draft: a checklist read from the analyses' summary values.

Each item states a finding with its number and the action that usually follows from
it in patent-navigation practice (GB/T 39551's 规划类/企业经营类 recommendations:
where to invest, whom to watch, whom to partner with, which patents to examine). The
thresholds are plain and stated in the item, so that the analyst can judge them; the
report marks the list as a draft.
"""

from __future__ import annotations

from collections.abc import Mapping

from ipnav.analytics.result import AnalysisTable, pick, text
from ipnav.reports.formatting import percent

#: A university + institute share of applicant assignments above this suggests
#: technology transfer opportunities.
ACADEMIC_SHARE = 0.2
#: A last-period newcomer share above this marks an open field.
NEWCOMER_SHARE = 0.5

STAGE_ADVICE = {
    "emerging": text(
        "技术处于萌芽期：宜跟踪基础研究与早期专利，提前布局核心专利。",
        "The technology is emerging: follow basic research and early patents; file core "
        "patents early.",
    ),
    "growth": text(
        "技术处于成长期（近 {years} 年申请量年均增长 {recent}）：宜加大研发与专利布局投入，"
        "关注新进入者。",
        "The technology is growing (filings {recent} a year over the last {years} years): "
        "invest in R&D and filings; watch newcomers.",
    ),
    "mature": text(
        "技术处于成熟期：宜围绕改进型专利和标准必要专利布局，评估许可与转让机会。",
        "The technology is mature: file improvements and standard-essential patents; assess "
        "licensing and transfer.",
    ),
    "decline": text(
        "技术处于衰退期：宜评估替代技术路线，谨慎新增投入。",
        "The technology is declining: assess substitute routes; invest with care.",
    ),
}


def checklist(tables: Mapping[str, AnalysisTable], lang: str) -> list[str]:
    """Draft recommendations in ``lang``, one string each, from whatever tables exist."""
    items: list[dict[str, str]] = []
    cycle = tables.get("life_cycle")
    if cycle and cycle.summary.get("stage") in STAGE_ADVICE:
        s = cycle.summary
        advice = STAGE_ADVICE[s["stage"]]
        items.append(
            {
                k: v.format(years=s.get("cagr_years", "–"), recent=percent(s.get("cagr_recent")))
                for k, v in advice.items()
            }
        )
    trend = tables.get("filing_trend")
    if trend and trend.summary.get("last_year"):
        last = trend.summary["last_year"]
        items.append(
            text(
                f"{last - 1}–{last} 年数据受 18 个月公开滞后影响偏低，判断趋势时不应视为下降。",
                f"{last - 1}–{last} are under-counted (18-month publication delay); do not read "
                "them as a decline.",
            )
        )
    conc = tables.get("concentration")
    if conc and conc.summary.get("level"):
        s = conc.summary
        level = s["level"]
        if level == "unconcentrated":
            items.append(
                text(
                    f"申请人分散（HHI {s['hhi']:.0f}，CR4 {percent(s.get('cr4'))}）："
                    "竞争格局未定型，进入壁垒较低，可寻找细分方向切入。",
                    f"Applicants are dispersed (HHI {s['hhi']:.0f}, CR4 {percent(s.get('cr4'))}): "
                    "no dominant players yet; look for a niche to enter.",
                )
            )
        else:
            items.append(
                text(
                    f"申请人集中（HHI {s['hhi']:.0f}，CR4 {percent(s.get('cr4'))}）：头部申请人可能"
                    "形成专利壁垒，产品上市前应开展自由实施（FTO）分析。",
                    f"Applicants are concentrated (HHI {s['hhi']:.0f}, CR4 "
                    f"{percent(s.get('cr4'))}): leaders may hold blocking patents; run a "
                    "freedom-to-operate analysis before launch.",
                )
            )
    top = tables.get("top_applicants")
    if top and top.rows:
        names = "、".join(str(r.get("name")) for r in top.rows[:3])
        names_en = "; ".join(str(r.get("name")) for r in top.rows[:3])
        items.append(
            text(
                f"持续监控主要申请人（{names}）的专利布局与法律状态。",
                f"Monitor the filings and legal status of the leading applicants ({names_en}).",
            )
        )
    types = tables.get("applicant_types")
    if types and types.rows:
        academic = sum(
            r.get("share") or 0 for r in types.rows if r.get("type") in ("university", "institute")
        )
        if academic >= ACADEMIC_SHARE:
            items.append(
                text(
                    f"高校和科研院所占申请量的 {percent(academic)}：可对接产学研合作与专利转化。",
                    f"Universities and institutes hold {percent(academic)} of filings: look for "
                    "research partners and patents to license.",
                )
            )
    links = tables.get("coapplicant_edges")
    if links and links.summary.get("academia_industry_edges"):
        n = links.summary["academia_industry_edges"]
        items.append(
            text(
                f"已有 {n} 组产学研合作申请关系，可作为合作对象的参考。",
                f"{n} university–company co-filing links exist: candidates for partnerships.",
            )
        )
    newcomers = tables.get("newcomers")
    if newcomers and newcomers.rows:
        last = newcomers.rows[-1]
        share = last.get("newcomer_share")
        if share is not None and share >= NEWCOMER_SHARE:
            items.append(
                text(
                    f"{last.get('period')} 新进入申请人占 {percent(share)}："
                    "领域开放，关注新进入者的技术方向。",
                    f"Newcomers are {percent(share)} of applicants in {last.get('period')}: the "
                    "field is open; watch what they work on.",
                )
            )
    provinces = tables.get("provinces")
    if provinces and provinces.rows:
        first = provinces.rows[0]
        items.append(
            text(
                f"国内申请人以{first.get('province')}最多（{first.get('patents')} 件）："
                "可作为区域合作与人才引进的重点。",
                f"{first.get('province')} leads among Chinese applicants "
                f"({first.get('patents')}): a region for cooperation and recruiting.",
            )
        )
    key = tables.get("key_patents")
    if key and key.rows:
        items.append(
            text(
                f"对 {len(key.rows)} 件核心专利开展稳定性与侵权风险分析。",
                f"Examine the {len(key.rows)} key patents for validity and infringement risk.",
            )
        )
    for name, table in tables.items():
        if "white" in name and table.rows:
            items.append(
                text(
                    f"技术功效矩阵中有 {len(table.rows)} 处空白点候选："
                    "逐一核实是否为研发与布局机会。",
                    f"{len(table.rows)} candidate white spaces in the matrix: check each as an "
                    "R&D and filing opportunity.",
                )
            )
    return [pick(item, lang) for item in items]
