"""Navigation reports and charts made from analysis tables (core: no web, no CLI).

:func:`render_report` writes a patent-navigation report structured after GB/T 39551
(专利导航指南) as DOCX, HTML or an XLSX appendix, chosen by the file's suffix;
:func:`chart_json` gives a table's interactive chart (Plotly figure JSON) for pages.
The modules: :mod:`~ipnav.reports.model` (input and blocks), :mod:`~ipnav.reports.outline`
(the chapters), :mod:`~ipnav.reports.checklist` (the draft conclusions),
:mod:`~ipnav.reports.charts` (what to draw), :mod:`~ipnav.reports.figures` (Plotly),
:mod:`~ipnav.reports.images` (matplotlib PNGs), and one writer per format.
"""

from __future__ import annotations

from pathlib import Path

from ipnav.reports.charts import Chart, chart_for
from ipnav.reports.figures import chart_json
from ipnav.reports.model import Report, ReportError, ReportInput
from ipnav.reports.outline import build_report

#: File suffix -> format name.
FORMATS = {".docx": "docx", ".html": "html", ".htm": "html", ".xlsx": "xlsx"}

__all__ = [
    "FORMATS",
    "Chart",
    "Report",
    "ReportError",
    "ReportInput",
    "build_report",
    "chart_for",
    "chart_json",
    "render_report",
]


def render_report(data: ReportInput, path: str | Path) -> Path:
    """Write the report of ``data`` to ``path``; its suffix (.docx, .html, .xlsx) picks the format.

    The writers are imported on use, so that making charts for a page does not load
    python-docx or openpyxl.
    """
    path = Path(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ReportError(
            f"cannot tell the report format from {path.name!r}; name the file "
            f"*{', *'.join(sorted(FORMATS))}"
        )
    report = build_report(data)
    if kind == "docx":
        from ipnav.reports.to_docx import write_docx

        return write_docx(report, path)
    if kind == "html":
        from ipnav.reports.to_html import write_html

        return write_html(report, path)
    from ipnav.reports.to_xlsx import write_xlsx

    return write_xlsx(report, path)
