"""What to draw for each analysis table: a :class:`Chart`, independent of the drawing library.

One spec per kind of :class:`~ipnav.analytics.result.AnalysisTable`, read from its rows
only (the table's key picks the builder; tables the analyses add later are recognised
by their columns: ``x``/``y`` → a map of points, a ``matrix`` key → a heatmap, a year
or period column → lines, a label and a count → ranked bars). Two renderers draw a
spec: :mod:`ipnav.reports.figures` as Plotly figure JSON for the web pages (interactive)
and :mod:`ipnav.reports.images` as a PNG with matplotlib for documents.

Kinds
-----
``bars``     categories along x, one or more series drawn as bars or lines, on the left
             axis or a right one (``y2``; the trend's growth rate);
``hbars``    ranked horizontal bars (top applicants, classes, cited patents);
``pie``      shares of a whole (applicant types);
``treemap``  areas by count, with an optional parent per label (main group → subclass);
``path``     points joined in order with a label each: the life-cycle plot (filings on x,
             applicants on y, one point per period — the technology life-cycle chart
             of patent navigation practice);
``scatter``  a 2-D map of documents, coloured by group, each point linking its patent;
``heatmap``  a row × column matrix of counts (technology × effect, applicant × field);
``network``  nodes placed by a seeded force layout (networkx ``spring_layout``) and
             weighted edges (co-applicants).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ipnav.analytics.result import AnalysisTable, Column, pick

#: Bars shown at most in a ranked chart, and points at most in a network.
TOP_BARS = 20
TOP_NODES = 60

#: Where a point of a document map links to (the patent page of the web app).
PATENT_URL = "/patent/{id}"


@dataclass
class Series:
    """One series of a ``bars`` chart: values per category."""

    name: str
    values: list[float | None]
    style: str = "bar"  # or "line"
    axis: str = "y"  # or "y2" (right axis)
    unit: str | None = None


@dataclass
class Chart:
    """A chart of one table, in one language; which fields are used depends on ``kind``."""

    key: str
    kind: str
    title: str
    x_title: str = ""
    y_title: str = ""
    y2_title: str = ""
    y2_unit: str | None = None
    categories: list[Any] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    links: list[str | None] = field(default_factory=list)
    rows: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    z: list[list[float]] = field(default_factory=list)
    sizes: list[float] = field(default_factory=list)
    edges: list[tuple[int, int, float]] = field(default_factory=list)


def chart_for(table: AnalysisTable, lang: str = "zh") -> Chart | None:
    """The chart of ``table`` in ``lang``, or None when it has nothing to draw.

    A table with no rows, or one whose numbers are a single summary line
    (concentration), has no chart: the report quotes its values instead.
    """
    if not table.rows:
        return None
    builder = BUILDERS.get(table.key) or _guess(table)
    if builder is None:
        return None
    chart = builder(table, lang)
    return chart if chart is not None and _has_data(chart) else None


def _has_data(chart: Chart) -> bool:
    numbers: list[Any] = [v for s in chart.series for v in s.values]
    numbers += chart.values + chart.x + [v for row in chart.z for v in row]
    return any(isinstance(v, int | float) and v for v in numbers)


# ---------------------------------------------------------------- helpers


def _label(table: AnalysisTable, key: str, lang: str) -> str:
    for column in table.columns:
        if column.key == key:
            return pick(column.label, lang)
    return key


def _numbers(table: AnalysisTable, key: str) -> list[float | None]:
    return [
        v if isinstance(v, int | float) and not isinstance(v, bool) else None
        for v in table.column(key)
    ]


def _base(table: AnalysisTable, kind: str, lang: str, **fields: Any) -> Chart:
    return Chart(key=table.key, kind=kind, title=pick(table.title, lang), **fields)


def _first(table: AnalysisTable, *keys: str) -> str | None:
    present = {c.key for c in table.columns}
    return next((k for k in keys if k in present), None)


def _count_column(table: AnalysisTable) -> Column | None:
    """The first count column (patents, applicants, citations)."""
    for unit in ("patents", "applicants", "citations"):
        for column in table.columns:
            if column.unit == unit:
                return column
    return None


def _text_column(table: AnalysisTable) -> Column | None:
    for column in table.columns:
        if column.unit is None and any(isinstance(v, str) for v in table.column(column.key)):
            return column
    return None


# ---------------------------------------------------------------- builders


def trend(table: AnalysisTable, lang: str) -> Chart:
    """Filings per year as bars, publications as a line, filing growth on the right axis."""
    years = table.column("year")
    series = [
        Series(_label(table, "filings", lang), _numbers(table, "filings"), "bar", unit="patents"),
        Series(
            _label(table, "publications", lang),
            _numbers(table, "publications"),
            "line",
            unit="patents",
        ),
        Series(
            _label(table, "filings_growth", lang),
            _numbers(table, "filings_growth"),
            "line",
            "y2",
            unit="share",
        ),
    ]
    return _base(
        table,
        "bars",
        lang,
        categories=years,
        series=series,
        x_title=_label(table, "year", lang),
        y_title=pick({"zh": "专利数量（件）", "en": "Patents"}, lang),
        y2_title=_label(table, "filings_growth", lang),
        y2_unit="share",
    )


def life_cycle(table: AnalysisTable, lang: str) -> Chart:
    """Applicants against filings per period, joined in time order."""
    return _base(
        table,
        "path",
        lang,
        x=_numbers(table, "filings"),
        y=_numbers(table, "applicants"),
        labels=[str(p) for p in table.column("period")],
        x_title=_label(table, "filings", lang),
        y_title=_label(table, "applicants", lang),
    )


def ranked(label_key: str, value_key: str) -> Callable[[AnalysisTable, str], Chart]:
    """Horizontal bars of ``value_key`` per ``label_key``, largest on top."""

    def build(table: AnalysisTable, lang: str) -> Chart:
        rows = table.rows[:TOP_BARS]
        return _base(
            table,
            "hbars",
            lang,
            categories=[str(r.get(label_key) or "") for r in rows],
            series=[
                Series(
                    _label(table, value_key, lang),
                    [r.get(value_key) for r in rows],
                    unit=next((c.unit for c in table.columns if c.key == value_key), None),
                )
            ],
            x_title=_label(table, value_key, lang),
            y_title=_label(table, label_key, lang),
        )

    return build


def shares(label_key: str, value_key: str) -> Callable[[AnalysisTable, str], Chart]:
    def build(table: AnalysisTable, lang: str) -> Chart:
        rows = [r for r in table.rows if r.get(value_key)]
        return _base(
            table,
            "pie",
            lang,
            labels=[str(r.get(label_key) or r.get("type") or "") for r in rows],
            values=[r[value_key] for r in rows],
        )

    return build


def per_period(table: AnalysisTable, lang: str) -> Chart:
    """Active applicants and newcomers per period, side by side."""
    keys = [k for k in ("active", "newcomers") if _first(table, k)]
    return _base(
        table,
        "bars",
        lang,
        categories=[str(p) for p in table.column("period")],
        series=[
            Series(_label(table, k, lang), _numbers(table, k), unit="applicants") for k in keys
        ],
        x_title=_label(table, "period", lang),
        y_title=pick({"zh": "申请人数", "en": "Applicants"}, lang),
    )


def countries(table: AnalysisTable, lang: str) -> Chart:
    """Patents per country, one series per basis (publishing office, applicant country)."""
    names = {
        "office": {"zh": "受理局", "en": "Publishing office"},
        "applicant": {"zh": "申请人国籍", "en": "Applicant country"},
    }
    bases = list(dict.fromkeys(r.get("basis") for r in table.rows))
    top: list[str] = []
    for row in table.rows:
        if row.get("country") not in top and len(top) < TOP_BARS:
            top.append(row.get("country"))
    series = []
    for basis in bases:
        counts = {r.get("country"): r.get("patents") for r in table.rows if r.get("basis") == basis}
        series.append(
            Series(
                pick(names.get(basis, {"zh": basis, "en": basis}), lang),
                [counts.get(c) for c in top],
                unit="patents",
            )
        )
    return _base(
        table,
        "bars",
        lang,
        categories=top,
        series=series,
        x_title=_label(table, "country", lang),
        y_title=_label(table, "patents", lang),
    )


def class_treemap(table: AnalysisTable, lang: str) -> Chart:
    """Areas by patents: subclasses, or main groups inside their subclass."""
    rows = table.rows[: TOP_BARS * 2]
    return _base(
        table,
        "treemap",
        lang,
        labels=[str(r.get("code")) for r in rows],
        parents=[str(r.get("subclass") or "") for r in rows],
        values=[r.get("patents") or 0 for r in rows],
        groups=[str(r.get("title") or "") for r in rows],
    )


def fields(table: AnalysisTable, lang: str) -> Chart:
    """WIPO fields as a treemap inside their sector."""
    rows = table.rows
    return _base(
        table,
        "treemap",
        lang,
        labels=[str(r.get("name")) for r in rows],
        parents=[str(r.get("sector") or "") for r in rows],
        values=[r.get("patents") or 0 for r in rows],
        groups=[str(r.get("sector") or "") for r in rows],
    )


def network(table: AnalysisTable, lang: str) -> Chart | None:
    """Co-applicant links drawn with a seeded spring layout (stable between runs)."""
    import networkx as nx

    graph = nx.Graph()
    for row in table.rows:
        a, b = row.get("source_name"), row.get("target_name")
        if a and b:
            weight = float(row.get("shared") or 1)
            graph.add_edge(a, b, weight=weight + graph.get_edge_data(a, b, {}).get("weight", 0))
    if graph.number_of_nodes() == 0:
        return None
    keep = sorted(graph.nodes, key=lambda n: (-graph.degree(n, weight="weight"), n))[:TOP_NODES]
    graph = graph.subgraph(keep)
    nodes = sorted(graph.nodes)
    place = nx.spring_layout(graph, seed=7, weight="weight")
    index = {n: i for i, n in enumerate(nodes)}
    return _base(
        table,
        "network",
        lang,
        labels=nodes,
        x=[float(place[n][0]) for n in nodes],
        y=[float(place[n][1]) for n in nodes],
        sizes=[float(graph.degree(n, weight="weight")) for n in nodes],
        edges=[(index[a], index[b], float(d["weight"])) for a, b, d in graph.edges(data=True)],
    )


def lines(table: AnalysisTable, lang: str) -> Chart:
    """One line per count column along the year or period column (comparison trend)."""
    along = _first(table, "year", "period") or table.columns[0].key
    counts = [c for c in table.columns if c.unit in ("patents", "applicants") and c.key != along]
    return _base(
        table,
        "bars",
        lang,
        categories=table.column(along),
        series=[
            Series(pick(c.label, lang), _numbers(table, c.key), "line", unit=c.unit) for c in counts
        ],
        x_title=_label(table, along, lang),
        y_title=pick({"zh": "专利数量（件）", "en": "Patents"}, lang),
    )


def heatmap(table: AnalysisTable, lang: str) -> Chart | None:
    """A matrix: wide (a label column, then one count column per matrix column) or long
    (two label columns and a count)."""
    texts = [c for c in table.columns if c.unit is None]
    counts = [c for c in table.columns if c.unit in ("patents", "applicants", "citations")]
    if not texts or not counts:
        return None
    long = len(texts) >= 2 and len(counts) == 1
    if long:
        row_key, col_key, value_key = texts[0].key, texts[1].key, counts[0].key
        rows = list(dict.fromkeys(str(r.get(row_key)) for r in table.rows))
        cols = list(dict.fromkeys(str(r.get(col_key)) for r in table.rows))
        cells = {
            (str(r.get(row_key)), str(r.get(col_key))): r.get(value_key) or 0 for r in table.rows
        }
        z = [[float(cells.get((r, c), 0)) for c in cols] for r in rows]
        x_title, y_title = pick(texts[1].label, lang), pick(texts[0].label, lang)
    else:
        row_key = texts[0].key
        rows = [str(r.get(row_key)) for r in table.rows[: TOP_BARS * 2]]
        cols = [pick(c.label, lang) for c in counts]
        z = [[float(r.get(c.key) or 0) for c in counts] for r in table.rows[: TOP_BARS * 2]]
        x_title, y_title = "", pick(texts[0].label, lang)
    return _base(
        table, "heatmap", lang, rows=rows, columns=cols, z=z, x_title=x_title, y_title=y_title
    )


def matrix(row_key: str, col_key: str, value_key: str) -> Callable[[AnalysisTable, str], Chart]:
    """A heatmap of a long table: one row per (row, column) cell with its count."""

    def build(table: AnalysisTable, lang: str) -> Chart:
        rows = list(dict.fromkeys(str(r.get(row_key)) for r in table.rows))
        cols = list(dict.fromkeys(str(r.get(col_key)) for r in table.rows))
        cells: dict[tuple[str, str], float] = {}
        for r in table.rows:
            cell = (str(r.get(row_key)), str(r.get(col_key)))
            cells[cell] = cells.get(cell, 0.0) + float(r.get(value_key) or 0)
        return _base(
            table,
            "heatmap",
            lang,
            rows=rows,
            columns=cols,
            z=[[cells.get((r, c), 0.0) for c in cols] for r in rows],
            x_title=_label(table, col_key, lang),
            y_title=_label(table, row_key, lang),
        )

    return build


def point_map(table: AnalysisTable, lang: str) -> Chart:
    """Documents on a 2-D map, coloured by their group (cluster), each linking its patent."""
    group_key = _first(table, "cluster_label", "label", "cluster", "group")
    label_key = _first(table, "title", "id")
    return _base(
        table,
        "scatter",
        lang,
        x=_numbers(table, "x"),
        y=_numbers(table, "y"),
        groups=[str(v) for v in table.column(group_key)] if group_key else [],
        labels=[str(v or "") for v in table.column(label_key)] if label_key else [],
        links=[PATENT_URL.format(id=v) if v else None for v in table.column("id")]
        if _first(table, "id")
        else [],
    )


def _guess(table: AnalysisTable) -> Callable[[AnalysisTable, str], Chart | None] | None:
    """A builder for a table no builder is registered for, from its columns."""
    keys = {c.key for c in table.columns}
    if {"x", "y"} <= keys:
        return point_map
    if "matrix" in table.key or "white" in table.key:
        return heatmap
    count = _count_column(table)
    if count is None:
        return None
    counts = [c for c in table.columns if c.unit in ("patents", "applicants")]
    if keys & {"year", "period"}:
        return lines if len(counts) > 1 or "year" in keys else per_period_generic(count.key)
    text_column = _text_column(table)
    if text_column is not None:
        return ranked(text_column.key, count.key)
    return None


def per_period_generic(value_key: str) -> Callable[[AnalysisTable, str], Chart]:
    def build(table: AnalysisTable, lang: str) -> Chart:
        along = _first(table, "period", "year") or "period"
        return _base(
            table,
            "bars",
            lang,
            categories=[str(v) for v in table.column(along)],
            series=[Series(_label(table, value_key, lang), _numbers(table, value_key))],
            x_title=_label(table, along, lang),
            y_title=_label(table, value_key, lang),
        )

    return build


#: Table key -> builder (the analyses of :data:`ipnav.analytics.run.ANALYSES`).
BUILDERS: dict[str, Callable[[AnalysisTable, str], Chart | None]] = {
    "filing_trend": trend,
    "life_cycle": life_cycle,
    "top_applicants": ranked("name", "patents"),
    "top_inventors": ranked("name", "patents"),
    "applicant_types": shares("label", "patents"),
    "newcomers": per_period,
    "countries": countries,
    "provinces": ranked("province", "patents"),
    "subclasses": class_treemap,
    "main_groups": class_treemap,
    "technology_fields": fields,
    "most_cited": ranked("id", "forward"),
    "key_patents": ranked("id", "forward"),
    "coapplicant_edges": network,
    "compare": ranked("name", "patents"),
    "compare_trend": lines,
    "compare_fields": heatmap,
    "concentration": lambda table, lang: None,  # one summary row: quoted in the text
    "coapplicant_nodes": lambda table, lang: None,  # drawn by coapplicant_edges
    "clusters": ranked("label", "size"),
    "cluster_periods": matrix("label", "period", "patents"),  # technical routes over time
    "effects": ranked("label", "patents"),
    "effect_matrix": matrix("row_label", "effect_label", "patents"),
    "white_spaces": lambda table, lang: None,  # matrix cells and map regions: listed
}
