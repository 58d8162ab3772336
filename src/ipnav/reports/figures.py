"""Plotly figure JSON for the web pages: :func:`chart_json`.

The figure is a plain ``{"data": [...], "layout": {...}}`` dict as Plotly.js reads it
(https://plotly.com/javascript/reference/), built without importing the ``plotly``
package (the tests check each one against ``plotly.graph_objects.Figure``, which
rejects unknown properties). A page puts it in a ``<script type="application/json">``
block and ``static/charts.js`` draws it with the Plotly.js served from this site:
the Content-Security-Policy allows no inline script and no CDN. Only SVG trace types
are used (no WebGL ``scattergl``), which need no ``eval``.
"""

from __future__ import annotations

from typing import Any

from ipnav.analytics.result import AnalysisTable
from ipnav.reports.charts import Chart, chart_for

#: A font list that shows Chinese in any browser that has a CJK font.
FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'


def chart_json(table: AnalysisTable, lang: str = "zh") -> dict[str, Any] | None:
    """The Plotly figure of ``table`` in ``lang`` (JSON-ready), or None when nothing to draw."""
    chart = chart_for(table, lang)
    return None if chart is None else figure(chart)


def figure(chart: Chart) -> dict[str, Any]:
    """The Plotly figure of a chart spec."""
    data, layout = DRAW[chart.kind](chart)
    base = {
        "title": {"text": chart.title},
        "font": {"family": FONT, "size": 13},
        "margin": {"l": 60, "r": 30, "t": 50, "b": 50},
        "hovermode": "closest",
    }
    return {"data": data, "layout": {**base, **layout}}


def _axis(title: str, unit: str | None = None, **extra: Any) -> dict[str, Any]:
    axis: dict[str, Any] = {"title": {"text": title}, "automargin": True, **extra}
    if unit == "share":
        axis["tickformat"] = ".0%"
    return axis


def _bars(chart: Chart) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    data = []
    for series in chart.series:
        trace: dict[str, Any] = {
            "type": "bar" if series.style == "bar" else "scatter",
            "name": series.name,
            "x": chart.categories,
            "y": series.values,
        }
        if series.style == "line":
            trace["mode"] = "lines+markers"
        if series.axis == "y2":
            trace["yaxis"] = "y2"
        data.append(trace)
    layout: dict[str, Any] = {
        "xaxis": _axis(chart.x_title, type="category"),
        "yaxis": _axis(chart.y_title),
        "barmode": "group",
        "legend": {"orientation": "h", "y": -0.2},
    }
    if any(s.axis == "y2" for s in chart.series):
        layout["yaxis2"] = _axis(
            chart.y2_title, chart.y2_unit, overlaying="y", side="right", showgrid=False
        )
    return data, layout


def _hbars(chart: Chart) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    series = chart.series[0]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": series.name,
            "y": chart.categories,
            "x": series.values,
        }
    ]
    layout = {
        "xaxis": _axis(chart.x_title, series.unit),
        "yaxis": _axis("", type="category", autorange="reversed"),
        "height": max(300, 26 * len(chart.categories) + 100),
    }
    return data, layout


def _pie(chart: Chart) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    return [{"type": "pie", "labels": chart.labels, "values": chart.values, "hole": 0.35}], {}


def _treemap(chart: Chart) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    labels, parents, values = list(chart.labels), list(chart.parents), list(chart.values)
    hover = list(chart.groups)
    for parent in dict.fromkeys(p for p in chart.parents if p and p not in chart.labels):
        labels.append(parent)
        parents.append("")
        values.append(0)
        hover.append(parent)
    trace = {
        "type": "treemap",
        "labels": labels,
        "parents": parents,
        "values": values,
        "branchvalues": "remainder",
        "hovertext": hover,
        "textinfo": "label+value",
    }
    return [trace], {"margin": {"l": 10, "r": 10, "t": 50, "b": 10}}


def _path(chart: Chart) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    trace = {
        "type": "scatter",
        "mode": "lines+markers+text",
        "x": chart.x,
        "y": chart.y,
        "text": chart.labels,
        "textposition": "top center",
        "showlegend": False,
    }
    return [trace], {"xaxis": _axis(chart.x_title), "yaxis": _axis(chart.y_title)}


def _scatter(chart: Chart) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    groups = chart.groups or [""] * len(chart.x)
    data = []
    for group in dict.fromkeys(groups):
        at = [i for i, g in enumerate(groups) if g == group]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": group,
                "x": [chart.x[i] for i in at],
                "y": [chart.y[i] for i in at],
                "text": [chart.labels[i] for i in at] if chart.labels else None,
                "customdata": [chart.links[i] for i in at] if chart.links else None,
                "hoverinfo": "text+name",
                "marker": {"size": 7, "opacity": 0.8},
            }
        )
    layout = {
        "xaxis": _axis("", showticklabels=False, zeroline=False),
        "yaxis": _axis("", showticklabels=False, zeroline=False),
    }
    return data, layout


def _heatmap(chart: Chart) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    trace = {
        "type": "heatmap",
        "x": chart.columns,
        "y": chart.rows,
        "z": chart.z,
        "colorscale": "Blues",
        "texttemplate": "%{z}",
    }
    layout = {
        "xaxis": _axis(chart.x_title, type="category"),
        "yaxis": _axis(chart.y_title, type="category", autorange="reversed"),
        "height": max(320, 28 * len(chart.rows) + 140),
    }
    return [trace], layout


def _network(chart: Chart) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    edge_x: list[float | None] = []
    edge_y: list[float | None] = []
    for a, b, _ in chart.edges:
        edge_x += [chart.x[a], chart.x[b], None]
        edge_y += [chart.y[a], chart.y[b], None]
    biggest = max(chart.sizes or [1.0]) or 1.0
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": edge_x,
            "y": edge_y,
            "hoverinfo": "skip",
            "line": {"width": 1, "color": "#9aa5b1"},
            "showlegend": False,
        },
        {
            "type": "scatter",
            "mode": "markers",
            "x": chart.x,
            "y": chart.y,
            "text": chart.labels,
            "hoverinfo": "text",
            "marker": {"size": [8 + 22 * s / biggest for s in chart.sizes], "color": "#2b6cb0"},
            "showlegend": False,
        },
    ]
    hidden = {"showticklabels": False, "showgrid": False, "zeroline": False}
    return data, {"xaxis": _axis("", **hidden), "yaxis": _axis("", **hidden)}


DRAW = {
    "bars": _bars,
    "hbars": _hbars,
    "pie": _pie,
    "treemap": _treemap,
    "path": _path,
    "scatter": _scatter,
    "heatmap": _heatmap,
    "network": _network,
}
