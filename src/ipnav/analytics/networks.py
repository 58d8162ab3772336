"""Co-applicant network: who files together, and where academia meets industry.

Two applicants (normalised names) are linked when they share a record; a link's
weight is the number of records they share. Each link is flagged by the types of
its ends (``company+university`` ...), and ``academia_industry`` marks links
between a university or research institute and a company, the collaborations
transfer work looks for. Degree centrality (``networkx.degree_centrality``:
distinct partners / (nodes − 1)) is computed over the whole network; the tables
list the ``network_edges`` heaviest links and the applicants on them.
"""

from __future__ import annotations

import networkx as nx

from ipnav.analytics.actors import people_cte
from ipnav.analytics.engine import Engine
from ipnav.analytics.options import AnalysisOptions, Sources, counted
from ipnav.analytics.result import AnalysisTable, col, coverage_note, text

ACADEMIA = {"university", "institute"}


def coapplicant_network(
    engine: Engine, tables: Sources, options: AnalysisOptions
) -> list[AnalysisTable]:
    """``coapplicant_edges`` and ``coapplicant_nodes`` (see the module doc)."""
    sql = f"""
WITH {counted(options)},
{people_cte("applicant")},
linked AS (SELECT DISTINCT id, person FROM people),
counts AS (SELECT person, COUNT(*) AS patents FROM linked GROUP BY person),
pairs AS (
  SELECT x.person AS source, y.person AS target, COUNT(*) AS shared,
    MIN(p.year) AS first_year, MAX(p.year) AS last_year
  FROM linked x
  JOIN linked y ON y.id = x.id AND x.person < y.person
  JOIN pat p ON p.id = x.id
  GROUP BY x.person, y.person
),
cov AS (
  SELECT COUNT(*) AS records,
    (SELECT COUNT(*) FROM (SELECT id FROM linked GROUP BY id HAVING COUNT(*) > 1) j) AS joint
  FROM pat
)
SELECT c.records, c.joint, pr.source, pr.target, pr.shared, pr.first_year, pr.last_year,
  si.name AS source_name, si.type AS source_type, sn.patents AS source_patents,
  ti.name AS target_name, ti.type AS target_type, tn.patents AS target_patents
FROM cov c
LEFT JOIN pairs pr ON 1 = 1
LEFT JOIN info si ON si.person = pr.source
LEFT JOIN counts sn ON sn.person = pr.source
LEFT JOIN info ti ON ti.person = pr.target
LEFT JOIN counts tn ON tn.person = pr.target
ORDER BY pr.shared DESC, pr.source, pr.target
"""
    result = engine.query(sql, tables).to_pylist()
    head = result[0]
    links = [r for r in result if r["source"] is not None]
    graph = nx.Graph()
    people = {}
    for r in links:
        graph.add_edge(r["source"], r["target"], weight=r["shared"])
        for end in ("source", "target"):
            people[r[end]] = {
                "key": r[end],
                "name": r[f"{end}_name"],
                "type": r[f"{end}_type"],
                "patents": r[f"{end}_patents"],
            }
    centrality = nx.degree_centrality(graph) if graph.number_of_nodes() > 1 else {}
    edges = []
    for r in links[: options.network_edges]:
        types = sorted(t or "unknown" for t in (r["source_type"], r["target_type"]))
        edges.append(
            {
                "source": r["source"],
                "source_name": r["source_name"],
                "target": r["target"],
                "target_name": r["target_name"],
                "shared": r["shared"],
                "types": "+".join(types),
                "academia_industry": _academia_industry(r["source_type"], r["target_type"]),
                "first_year": r["first_year"],
                "last_year": r["last_year"],
            }
        )
    shown = {e["source"] for e in edges} | {e["target"] for e in edges}
    nodes = [
        {
            **people[key],
            "partners": graph.degree(key),
            "shared": graph.degree(key, weight="weight"),
            "degree_centrality": centrality.get(key, 0.0),
        }
        for key in shown
    ]
    nodes.sort(key=lambda n: (-n["degree_centrality"], -n["shared"], n["key"]))
    academia_industry = sum(
        1 for r in links if _academia_industry(r["source_type"], r["target_type"])
    )
    summary = {
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "academia_industry_edges": academia_industry,
        "joint_records": head["joint"],
        "records": head["records"],
    }
    notes = [
        coverage_note(
            "多个申请人共同申请的记录",
            "Records with several applicants",
            head["joint"],
            head["records"],
        ),
        text(
            f"网络共 {graph.number_of_nodes()} 个申请人、{graph.number_of_edges()} 条合作关系，"
            f"其中产学研（高校/科研院所–企业）{academia_industry} 条；"
            f"表中列出最强的 {len(edges)} 条。",
            f"{graph.number_of_nodes()} applicants and {graph.number_of_edges()} links, "
            f"{academia_industry} of them between a university or institute and a company; "
            f"the {len(edges)} strongest are listed.",
        ),
    ]
    return [
        AnalysisTable(
            key="coapplicant_edges",
            title=text("合作申请关系", "Co-applicant links"),
            columns=[
                col("source_name", "申请人 A", "Applicant A"),
                col("target_name", "申请人 B", "Applicant B"),
                col("shared", "共同申请数", "Shared records", "patents"),
                col("types", "类型组合", "Types"),
                col("academia_industry", "产学研合作", "Academia–industry"),
                col("first_year", "首年", "First year", "year"),
                col("last_year", "末年", "Last year", "year"),
            ],
            rows=edges,
            notes=notes,
            summary=summary,
        ),
        AnalysisTable(
            key="coapplicant_nodes",
            title=text("合作网络中的申请人", "Applicants in the co-applicant network"),
            columns=[
                col("name", "申请人", "Applicant"),
                col("type", "类型", "Type"),
                col("patents", "专利数", "Patents", "patents"),
                col("partners", "合作方数", "Partners"),
                col("shared", "共同申请数", "Shared records", "patents"),
                col("degree_centrality", "度中心性", "Degree centrality", "index"),
            ],
            rows=nodes,
            notes=notes,
            summary=summary,
        ),
    ]


def _academia_industry(a: str | None, b: str | None) -> bool:
    return (a in ACADEMIA and b == "company") or (b in ACADEMIA and a == "company")
