"""The report as a Word document (python-docx): what Chinese institutions exchange.

Headings use Word's built-in ``Heading n`` styles (so a table of contents can be
inserted in Word), charts are PNGs from :mod:`ipnav.reports.images`, and every
style names an East Asian font in ``w:rFonts/@w:eastAsia`` — without it Word draws
Chinese in whatever font the reader's locale defaults to, often badly.
"""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.styles.style import BaseStyle

from ipnav.analytics.result import pick
from ipnav.reports.formatting import cell_text
from ipnav.reports.images import render_png
from ipnav.reports.model import (
    Bullets,
    Figure,
    Paragraph,
    PlainTable,
    Report,
    Section,
    TableBlock,
)

#: East Asian fonts of the body text and the headings (the usual 宋体 / 黑体 pair).
BODY_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
CHECKBOX = "☐ "


def write_docx(report: Report, path: Path) -> Path:
    """Write ``report`` to ``path`` (.docx)."""
    doc = Document()
    _fonts(doc)
    lang = report.language
    title = doc.add_heading(report.input.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for label, value in report.cover:
        doc.add_paragraph(f"{label}：{value}" if lang == "zh" else f"{label}: {value}")
    for depth, section in report.walk():
        _section(doc, section, min(depth, 4), lang)
    doc.save(path)
    return path


def _east_asian(style: BaseStyle, east_asian: str) -> None:
    """Name ``east_asian`` as the style's font for Chinese text (``w:eastAsia``)."""
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asian)
    for attr in ("w:asciiTheme", "w:eastAsiaTheme", "w:hAnsiTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)  # a theme font would override the names


def _fonts(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(10.5)
    _east_asian(normal, BODY_FONT)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3", "Heading 4", "Caption"):
        style = doc.styles[name]
        style.font.name = LATIN_FONT
        style.font.color.rgb = RGBColor(0, 0, 0)
        _east_asian(style, HEADING_FONT if name != "Caption" else BODY_FONT)


def _section(doc, section: Section, level: int, lang: str) -> None:
    doc.add_heading(section.heading, level=level)
    for block in section.blocks:
        if isinstance(block, Paragraph):
            _paragraph(doc, block)
        elif isinstance(block, Bullets):
            for item in block.items:
                if block.checklist:
                    doc.add_paragraph(CHECKBOX + item)
                else:
                    doc.add_paragraph(item, style="List Bullet")
        elif isinstance(block, Figure):
            doc.add_picture(io.BytesIO(render_png(block.chart)), width=Pt(430))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            caption = doc.add_paragraph(block.caption, style="Caption")
            caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif isinstance(block, TableBlock):
            _table(doc, block, lang)
        elif isinstance(block, PlainTable):
            _plain(doc, block)


def _paragraph(doc, block: Paragraph) -> None:
    paragraph = doc.add_paragraph()
    run = paragraph.add_run(block.text)
    if block.style == "note":
        run.font.size = Pt(9)
        run.italic = True
    elif block.style == "draft":
        run.bold = True
        run.font.color.rgb = RGBColor(0xC0, 0x39, 0x2B)
    elif block.style == "label":
        run.bold = True


def _table(doc, block: TableBlock, lang: str) -> None:
    doc.add_paragraph(block.caption, style="Caption")
    columns = [c for key in block.columns for c in block.table.columns if c.key == key]
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    for cell, column in zip(table.rows[0].cells, columns, strict=True):
        cell.text = pick(column.label, lang)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in block.rows:
        cells = table.add_row().cells
        for cell, column in zip(cells, columns, strict=True):
            cell.text = cell_text(row.get(column.key), column.unit, lang)
    _small(table)


def _plain(doc, block: PlainTable) -> None:
    if block.caption:
        doc.add_paragraph(block.caption, style="Caption")
    table = doc.add_table(rows=1, cols=len(block.header))
    table.style = "Table Grid"
    for cell, label in zip(table.rows[0].cells, block.header, strict=True):
        cell.text = label
    for row in block.rows:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = value
    _small(table)


def _small(table) -> None:
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)
