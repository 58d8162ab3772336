"""CSV and XLSX exports read back from files built out of real shared records.

Each table is written the way a user's export looks (incoPat-style Chinese
headers, Lens, PatSnap English, Google Patents), in every encoding Chinese
users meet, and every mapped field is compared with the source record.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from ipnav.ingest.base import InputFileError, Parsed, Rejected
from ipnav.ingest.mapping import presets
from ipnav.ingest.tabular import CsvReader, XlsxReader
from ipnav.model.applicants import split_applicants
from ipnav.model.classification import normalize_symbol
from ipnav.model.numbers import parse_application_number, parse_publication_number
from ipnav.text.claims import split_claims
from ipnav.text.language import detect_language

CN_HEADERS = [
    "序号", "公开（公告）号", "标题", "摘要", "申请人", "发明人", "申请日",
    "公开（公告）日", "权利要求", "IPC", "合享价值度",
]  # fmt: skip
DATE_SPELLINGS = [
    lambda d: d.isoformat(),
    lambda d: d.strftime("%Y%m%d"),
    lambda d: d.strftime("%Y/%m/%d"),
    lambda d: d.strftime("%Y.%m.%d"),
    lambda d: f"{d.year}年{d.month}月{d.day}日",
]


def _jsonl(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="module")
def cn_sources(sample_data: Path) -> list[dict]:
    """33 CNKI records with claims and dates, then 200 CN numbers with titles and IPC."""
    rows = []
    for r in _jsonl(
        sample_data / "cn_cnki_sample_with_claims/cn_cnki_materials_chemistry_2018.jsonl.gz"
    ):
        rows.append(
            {
                "number": r["source_url"].split("filename=")[1],
                "title": r["title"],
                "abstract": r["abstract"],
                "applicants": r["applicant"].split(";"),
                "inventors": r["inventors"],
                "filing_date": dt.date.fromisoformat(r["application_date"]),
                "publication_date": dt.date.fromisoformat(r["publication_date"]),
                "claims": r["claims"],
                "ipc": [],
            }
        )
    titles = _jsonl(sample_data / "cn_patent_titles_ipc/cn_titles_ipc_subclasses.jsonl.gz")
    for r in titles[:200]:
        rows.append(
            {"number": r["id"], "title": r["title"], "ipc": r["ipc_subclasses"], "applicants": []}
        )
    return rows


def _cn_table(sources: list[dict]) -> list[list]:
    table = [CN_HEADERS]
    for i, s in enumerate(sources):
        spell = DATE_SPELLINGS[i % len(DATE_SPELLINGS)]
        table.append(
            [
                i + 1,
                s["number"],
                s["title"],
                s.get("abstract", ""),
                ";".join(s["applicants"]),
                ";".join(s.get("inventors", [])),
                spell(s["filing_date"]) if "filing_date" in s else "",
                spell(s["publication_date"]) if "publication_date" in s else "",
                s.get("claims", ""),
                "; ".join(s["ipc"]),
                8.5 if i % 2 else 7,
            ]
        )
    return table


def _write_csv(path: Path, table: list[list], encoding: str, delimiter: str = ",") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f, delimiter=delimiter).writerows(table)
    return path


def _write_xlsx(path: Path, table: list[list], title_rows: list[list] = ()) -> Path:
    book = Workbook()
    sheet = book.active
    for row in [*title_rows, *table]:
        sheet.append(row)
    book.save(path)
    return path


def _parsed(items: list) -> list[Parsed]:
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert not rejected, rejected[:3]
    return items


def _check_cn(items: list[Parsed], sources: list[dict], dataset: str = "cn") -> None:
    assert len(items) == len(sources)
    for item, src in zip(items, sources, strict=True):
        rec = item.record
        pub = parse_publication_number(src["number"])
        assert rec.id == pub.id == item.source_key
        assert (rec.country, rec.number, rec.kind) == (pub.country, pub.number, pub.kind)
        assert rec.title == {detect_language(src["title"]): src["title"]}
        if src.get("abstract"):
            assert rec.abstract == {"zh": src["abstract"].strip()}  # cells are stripped
            assert rec.claims == {"zh": split_claims(src["claims"])}
            assert [p.name for p in rec.inventors] == src["inventors"]
            assert rec.filing_date == src["filing_date"]
            assert rec.publication_date == src["publication_date"]
        else:
            assert rec.abstract == {} and rec.claims == {} and rec.filing_date is None
        assert [p.name for p in rec.applicants] == src["applicants"]
        assert rec.ipc == [normalize_symbol(s) for s in src["ipc"]]
        assert rec.legal_status is None and rec.cited_patents == []
        assert rec.sources[0].dataset == dataset
        assert set(rec.extra[dataset]) == {"序号", "合享价值度"}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_cn_csv_in_every_encoding_reads_back_every_field(tmp_path, cn_sources, encoding):
    path = _write_csv(tmp_path / "export.csv", _cn_table(cn_sources), encoding)
    reader = CsvReader()
    items = _parsed(list(reader.read(path, dataset="cn")))
    _check_cn(items, cn_sources)
    assert reader.selected.name == "incopat"
    expected = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig"}.get(encoding, "gb18030")
    assert reader.encoding_used == expected


def test_excel_unicode_text_utf16_tab_separated(tmp_path, cn_sources):
    path = _write_csv(tmp_path / "export.txt", _cn_table(cn_sources), "utf-16", "\t")
    items = _parsed(list(CsvReader().read(path, dataset="cn")))
    _check_cn(items, cn_sources)


def test_gzipped_csv(tmp_path, cn_sources):
    plain = _write_csv(tmp_path / "export.csv", _cn_table(cn_sources[:40]), "utf-8")
    packed = tmp_path / "export.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    _check_cn(_parsed(list(CsvReader().read(packed, dataset="cn"))), cn_sources[:40])


def test_xlsx_with_title_rows_date_cells_and_numbers(tmp_path, cn_sources):
    table = _cn_table(cn_sources)
    for row, src in zip(table[1:], cn_sources, strict=True):  # real Excel date cells
        if "filing_date" in src:
            row[6] = dt.datetime.combine(src["filing_date"], dt.time())
            row[7] = src["publication_date"]
    title_rows = [["incoPat 专利检索结果导出 检索式：TIAB=(材料)"], []]
    path = _write_xlsx(tmp_path / "export.xlsx", table, title_rows)
    reader = XlsxReader()
    items = _parsed(list(reader.read(path, dataset="cn")))
    _check_cn(items, cn_sources)
    assert reader.selected.name == "incopat"
    assert items[0].location.line == 4 and items[0].location.record == 1
    assert items[0].record.extra["cn"] == {"序号": 1, "合享价值度": 7}
    assert items[1].record.extra["cn"]["合享价值度"] == 8.5


def test_custom_mapping_file_bdci_ids(tmp_path, sample_data):
    sources = _jsonl(sample_data / "cn_bdci2022_patent_fewshot/cn_bdci2022_patents.jsonl.gz")[:200]
    table = [["编号", "国家", "名称", "专利权人", "内容摘要", "类别"]]
    table += [
        [r["id"], r["country"], r["title"], r["assignee"], r["abstract"], r["label_id"]]
        for r in sources
    ]
    path = _write_csv(tmp_path / "bdci.csv", table, "utf-8")
    mapping = tmp_path / "bdci.toml"
    mapping.write_text(
        'name = "bdci"\nrequired = [["id"], ["title", "abstract"]]\nlanguage = "zh"\n'
        '[columns]\nid = "编号"\ncountry = "国家"\ntitle = "名称"\n'
        'applicants = ["专利权人"]\nabstract = ["内容摘要"]\n',
        encoding="utf-8",
    )
    reader = CsvReader(mapping=mapping)
    items = _parsed(list(reader.read(path, dataset="bdci")))
    assert reader.selected.name == "bdci" and len(items) == 200
    for item, src in zip(items, sources, strict=True):
        rec = item.record
        assert item.source_key == src["id"] and rec.id == f"BDCI-{src['id']}"
        assert (rec.country, rec.number, rec.kind) == ("CN", None, None)
        assert rec.title == {"zh": src["title"]} and rec.abstract == {"zh": src["abstract"]}
        assert [p.name for p in rec.applicants] == split_applicants(src["assignee"])
        assert rec.extra == {"bdci": {"类别": str(src["label_id"])}}


@pytest.fixture(scope="module")
def patsnap(sample_data: Path) -> list[dict]:
    docs = _jsonl(sample_data / "patsnap_cs3245_citation_corpus/documents.jsonl.gz")
    return [d for d in docs if d["title"]][:300]


def _display_key(doc: dict) -> str:
    body = doc["id"][2 : len(doc["id"]) - len(doc["kind"] or "")]
    return " ".join(p for p in (doc["country"], body, doc["kind"]) if p)


def _app_or_raw(number: str) -> str:
    try:
        return parse_application_number(number).normalized
    except ValueError:  # e.g. AU1997PO08265: kept as the source wrote it
        return number


def _check_en_common(rec, doc: dict) -> None:
    assert rec.id == parse_publication_number(doc["id"]).id
    assert rec.title == {detect_language(doc["title"]): doc["title"]}
    if doc["abstract"]:
        assert rec.abstract == {detect_language(doc["abstract"]): doc["abstract"]}
    assert [p.name for p in rec.applicants] == doc["assignees"]
    assert [p.name for p in rec.inventors] == doc["inventors"]
    assert rec.ipc == list(dict.fromkeys(normalize_symbol(s) for s in doc["ipc"]))
    app = doc["application_number"]
    assert rec.application_number == (parse_application_number(app).normalized if app else None)
    assert rec.filing_date == (
        dt.date.fromisoformat(doc["filing_date"]) if doc["filing_date"] else None
    )
    assert rec.publication_date == dt.date.fromisoformat(doc["publication_date"])
    assert rec.family == [parse_publication_number(f).id for f in doc["family_members"]]


def test_lens_csv_of_patsnap_records(tmp_path, patsnap):
    headers = [
        "#", "Jurisdiction", "Kind", "Display Key", "Lens ID", "Publication Date",
        "Application Number", "Application Date", "Priority Numbers", "Title", "Abstract",
        "Applicants", "Inventors", "IPCR Classifications", "Simple Family Members", "URL",
    ]  # fmt: skip
    table = [headers]
    for i, d in enumerate(patsnap, 1):
        table.append(
            [
                i, d["country"], d["kind"] or "", _display_key(d), f"000-{i:03d}",
                d["publication_date"], (d["application_number"] or "") + (" A" if i % 2 else ""),
                d["filing_date"] or "", ";;".join(d["priority_numbers"]), d["title"],
                d["abstract"] or "", ";;".join(d["assignees"]), ";;".join(d["inventors"]),
                ";;".join(d["ipc"]), ";;".join(d["family_members"]), f"https://lens.org/{i}",
            ]
        )  # fmt: skip
    path = _write_csv(tmp_path / "lens-export.csv", table, "utf-8")
    reader = CsvReader()
    items = _parsed(list(reader.read(path, dataset="lens")))
    assert reader.selected.name == "lens" and len(items) == len(patsnap)
    for i, (item, doc) in enumerate(zip(items, patsnap, strict=True), 1):
        _check_en_common(item.record, doc)
        numbers = [c.number for c in item.record.priority_claims]
        assert numbers == [_app_or_raw(n) for n in doc["priority_numbers"]]
        assert item.record.extra["lens"] == {"#": str(i), "URL": f"https://lens.org/{i}"}


def test_patsnap_english_xlsx_with_citations(tmp_path, patsnap):
    headers = [
        "Patent Number", "Kind Code", "Title", "Abstract", "Application Number",
        "Application Date", "Publication Date", "All IPC", "Assignee(s)", "Inventor(s)",
        "Priority Number", "Priority Date", "Family Members", "Cites", "Cited By",
        "Other References", "Family Member Count",
    ]  # fmt: skip
    table = [headers]
    for d in patsnap:
        table.append(
            [
                d["id"], d["kind"], d["title"], d["abstract"], d["application_number"],
                d["filing_date"], d["publication_date"], " | ".join(d["ipc"]),
                " | ".join(d["assignees"]), " | ".join(d["inventors"]),
                " | ".join(d["priority_numbers"]), " | ".join(d["priority_dates"]),
                " | ".join(d["family_members"]), " | ".join(d["cited_patents"]),
                " | ".join(d["cited_by"]), " | ".join(d["npl_citations"]),
                len(d["family_members"]),
            ]
        )  # fmt: skip
    path = _write_xlsx(tmp_path / "patsnap.xlsx", table)
    reader = XlsxReader()
    items = _parsed(list(reader.read(path, dataset="ps")))
    assert reader.selected.name == "patsnap-en"
    for item, doc in zip(items, patsnap, strict=True):
        rec = item.record
        _check_en_common(rec, doc)
        assert [c.ref for c in rec.cited_patents] == [
            parse_publication_number(c).id for c in doc["cited_patents"]
        ]
        assert rec.cited_by == [parse_publication_number(c).id for c in doc["cited_by"]]
        assert rec.npl_citations == [n.strip() for n in doc["npl_citations"]]
        claims = [(c.number, c.date.isoformat()) for c in rec.priority_claims]
        assert claims == [
            (_app_or_raw(n), d)
            for n, d in zip(doc["priority_numbers"], doc["priority_dates"], strict=True)
        ]
        assert rec.extra["ps"] == {"Family Member Count": len(doc["family_members"])}


def test_google_patents_csv(tmp_path, patsnap):
    us = [d for d in patsnap if d["country"] == "US"][:50]
    lines = ["search URL:,https://patents.google.com/?q=water+treatment"]
    header = (
        "id,title,assignee,inventor/author,priority date,filing/creation date,"
        "publication date,grant date,result link,representative figure link"
    )
    table = [header.split(",")]
    for d in us:
        gid = f"US-{d['id'][2 : len(d['id']) - len(d['kind'] or '')]}" + (
            f"-{d['kind']}" if d["kind"] else ""
        )
        first = d["assignees"][0] if d["assignees"] else ""
        date = d["priority_dates"][0] if d["priority_dates"] else ""
        link = f"https://patents.google.com/patent/{d['id']}/en"
        row = [
            gid,
            d["title"],
            first,
            "",
            date,
            d["filing_date"],
            d["publication_date"],
            "",
            link,
            "",
        ]
        table.append(row)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(table)
    path = tmp_path / "gp.csv"
    path.write_text(lines[0] + "\n" + buffer.getvalue(), encoding="utf-8")
    reader = CsvReader()
    items = _parsed(list(reader.read(path, dataset="gp")))
    assert reader.selected.name == "google-patents" and len(items) == len(us)
    for item, d in zip(items, us, strict=True):
        rec = item.record
        assert rec.id == parse_publication_number(d["id"]).id
        assert [p.name for p in rec.applicants] == d["assignees"][:1]  # "X, INC." not split
        assert rec.publication_date.isoformat() == d["publication_date"]
        extra = rec.extra["gp"]
        assert extra["result link"].endswith(f"{d['id']}/en")
        if d["priority_dates"]:
            assert extra["priority date"] == d["priority_dates"][0]
        assert item.location.line == items.index(item) + 3


# --- bad input ---------------------------------------------------------------------


def test_missing_required_column_names_it_and_the_headers(tmp_path, cn_sources):
    table = [row[:1] + row[2:] for row in _cn_table(cn_sources[:5])]  # no 公开（公告）号
    path = _write_csv(tmp_path / "no-number.csv", table, "utf-8")
    with pytest.raises(InputFileError) as err:
        list(CsvReader().read(path, dataset="x"))
    message = str(err.value)
    assert (
        "missing required column: publication number or id (looked for `公开（公告）号`" in message
    )
    assert "closest built-in preset `incopat`" in message
    assert "headers found in row 1: `序号`, `标题`, `摘要`" in message and "--mapping" in message
    with pytest.raises(InputFileError, match="; mapping `incopat`\\); headers found"):
        list(CsvReader(mapping="incopat").read(path, dataset="x"))
    no_text = [row[:2] + row[4:] for row in _cn_table(cn_sources[:5])]  # no 标题, no 摘要
    path = _write_csv(tmp_path / "no-text.csv", no_text, "utf-8")
    with pytest.raises(InputFileError, match="missing required column: title or abstract"):
        list(CsvReader().read(path, dataset="x"))


def test_impossible_date_and_broken_number_reject_only_their_row(tmp_path, cn_sources):
    table = _cn_table(cn_sources[:6])
    table[2][7] = "2023-13-01"
    table[4][1] = "CN12AB"
    path = _write_csv(tmp_path / "bad.csv", table, "utf-8")
    items = list(CsvReader().read(path, dataset="x"))
    assert [type(i).__name__ for i in items] == [
        "Parsed",
        "Rejected",
        "Parsed",
        "Rejected",
        "Parsed",
        "Parsed",
    ]
    assert items[1].reason == (
        "column `公开（公告）日` in row 3 is not a date (got '2023-13-01'); dates must be "
        "YYYY-MM-DD or YYYYMMDD (also YYYY/MM/DD, YYYY.MM.DD, YYYY年MM月DD日)"
    )
    assert items[1].location.line == 3 and items[1].location.record == 2
    assert items[1].excerpt.startswith("2 | CN108859303A | 一种隔热金属材料")
    assert items[3].reason.startswith(
        "column `公开（公告）号` in row 5 is not a publication number"
    )
    assert "CN12AB" in items[3].reason


def test_row_without_required_value_is_rejected_and_empty_rows_skipped(tmp_path, cn_sources):
    table = _cn_table(cn_sources[:3])
    table.insert(2, [""] * len(CN_HEADERS))
    table[3][1] = ""
    path = _write_csv(tmp_path / "gaps.csv", table, "utf-8")
    items = list(CsvReader().read(path, dataset="x"))
    assert [type(i).__name__ for i in items] == ["Parsed", "Rejected", "Parsed"]
    assert items[1].reason == "row 4 has no publication_number or id; every row needs one"


def test_gbk_file_forced_as_utf8_names_line_and_encoding(tmp_path, cn_sources):
    path = _write_csv(tmp_path / "gbk.csv", _cn_table(cn_sources[:5]), "gbk")
    with pytest.raises(InputFileError) as err:
        list(CsvReader(encoding="utf-8").read(path, dataset="x"))
    assert "line 1 is not valid utf-8 (as given" in str(err.value)
    assert "--encoding gb18030" in str(err.value)


def test_invalid_bytes_after_the_detection_sample(tmp_path, cn_sources):
    path = _write_csv(tmp_path / "mixed.csv", _cn_table(cn_sources), "utf-8")
    data = path.read_bytes()
    marker = cn_sources[200]["title"].encode()
    at = data.index(marker)
    assert at > 64 * 1024  # past what detection looks at
    path.write_bytes(data[:at] + "中文".encode("gbk") + data[at:])
    with pytest.raises(InputFileError) as err:
        list(CsvReader().read(path, dataset="x"))
    line = data[:at].count(b"\n") + 1
    assert f"line {line} is not valid utf-8 (detected from the file's start" in str(err.value)
    assert "--encoding" in str(err.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x00\x01\x02binary\x00" * 50, r"binary data \(NUL bytes\)"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "looks like a PDF document"),
    ],
)
def test_binary_input_to_csv(tmp_path, content, expected):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=expected):
        list(CsvReader().read(path, dataset="x"))


def test_xlsx_given_as_csv_and_csv_given_as_xlsx(tmp_path, cn_sources):
    book = _write_xlsx(tmp_path / "export.xlsx", _cn_table(cn_sources[:3]))
    with pytest.raises(InputFileError, match=r"ZIP archive \(an .xlsx workbook\?\).*--format xlsx"):
        list(CsvReader().read(book, dataset="x"))
    text = _write_csv(tmp_path / "export.csv", _cn_table(cn_sources[:3]), "utf-8")
    with pytest.raises(InputFileError, match=r"text \(CSV\) file.*--format csv"):
        list(XlsxReader().read(text, dataset="x"))


def test_truncated_and_corrupt_xlsx(tmp_path, cn_sources):
    good = _write_xlsx(tmp_path / "good.xlsx", _cn_table(cn_sources))
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(InputFileError, match="not a readable XLSX workbook"):
        list(XlsxReader().read(cut, dataset="x"))
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # XML cut in the middle of the rows
            dst.writestr(info, data)
    with pytest.raises(InputFileError, match="workbook damaged after row"):
        list(XlsxReader().read(broken, dataset="x"))


def test_explicit_header_row(tmp_path, cn_sources):
    table = [["导出时间 2024-05-01", "", "公开（公告）号"], *_cn_table(cn_sources[:4])]
    path = _write_csv(tmp_path / "h.csv", table, "utf-8")
    _check_cn(_parsed(list(CsvReader(header_row=2).read(path, dataset="cn"))), cn_sources[:4])
    with pytest.raises(
        InputFileError,
        match="headers found in row 3: `1`, `CN108982325A`, `地下防污屏障材料化学相容性测试装置",
    ):
        list(CsvReader(header_row=3).read(path, dataset="cn"))


def test_named_sheet(tmp_path, cn_sources):
    book = Workbook()
    book.active.append(["说明：本表由系统导出"])
    data = book.create_sheet("专利列表")
    for row in _cn_table(cn_sources[:10]):
        data.append(row)
    book.save(tmp_path / "two.xlsx")
    _check_cn(
        list(XlsxReader(sheet="专利列表").read(tmp_path / "two.xlsx", dataset="cn")),
        cn_sources[:10],
    )
    with pytest.raises(
        InputFileError, match="no sheet 'Sheet9'; the workbook has 'Sheet', '专利列表'"
    ):
        list(XlsxReader(sheet="Sheet9").read(tmp_path / "two.xlsx", dataset="cn"))


def test_legal_status_known_and_unknown_texts(tmp_path, cn_sources):
    table = _cn_table(cn_sources[:5])
    table[0].append("当前法律状态")
    for row, status in zip(
        table[1:], ["有效", "驳回", "撤回-视为撤回", "避免重复授权", "PCT指定期满"], strict=True
    ):
        row.append(status)
    items = _parsed(
        list(CsvReader().read(_write_csv(tmp_path / "s.csv", table, "utf-8"), dataset="x"))
    )
    assert [i.record.legal_status for i in items] == [
        "granted",
        "rejected",
        "withdrawn",
        "abandoned",
        None,
    ]
    assert items[4].record.extra["x"]["当前法律状态"] == "PCT指定期满"
    assert "当前法律状态" not in items[0].record.extra["x"]


# --- streaming ---------------------------------------------------------------------


def _traced_peak(tmp_path, titles, rows: int) -> tuple[int, int]:
    path = tmp_path / f"big-{rows}.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["公开（公告）号", "标题", "申请日"])
        for i in range(rows):
            out.writerow([f"CN{100000000 + i}A", titles[i % len(titles)], "20181211"])
    count = 0
    tracemalloc.start()
    try:
        for item in CsvReader().read(path, dataset="big"):
            assert isinstance(item, Parsed)
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == rows
    return peak, path.stat().st_size


@pytest.mark.slow
def test_streaming_reads_in_constant_memory(tmp_path, cn_sources):
    titles = [s["title"] for s in cn_sources]
    presets()  # loaded once per process, not per file: not part of what is measured
    small_peak, _ = _traced_peak(tmp_path, titles, 5_000)
    big_peak, big_size = _traced_peak(tmp_path, titles, 40_000)
    # eight times the rows, about the same peak: memory does not grow with the file
    assert big_peak < small_peak * 1.5 + 256_000, (small_peak, big_peak)
    assert big_peak < big_size / 4, (big_peak, big_size)
