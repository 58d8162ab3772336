"""Effect phrases on hand-checked real abstracts, and the matrix against a count in Python."""

from __future__ import annotations

import pytest

from ipnav.analytics.effects import (
    BRANCHES,
    branch_table,
    extract_effects,
    lexicon,
    technology_effects,
)

# Read by hand: what each real abstract says its invention achieves.
EXPECTED = {
    # ……节省时间,且延长使用寿命。
    "CN208104517U": {"time", "life"},
    # ……能节省空间；节省制造成本,结构简单,提高了效率。
    "CN208000238U": {"phrase:节省空间", "cost", "efficiency"},
    # ……节省原材料……提高了反应效率。
    "CN208049937U": {"phrase:节省原材料", "efficiency"},
    # ……又能减轻服务器端的压力，节省服务器端资源，节省成本。
    "BDCI-345d43d05fa37f72616336e93ab22629": {
        "phrase:减轻压力",
        "phrase:节省服务器端资源",
        "cost",
    },
    # ……本发明改变传统，减少空间需求，增强结构布局灵活性。
    "BDCI-ad49c9ba6412452d9b25071af702f4fb": {"phrase:减少空间需求", "phrase:增强结构布局灵活性"},
    # ……能提高效率,同时采用浮力的方式实现测量。
    "CN208000274U": {"efficiency"},
    # (machine-translated Chinese) 为了提高可靠性的单位……
    "EP0665566A1": {"reliability"},
    # A case ... extends the battery life of the electronic device.
    "EP2187601A1": {"life"},
    # The bubbles act as a cushion to reduce friction between the laundry ...
    "EP1870505A2": {"phrase:reduces friction", "phrase:prevents texture"},
    # ... having dramatically reduced the time and cost to obtain a result ...
    "US20080038763A1": {"time"},
}


@pytest.fixture(scope="module")
def by_id(records):
    return {r.id: r for r in records}


@pytest.mark.parametrize("patent_id", sorted(EXPECTED))
def test_effects_of_real_abstracts(by_id, patent_id):
    abstract = by_id[patent_id].text("abstract")
    assert {e.key for e in extract_effects(abstract)} == EXPECTED[patent_id]


def test_canonical_effects_are_bilingual_and_unmatched_phrases_kept_verbatim():
    effects = {e.key: e for e in lexicon()}
    assert effects["cost"].zh == "降低成本" and effects["cost"].en == "reduces cost"
    assert all(e.zh and e.en and e.verbs for e in effects.values())
    found = extract_effects("本装置有效降低了设备的运行成本，并降低了检测难度。")
    assert [(e.key, e.canonical) for e in found] == [("cost", True), ("phrase:降低检测难度", False)]
    found = extract_effects(
        "The valve reduces the operating cost of the plant and reduces the number of steps."
    )
    assert [e.key for e in found] == ["cost", "phrase:reduces number"]
    # both languages land on one effect
    assert extract_effects("提高了生产效率")[0] is extract_effects("improves the efficiency")[0]
    # structural verbs and adjectives are not effects
    assert extract_effects("channels which extend therethrough; an improved lithium battery") == []


def test_matrix_over_branches_counts_like_python(engine, tables, options, records):
    water = [r.id for r in records if r.id.startswith(("US", "EP", "WO"))]
    chinese = [r.id for r in records if r.id.startswith(("BDCI", "CN"))]
    sources = tables.sources() | {BRANCHES: branch_table({"英文": water, "中文": chinese})}
    effects_table, matrix = technology_effects(engine, sources, options)
    assert matrix.summary["row_kind"] == "branches"
    assert matrix.summary["rows"] == ["英文", "中文"]
    by_id = {r.id: r for r in records}
    for row in matrix.rows:
        members = water if row["row"] == "英文" else chinese
        expected = sorted(
            pid
            for pid in members
            if row["effect"] in {e.key for e in extract_effects(by_id[pid].text("abstract") or "")}
        )
        assert row["patents"] == len(expected)
        assert row["examples"] == ", ".join(expected[:3])
    cost = next(r for r in effects_table.rows if r["effect"] == "cost")
    assert cost["patents"] == sum(
        1 for r in records if "cost" in {e.key for e in extract_effects(r.text("abstract") or "")}
    )
    assert cost["patents"] >= 20
    assert matrix.summary["with_effects"] == sum(
        1 for r in records if extract_effects(r.text("abstract") or "")
    )


def test_matrix_over_clusters_by_default(engine, tables, options):
    _, matrix = technology_effects(engine, tables.sources(), options)
    assert matrix.summary["row_kind"] == "clusters"
    assert len(matrix.rows) == len(matrix.summary["rows"]) * len(matrix.summary["effects"])
