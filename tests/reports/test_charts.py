"""Chart specs and Plotly figures from the real analysis tables, and the treemap layout."""

from __future__ import annotations

import math

import plotly.graph_objects as go
import pytest

from ipnav.analytics.result import AnalysisTable, col
from ipnav.reports import chart_for, chart_json
from ipnav.reports.images import squarify


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_table_gives_a_valid_plotly_figure_or_none(analyses, lang):
    drawn = {}
    for key, table in analyses[lang].items():
        figure = chart_json(table, lang)
        if figure is None:
            continue
        go.Figure(figure)  # raises on any property Plotly.js does not know
        drawn[key] = figure
    assert {
        "filing_trend",
        "life_cycle",
        "top_applicants",
        "applicant_types",
        "subclasses",
        "coapplicant_edges",
        "compare_fields",
    } <= set(drawn)
    assert "concentration" not in drawn  # one summary row: quoted, not drawn
    title = analyses[lang]["filing_trend"].title[lang]
    assert drawn["filing_trend"]["layout"]["title"]["text"] == title


def test_trend_bars_are_the_yearly_filings_and_growth_is_on_the_right_axis(analyses):
    table = analyses["zh"]["filing_trend"]
    figure = chart_json(table, "zh")
    bars, publications, growth = figure["data"]
    assert bars["type"] == "bar" and bars["x"] == table.column("year")
    assert bars["y"] == table.column("filings")
    assert publications["y"] == table.column("publications")
    assert growth["yaxis"] == "y2" and figure["layout"]["yaxis2"]["tickformat"] == ".0%"
    assert bars["name"] == "申请量" or bars["name"] == table.columns[1].label["zh"]


def test_top_applicants_bars_and_life_cycle_path(analyses):
    top = analyses["en"]["top_applicants"]
    bars = chart_json(top, "en")["data"][0]
    assert bars["orientation"] == "h"
    assert bars["y"] == top.column("name") and bars["x"] == top.column("patents")
    cycle = analyses["en"]["life_cycle"]
    path = chart_json(cycle, "en")["data"][0]
    assert path["x"] == cycle.column("filings") and path["y"] == cycle.column("applicants")
    assert path["text"] == cycle.column("period")


def test_coapplicant_network_has_every_strong_link(analyses):
    edges = analyses["zh"]["coapplicant_edges"]
    chart = chart_for(edges, "zh")
    assert chart.kind == "network"
    pairs = {frozenset((chart.labels[a], chart.labels[b])) for a, b, _ in chart.edges}
    first = edges.rows[0]
    assert frozenset((first["source_name"], first["target_name"])) in pairs
    assert len(chart.x) == len(chart.labels) == len(chart.sizes)
    assert chart_for(edges, "zh").x == chart.x  # seeded layout: the same picture every run


def test_compare_fields_heatmap_is_the_wide_table(analyses):
    table = analyses["zh"]["compare_fields"]
    heat = chart_json(table, "zh")["data"][0]
    assert heat["type"] == "heatmap" and heat["y"] == table.column("code")
    assert heat["z"][0] == [float(table.rows[0][k]) for k in ("n0", "n1", "n2")]


def test_tables_added_later_are_recognised_by_their_columns():
    """A cluster map (x, y) links each point to its patent; a long matrix becomes a heatmap."""
    points = AnalysisTable(
        "cluster_map",
        {"zh": "技术聚类图", "en": "Cluster map"},
        [
            col("id", "公开号", "Number"),
            col("x", "x", "x", "index"),
            col("y", "y", "y", "index"),
            col("cluster", "聚类", "Cluster"),
            col("title", "标题", "Title"),
        ],
        [
            {"id": "CN1A", "x": 0.1, "y": 0.2, "cluster": "膜材料", "title": "一种膜"},
            {"id": "US2B", "x": 0.5, "y": -0.3, "cluster": "membranes", "title": "A membrane"},
        ],
    )
    figure = chart_json(points, "zh")
    go.Figure(figure)
    assert [trace["name"] for trace in figure["data"]] == ["膜材料", "membranes"]
    assert figure["data"][0]["customdata"] == ["/patent/CN1A"]
    matrix = AnalysisTable(
        "branch_matrix",  # not a registered key: recognised by "matrix" and its columns
        {"zh": "技术功效矩阵", "en": "Technology–effect matrix"},
        [
            col("branch", "技术分支", "Branch"),
            col("effect", "功效", "Effect"),
            col("patents", "专利数", "Patents", "patents"),
        ],
        [
            {"branch": "膜材料", "effect": "提高效率", "patents": 5},
            {"branch": "膜材料", "effect": "降低成本", "patents": 2},
            {"branch": "膜组件", "effect": "提高效率", "patents": 1},
        ],
    )
    heat = chart_json(matrix, "zh")["data"][0]
    assert heat["y"] == ["膜材料", "膜组件"] and heat["x"] == ["提高效率", "降低成本"]
    assert heat["z"] == [[5.0, 2.0], [1.0, 0.0]]


def test_empty_tables_have_no_chart():
    empty = AnalysisTable(
        "filing_trend", {"zh": "趋势", "en": "Trend"}, [col("year", "年", "Year", "year")]
    )
    assert chart_for(empty) is None and chart_json(empty) is None


def test_squarify_tiles_the_box_with_proportional_areas():
    values = [6, 6, 4, 3, 2, 2, 1]
    rects = squarify(values, 0, 0, 6, 4)
    assert len(rects) == len(values)
    for value, (_, _, w, h) in zip(values, rects, strict=True):
        assert math.isclose(w * h, value * 24 / sum(values))
    assert math.isclose(sum(w * h for *_, w, h in rects), 24)
    for x, y, w, h in rects:
        assert x >= 0 and y >= 0 and x + w <= 6 + 1e-9 and y + h <= 4 + 1e-9
    # the first row is the paper's example: two 6s side by side, a worst ratio of 1.5
    for _, _, w, h in rects[:2]:
        assert math.isclose(max(w / h, h / w), 1.5)
