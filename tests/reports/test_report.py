"""The navigation report in its three formats, both languages, checked against the analyses."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest

from ipnav.analytics.result import pick
from ipnav.reports import ReportError, ReportInput, build_report, render_report
from ipnav.reports.outline import CHAPTERS

BREAKDOWN = [
    {
        "name_zh": "膜材料",
        "name_en": "Membrane materials",
        "query": "TA=(膜 OR membrane)",
        "members": 120,
        "children": [{"name_zh": "有机膜", "name_en": "Organic membranes", "members": 40}],
    },
    {"name": {"zh": "膜组件", "en": "Membrane modules"}},
]
QUERIES = ["TA=(membrane AND water)", "TA=(膜 AND 水处理)"]


def report_input(tables, lang: str) -> ReportInput:
    return ReportInput(
        title="膜法水处理专利导航报告" if lang == "zh" else "Membrane water treatment",
        tables=tables,
        language=lang,
        collection="membrane-water",
        description="面向膜法水处理产业的专利导航。" if lang == "zh" else "Navigation for ...",
        snapshot_version=3,
        cutoff=dt.date(2019, 6, 30),
        queries=QUERIES,
        breakdown=BREAKDOWN,
        sources=["PatSnap CS3245", "BDCI 2022"],
        organisation="某省知识产权保护中心",
    )


@pytest.fixture(scope="module", params=["zh", "en"])
def rendered(request, analyses, tmp_path_factory) -> dict:
    lang = request.param
    folder = tmp_path_factory.mktemp(f"report-{lang}")
    data = report_input(analyses[lang], lang)
    paths = {fmt: render_report(data, folder / f"report.{fmt}") for fmt in ("docx", "html", "xlsx")}
    return {"lang": lang, "tables": analyses[lang], "paths": paths}


def _chapter_titles(lang: str) -> list[str]:
    return [f"{n} {pick(title, lang)}" for n, (title, _) in CHAPTERS.items()]


def _docx_table(document, header: list[str]):
    found = [t for t in document.tables if [c.text for c in t.rows[0].cells] == header]
    assert found, f"no table with header {header}"
    return found[0]


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def test_docx_has_every_chapter_and_the_analyses_numbers(rendered):
    lang, tables = rendered["lang"], rendered["tables"]
    document = docx.Document(rendered["paths"]["docx"])
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    for title in _chapter_titles(lang):
        assert title in headings
    assert "3.1 " + pick(tables["filing_trend"].title, lang) in headings
    # yearly counts: every year of the trend table, as the analysis computed them
    trend = tables["filing_trend"]
    labels = {c.key: pick(c.label, lang) for c in trend.columns}
    shown = _docx_table(document, [pick(c.label, lang) for c in trend.columns])
    years = {_number(r.cells[0].text): r.cells[1].text for r in shown.rows[1:]}
    assert years == {row["year"]: f"{row['filings']:,}" for row in trend.rows}
    assert labels["filings"] in [c.text for c in shown.rows[0].cells]
    # top applicants: name and count of the first rows (the grouping key column is hidden)
    top = tables["top_applicants"]
    header = [pick(c.label, lang) for c in top.columns if c.key != "key"]
    shown = _docx_table(document, header)
    for row, expected in zip(shown.rows[1:4], top.rows[:3], strict=True):
        cells = [c.text for c in row.cells]
        assert cells[1] == expected["name"]
        assert _number(cells[header.index(pick(top.columns[4].label, lang))]) == expected["patents"]
    # figures are embedded PNGs
    with zipfile.ZipFile(rendered["paths"]["docx"]) as package:
        images = [n for n in package.namelist() if n.startswith("word/media/")]
        styles = package.read("word/styles.xml").decode()
    assert len(images) >= 10
    assert 'w:eastAsia="宋体"' in styles and 'w:eastAsia="黑体"' in styles
    text = "\n".join(p.text for p in document.paragraphs)
    assert "2019-06-30" in text and "membrane-water" in text
    # chapters without data say so; the conclusions are a draft checklist
    no_data = "本节无数据" if lang == "zh" else "No data for this section"
    chapter = {p.text: i for i, p in enumerate(document.paragraphs)}
    for number, claims in ((6, lambda k: k.startswith("cluster")), (7, lambda k: "effect" in k)):
        after = document.paragraphs[chapter[_chapter_titles(lang)[number - 1]] + 1].text
        if any(claims(key) and tables[key].rows for key in tables):
            assert after.startswith(f"{number}.1 "), after  # its tables follow
        else:
            assert after.startswith(no_data), after
    without = {k: t for k, t in tables.items() if not k.startswith("cluster")}
    outline = build_report(report_input(without, lang))
    assert outline.sections[5].blocks[0].text.startswith(no_data)
    assert ("【草稿】" if lang == "zh" else "[DRAFT]") in text
    assert sum(p.text.startswith("☐ ") for p in document.paragraphs) >= 4


def test_docx_breakdown_and_queries(rendered):
    lang = rendered["lang"]
    document = docx.Document(rendered["paths"]["docx"])
    branch = "分支" if lang == "zh" else "Branch"
    tree = next(t for t in document.tables if branch in t.rows[0].cells[0].text)
    rows = [[c.text for c in r.cells] for r in tree.rows[1:]]
    first = "膜材料" if lang == "zh" else "Membrane materials"
    assert rows[0] == [first, "TA=(膜 OR membrane)", "120"]
    assert rows[1][0].strip("　") == ("有机膜" if lang == "zh" else "Organic membranes")
    assert rows[1][0].startswith("　")  # indented under its parent
    assert rows[2][0] == ("膜组件" if lang == "zh" else "Membrane modules")
    cells = {c.text for t in document.tables for r in t.rows for c in r.cells}
    assert set(QUERIES) <= cells


def test_xlsx_has_a_cover_and_one_sheet_per_table(rendered):
    lang, tables = rendered["lang"], rendered["tables"]
    book = openpyxl.load_workbook(rendered["paths"]["xlsx"])
    cover = "封面" if lang == "zh" else "Cover"
    assert book.sheetnames == [cover, *tables]
    cover_values = [c.value for row in book[cover].iter_rows() for c in row if c.value]
    assert "2019-06-30" in cover_values and set(QUERIES) <= set(cover_values)
    assert "3" in cover_values  # snapshot version
    for key, table in tables.items():
        sheet = book[key]
        header = [c.value for c in sheet[1]][: len(table.columns)]
        assert header == [pick(c.label, lang) for c in table.columns], key
        for n, row in enumerate(table.rows, start=2):
            for m, column in enumerate(table.columns, start=1):
                value = row.get(column.key)
                if isinstance(value, int | float | str) and not isinstance(value, bool):
                    expected = (
                        pytest.approx(value, rel=1e-12) if isinstance(value, float) else value
                    )
                    expected = None if value == "" else expected  # Excel keeps no ""
                    assert sheet.cell(n, m).value == expected, (key, n, column.key)
    trend = book["filing_trend"]
    assert trend.cell(2, 3).number_format == "0.0%"  # growth: a share, kept a number


def test_html_is_self_contained_and_has_every_section(rendered):
    lang, tables = rendered["lang"], rendered["tables"]
    html = Path(rendered["paths"]["html"]).read_text(encoding="utf-8")
    assert f'lang="{"zh-Hans" if lang == "zh" else "en"}"' in html
    for title in _chapter_titles(lang):
        assert f">{title}</h2>" in html
    for key, table in tables.items():
        if table.rows:
            assert f'data-table="{key}"' in html, key
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert len(re.findall(r'<img src="data:image/png;base64,', html)) >= 10
    top = tables["top_applicants"].rows[0]
    assert f'<td class="num">{top["patents"]:,}</td>' in html


def test_a_report_without_analyses_says_so_in_every_chapter(tmp_path):
    data = ReportInput(title="空报告", tables={}, language="zh")
    html = render_report(data, tmp_path / "empty.html").read_text(encoding="utf-8")
    # chapters 3–7, the breakdown, the queries, the definitions, the conclusions
    assert html.count("本节无数据") == 5 + 4
    document = docx.Document(render_report(data, tmp_path / "empty.docx"))
    assert sum("本节无数据" in p.text for p in document.paragraphs) == 9
    book = openpyxl.load_workbook(render_report(data, tmp_path / "empty.xlsx"))
    assert book.sheetnames == ["封面"]


def test_unknown_format_and_language_are_refused_with_what_to_do(tmp_path, analyses):
    data = report_input(analyses["zh"], "zh")
    with pytest.raises(ReportError, match=r"\*\.docx"):
        render_report(data, tmp_path / "report.pdf")
    with pytest.raises(ReportError, match="zh, en"):
        ReportInput(title="x", tables={}, language="fr")
