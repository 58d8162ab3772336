"""Static chart images: Chinese labels are drawn with a CJK font, not as missing glyphs."""

from __future__ import annotations

import io
import warnings

from matplotlib import font_manager
from matplotlib.figure import Figure
from PIL import Image

from ipnav.reports.charts import Chart, Series, chart_for
from ipnav.reports.images import cjk_font, render_png

CHINESE = "专利申请趋势：膜法水处理"


def _glyph_warnings(draw) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        draw()
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_the_cjk_font_is_a_real_cjk_font_file():
    family = cjk_font()
    path = font_manager.findfont(
        font_manager.FontProperties(family=family), fallback_to_default=False
    )
    assert "CJK" in path or "Han" in path or "WenQuanYi" in path, path
    face = font_manager.get_font(path)
    assert all(face.get_char_index(ord(ch)) for ch in CHINESE if ch != "："), path


def test_a_chart_with_chinese_labels_renders_every_glyph():
    chart = Chart(
        key="filing_trend",
        kind="bars",
        title=CHINESE,
        x_title="申请年",
        y_title="专利数量（件）",
        categories=[2019, 2020, 2021],
        series=[Series("申请量", [3, 5, 8]), Series("增长率", [None, 0.67, 0.6], "line", "y2")],
        y2_title="同比增长",
        y2_unit="share",
    )
    pngs: list[bytes] = []
    assert _glyph_warnings(lambda: pngs.append(render_png(chart))) == []
    image = Image.open(io.BytesIO(pngs[0]))
    assert image.format == "PNG" and image.width > 500


def test_the_missing_glyph_check_does_catch_tofu():
    """Control: the same text in a Latin-only font does warn, so the check above can fail."""

    def draw() -> None:
        fig = Figure()
        fig.text(0.1, 0.5, CHINESE, family="DejaVu Sans")
        fig.savefig(io.BytesIO(), format="png")

    assert _glyph_warnings(draw)


def test_every_real_chart_renders_without_missing_glyphs(analyses):
    for lang in ("zh", "en"):
        for table in analyses[lang].values():
            chart = chart_for(table, lang)
            if chart is not None:
                assert _glyph_warnings(lambda c=chart: render_png(c, dpi=60)) == [], table.key
