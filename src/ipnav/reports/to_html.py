"""The report as one self-contained HTML file (Jinja2): charts embedded as PNG data URIs.

The file opens anywhere, offline, with no script and no external file; its style
sheet is in the page. Autoescaping is on: every string from the data is escaped.
"""

from __future__ import annotations

import base64
import functools
from pathlib import Path
from typing import Any

import jinja2

from ipnav.analytics.result import pick
from ipnav.reports.formatting import cell_text
from ipnav.reports.images import render_png
from ipnav.reports.model import Figure, Report, TableBlock

TEMPLATES = Path(__file__).with_name("templates")


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(report: Report) -> str:
    """The report as an HTML document (a string)."""
    lang = report.language

    def table_view(block: TableBlock) -> dict[str, Any]:
        columns = [c for key in block.columns for c in block.table.columns if c.key == key]
        return {
            "header": [pick(c.label, lang) for c in columns],
            "numeric": [c.unit is not None for c in columns],
            "rows": [
                [cell_text(row.get(c.key), c.unit, lang) for c in columns] for row in block.rows
            ],
        }

    def image(block: Figure) -> str:
        return "data:image/png;base64," + base64.b64encode(render_png(block.chart)).decode()

    sections = [
        {
            "depth": depth,
            "id": "s" + section.number.replace(".", "-"),
            "heading": section.heading,
            "blocks": section.blocks,
        }
        for depth, section in report.walk()
    ]
    return (
        _environment()
        .get_template("report.html")
        .render(
            report=report,
            lang="zh-Hans" if lang == "zh" else "en",
            sections=sections,
            contents=[s for s in sections if s["depth"] <= 2],
            table_view=table_view,
            image=image,
            kind=lambda block: type(block).__name__,
            contents_title="目录" if lang == "zh" else "Contents",
        )
    )


def write_html(report: Report, path: Path) -> Path:
    """Write ``report`` to ``path`` (.html, UTF-8)."""
    path.write_text(render_html(report), encoding="utf-8")
    return path
