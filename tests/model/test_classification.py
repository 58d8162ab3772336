"""IPC/CPC symbol parsing on the forms real sources write, plus property tests."""

from __future__ import annotations

import contextlib
import gzip
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipnav.model.classification import (
    ClassificationError,
    ClassSymbol,
    Level,
    normalize_symbol,
    parse_symbol,
    symbol_matches_prefix,
)

# -- the written forms ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "compact"),
    [
        ("G06F 9/30", "G06F9/30"),
        ("G06F9/30189", "G06F9/30189"),  # NVIDIA / PatentsView CPC
        ("G06F0009300000", "G06F9/30"),  # WIPO 14-character
        ("G06F 0009/30", "G06F9/30"),
        ("Ｇ０６Ｆ　９／３０", "G06F9/30"),  # full width, ideographic space
        ("g06f 9/30", "G06F9/30"),
        ("G06F015/00", "G06F15/00"),  # USPTO XML 2004
        ("A61B005/00", "A61B5/00"),
        ("G06F 1516", "G06F15/16"),  # USPTO SGML <B511>
        ("G06F 1300", "G06F13/00"),
        ("B60R  900", "B60R9/00"),  # APS greenbook ICL
        ("G06F  728", "G06F7/28"),
        ("C07D49504", "C07D495/04"),  # fixed width, 3-digit main group
        ("G06F2201/885", "G06F2201/885"),  # CPC 2000-series
        ("Y02E10/50", "Y02E10/50"),
        ("Y10S707/99955", "Y10S707/99955"),
        ("B08B5/00", "B08B5/00"),  # PatSnap
        ("G06F 9/30 (2006.01)", "G06F9/30"),  # version indicator, CN style
        ("G06F9/30(2006.01)I", "G06F9/30"),
        ("G06F9/300", "G06F9/30"),  # same group: trailing zeros are not significant
        ("H", "H"),
        ("C08", "C08"),
        ("A01M", "A01M"),
        ("H01M/", "H01M"),  # PatSnap WO records
        ("G06F9", "G06F9"),
        ("G06F 9", "G06F9"),
        ("G06F0009", "G06F9"),
        ("G06F9/", "G06F9"),
    ],
)
def test_parse_forms(text: str, compact: str) -> None:
    assert normalize_symbol(text) == compact


def test_parts_and_forms() -> None:
    sym = parse_symbol("G06F 9/30189")
    assert sym == ClassSymbol("G", "06", "F", 9, "30189")
    assert (sym.compact, sym.standard, sym.raw14) == (
        "G06F9/30189",
        "G06F 9/30189",
        "G06F0009301890",
    )
    assert sym.level is Level.SUBGROUP
    assert sym.subclass_code == "G06F"
    assert not sym.is_prefix
    assert str(sym) == "G06F9/30189"


@pytest.mark.parametrize(
    ("text", "level", "is_prefix"),
    [
        ("H", Level.SECTION, True),
        ("H01", Level.CLASS, True),
        ("H01M", Level.SUBCLASS, True),
        ("G06F9", Level.MAIN_GROUP, True),
        ("G06F9/00", Level.MAIN_GROUP, False),
        ("G06F9/30", Level.SUBGROUP, False),
    ],
)
def test_levels(text: str, level: Level, is_prefix: bool) -> None:
    sym = parse_symbol(text)
    assert sym.level is level
    assert sym.is_prefix is is_prefix


def test_prefix_forms() -> None:
    sym = parse_symbol("G06F9")
    assert (sym.compact, sym.standard, sym.raw14) == ("G06F9", "G06F 9", "G06F0009")
    assert parse_symbol("H01").raw14 == "H01"
    assert parse_symbol("H").subclass_code is None


def test_ancestors_and_parent() -> None:
    sym = parse_symbol("G06F 9/30")
    assert [a.compact for a in sym.ancestors()] == ["G", "G06", "G06F", "G06F9/00", "G06F9/30"]
    assert sym.parent == parse_symbol("G06F9/00")
    assert parse_symbol("G06F9/00").parent == parse_symbol("G06F")
    assert parse_symbol("G06F9").parent == parse_symbol("G06F")
    assert parse_symbol("G").parent is None
    assert parse_symbol("G").ancestors() == [parse_symbol("G")]


def test_fixed_width_ambiguity_is_documented() -> None:
    # One space and four digits is the USPTO fixed width; a CPC main-group prefix has no space.
    assert normalize_symbol("G06F 2201") == "G06F22/01"
    assert normalize_symbol("G06F2201") == "G06F2201"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "section letter"),
        ("X01B 1/00", "no section X"),
        ("B00D447/00", "class 00"),  # random10k US7292258
        ("G11B/85", "main group"),  # random10k US7817507
        ("B82B/00", "main group"),  # random10k US8026565
        ("G06F9/3", "2 to 6 digits"),
        ("G06F0/00", "main group 0"),
        ("G06F12345/00", "1 to 4 digits"),
        ("G06F 9 30", "main group"),
        ("G0", "two digits"),
        ("1402", "section letter"),  # SGML design patent: Locarno class, not IPC
        ("G06F9/30; G06F9/38", "main group"),
    ],
)
def test_bad_symbols(text: str, reason: str) -> None:
    with pytest.raises(ClassificationError) as info:
        parse_symbol(text)
    message = str(info.value)
    assert "\n" not in message
    assert repr(text) in message
    assert reason in message
    assert "G06F 9/30" in message  # shows the accepted forms


def test_error_is_value_error_and_parts_are_checked() -> None:
    with pytest.raises(ValueError):
        normalize_symbol("not a symbol")
    with pytest.raises(ClassificationError):
        ClassSymbol("G", "06", "F", 9, "300")  # not normalised
    with pytest.raises(ClassificationError):
        ClassSymbol("G", None, "F")
    with pytest.raises(ClassificationError):
        parse_symbol(None)  # type: ignore[arg-type]


# -- prefixes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "prefix", "expected"),
    [
        ("G06F9/30", "G06F9", True),
        ("G06F9/00", "G06F9", True),
        ("G06F99/00", "G06F9", False),  # parts compare whole, not as text
        ("G06F9/30", "G06F9/00", True),  # a main group covers its subgroups
        ("G06F9/30", "G06F", True),
        ("G06F9/30", "G06", True),
        ("G06F9/30", "G", True),
        ("G06N3/08", "G06F", False),
        ("G06F9/30", "G06F9/30", True),
        ("G06F9/30189", "G06F9/30", False),  # no dot hierarchy in symbols
        ("G06F", "G06F9", False),  # broader than the prefix
        ("G06F 1516", "G06F15", True),
        ("G06F2201/885", "G06F2201", True),
        ("G06F2201/885", "G06F22", False),
    ],
)
def test_symbol_matches_prefix(symbol: str, prefix: str, expected: bool) -> None:
    assert symbol_matches_prefix(symbol, prefix) is expected
    assert symbol_matches_prefix(parse_symbol(symbol), parse_symbol(prefix)) is expected


# -- real data ------------------------------------------------------------------------------

# Symbols in the corpora that are not symbols, with why (the rest must parse).
KNOWN_BAD = {
    "B00D447/00": "class 00 does not exist (random10k US7292258)",
    "G00B15/04": "class 00 does not exist (random10k)",
    "G11B/85": "main group missing (random10k US7817507)",
    "B82B/00": "main group missing (random10k US8026565)",
}


def _symbols(path: Path, field: str) -> set[str]:
    found: set[str] = set()
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            found.update(json.loads(line).get(field) or [])
    return found


@pytest.mark.parametrize(
    ("folder", "file", "field", "count"),
    [
        ("us_nvidia_portfolio_patentsview", "nvidia_patents.jsonl.gz", "cpc", 5507),
        ("us_uspto_random10k_abstracts", "uspto_random_10000.jsonl.gz", "cpc", 22607),
        ("patsnap_cs3245_citation_corpus", "documents.jsonl.gz", "ipc", 1469),
        ("cn_patent_titles_ipc", "cn_titles_ipc_subclasses.jsonl.gz", "ipc_subclasses", 471),
    ],
)
def test_every_corpus_symbol_parses(
    sample_data: Path, folder: str, file: str, field: str, count: int
) -> None:
    symbols = _symbols(sample_data / folder / file, field)
    assert len(symbols) == count
    failed = set()
    for text in symbols:
        try:
            sym = parse_symbol(text)
        except ClassificationError:
            failed.add(text)
            continue
        assert parse_symbol(sym.compact) == sym
        if field == "ipc_subclasses":
            assert sym.level is Level.SUBCLASS
        elif not text.endswith("/"):  # PatSnap's "H01M/" is a bare subclass
            assert not sym.is_prefix, text
            # These corpora write the compact form, once with a needless zero (H01M14/100).
            assert sym.compact == text or text == sym.compact + "0", text
    assert failed <= set(KNOWN_BAD), failed - set(KNOWN_BAD)


def test_patsnap_bare_subclasses(sample_data: Path) -> None:
    symbols = _symbols(sample_data / "patsnap_cs3245_citation_corpus/documents.jsonl.gz", "ipc")
    bare = {normalize_symbol(s) for s in symbols if s.endswith("/")}
    assert bare == {"H01M", "G06F", "B05B"}


def _uspto(sample_data: Path, name: str) -> str:
    path = sample_data / "uspto_fulltext_format_samples" / name
    return gzip.decompress(path.read_bytes()).decode("utf-8", "replace")


def test_uspto_sgml_and_greenbook_fixed_width(sample_data: Path) -> None:
    sgml = {
        name: re.findall(r"<B51[12]><PDAT>(.*?)</PDAT>", _uspto(sample_data, f"sgml/{name}"))
        for name in ("US06336130.xml.gz", "US06337117.xml.gz")
    }
    assert {k: [normalize_symbol(s) for s in v] for k, v in sgml.items()} == {
        "US06336130.xml.gz": ["G06F15/16", "G06F13/00"],
        "US06337117.xml.gz": ["B32B3/02"],
    }
    book = [
        line[5:]
        for name in ("US03932709", "US03937375", "US04347903")
        for line in _uspto(sample_data, f"greenbook/{name}.greenbook.gz").splitlines()
        if line.startswith("ICL  ")
    ]
    assert [normalize_symbol(s) for s in book] == [
        "H04M11/00",
        "B60R9/00",
        "G01G19/04",
        "G01G23/10",
        "G06F7/28",
    ]
    # The design patent's <B511> is a Locarno class (14-02), not IPC.
    design = re.findall(r"<B511><PDAT>(.*?)</PDAT>", _uspto(sample_data, "sgml/USD435854S1.xml.gz"))
    with pytest.raises(ClassificationError):
        parse_symbol(design[0])


def test_uspto_xml_ipc(sample_data: Path) -> None:
    found = []
    for name in (
        "pap/US20010000044A1.xml.gz",
        "pap/US20010000943A1.xml.gz",
        "pap/US20010009014A1.xml.gz",
        "xml2004/US06859910.xml.gz",
        "xmlApp2004/US20050004437A1.xml.gz",
    ):
        text = _uspto(sample_data, name)
        block = re.search(r"<classification-ipc>(.*?)</classification-ipc>", text, re.S)
        assert block is not None
        found += re.findall(r"<(?:ipc|main-classification|further-classification)>(.*?)<", block[1])
    assert [normalize_symbol(s) for s in found] == [
        "G06F17/60",
        "H01J1/62",
        "G06F15/16",
        "G06F15/00",
        "G06F17/00",
        "G06F17/21",
        "G06F17/24",
        "A61B5/00",
    ]
    # ICE XML 4.x splits IPC-R symbols into parts.
    ipcr = _uspto(sample_data, "xml2014/US08927118.xml.gz")
    parts = re.findall(
        r"<section>(\w)</section>\s*<class>(\d+)</class>\s*<subclass>(\w)</subclass>\s*"
        r"<main-group>(\d+)</main-group>\s*<subgroup>(\d+)</subgroup>",
        ipcr,
    )
    assert parse_symbol("{}{}{}{}/{}".format(*parts[1])) == ClassSymbol("C", "07", "D", 495, "04")


# -- properties -----------------------------------------------------------------------------


@given(st.text())
def test_parse_raises_only_classification_error(text: str) -> None:
    with contextlib.suppress(ClassificationError):
        assert isinstance(parse_symbol(text), ClassSymbol)


@given(st.text(alphabet="ABCGHYZ0123456789/ 　／(.)I", max_size=20))
def test_parse_near_misses_raise_only_classification_error(text: str) -> None:
    try:
        sym = parse_symbol(text)
    except ClassificationError:
        return
    assert parse_symbol(sym.compact) == sym


_subgroups = st.from_regex(r"(?:[0-9]{2}|[0-9]{2,5}[1-9])", fullmatch=True)


@st.composite
def symbols(draw: st.DrawFn) -> ClassSymbol:
    depth = draw(st.integers(0, 4))
    parts: list = [draw(st.sampled_from("ABCDEFGHY"))]
    if depth >= 1:
        parts.append(f"{draw(st.integers(1, 99)):02d}")
    if depth >= 2:
        parts.append(draw(st.sampled_from("ABCDEFGHJKLMNPQRSTVWXYZ")))
    if depth >= 3:
        parts.append(draw(st.integers(1, 9999)))
    if depth >= 4:
        parts.append(draw(_subgroups))
    return ClassSymbol(*parts)


@given(symbols())
def test_round_trips(sym: ClassSymbol) -> None:
    assert parse_symbol(sym.compact) == sym
    assert parse_symbol(sym.raw14) == sym
    assert parse_symbol(sym.compact.lower()) == sym
    four_digit_prefix = sym.is_prefix and sym.main_group is not None and sym.main_group >= 1000
    if not four_digit_prefix:  # "G06F 2201" is the USPTO fixed width G06F 22/01
        assert parse_symbol(sym.standard) == sym
    if not sym.is_prefix:
        assert len(sym.raw14) == 14
    assert symbol_matches_prefix(sym, sym)
    for ancestor in sym.ancestors():
        assert symbol_matches_prefix(sym, ancestor)
        if ancestor.is_prefix:
            assert sym.raw14.startswith(ancestor.raw14)
