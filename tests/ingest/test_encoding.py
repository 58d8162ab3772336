"""Encoding detection and incremental decoding of table exports."""

from __future__ import annotations

import pytest

from ipnav.ingest.base import InputFileError
from ipnav.ingest.encoding import (
    describe_binary,
    detect_encoding,
    iter_lines,
    normalize_encoding,
    sniff_delimiter,
)

TEXT = "公开（公告）号,标题,申请人\nCN108859303A,一种隔热金属材料,四川大阳实业发展有限公司\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (TEXT.encode("utf-8-sig"), "utf-8-sig"),
        (TEXT.encode("gbk"), "gb18030"),
        (TEXT.encode("gb18030"), "gb18030"),
        (TEXT.encode("utf-16"), "utf-16"),
        (TEXT.encode("utf-16-le"), None),  # Han text without BOM: no NUL pattern to go by
        ("id,title\nUS-1-B2,Bubble washer\n".encode("utf-16-le"), "utf-16-le"),
        ("id,title\nUS-1-B2,Bubble washer\n".encode("utf-16-be"), "utf-16-be"),
        (b"id,title\nUS-1-B2,Bubble washer\n", "utf-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None),
    ],
)
def test_detect_encoding(data, expected):
    assert detect_encoding(data) == expected


def test_detection_tolerates_a_character_cut_at_the_sample_end():
    data = TEXT.encode("utf-8")
    assert detect_encoding(data[:-2]) == "utf-8"  # "\n" and half of "司"
    gbk = TEXT.encode("gbk")
    assert detect_encoding(gbk[: gbk.index(b",") + 3]) == "gb18030"


def test_latin1_text_is_not_taken_for_gbk():
    data = "Applicant;Title\nMüller GmbH;Gerät für Wäsche\nSociété Générale;Procédé\n"
    assert detect_encoding(data.encode("cp1252")) not in ("gb18030", "utf-8")


def test_normalize_encoding():
    assert normalize_encoding("GBK") == "gb18030"
    assert normalize_encoding("gb2312") == "gb18030"
    assert normalize_encoding("UTF8") == "utf-8"
    with pytest.raises(InputFileError, match=r"unknown encoding 'klingon'.*--encoding"):
        normalize_encoding("klingon")


def _chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_iter_lines_across_chunk_boundaries(size):
    text = 'a,b\r\n中文,"x\ny"\n最后一行'
    for encoding in ("utf-8", "gb18030", "utf-16"):
        lines = list(iter_lines(_chunks(text.encode(encoding), size), encoding, name="f"))
        assert lines == ["a,b\r\n", '中文,"x\n', 'y"\n', "最后一行"]


def test_iter_lines_bare_carriage_returns():
    lines = list(iter_lines([b"a,b\rc,d\r"], "utf-8", name="f"))
    assert lines == ["a,b\n", "c,d\n"]


def test_iter_lines_error_names_the_exact_line():
    data = "标题\n第一行\n第二行\n".encode() + "第三行".encode("gbk") + b"\n"
    with pytest.raises(InputFileError) as err:
        list(iter_lines(_chunks(data, 5), "utf-8", name="x.csv"))
    message = str(err.value)
    assert message.startswith("x.csv: line 4 is not valid utf-8 (detected from the file's start")
    assert "--encoding gb18030" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a,b,c\n1,2,3\n4,5,6\n", ","),
        ("a\tb\tc\n1\t2,5\t3\n", "\t"),
        ('a;b;c\n1;"x, y";3\n4;5;6\n', ";"),
        ('search URL:,https://patents.google.com/?q=x\nid,title,assignee\nUS-1,T,"A, Inc."\n', ","),
        ("公开号|标题\nCN1A|一种\n", "|"),
    ],
)
def test_sniff_delimiter(text, expected):
    assert sniff_delimiter(text.encode(), "utf-8") == expected


def test_describe_binary():
    assert describe_binary(b"PK\x03\x04rest")[0].startswith("a ZIP archive")
    assert "old Excel .xls" in describe_binary(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")[0]
    assert describe_binary(b"%PDF-1.4")[0] == "a PDF document"
    assert describe_binary(b"id,title\n") is None
