"""Static chart images for documents: a :class:`~ipnav.reports.charts.Chart` as PNG.

matplotlib with the Agg backend (no display), text in a CJK font so that Chinese
labels are real glyphs, not boxes ("tofu"): :func:`cjk_font` finds one of the
families in :data:`CJK_FAMILIES` (Debian's ``fonts-noto-cjk``, installed by
``make system-deps``) and fails with the install line when none is present. The
font is set per figure (``rc_context``), never in the global ``rcParams``.
"""

from __future__ import annotations

import functools
import io
import math
from typing import TYPE_CHECKING

from ipnav.errors import IpnavError
from ipnav.reports.charts import Chart

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: CJK families tried in order (Noto Sans CJK SC is Debian's fonts-noto-cjk).
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
)
INSTALL = "sudo apt-get install fonts-noto-cjk (or `make system-deps`)"
PALETTE = [
    "#2b6cb0",
    "#dd6b20",
    "#38a169",
    "#805ad5",
    "#d53f8c",
    "#319795",
    "#b7791f",
    "#718096",
    "#e53e3e",
    "#3182ce",
]


class FontMissing(IpnavError):
    """No font with Chinese glyphs: charts would show boxes instead of characters."""


@functools.cache
def cjk_font() -> str:
    """The family name of an installed CJK font, the first of :data:`CJK_FAMILIES` found."""
    from matplotlib import font_manager

    for family in CJK_FAMILIES:
        try:
            font_manager.findfont(
                font_manager.FontProperties(family=family), fallback_to_default=False
            )
        except ValueError:
            continue
        return family
    raise FontMissing(
        f"no CJK font found (tried {', '.join(CJK_FAMILIES)}), so Chinese chart labels "
        f"would not show; install one: {INSTALL}"
    )


def render_png(
    chart: Chart, *, width: float = 7.0, height: float | None = None, dpi: int = 150
) -> bytes:
    """The chart drawn as a PNG (``width`` in inches; height chosen by kind when None)."""
    import matplotlib
    from matplotlib.figure import Figure

    height = height or _height(chart)
    family = cjk_font()
    with matplotlib.rc_context(
        {"font.family": [family, "DejaVu Sans"], "axes.unicode_minus": False, "font.size": 9}
    ):
        fig = Figure(figsize=(width, height), dpi=dpi)  # Agg canvas; no pyplot state
        ax = fig.subplots()
        DRAW[chart.kind](ax, chart)
        ax.set_title(chart.title, fontsize=11)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png")
    return out.getvalue()


def _height(chart: Chart) -> float:
    if chart.kind == "hbars":
        return max(2.5, 0.28 * len(chart.categories) + 1.2)
    if chart.kind == "heatmap":
        return max(2.5, 0.32 * len(chart.rows) + 1.5)
    return 3.8


def _short(text: str, n: int = 28) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _percent_axis(axis) -> None:
    from matplotlib.ticker import PercentFormatter

    axis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def _bars(ax: Axes, chart: Chart) -> None:
    positions = list(range(len(chart.categories)))
    bars = [s for s in chart.series if s.style == "bar"]
    width = 0.8 / max(1, len(bars))
    right = None
    for n, series in enumerate(chart.series):
        values = [math.nan if v is None else v for v in series.values]
        color = PALETTE[n % len(PALETTE)]
        target = ax
        if series.axis == "y2":
            right = right or ax.twinx()
            target = right
        if series.style == "bar":
            shift = (bars.index(series) - (len(bars) - 1) / 2) * width
            target.bar(
                [p + shift for p in positions], values, width, label=series.name, color=color
            )
        else:
            target.plot(
                positions,
                values,
                marker="o",
                markersize=2.5,
                linewidth=1.2,
                label=series.name,
                color=color,
            )
    step = max(1, math.ceil(len(positions) / 20))
    ax.set_xticks(
        positions[::step], [str(c) for c in chart.categories][::step], rotation=45, ha="right"
    )
    ax.set_xlabel(chart.x_title)
    ax.set_ylabel(chart.y_title)
    handles, names = ax.get_legend_handles_labels()
    if right is not None:
        right.set_ylabel(chart.y2_title)
        if chart.y2_unit == "share":
            _percent_axis(right.yaxis)
        more, more_names = right.get_legend_handles_labels()
        handles, names = handles + more, names + more_names
    if len(chart.series) > 1:
        ax.legend(handles, names, fontsize=8, loc="upper left")


def _hbars(ax: Axes, chart: Chart) -> None:
    series = chart.series[0]
    values = [0 if v is None else v for v in series.values]
    positions = list(range(len(values)))
    ax.barh(positions, values, color=PALETTE[0])
    ax.set_yticks(positions, [_short(str(c)) for c in chart.categories])
    ax.invert_yaxis()
    ax.set_xlabel(chart.x_title)
    if series.unit == "share":
        _percent_axis(ax.xaxis)
    for p, v in zip(positions, values, strict=True):
        ax.annotate(
            f"{v:,}" if isinstance(v, int) else f"{v:.3g}",
            (v, p),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
        )


def _pie(ax: Axes, chart: Chart) -> None:
    ax.pie(
        chart.values,
        labels=chart.labels,
        autopct="%1.0f%%",
        startangle=90,
        colors=PALETTE[: len(chart.values)],
        wedgeprops={"width": 0.6},
        textprops={"fontsize": 8},
    )
    ax.axis("equal")


def _treemap(ax: Axes, chart: Chart) -> None:
    items = sorted(
        ((v, label) for v, label in zip(chart.values, chart.labels, strict=True) if v > 0),
        reverse=True,
    )
    rects = squarify([v for v, _ in items], 0.0, 0.0, 1.0, 1.0)
    for n, ((value, label), (x, y, w, h)) in enumerate(zip(items, rects, strict=True)):
        ax.add_patch(_rectangle(x, y, w, h, PALETTE[n % len(PALETTE)]))
        if w * h > 0.006:
            ax.text(
                x + w / 2,
                y + h / 2,
                f"{_short(label, 12)}\n{value:,}",
                ha="center",
                va="center",
                fontsize=7 if w * h > 0.03 else 5.5,
                color="white",
            )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")


def _rectangle(x: float, y: float, w: float, h: float, color: str):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, facecolor=color, edgecolor="white", linewidth=1)


def squarify(
    values: list[float], x: float, y: float, w: float, h: float
) -> list[tuple[float, float, float, float]]:
    """Rectangles ``(x, y, w, h)`` tiling the box with areas proportional to ``values``
    (sorted largest first), after Bruls, Huizing & van Wijk, "Squarified Treemaps" (2000):
    lay out a row along the shorter side while that improves its worst aspect ratio."""
    total = sum(values)
    if not values or total <= 0:
        return []
    areas = [v * w * h / total for v in values]
    out: list[tuple[float, float, float, float]] = []
    while areas:
        side = min(w, h)
        row = [areas[0]]

        n = 1
        while n < len(areas) and _worst([*row, areas[n]], side) <= _worst(row, side):
            row.append(areas[n])
            n += 1
        areas = areas[n:]
        thick = sum(row) / side
        offset = 0.0
        for area in row:
            length = area / thick
            if w >= h:  # column along the left edge
                out.append((x, y + offset, thick, length))
            else:  # row along the bottom edge
                out.append((x + offset, y, length, thick))
            offset += length
        if w >= h:
            x, w = x + thick, w - thick
        else:
            y, h = y + thick, h - thick
    return out


def _worst(row: list[float], side: float) -> float:
    """The largest aspect ratio of a row of areas laid along ``side``."""
    s = sum(row)
    return max(max(side * side * r / (s * s), s * s / (side * side * r)) for r in row)


def _path(ax: Axes, chart: Chart) -> None:
    ax.plot(chart.x, chart.y, marker="o", color=PALETTE[0], linewidth=1.2)
    for x, y, label in zip(chart.x, chart.y, chart.labels, strict=True):
        if x is not None and y is not None:
            ax.annotate(label, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=7)
    ax.set_xlabel(chart.x_title)
    ax.set_ylabel(chart.y_title)


def _scatter(ax: Axes, chart: Chart) -> None:
    groups = chart.groups or [""] * len(chart.x)
    for n, group in enumerate(dict.fromkeys(groups)):
        at = [i for i, g in enumerate(groups) if g == group]
        ax.scatter(
            [chart.x[i] for i in at],
            [chart.y[i] for i in at],
            s=8,
            color=PALETTE[n % len(PALETTE)],
            label=_short(group, 20),
            alpha=0.8,
        )
    if chart.groups:
        ax.legend(fontsize=7, markerscale=2, loc="best")
    ax.set_xticks([])
    ax.set_yticks([])


def _heatmap(ax: Axes, chart: Chart) -> None:
    image = ax.imshow(chart.z, cmap="Blues", aspect="auto")
    ax.set_xticks(
        range(len(chart.columns)), [_short(c, 14) for c in chart.columns], rotation=45, ha="right"
    )
    ax.set_yticks(range(len(chart.rows)), [_short(r, 24) for r in chart.rows])
    top = max((v for row in chart.z for v in row), default=0) or 1
    for i, row in enumerate(chart.z):
        for j, value in enumerate(row):
            if value:
                ax.text(
                    j,
                    i,
                    f"{value:g}",
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if value > top / 2 else "black",
                )
    ax.set_xlabel(chart.x_title)
    ax.set_ylabel(chart.y_title)
    ax.figure.colorbar(image, ax=ax, fraction=0.03)


def _network(ax: Axes, chart: Chart) -> None:
    for a, b, weight in chart.edges:
        ax.plot(
            [chart.x[a], chart.x[b]],
            [chart.y[a], chart.y[b]],
            color="#9aa5b1",
            linewidth=0.5 + min(weight, 5) * 0.4,
            zorder=1,
        )
    biggest = max(chart.sizes or [1.0]) or 1.0
    ax.scatter(
        chart.x,
        chart.y,
        s=[15 + 120 * s / biggest for s in chart.sizes],
        color=PALETTE[0],
        zorder=2,
    )
    ranked = sorted(range(len(chart.labels)), key=lambda i: -chart.sizes[i])[:15]
    for i in ranked:
        ax.annotate(
            _short(chart.labels[i], 18),
            (chart.x[i], chart.y[i]),
            fontsize=6,
            xytext=(3, 3),
            textcoords="offset points",
        )
    ax.axis("off")


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
