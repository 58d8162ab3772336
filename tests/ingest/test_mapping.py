"""Column-mapping files, the built-in presets, and the cell conventions they set."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ipnav.ingest.mapping import (
    FIELDS,
    MappingError,
    Target,
    cell_date,
    cell_text,
    cell_value,
    get_mapping,
    legal_status,
    load_mapping,
    mapping_from_dict,
    normalize_header,
    presets,
)
from ipnav.model.record import LegalStatus


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_custom_mapping_file_with_every_option(tmp_path):
    path = _write(
        tmp_path,
        """
name = "office-export"
language = "zh"
default_country = "cn"
header_row = 3
sheet = "Data"
separators = ["、"]
date_formats = ["%d.%m.%Y"]
required = [["publication_number"], "title"]
signature = ["备注"]

[columns]
publication_number = ["公开号", "Pub No"]
title = "名称"
"title.en" = ["English title"]
abstract = { en = ["Abstract (EN)"], auto = ["摘要"] }

[field_separators]
inventors = [",", "；"]

[legal_status]
"维持" = "granted"
""",
    )
    m = load_mapping(path)
    assert (m.name, m.language, m.default_country, m.header_row, m.sheet) == (
        "office-export", "zh", "CN", 3, "Data",
    )  # fmt: skip
    assert m.required == (("publication_number",), ("title",))
    assert dict(m.columns)[Target("title", "en")] == ("English title",)
    assert dict(m.columns)[Target("abstract", None)] == ("摘要",)
    assert m.separators_for("inventors") == (",", "；") and m.separators_for("ipc") == ("、",)
    assert legal_status("维持", m.legal_status) is LegalStatus.GRANTED
    assert get_mapping(path) == m and get_mapping(str(path)) == m


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[columns]\npub = ["x"]',
            "unknown field `pub` in \\[columns\\]; known: publication_number",
        ),
        ('[columns]\n"ipc.en" = ["x"]', "`ipc.en`: only text fields take a language"),
        ('header_row = 0\n[columns]\ntitle = ["x"]', 'header_row must be "auto" or a row number'),
        ('colums = 1\n[columns]\ntitle = ["x"]', "unknown key\\(s\\) colums"),
        ('required = [["nope"]]\n[columns]\ntitle = ["x"]', "unknown field `nope` in required"),
        ('[columns]\ntitle = [""]', "`columns.title` must be a string or a list"),
        ('[columns]\ntitle = "x"\n[legal_status]\n"a" = "alive"', "use one of pending, granted"),
        ("name = 1", "a mapping needs a \\[columns\\] table"),
        ("[columns\n", "not a valid UTF-8 TOML mapping file"),
    ],
)
def test_mapping_file_errors_name_the_key(tmp_path, text, message):
    with pytest.raises(MappingError, match=message):
        load_mapping(_write(tmp_path, text))


def test_missing_mapping_file_and_unknown_preset(tmp_path):
    with pytest.raises(MappingError, match="cannot read the mapping file"):
        load_mapping(tmp_path / "none.toml")
    with pytest.raises(
        MappingError, match="no mapping preset or file 'lenz'; presets: ipnav, incopat"
    ):
        get_mapping("lenz")


def test_header_normalisation_matches_export_variants():
    assert normalize_header("公开（公告）号") == normalize_header("公开(公告)号")
    assert normalize_header("\ufeffPublication  Date") == normalize_header("publication_date")
    assert normalize_header("ＩＰＣ分类号 ") == normalize_header("IPC分类号")


def test_resolve_first_candidate_wins_once_and_reports_missing():
    m = mapping_from_dict(
        {
            "columns": {
                "publication_number": ["公开号", "公告号"],
                "application_number": ["公告号"],
                "title": ["标题"],
            }
        }
    )
    fit = m.resolve(["公告号", "公开号", "其他", None])
    assert [(str(c.target), c.index) for c in fit.columns] == [
        ("application_number", 0),
        ("publication_number", 1),
    ]
    assert fit.unmapped == ((2, "其他"), (3, ""))
    assert fit.missing == (("title", "abstract"),) and not fit.ok
    assert m.resolve(["标题", "公开号"]).ok


def test_presets_load_and_each_recognises_its_own_headers():
    names = [m.name for m in presets()]
    assert names == [
        "ipnav",
        "incopat",
        "patsnap-zh",
        "cnipa",
        "patsnap-en",
        "lens",
        "google-patents",
    ]
    for preset in presets():
        first = [heads[0] for _, heads in preset.columns]
        fit = preset.resolve(first)
        assert fit.ok, preset.name
        assert len(fit.columns) == len(first), preset.name
        assert all(target.field in FIELDS for target, _ in preset.columns)
    best = max(presets(), key=lambda m: m.resolve(["Display Key", "Title", "Lens ID"]).score)
    assert best.name == "lens"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2018-12-11", dt.date(2018, 12, 11)),
        ("20181211", dt.date(2018, 12, 11)),
        ("2018/1/5", dt.date(2018, 1, 5)),
        ("2018.12.11", dt.date(2018, 12, 11)),
        ("2018年12月11日", dt.date(2018, 12, 11)),
        ("2018-12-11 00:00:00", dt.date(2018, 12, 11)),
        (dt.datetime(2018, 12, 11, 0, 0), dt.date(2018, 12, 11)),
        (dt.date(2018, 12, 11), dt.date(2018, 12, 11)),
        (20181211, dt.date(2018, 12, 11)),
        (43445, dt.date(2018, 12, 11)),  # Excel serial number
        (43445.0, dt.date(2018, 12, 11)),
    ],
)
def test_cell_dates(value, expected):
    assert cell_date(value) == expected


@pytest.mark.parametrize("value", ["2023-13-01", "2023-02-30", "11/12/2018", "soon", "2018-1"])
def test_cell_dates_refused(value):
    with pytest.raises(ValueError):
        cell_date(value)


def test_extra_date_formats():
    assert cell_date("11.12.2018", ["%d.%m.%Y"]) == dt.date(2018, 12, 11)


def test_cell_text_and_value():
    assert cell_text(201810849497.0) == "201810849497"
    assert cell_text(" - ") == "" and cell_text(None) == ""
    assert cell_text(dt.datetime(2018, 12, 11)) == "2018-12-11"
    assert cell_value(8.0) == 8 and cell_value(8.5) == 8.5 and cell_value(" x ") == "x"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("有效", LegalStatus.GRANTED),
        ("授权", LegalStatus.GRANTED),
        ("失效", LegalStatus.LAPSED),
        ("驳回", LegalStatus.REJECTED),
        ("撤回-视为撤回", LegalStatus.WITHDRAWN),
        ("审中", LegalStatus.PENDING),
        ("实质审查", LegalStatus.PENDING),
        ("Active", LegalStatus.GRANTED),
        ("Expired - Lifetime", LegalStatus.EXPIRED),
        ("Expired - Fee Related", LegalStatus.LAPSED),
        ("Pending", LegalStatus.PENDING),
        ("未确认", None),
        ("PCT指定期满", None),
    ],
)
def test_legal_status_texts(text, expected):
    assert legal_status(text) == expected


def test_preset_legal_status_tables():
    incopat = get_mapping("incopat").legal_status
    assert legal_status("避免重复授权", incopat) is LegalStatus.ABANDONED
    assert legal_status("部分无效", incopat) is LegalStatus.GRANTED
    lens = get_mapping("lens").legal_status
    assert legal_status("DISCONTINUED", lens) is LegalStatus.ABANDONED
    assert legal_status("PATENTED", lens) is LegalStatus.GRANTED
