"""Citations where the data has them: most-cited records, PageRank, key patents.

A citation is a pair of publication numbers without kind (match keys), so
``EP0495168A1`` and ``EP0495168B1`` are one node and a citation both records
state counts once. A record's **forward citations** are the distinct numbers
that cite it, whether the source lists them with the cited record (PatSnap's
``cited_by``) or a citing record of the set lists it among its references;
**backward citations** are the distinct numbers it cites. Citations are counted
per publication over the whole set, whatever ``unit`` and cut-off year the other
analyses use.

**PageRank** (Brin & Page 1998; ``networkx.pagerank``, damping 0.85) runs over
the citation graph inside the set: a node per record, an edge from the citing to
the cited record when both are in the set. It rewards being cited by records
that are themselves cited, within the theme. **Key patents** are the union of
the ``key_patents`` best by PageRank and by forward citations.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from ipnav.analytics.engine import Engine
from ipnav.analytics.options import AnalysisOptions, Sources
from ipnav.analytics.result import AnalysisTable, col, coverage_note, text

DAMPING = 0.85
KEY_PATENTS = 10


def _per_record_sql() -> str:
    return """
WITH keys AS (SELECT match_key, MIN(id) AS id FROM patents GROUP BY match_key),
links AS (
  SELECT DISTINCT citing_key, cited_key, citing_in_set, cited_in_set
  FROM citations WHERE citing_key <> cited_key
),
forward AS (
  SELECT cited_key AS match_key, COUNT(*) AS forward,
    SUM(CASE WHEN citing_in_set THEN 1 ELSE 0 END) AS forward_in_set
  FROM links WHERE cited_in_set GROUP BY cited_key
),
backward AS (
  SELECT citing_key AS match_key, COUNT(*) AS backward,
    SUM(CASE WHEN cited_in_set THEN 1 ELSE 0 END) AS backward_in_set
  FROM links WHERE citing_in_set GROUP BY citing_key
),
first_applicant AS (SELECT id, name FROM parties WHERE role = 'applicant' AND position = 0),
cov AS (
  SELECT COUNT(*) AS records,
    SUM(CASE WHEN backward_citations > 0 THEN 1 ELSE 0 END) AS with_backward,
    SUM(CASE WHEN forward_citations > 0 THEN 1 ELSE 0 END) AS with_forward_list
  FROM patents
)
SELECT c.records, c.with_backward, c.with_forward_list,
  k.match_key, k.id, p.title, p.title_en, p.filing_year, p.publication_year,
  fa.name AS applicant,
  COALESCE(f.forward, 0) AS forward, COALESCE(f.forward_in_set, 0) AS forward_in_set,
  COALESCE(b.backward, 0) AS backward, COALESCE(b.backward_in_set, 0) AS backward_in_set
FROM cov c
LEFT JOIN keys k ON 1 = 1
LEFT JOIN patents p ON p.id = k.id
LEFT JOIN first_applicant fa ON fa.id = k.id
LEFT JOIN forward f ON f.match_key = k.match_key
LEFT JOIN backward b ON b.match_key = k.match_key
ORDER BY k.match_key
"""


_EDGES_SQL = """
SELECT DISTINCT citing_key, cited_key FROM citations
WHERE citing_in_set AND cited_in_set AND citing_key <> cited_key
ORDER BY citing_key, cited_key
"""


def pagerank(nodes: list[str], edges: list[tuple[str, str]]) -> dict[str, float]:
    """PageRank of every node over the directed ``edges`` (citing -> cited)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(edges)
    if graph.number_of_nodes() == 0:
        return {}
    return nx.pagerank(graph, alpha=DAMPING)


def citation_analysis(
    engine: Engine, tables: Sources, options: AnalysisOptions
) -> list[AnalysisTable]:
    """``most_cited`` (the ``top`` records by forward citations) and ``key_patents``."""
    result = engine.query(_per_record_sql(), tables).to_pylist()
    head = result[0]
    records = [r for r in result if r["match_key"] is not None]
    edges = [
        (e["citing_key"], e["cited_key"]) for e in engine.query(_EDGES_SQL, tables).to_pylist()
    ]
    ranks = pagerank([r["match_key"] for r in records], edges)
    lang = options.language
    for r in records:
        r["pagerank"] = ranks.get(r["match_key"], 0.0)
        r["title"] = (r["title_en"] or r["title"]) if lang == "en" else r["title"]
        r["year"] = r["filing_year"] or r["publication_year"]
    by_citations = sorted(records, key=lambda r: (-r["forward"], -r["pagerank"], r["id"]))
    by_rank = sorted(records, key=lambda r: (-r["pagerank"], -r["forward"], r["id"]))
    citation_rank = {r["id"]: n for n, r in enumerate(by_citations, 1)}
    pagerank_rank = {r["id"]: n for n, r in enumerate(by_rank, 1)}

    def row(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": r["id"],
            "title": r["title"],
            "year": r["year"],
            "applicant": r["applicant"],
            "forward": r["forward"],
            "forward_in_set": r["forward_in_set"],
            "backward": r["backward"],
            "pagerank": r["pagerank"],
            "citation_rank": citation_rank[r["id"]],
            "pagerank_rank": pagerank_rank[r["id"]],
        }

    cited = [row(r) for r in by_citations if r["forward"] > 0][: options.top]
    key_ids = {r["id"] for r in by_citations[:KEY_PATENTS] if r["forward"] > 0}
    key_ids |= {r["id"] for r in by_rank[:KEY_PATENTS] if r["forward_in_set"] > 0}
    key_rows = []
    for r in by_rank:
        if r["id"] in key_ids:
            entry = row(r)
            reasons = []
            if entry["pagerank_rank"] <= KEY_PATENTS and r["forward_in_set"] > 0:
                reasons.append("pagerank")
            if entry["citation_rank"] <= KEY_PATENTS and r["forward"] > 0:
                reasons.append("citations")
            entry["reason"] = "+".join(reasons)
            key_rows.append(entry)
    key_rows.sort(key=lambda e: (min(e["pagerank_rank"], e["citation_rank"]), e["id"]))
    cited_any = sum(1 for r in records if r["forward"] > 0)
    notes = [
        coverage_note(
            "列有引用文献的记录",
            "Records listing the patents they cite",
            head["with_backward"],
            head["records"],
        ),
        coverage_note("被引用的记录", "Records cited at least once", cited_any, head["records"]),
        text(
            f"集合内引用关系 {len(edges)} 条；被引次数为引用该专利的不同文献数（含集合外文献），"
            "按号码去除类型码后合并 A/B 文献。",
            f"{len(edges)} citations inside the set; forward citations count the distinct "
            "documents citing a record (inside the set or not), publication numbers without "
            "kind, so A and B documents are one.",
        ),
    ]
    columns = [
        col("id", "公开号", "Publication"),
        col("title", "标题", "Title"),
        col("year", "年份", "Year", "year"),
        col("applicant", "第一申请人", "First applicant"),
        col("forward", "被引次数", "Forward citations", "citations"),
        col("forward_in_set", "集合内被引", "Cited within the set", "citations"),
        col("backward", "引用数", "Backward citations", "citations"),
        col("pagerank", "PageRank", "PageRank", "index"),
    ]
    summary = {
        "records": head["records"],
        "edges_in_set": len(edges),
        "cited_records": cited_any,
        "with_backward": head["with_backward"],
    }
    return [
        AnalysisTable(
            key="most_cited",
            title=text("高被引专利", "Most-cited patents"),
            columns=columns,
            rows=cited,
            notes=notes,
            summary=summary,
        ),
        AnalysisTable(
            key="key_patents",
            title=text("核心专利", "Key patents"),
            columns=[
                *columns,
                col("pagerank_rank", "PageRank 排名", "PageRank rank"),
                col("citation_rank", "被引排名", "Citation rank"),
                col("reason", "入选依据", "Why"),
            ],
            rows=key_rows,
            notes=[
                text(
                    f"核心专利：PageRank 前 {KEY_PATENTS}（且在集合内被引）"
                    f"与被引次数前 {KEY_PATENTS} 的并集；"
                    f"PageRank 阻尼系数 {DAMPING}，仅计集合内引用。",
                    f"Key patents: the top {KEY_PATENTS} by PageRank (cited within the set) and "
                    f"the top {KEY_PATENTS} by forward citations; PageRank with damping "
                    f"{DAMPING} over the citations inside the set.",
                ),
                *notes,
            ],
            summary=summary,
        ),
    ]
