"""Cell text for documents: numbers formatted by their column's unit.

The same rule serves the DOCX and the HTML report, so that both show "3.1%" for a
share of 0.031 and "1,234" for a count; the XLSX appendix keeps the raw values
(with a number format) so they can be recalculated.
"""

from __future__ import annotations

from typing import Any

#: Longest text a document cell shows (full text in the XLSX appendix).
MAX_CELL = 80


def cell_text(value: Any, unit: str | None, lang: str = "zh") -> str:
    """``value`` as a document shows it in a column of ``unit``."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, int | float):
        if unit in ("share", "percent"):
            scaled = value * 100 if unit == "share" else value
            return f"{scaled:.1f}%"
        if unit == "year":
            return str(int(value))
        if isinstance(value, int):
            return f"{value:,}"
        if unit == "index" and abs(value) < 0.01:
            return f"{value:.4f}"
        if float(value).is_integer():
            return f"{int(value):,}"
        return f"{value:,.2f}"
    if isinstance(value, list | tuple):
        return ", ".join(cell_text(v, None, lang) for v in value)
    if isinstance(value, dict):
        return str(value.get(lang) or next(iter(value.values()), ""))
    text = str(value)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"
