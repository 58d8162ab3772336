"""Titles, fallbacks and technology fields, on the real scheme files of the shared data folder."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from ipnav.model.classification import ClassificationError, parse_symbol
from ipnav.model.schemes import (
    FIELD_NAMES_ZH,
    SECTOR_NAMES_ZH,
    ClassificationScheme,
    Fallback,
    SchemeDataError,
    Title,
    UnknownLanguage,
    load_scheme,
)


@pytest.fixture(scope="module")
def scheme(sample_data: Path) -> ClassificationScheme:
    return load_scheme(sample_data)


# -- loading --------------------------------------------------------------------------------


def test_load_is_cached_by_resolved_path(sample_data: Path) -> None:
    assert load_scheme(sample_data) is load_scheme(sample_data / "cn_patent_titles_ipc" / "..")


def test_missing_folder_names_path_and_setting(tmp_path: Path) -> None:
    with pytest.raises(SchemeDataError) as info:
        load_scheme(tmp_path)
    message = str(info.value)
    assert str(tmp_path) in message
    assert "IPNAV_SAMPLE_DATA" in message
    assert "ipc_titles_en.jsonl.gz" in message


def test_missing_file_is_named(tmp_path: Path, sample_data: Path) -> None:
    folder = tmp_path / "classification_schemes"
    folder.mkdir()
    for name in ("ipc_titles_en.jsonl.gz", "ipc_titles_zh.jsonl.gz"):
        (folder / name).write_bytes((sample_data / "classification_schemes" / name).read_bytes())
    with pytest.raises(SchemeDataError, match=r"cpc_class_titles_partial\.jsonl\.gz"):
        load_scheme(tmp_path)


def test_broken_title_file_is_reported(tmp_path: Path, sample_data: Path) -> None:
    folder = tmp_path / "classification_schemes"
    folder.mkdir()
    for path in (sample_data / "classification_schemes").iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "ipc_titles_zh.jsonl.gz").write_bytes(gzip.compress(b'{"code": "A"}\n'))
    with pytest.raises(SchemeDataError, match=r"ipc_titles_zh.jsonl.gz line 1"):
        load_scheme(tmp_path).title("A", "zh")


def test_rejected_lines_are_chinese_pdf_debris(scheme: ClassificationScheme) -> None:
    rejected = scheme.rejected
    assert {r.file for r in rejected} == {"ipc_titles_zh.jsonl.gz"}
    assert len(rejected) == 1355
    codes = {r.code: r.title for r in rejected}
    assert codes["E01D 101/0"] == "0 桥梁的材料组成"  # a subgroup split from its title
    assert codes["G01N 23/2000"] == "8"  # G01N 23/20008 cut in two
    assert codes["D06F 101/02"] == "."  # a dot-level mark read as the title


# -- titles ---------------------------------------------------------------------------------


def test_g06f_9_30_path_has_five_chinese_levels(scheme: ClassificationScheme) -> None:
    path = scheme.path("G06F 9/30", "zh")
    assert [t.code for t in path] == ["G", "G06", "G06F", "G06F9/00", "G06F9/30"]
    assert [t.text.split("（")[0] for t in path] == [
        "物理",
        "计算或推算；计数",
        "电数字数据处理",
        "程序控制装置，例如，控制单元",
        "与执行机器指令相关的设计，例如指令译码",
    ]
    assert all(t.lang == "zh" and t.fallback == () and t.note is None for t in path)


def test_exact_title_in_both_languages(scheme: ClassificationScheme) -> None:
    assert scheme.title("G06F9/30", "en") == Title(
        "Arrangements for executing machine instructions, e.g. instruction decode "
        "(for executing microinstructions G06F 9/22)",
        "en",
        "G06F9/30",
    )
    zh = scheme.title("G06F9/30")  # Chinese by default
    assert zh is not None and zh.lang == "zh" and zh.code == "G06F9/30"


def test_missing_chinese_subclass_falls_back_to_english(scheme: ClassificationScheme) -> None:
    title = scheme.title("C01C", "zh")
    assert title is not None
    assert title.lang == "en"
    assert title.code == "C01C"
    assert title.text.startswith("AMMONIA; CYANOGEN")
    assert title.fallback == (Fallback.LANGUAGE,)
    assert title.note == "no Chinese title for C01C; English shown"


def test_missing_english_falls_back_to_chinese(scheme: ClassificationScheme) -> None:
    # A01G 13/20 is in IPC 2026.01 (Chinese list) but not in the 2020 English list.
    title = scheme.title("A01G13/20", "en")
    assert title is not None
    assert (title.lang, title.text) == ("zh", "植物的保护性覆盖物")
    assert title.note == "no English title for A01G 13/20; Chinese shown"


def test_cpc_only_group_shows_nearest_titled_ancestor(scheme: ClassificationScheme) -> None:
    title = scheme.title("G06F2201/885", "zh")  # NVIDIA US10001996
    assert title is not None
    assert title.code == "G06F"
    assert title.text.startswith("电数字数据处理")
    assert title.fallback == (Fallback.ANCESTOR,)
    assert title.note == "no title for G06F 2201/885; showing the broader G06F"


def test_ancestor_and_language_fallback_together(scheme: ClassificationScheme) -> None:
    title = scheme.title("C01C1/99", "zh")
    assert title is not None
    assert (title.code, title.lang) == ("C01C1/00", "en")
    assert title.fallback == (Fallback.ANCESTOR, Fallback.LANGUAGE)
    assert title.note == (
        "no title for C01C 1/99; showing the broader C01C 1/00; "
        "no Chinese title for C01C 1/00; English shown"
    )


def test_y_section_has_no_title(scheme: ClassificationScheme) -> None:
    assert scheme.title("Y02E10/50", "zh") is None
    path = scheme.path("Y02E10/50", "en")
    assert len(path) == 5
    assert all(t.text == "" and t.fallback == (Fallback.MISSING,) for t in path)
    assert path[-1].note == "no title for Y02E 10/50"


def test_main_group_prefix_uses_the_main_group_title(scheme: ClassificationScheme) -> None:
    assert scheme.title("G06F9", "zh") == scheme.title("G06F9/00", "zh")
    assert [t.code for t in scheme.path("G06F9")] == ["G", "G06", "G06F", "G06F9/00"]


def test_guidance_heading_does_not_hide_the_group_title(scheme: ClassificationScheme) -> None:
    # ipc_titles_en has "A01B 3/00 Ploughs" (a heading) then the group's own title.
    title = scheme.title("A01B3/00", "en")
    assert title is not None and title.text == "Ploughs with fixed plough-shares"


def test_cpc_class_titles(scheme: ClassificationScheme) -> None:
    cpc = scheme.title("A24F 47/00", "en", scheme="cpc")
    assert cpc is not None and cpc.code == "A24F47/00" and cpc.source == "ipc"
    klass = scheme.path("A24F 47/00", "en", scheme="cpc")[1]
    assert klass.source == "cpc"
    assert (
        klass.text == "tobacco; cigars; cigarettes; simulated smoking devices; smokers' requisites"
    )
    assert (
        scheme.path("A24F 47/00", "en")[1].text
        == "TOBACCO; CIGARS; CIGARETTES; SMOKERS' REQUISITES"
    )


def test_bad_input(scheme: ClassificationScheme) -> None:
    with pytest.raises(UnknownLanguage, match=r"'fr'.*zh, en"):
        scheme.title("G06F", "fr")
    with pytest.raises(ClassificationError):
        scheme.title("not a symbol")


# -- technology fields ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "number", "name_zh"),
    [
        # checked by hand against wipo_ipc_technology_concordance.csv
        ("G06F 9/30", 6, "计算机技术"),  # G06F%
        ("G06F2201/885", 6, "计算机技术"),  # CPC-only group, subclass pattern
        ("A61K 8/02", 14, "有机精细化学"),  # A61K   8/% (cosmetics)
        ("A61K31/4155", 16, "药品"),  # A61K  31/%
        ("G01N33/53", 11, "生物材料分析"),  # G01N  33/%
        ("G01N21/00", 10, "测量"),  # G01N  21/%
        ("B01D53/34", 24, "环境技术"),  # B01D  53/%
        ("B01D29/00", 23, "化学工程"),  # B01D  29/%
        ("H04N19/00", 2, "音像技术"),  # H04N  19/% (added 2014)
        ("H04N21/00", 4, "数字通信"),  # H04N  21/%
        ("H04N 1/00", 3, "电信"),  # H04N   1/%
        ("C02F3/20", 24, "环境技术"),  # C02F% (PatSnap EP0049154B2)
        ("B08B5/00", 23, "化学工程"),  # B08B%
        ("G06Q", 7, "管理用信息技术方法"),
        ("H01L21/00", 8, "半导体"),
        ("C13B 10/00", 18, "食品化学"),  # C13B  10/%
        ("C13B 5/00", 29, "其他专用机械"),  # C13B   5/%
    ],
)
def test_technology_field(
    scheme: ClassificationScheme, symbol: str, number: int, name_zh: str
) -> None:
    field = scheme.technology_field(symbol)
    assert field is not None
    assert (field.number, field.name_zh) == (number, name_zh)


@pytest.mark.parametrize(
    "symbol",
    [
        "G",  # too broad
        "G06",
        "G01N",  # subclass split by main group
        "A61K2039/505",  # CPC 2000-series in a split subclass (random10k)
        "Y02E10/50",
        "G06V10/82",  # subclass created in 2022, after the concordance (NVIDIA)
    ],
)
def test_no_technology_field(scheme: ClassificationScheme, symbol: str) -> None:
    assert scheme.technology_field(symbol) is None


def test_thirty_five_fields_in_five_sectors(scheme: ClassificationScheme) -> None:
    fields = scheme.technology_fields()
    assert [f.number for f in fields] == list(range(1, 36))
    assert {f.sector_en for f in fields} == set(SECTOR_NAMES_ZH)
    assert fields[0].name_en == "Electrical machinery, apparatus, energy"
    assert fields[0].name_zh == "电气机械、设备和能源"
    assert fields[0].sector_zh == "电气工程"
    assert fields[-1].name_en == "Civil engineering" and fields[-1].sector_zh == "其他领域"
    assert len(set(FIELD_NAMES_ZH.values())) == 35


# -- describe -------------------------------------------------------------------------------


def test_describe_is_json_ready(scheme: ClassificationScheme) -> None:
    info = scheme.describe("G06F0009300000", "zh")
    assert json.loads(json.dumps(info, ensure_ascii=False)) == info
    assert {k: info[k] for k in ("compact", "standard", "raw14", "level", "is_prefix")} == {
        "compact": "G06F9/30",
        "standard": "G06F 9/30",
        "raw14": "G06F0009300000",
        "level": "subgroup",
        "is_prefix": False,
    }
    assert [(p["standard"], p["level"]) for p in info["path"]] == [
        ("G", "section"),
        ("G06", "class"),
        ("G06F", "subclass"),
        ("G06F 9/00", "main_group"),
        ("G06F 9/30", "subgroup"),
    ]
    assert info["title"]["code"] == "G06F9/30"
    assert info["technology_field"] == {
        "number": 6,
        "name_en": "Computer technology",
        "name_zh": "计算机技术",
        "sector_en": "Electrical engineering",
        "sector_zh": "电气工程",
    }


def test_describe_cpc_only(scheme: ClassificationScheme) -> None:
    info = scheme.describe("Y10S707/99955", "en")
    assert info["title"] is None and info["technology_field"] is None
    assert [p["fallback"] for p in info["path"]] == [["missing"]] * 5


# -- real corpora ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("folder", "file", "field"),
    [
        ("us_nvidia_portfolio_patentsview", "nvidia_patents.jsonl.gz", "cpc"),
        ("us_uspto_random10k_abstracts", "uspto_random_10000.jsonl.gz", "cpc"),
        ("patsnap_cs3245_citation_corpus", "documents.jsonl.gz", "ipc"),
        ("cn_patent_titles_ipc", "cn_titles_ipc_subclasses.jsonl.gz", "ipc_subclasses"),
    ],
)
def test_every_corpus_symbol_gets_a_title_except_y(
    scheme: ClassificationScheme, sample_data: Path, folder: str, file: str, field: str
) -> None:
    symbols: set[str] = set()
    with gzip.open(sample_data / folder / file, "rt", encoding="utf-8") as lines:
        for line in lines:
            symbols.update(json.loads(line).get(field) or [])
    for text in symbols - {"B00D447/00", "G00B15/04", "G11B/85", "B82B/00"}:  # not symbols
        sym = parse_symbol(text)
        for lang in ("zh", "en"):
            title = scheme.title(sym, lang)
            assert (title is None) == (sym.section == "Y"), text
            if title is not None:
                assert title.text and (title.note is None) == (title.fallback == ())
